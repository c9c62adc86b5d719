"""The real-time routes' common case answered below FastAPI, everything else left to it.

A decision or a quote needs microseconds of work from memory; FastAPI's request
machinery around it (routing through every route, the request object, dependency
resolution, the endpoint's exit stack, the response object) cost about as much again
in a profile of the two routes. This pure ASGI middleware answers exactly one case
itself: ``POST`` to ``/v1/risk/after-sales/decisions`` or ``/v1/fees/quote``, no query
string, a ``application/json`` body that parses and validates, a live key with the
route's scope (and, for a merchant key, its own shop), and a service that answers.
The answer is built by the same functions the FastAPI routes call
(:func:`merchantry.api.realtime.decision_body`, :func:`~merchantry.api.realtime.quote_body`),
so its bytes are the route's.

Anything else (a missing or revoked key, a missing scope, a body that does not parse
or validate, a query string, an unknown order, a state still being built) is handed,
with the body already read, to the application behind it, whose route gives the usual
answer (401, 403, 422, 404, 503, with the error body every route uses). The two calls
only read, so running the service again there is harmless. The routes stay declared
in FastAPI: the OpenAPI document, the cross-shop walk and schemathesis see them as
before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from merchantry.api.asgi import replay, send_json
from merchantry.api.auth import Principal
from merchantry.kit.errors import MerchantryError
from merchantry.ops.keys import KeyRole, KeyVerifier

MAX_BODY: Final = 64 * 1024
"""Bodies larger than this (no real request is) go to FastAPI's route; the service's cap on
every body is :class:`merchantry.api.bodylimit.BodyLimit`'s, in front of this."""

Answer = Callable[[Any, Principal, BaseModel], bytes]
"""(the app's state, the caller, the validated body) -> the response body."""


class FastRoute:
    """One route's fast case: the body's model, the scope it needs, how to answer."""

    def __init__(self, model: type[BaseModel], scope: str, answer: Answer) -> None:
        self.model = model
        self.scope = scope
        self.answer = answer


def presented_key(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The key in raw ASGI headers, read as :func:`merchantry.api.auth.presented_key` reads
    it: the first ``Authorization: Bearer`` one, else the first ``X-API-Key``."""
    authorization = api_key = None
    for name, value in headers:
        if name == b"authorization" and authorization is None:
            authorization = value
        elif name == b"x-api-key" and api_key is None:
            api_key = value
    if authorization:
        scheme, _, credentials = authorization.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    return api_key.decode("latin-1") if api_key else None


def _is_json(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"content-type":
            kind = value.split(b";", 1)[0].strip().lower()
            return kind == b"application/json"
    return False


class RealtimeFastPath:
    """ASGI middleware: see the module note. ``routes`` maps a path to its fast case."""

    def __init__(self, app: ASGIApp, routes: dict[str, FastRoute], state: Any) -> None:
        self.app = app
        self.routes = routes
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST" or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more and size <= MAX_BODY:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: FastAPI sees it
                await self.app(scope, replay(b"".join(chunks), True, receive, message), send)
                return
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        answer = None if more or size > MAX_BODY else self._answer(route, scope, body)
        if answer is None:
            await self.app(scope, replay(body, more, receive), send)
            return
        await send_json(send, 200, answer)

    def _answer(self, route: FastRoute, scope: Scope, body: bytes) -> bytes | None:
        """The response body of the common case, or ``None`` to let FastAPI answer."""
        headers = scope["headers"]
        presented = presented_key(headers)
        if not presented or not body or not _is_json(headers):
            return None
        verifier: KeyVerifier = self.state.keys
        # a key seen before: its liveness is checked by the answer, in the same read as
        # the inbox's tail (or from the pulse's memory); a new one is verified here
        key = verifier.cached(presented) or verifier.verify(presented)
        if key is None or route.scope not in key.scopes:
            return None
        try:
            payload = route.model.model_validate(json.loads(body))
        except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
            return None
        principal = Principal(key.key_id, key.role.value, key.shop_id, key.scopes)
        try:
            return route.answer(self.state, principal, payload)
        except MerchantryError:
            return None


def is_merchant_elsewhere(principal: Principal, shop_id: str) -> bool:
    """A merchant key asking about another shop (the route refuses it with 403)."""
    return principal.role == KeyRole.MERCHANT.value and shop_id != principal.shop_id
