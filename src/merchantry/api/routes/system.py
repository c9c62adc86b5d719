"""Health and version: no key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text

import merchantry
from merchantry.ops import HEAD, current_revision

router = APIRouter(tags=["system"])


class Health(BaseModel):
    status: str
    """ok, or degraded when the operational database does not answer."""
    ops_database: str
    warehouse: bool
    """Whether the warehouse file is there."""


class Version(BaseModel):
    name: str
    version: str
    api: str
    migration: str | None


@router.get(
    "/health",
    response_model=Health,
    summary="Is the service up",
    responses={
        200: {
            "description": "Up",
            "content": {
                "application/json": {
                    "example": {"status": "ok", "ops_database": "ok", "warehouse": True}
                }
            },
        }
    },
)
def health(request: Request) -> dict[str, Any]:
    try:
        with request.app.state.ops_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        ops = "ok"
    except Exception as err:  # health reports, it does not fail
        ops = f"unreachable: {type(err).__name__}"
    return {
        "status": "ok" if ops == "ok" else "degraded",
        "ops_database": ops,
        "warehouse": request.app.state.settings.warehouse.exists(),
    }


@router.get(
    "/version",
    response_model=Version,
    summary="Which Merchantry this is",
    responses={
        200: {
            "description": "Version",
            "content": {
                "application/json": {
                    "example": {
                        "name": "merchantry",
                        "version": "0.1.0",
                        "api": "v1",
                        "migration": HEAD,
                    }
                }
            },
        }
    },
)
def version(request: Request) -> dict[str, Any]:
    return {
        "name": "merchantry",
        "version": merchantry.__version__,
        "api": "v1",
        "migration": current_revision(request.app.state.ops_engine),
    }
