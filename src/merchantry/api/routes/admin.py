"""Key management, webhook endpoints and deliveries, and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from merchantry.api import events
from merchantry.api.auth import Principal, require_scope
from merchantry.api.docs import Limit, Offset, ok, written
from merchantry.api.idempotency import Idempotency, idempotency
from merchantry.api.schemas import EndpointIn, KeyIn
from merchantry.api.times import SERVICE, zoned
from merchantry.ops import audit, keys, webhooks

router = APIRouter(prefix="/v1", tags=["admin"])


class KeyOut(BaseModel):
    key_id: str
    role: str
    shop_id: str | None
    scopes: list[str]
    name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


class IssuedKeyOut(KeyOut):
    secret_key: str
    """The key itself: shown in this response only, never again."""


def _key_out(key: keys.ApiKey) -> dict[str, Any]:
    key = zoned(key, SERVICE)
    return {
        "key_id": key.key_id,
        "role": key.role.value,
        "shop_id": key.shop_id,
        "scopes": sorted(key.scopes),
        "name": key.name,
        "created_at": key.created_at,
        "created_by": key.created_by,
        "revoked_at": key.revoked_at,
    }


KEY_EXAMPLE: dict[str, Any] = {
    "key_id": "3f9a0c1d2e4b5a67",
    "role": "merchant",
    "shop_id": "S0001",
    "scopes": ["payouts:read", "statements:read"],
    "name": "S0001 ERP",
    "created_at": "2026-03-01T08:00:00Z",
    "created_by": "key:0a1b2c3d4e5f6071",
    "revoked_at": None,
}
KeyId = Annotated[str, Path(min_length=1, max_length=32, examples=["3f9a0c1d2e4b5a67"])]


@router.post(
    "/keys",
    response_model=IssuedKeyOut,
    status_code=201,
    summary="Issue an API key (its secret is shown once)",
    responses=written({**KEY_EXAMPLE, "secret_key": "mk_3f9a0c1d2e4b5a67_Zx8v…"}, status=201),
)
def create_key(
    request: Request,
    body: KeyIn,
    principal: Principal = Depends(require_scope("keys:manage")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    def work() -> tuple[int, Any]:
        issued = keys.create_key(
            request.app.state.ops_engine,
            role=keys.KeyRole(body.role),
            shop_id=body.shop_id,
            scopes=None if body.scopes is None else frozenset(body.scopes),
            name=body.name,
            created_by=principal.actor,
        )
        out = _key_out(issued.key)
        events.written(
            request,
            principal,
            action="key.create",
            resource=f"key:{issued.key.key_id}",
            shop_id=issued.key.shop_id,
            after=out,
        )
        return 201, {**out, "secret_key": issued.secret_key}

    return idem.run(work)


@router.get(
    "/keys",
    response_model=list[KeyOut],
    summary="API keys (never their secrets)",
    responses=ok([KEY_EXAMPLE]),
)
def list_keys(
    request: Request,
    limit: Limit = 100,
    offset: Offset = 0,
    _: Principal = Depends(require_scope("keys:manage")),
) -> list[dict[str, Any]]:
    found = keys.list_keys(request.app.state.ops_engine, limit=limit, offset=offset)
    return [_key_out(k) for k in found]


@router.delete(
    "/keys/{key_id}",
    response_model=KeyOut,
    summary="Revoke an API key",
    responses=written({**KEY_EXAMPLE, "revoked_at": "2026-03-31T08:00:00Z"}),
)
def revoke_key(
    request: Request,
    key_id: KeyId,
    principal: Principal = Depends(require_scope("keys:manage")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    engine = request.app.state.ops_engine

    def change() -> dict[str, Any]:
        revoked = _key_out(keys.revoke_key(engine, key_id))
        request.app.state.keys.revoked(key_id)
        return revoked

    return _audited_change(
        request,
        principal,
        idem,
        action="key.revoke",
        resource=f"key:{key_id}",
        read=lambda: _key_out(keys.get_key(engine, key_id)),
        change=change,
    )


class EndpointOut(BaseModel):
    endpoint_id: str
    url: str
    event_types: list[str]
    shop_id: str | None
    created_at: datetime
    created_by: str
    disabled_at: datetime | None


class NewEndpointOut(EndpointOut):
    secret: str
    """The signing secret (whsec_…): shown in this response only."""


def _endpoint_out(e: webhooks.Endpoint) -> dict[str, Any]:
    e = zoned(e, SERVICE)
    return {
        "endpoint_id": e.endpoint_id,
        "url": e.url,
        "event_types": sorted(e.event_types),
        "shop_id": e.shop_id,
        "created_at": e.created_at,
        "created_by": e.created_by,
        "disabled_at": e.disabled_at,
    }


ENDPOINT_EXAMPLE: dict[str, Any] = {
    "endpoint_id": "we_8c7b6a5d4e3f2a10",
    "url": "https://erp.example.com/hooks/merchantry",
    "event_types": ["case.state_changed", "payout.scheduled"],
    "shop_id": None,
    "created_at": "2026-03-01T08:00:00Z",
    "created_by": "key:0a1b2c3d4e5f6071",
    "disabled_at": None,
}
EndpointId = Annotated[str, Path(min_length=1, max_length=32, examples=["we_8c7b6a5d4e3f2a10"])]


@router.post(
    "/webhooks/endpoints",
    response_model=NewEndpointOut,
    status_code=201,
    summary="Register a webhook endpoint (its signing secret is shown once)",
    responses=written(
        {**ENDPOINT_EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, status=201
    ),
)
def add_endpoint(
    request: Request,
    body: EndpointIn,
    principal: Principal = Depends(require_scope("webhooks:manage")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    def work() -> tuple[int, Any]:
        endpoint, secret = webhooks.add_endpoint(
            request.app.state.ops_engine,
            url=body.url,
            event_types=frozenset(body.event_types),
            shop_id=body.shop_id,
            created_by=principal.actor,
        )
        out = _endpoint_out(endpoint)
        events.written(
            request,
            principal,
            action="webhook_endpoint.create",
            resource=f"webhook_endpoint:{endpoint.endpoint_id}",
            shop_id=endpoint.shop_id,
            after=out,
        )
        return 201, events.as_json({**out, "secret": secret})

    return idem.run(work)


@router.get(
    "/webhooks/endpoints",
    response_model=list[EndpointOut],
    summary="Webhook endpoints",
    responses=ok([ENDPOINT_EXAMPLE]),
)
def list_endpoints(
    request: Request, _: Principal = Depends(require_scope("webhooks:manage"))
) -> list[dict[str, Any]]:
    return [_endpoint_out(e) for e in webhooks.list_endpoints(request.app.state.ops_engine)]


@router.delete(
    "/webhooks/endpoints/{endpoint_id}",
    response_model=EndpointOut,
    summary="Disable a webhook endpoint",
    responses=written({**ENDPOINT_EXAMPLE, "disabled_at": "2026-03-31T08:00:00Z"}),
)
def disable_endpoint(
    request: Request,
    endpoint_id: EndpointId,
    principal: Principal = Depends(require_scope("webhooks:manage")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    engine = request.app.state.ops_engine
    return _audited_change(
        request,
        principal,
        idem,
        action="webhook_endpoint.disable",
        resource=f"webhook_endpoint:{endpoint_id}",
        read=lambda: _endpoint_out(webhooks.get_endpoint(engine, endpoint_id)),
        change=lambda: _endpoint_out(webhooks.disable_endpoint(engine, endpoint_id)),
    )


@router.get(
    "/webhooks/deliveries",
    response_model=list[webhooks.Delivery],
    summary="The delivery log",
    responses=ok(
        [
            {
                "delivery_id": 17,
                "message_id": "msg_4b3c2d1e0f9a8b7c6d5e4f3a",
                "endpoint_id": "we_8c7b6a5d4e3f2a10",
                "event_type": "case.state_changed",
                "shop_id": "S0001",
                "state": "delivered",
                "attempts": 2,
                "next_attempt_at": None,
                "last_status": 204,
                "last_error": None,
                "created_at": "2026-03-31T08:00:00Z",
                "finished_at": "2026-03-31T08:00:05Z",
            }
        ]
    ),
)
def deliveries(
    request: Request,
    endpoint_id: Annotated[
        str | None, Query(min_length=1, max_length=32, examples=["we_8c7b6a5d4e3f2a10"])
    ] = None,
    state: Annotated[
        str | None,
        Query(pattern="^(pending|sending|delivered|failed)$", examples=["failed"]),
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    _: Principal = Depends(require_scope("webhooks:manage")),
) -> list[webhooks.Delivery]:
    found = webhooks.list_deliveries(
        request.app.state.ops_engine,
        endpoint_id=endpoint_id,
        state=state,
        limit=limit,
        offset=offset,
    )
    return zoned(found, SERVICE)


@router.get(
    "/audit",
    response_model=list[audit.AuditEntry],
    summary="The audit log, newest first",
    responses=ok(
        [
            {
                "audit_id": 42,
                "at": "2026-03-31T08:00:00Z",
                "actor": "key:0a1b2c3d4e5f6071",
                "role": "operator",
                "action": "case.transition",
                "resource": "case:RC-7c1e0a9b2f4d6e83",
                "shop_id": "S0001",
                "before": {"state": "under_review"},
                "after": {"state": "overturned"},
            }
        ]
    ),
)
def audit_log(
    request: Request,
    resource: Annotated[
        str | None, Query(min_length=1, max_length=256, examples=["case:RC-7c1e0a9b2f4d6e83"])
    ] = None,
    actor: Annotated[
        str | None, Query(min_length=1, max_length=128, examples=["key:0a1b2c3d4e5f6071"])
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    _: Principal = Depends(require_scope("audit:read")),
) -> list[audit.AuditEntry]:
    found = audit.entries(
        request.app.state.ops_engine, resource=resource, actor=actor, limit=limit, offset=offset
    )
    return zoned(found, SERVICE)


def _audited_change(
    request: Request,
    principal: Principal,
    idem: Idempotency,
    *,
    action: str,
    resource: str,
    read: Callable[[], dict[str, Any]],
    change: Callable[[], dict[str, Any]],
) -> Any:
    """Change one record under the idempotency key, auditing it as it was and as it is."""

    def work() -> tuple[int, Any]:
        before = read()
        after = change()
        events.written(
            request,
            principal,
            action=action,
            resource=resource,
            shop_id=after["shop_id"],
            before=before,
            after=after,
        )
        return 200, events.as_json(after)

    return idem.run(work)
