"""Command-line front end (Typer). Each module registers its own commands."""
