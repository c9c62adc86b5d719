"""Real-time integrator endpoints (placeholder; the online work replaces this module)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Mount the real-time routes on ``app``; the placeholder mounts none."""
