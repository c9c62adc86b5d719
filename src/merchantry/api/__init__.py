"""The HTTP API: merchants, operators and integrators reach the engine through FastAPI."""
