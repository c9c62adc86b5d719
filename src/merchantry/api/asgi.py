"""Two pieces the service's pure ASGI middlewares share (:mod:`merchantry.api.fastpath`,
:mod:`merchantry.api.bodylimit`): hand on a body already read, and answer with JSON."""

from __future__ import annotations

from starlette.types import Message, Receive, Send


def replay(body: bytes, more: bool, receive: Receive, tail: Message | None = None) -> Receive:
    """A ``receive`` that gives what was read (``body``, with ``more`` when the rest is
    still unread), then ``tail`` (a disconnect already received), then the real one."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": more}]
    if tail is not None:
        pending.append(tail)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


async def send_json(send: Send, status: int, payload: bytes, *headers: tuple[bytes, bytes]) -> None:
    """A whole response: ``payload`` (JSON bytes) with its length and type, and ``headers``."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-length", str(len(payload)).encode("latin-1")),
                (b"content-type", b"application/json"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
