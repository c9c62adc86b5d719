"""The real-time fast path answers byte for byte as the FastAPI routes, and hands them the rest.

Each call is made twice: as is (the fast path answers the common case) and in a form the
fast path never takes, so FastAPI's route answers it: the quote with its own ``rulebook``
query parameter, the decision (which has no query parameters, and an unknown one is
refused) with its JSON sent as ``application/vnd.merchantry+json``, which FastAPI reads as
JSON and the fast path leaves to it. Requests and orders come from the test market.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from merchantry.api import auth
from merchantry.ops.keys import KeyRole, create_key
from merchantry.store.warehouse import connect
from tests.api.conftest import FEES_RULEBOOK, Api

DECISIONS = "/v1/risk/after-sales/decisions"
QUOTES = "/v1/fees/quote"


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _rows(api: Api, sql: str) -> list[dict[str, Any]]:
    con = connect(api.warehouse, read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [{k: _plain(v) for k, v in zip(names, r, strict=True)} for r in cursor.fetchall()]
    finally:
        con.close()


def _requests(api: Api, n: int) -> list[dict[str, Any]]:
    return _rows(
        api,
        "SELECT case_id, order_id, requested_at, type, reason_code, amount_fen, "
        f"coalesce(evidence_images, []) AS evidence_images FROM after_sales "
        f"ORDER BY hash(case_id) LIMIT {n}",
    )


def _orders(api: Api, n: int, shop: str | None = None) -> list[dict[str, Any]]:
    where = f"WHERE shop_id = '{shop}'" if shop else ""
    return _rows(api, f"SELECT * FROM orders {where} ORDER BY hash(order_id) LIMIT {n}")


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Keys the FastAPI routes' own dependency read (the real one, counted): the fast path
    reads keys itself, so a call it answered adds nothing here."""
    seen: list[str] = []
    real = auth._principal

    def counted(request: Any, presented: str | None) -> auth.Principal:
        seen.append(str(presented))
        return real(request, presented)

    monkeypatch.setattr(auth, "_principal", counted)
    return seen


def test_decisions_and_quotes_equal_the_routes_byte_for_byte(api: Api, routed: list[str]) -> None:
    key = create_key(api.engine, role=KeyRole.INTEGRATOR, created_by="test").secret_key
    headers = api.headers(key)
    calls = [(DECISIONS, r, "") for r in _requests(api, 25)]
    calls += [(QUOTES, o, f"?rulebook={FEES_RULEBOOK}") for o in _orders(api, 25)]
    fast_answers = 0
    for path, body, query in calls:
        before = len(routed)
        fast = api.client.post(path, json=body, headers=headers)
        fast_answers += len(routed) == before
        if query:
            slow = api.client.post(path + query, json=body, headers=headers)
        else:  # a +json media type: the same JSON, for the route only
            vendor = {**headers, "Content-Type": "application/vnd.merchantry+json"}
            slow = api.client.post(path, content=json.dumps(body), headers=vendor)
        assert len(routed) > before or slow.status_code != 200
        assert (fast.status_code, fast.content) == (slow.status_code, slow.content), path
        assert fast.headers["content-type"] == slow.headers["content-type"]
        assert fast.headers["content-length"] == slow.headers["content-length"]
        assert "server-timing" in fast.headers
    assert fast_answers >= 40  # decisions and quotes of known orders: the fast path's case


CASES = {
    "no key": 401,
    "unknown key": 401,
    "merchant quoting another shop": 403,
    "merchant deciding": 403,
    "invalid field": 422,
    "not JSON": 422,
    "no content type": 422,
    "unknown order": 404,
}


def _refused(api: Api, case: str, integrator: str) -> Any:
    order = _orders(api, 1, api.victim)[0]
    request = _requests(api, 1)[0]
    path, payload, headers = QUOTES, json.dumps(order), api.headers(api.victim_key)
    headers["Content-Type"] = "application/json"
    if case == "no key":
        del headers["Authorization"]
    elif case == "unknown key":
        headers["Authorization"] = "Bearer mk_nothing_such"
    elif case == "merchant quoting another shop":
        headers = {**api.headers(api.other_key), "Content-Type": "application/json"}
    elif case == "merchant deciding":
        path, payload = DECISIONS, json.dumps(request)
    elif case == "invalid field":
        payload = json.dumps({**order, "goods_fen": -1})
    elif case == "not JSON":
        payload = "{not json"
    elif case == "no content type":
        del headers["Content-Type"]
    elif case == "unknown order":
        path = DECISIONS
        payload = json.dumps({**request, "order_id": "NO-SUCH-ORDER"})
        headers = {**api.headers(integrator), "Content-Type": "application/json"}
    return api.client.post(path, content=payload, headers=headers)


def test_what_the_fast_path_does_not_answer_gets_the_routes_answer_and_parts_are_read(
    api: Api,
) -> None:
    integrator = create_key(api.engine, role=KeyRole.INTEGRATOR, created_by="test").secret_key
    for case, status in CASES.items():
        answer = _refused(api, case, integrator)
        assert answer.status_code == status, (case, answer.text)
        assert answer.json()["error"]["message"], case
    _body_in_parts(api)


def _body_in_parts(api: Api) -> None:
    """The fast path reads every part of a body; here one sent in three parts."""
    order = _orders(api, 1, api.victim)[0]
    body = json.dumps(order).encode()
    whole = api.client.post(
        QUOTES,
        content=body,
        headers={**api.headers(api.victim_key), "Content-Type": "application/json"},
    )
    assert whole.status_code == 200
    parts = [body[:10], body[10:40], body[40:]]
    answer: dict[str, Any] = {"body": b""}

    async def call() -> None:
        async def receive() -> dict[str, Any]:
            chunk = parts.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(parts)}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            elif message["type"] == "http.response.body":
                answer["body"] += message.get("body", b"")

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": QUOTES,
            "raw_path": QUOTES.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"test"),
                (b"authorization", f"Bearer {api.victim_key}".encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "state": {},
        }
        await api.client.app(scope, receive, send)

    asyncio.run(call())
    assert answer["status"] == 200
    assert answer["body"] == whole.content
