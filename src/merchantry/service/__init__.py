"""Use cases shared by the CLI, the API and the console; the stage seam; online state."""
