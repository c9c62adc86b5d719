"""Who is calling: API keys in, a :class:`Principal` out, scopes checked per route.

A key comes as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``.
``require_scope("cases:read")`` is a FastAPI dependency that answers 401 for a
missing, malformed, unknown or revoked key and 403 for a key without the scope,
and otherwise hands the route the caller. A merchant key acts for one shop:
:func:`require_shop` refuses (403) any other shop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from merchantry.api.errors import Unauthenticated
from merchantry.ops.keys import KeyRole, KeyVerifier
from merchantry.risk.access import AccessDenied, Scope

bearer = HTTPBearer(auto_error=False, description="Authorization: Bearer mk_…")
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="X-API-Key: mk_…")


@dataclass(frozen=True)
class Principal:
    """The caller a key stands for."""

    key_id: str
    role: str
    """operator, merchant or integrator."""
    shop_id: str | None
    """The merchant key's one shop; ``None`` for operators and integrators."""
    scopes: frozenset[str]

    @property
    def is_operator(self) -> bool:
        return self.role == KeyRole.OPERATOR.value

    @property
    def actor(self) -> str:
        return f"key:{self.key_id}"


async def authenticate(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    header_key: str | None = Depends(api_key_header),
) -> Principal:
    """The principal of the key the request carries (401 without a valid one).

    Runs on the event loop (no thread hop): a key seen before costs one indexed read
    of its revocation (:class:`~merchantry.ops.keys.KeyVerifier`)."""
    presented = credentials.credentials if credentials is not None else header_key
    return _principal(request, presented)


def _principal(request: Request, presented: str | None) -> Principal:
    if not presented:
        raise Unauthenticated("send an API key: Authorization: Bearer <key> or X-API-Key: <key>")
    verifier: KeyVerifier = request.app.state.keys
    key = verifier.verify(presented)
    if key is None:
        raise Unauthenticated("the API key is malformed, unknown or revoked")
    return Principal(key.key_id, key.role.value, key.shop_id, key.scopes)


def presented_key(request: Request) -> str | None:
    """The key a request carries, read as ``bearer`` and ``api_key_header`` read it: a
    ``Bearer`` authorization first, else ``X-API-Key``; ``None`` without either."""
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return request.headers.get("x-api-key") or None


KEY_SECURITY: Final[list[dict[str, list[str]]]] = [{"HTTPBearer": []}, {"APIKeyHeader": []}]
"""The OpenAPI security requirement of a route that reads its key with
:func:`require_scope_inline` (the schemes :data:`bearer` and :data:`api_key_header`
declare)."""


def require_scope_inline(scope: str) -> Callable[..., Any]:
    """:func:`require_scope` as one dependency that reads the key from the headers itself.

    For the real-time routes: FastAPI resolves every sub-dependency anew on each request
    (about 0.1 ms each in a profile of the decision route, half of its CPU with four of
    them), and here the caller needs no more than the headers. Such a route documents its
    security with ``openapi_extra={"security": KEY_SECURITY}``; the answers (401, 403) are
    those of :func:`require_scope`."""

    async def dependency(request: Request) -> Principal:
        principal = _principal(request, presented_key(request))
        if scope not in principal.scopes:
            raise AccessDenied(f"key {principal.key_id} lacks the scope {scope}")
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}_inline"
    return dependency


def require_scope(scope: str) -> Callable[..., Any]:
    """A dependency: the caller, who must hold ``scope`` (``resource:action``)."""

    async def dependency(principal: Principal = Depends(authenticate)) -> Principal:
        if scope not in principal.scopes:
            raise AccessDenied(f"key {principal.key_id} lacks the scope {scope}")
        return principal

    dependency.__name__ = f"require_{scope.replace(':', '_')}"
    return dependency


def require_shop(principal: Principal, shop_id: str | None, action: str) -> None:
    """Operators pass; a merchant key only for its own shop; an integrator never."""
    if principal.is_operator:
        return
    if principal.role == KeyRole.MERCHANT.value and shop_id == principal.shop_id:
        return
    raise AccessDenied(f"key {principal.key_id} cannot {action} of shop {shop_id}")


def scope_of(principal: Principal) -> Scope:
    """The risk stage's access scope for the caller (merchants: their shop)."""
    if principal.is_operator:
        return Scope.operator(principal.actor)
    if principal.role == KeyRole.MERCHANT.value and principal.shop_id:
        return Scope.merchant(principal.shop_id, principal.actor)
    raise AccessDenied(f"key {principal.key_id} ({principal.role}) cannot act on risk cases")
