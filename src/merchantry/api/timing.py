"""``Server-Timing: app;dur=<ms>`` on every HTTP response: how long the application took.

The clock starts when the ASGI application is called with the request (after uvicorn
parsed it) and stops when the response starts, so it covers routing, reading and
validating the body, authentication, the handler and serialisation, and nothing of
the time a request spent queued in the socket or waiting for the event loop. A client
that subtracts it from its own end-to-end time sees what the network, the server's
queue and the machine's scheduler added (the benchmark reports both distributions).

A pure ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which runs the
application in a separate task and costs far more than the header it adds).
"""

from __future__ import annotations

from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"server-timing"


class ServerTiming:
    """Adds the application's own time to each HTTP response (see the module note)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                value = f"app;dur={(perf_counter() - began) * 1000:.3f}".encode()
                message["headers"] = [*message.get("headers", ()), (HEADER, value)]
            await send(message)

        await self.app(scope, receive, timed)


def parse_app_ms(header: str) -> float | None:
    """The ``app`` duration (ms) of a ``Server-Timing`` header value, or ``None``."""
    for metric in header.split(","):
        name, *params = (p.strip() for p in metric.split(";"))
        if name != "app":
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key == "dur":
                try:
                    return float(value)
                except ValueError:
                    return None
    return None
