"""Request bodies over the cap are refused with 413 on a real uvicorn server, before any
route reads them; bodies within it reach the routes whole, declared or sent in chunks.

A raw socket speaks HTTP/1.1 here: a test client would compute the length itself, and
neither a lying ``Content-Length`` nor a chunked body could be sent as a client sends it.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.ops import open_ops
from merchantry.ops.keys import KeyRole, create_key
from merchantry.store.warehouse import connect, ensure_schema

LIMIT = 4096


@dataclass
class Live:
    port: int
    key: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("body-limit")
    con = connect(root / "w.duckdb")
    ensure_schema(con)
    con.close()
    url = f"sqlite:///{root / 'ops.sqlite'}"
    engine = open_ops(url)
    key = create_key(engine, role=KeyRole.OPERATOR, created_by="t").secret_key
    engine.dispose()
    settings = ServiceSettings(  # type: ignore[call-arg]
        warehouse=root / "w.duckdb", ops_url=url, dispatcher=False, max_body_bytes=LIMIT
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield Live(port, key)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _exchange(live: Live, head: str, body: bytes = b"", *, wait_s: float = 10) -> tuple[int, dict]:  # type: ignore[type-arg]
    """Send ``head`` (request line and headers) and ``body``; the status and JSON answer."""
    with socket.create_connection(("127.0.0.1", live.port), timeout=wait_s) as sock:
        sock.sendall(head.encode("latin-1") + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < _expected(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    _, _, payload = rest.partition(b"\r\n\r\n")
    return int(status_line.split()[1]), json.loads(payload)


def _expected(answer: bytes) -> int:
    head, sep, _ = answer.partition(b"\r\n\r\n")
    if not sep:
        return len(answer) + 1
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(head) + len(sep) + int(value)
    return len(answer)


def _head(live: Live, path: str, *headers: str) -> str:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{live.port}",
        f"Authorization: Bearer {live.key}",
        "Content-Type: application/json",
        *headers,
    ]
    return "\r\n".join(lines) + "\r\n"


def _chunked(body: bytes, size: int) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def test_a_declared_body_over_the_cap_is_refused_unread(live: Live) -> None:
    # 100 MB declared, none of it sent: the answer cannot wait for the body.
    head = _head(live, "/v1/fees/quote", "Content-Length: 100000000")
    status, body = _exchange(live, head, wait_s=5)
    assert status == 413, body
    assert body["error"]["code"] == "payload_too_large"
    assert "100,000,000 bytes" in body["error"]["message"]
    assert f"at most {LIMIT:,} bytes" in body["error"]["message"]


def test_a_chunked_body_over_the_cap_is_refused(live: Live) -> None:
    payload = json.dumps({"padding": "x" * (2 * LIMIT)}).encode()
    head = _head(live, "/v1/risk/after-sales/decisions", "Transfer-Encoding: chunked")
    status, body = _exchange(live, head, _chunked(payload, 1000))
    assert status == 413, body
    assert body["error"]["code"] == "payload_too_large"
    assert f"more than {LIMIT:,} bytes" in body["error"]["message"]


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_within_the_cap_reaches_the_route_whole(live: Live, chunked: bool) -> None:
    # Broken JSON of 3 kB: the route's own answer names where it breaks, so every byte
    # arrived, in order, whichever way it was sent.
    payload = b'{"order_id": "' + b"o" * 3000 + b'", "shop_id": }'
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {len(payload)}"
    sent = _chunked(payload, 700) if chunked else payload
    status, body = _exchange(live, _head(live, "/v1/fees/quote", framing), sent)
    assert status == 422, body
    assert "the body is not JSON" in body["error"]["message"]
    assert f"at character {len(payload) - 1}" in body["error"]["message"]
