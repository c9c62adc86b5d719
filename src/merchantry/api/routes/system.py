"""Health and version: no key needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
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


class Readiness(BaseModel):
    ready: bool
    online_state: str
    """ready, building, not started, failed: …, or absent (no real-time routes / no warehouse)."""
    ops_database: str


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
    "/ready",
    response_model=Readiness,
    summary="Can this worker answer real-time calls now",
    responses={
        200: {
            "description": "Ready: the online state is built and the operational database answers",
            "content": {
                "application/json": {
                    "example": {"ready": True, "online_state": "ready", "ops_database": "ok"}
                }
            },
        },
        503: {
            "description": "Not ready yet (still building its online state) or not able to",
            "content": {
                "application/json": {
                    "example": {"ready": False, "online_state": "building", "ops_database": "ok"}
                }
            },
        },
    },
)
def ready(request: Request, response: Response) -> dict[str, Any]:
    """Readiness, as distinct from liveness (``/health``): a worker is live as soon as it
    answers, and ready once its online state is built. A load balancer or an orchestrator
    sends traffic to ready workers only; a supervisor restarts only workers that are not live."""
    ops = _ops_status(request)
    service = getattr(request.app.state, "online", None)
    if service is None:
        built, state = True, "absent"
    else:
        built, state = service.readiness()
    is_ready = built and ops == "ok"
    if not is_ready:
        response.status_code = 503
    return {"ready": is_ready, "online_state": state, "ops_database": ops}


def _ops_status(request: Request) -> str:
    try:
        with request.app.state.ops_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as err:  # readiness reports, it does not fail
        return f"unreachable: {type(err).__name__}"


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
