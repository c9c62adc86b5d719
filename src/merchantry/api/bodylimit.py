"""A cap on request bodies: 413 with the usual error body, before any route reads it.

Neither uvicorn nor Starlette bounds a request body, so without this a client could send
a gigabyte to any ``POST`` and the worker would hold it all in memory while parsing. The
largest real request is an event batch (:data:`~merchantry.service.online.service.MAX_EVENTS`
events, a few hundred bytes each); the cap (``MERCHANTRY_MAX_BODY_BYTES``, 8 MiB by
default) sits well above it.

A body that declares its length (``Content-Length``) is refused from the header alone,
unread; uvicorn never hands an application more than the declared length, so a declared
body within the cap passes through untouched (the real-time routes' common case pays one
header scan). A body sent in chunks with no declared length is read up to the cap, then
either refused or handed on whole.

A pure ASGI middleware, outermost, so the real-time fast path
(:mod:`merchantry.api.fastpath`) sits behind it as every route does.
"""

from __future__ import annotations

import json
from typing import Final

from starlette.types import ASGIApp, Receive, Scope, Send

from merchantry.api.asgi import replay, send_json
from merchantry.api.errors import body as error_body

DEFAULT_MAX_BODY: Final = 8 * 1024 * 1024


class BodyLimit:
    """Refuses request bodies longer than ``limit`` bytes (see the module note)."""

    def __init__(self, app: ASGIApp, limit: int = DEFAULT_MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope["headers"])
        if declared is not None:
            if declared > self.limit:
                await self._refuse(send, f"the body is {declared:,} bytes")
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: pass it on
                await self.app(scope, replay(b"".join(chunks), True, receive, message), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(send, f"the body is more than {self.limit:,} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay(b"".join(chunks), False, receive), send)

    async def _refuse(self, send: Send, what: str) -> None:
        message = (
            f"{what}; this service takes at most {self.limit:,} bytes a request "
            "(MERCHANTRY_MAX_BODY_BYTES). Send large event batches in several calls."
        )
        payload = json.dumps(error_body("payload_too_large", message)).encode()
        # the rest of the body is never read, so the connection cannot carry another request
        await send_json(send, 413, payload, (b"connection", b"close"))


def _declared_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:  # uvicorn refuses such a request before it gets here
                return None
    return None
