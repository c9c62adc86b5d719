"""Webhooks to a real HTTP receiver on 127.0.0.1: signed, retried with back-off, logged.

The signature is checked here by hand from the Standard Webhooks convention
(HMAC-SHA256 over ``id.timestamp.body`` with the base64-decoded secret), not
with the code under test.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from merchantry.cli.main import app as cli
from merchantry.service.runner import close_with_fees
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START
from tests.api.conftest import END, FEES_RULEBOOK, Api, build_api


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """Answers each request with the next scripted status (the last one repeats)."""

    statuses: list[int]
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def answer(self) -> int:
        index = min(len(self.received) - 1, len(self.statuses) - 1)
        return self.statuses[index]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver([204])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            body = self.rfile.read(length)
            state.received.append(
                Received({k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
            )
            self.send_response(state.answer())
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def hooked(tmp_path: Path, market_db: Path) -> Iterator[Api]:
    """The API with its dispatcher sending every 20 ms, back-off from 0.2 s, 4 attempts."""
    yield from build_api(
        tmp_path,
        market_db,
        f"sqlite:///{tmp_path / 'ops.sqlite'}",
        webhook_poll_s=0.02,
        webhook_base_delay_s=0.2,
        webhook_max_attempts=4,
        webhook_timeout_s=2.0,
    )


def _register(api: Api, url: str, events: list[str], shop: str | None = None) -> str:
    response = api.client.post(
        "/v1/webhooks/endpoints",
        json={"url": url, "event_types": events, "shop_id": shop},
        headers=api.headers(api.operator_key, **{"Idempotency-Key": f"ep-{url}-{shop}"}),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["secret"])


def _move_a_case(api: Api) -> str:
    with api.engine.connect() as conn:
        case = str(
            conn.execute(
                text("SELECT min(case_id) FROM risk_cases WHERE shop_id = :s"), {"s": api.victim}
            ).scalar_one()
        )
    moved = api.client.post(
        f"/v1/cases/{case}/transitions",
        json={"to": "under_review", "note": "looking"},
        headers=api.headers(api.operator_key, **{"Idempotency-Key": f"mv-{case}"}),
    )
    assert moved.status_code == 200, moved.text
    return case


def _deliveries(api: Api) -> list[dict[str, Any]]:
    response = api.client.get("/v1/webhooks/deliveries", headers=api.headers(api.operator_key))
    assert response.status_code == 200
    return list(response.json())


def _wait_until_settled(api: Api, count: int, timeout: float = 60.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _deliveries(api)
        if len(found) >= count and all(d["state"] in ("delivered", "failed") for d in found):
            return found
        time.sleep(0.05)
    raise AssertionError(f"deliveries did not settle: {_deliveries(api)}")


def _settled_states(api: Api, count: int, timeout: float = 120.0) -> dict[str, int]:
    """Deliveries by state once at least ``count`` exist and none is pending (the log read
    in SQL: more deliveries than one page of the API's list)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with api.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT state, count(*) FROM webhook_deliveries GROUP BY state")
            ).all()
        states = {str(s): int(n) for s, n in rows}
        if sum(states.values()) >= count and set(states) <= {"delivered", "failed"}:
            return states
        time.sleep(0.1)
    raise AssertionError(f"deliveries did not settle: {states}")


def _verify(secret: str, got: Received) -> None:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{got.headers['webhook-id']}.{got.headers['webhook-timestamp']}.".encode() + got.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    versions = dict(part.split(",", 1) for part in got.headers["webhook-signature"].split())
    assert hmac.compare_digest(versions["v1"], expected)
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60


def test_a_case_move_is_delivered_signed(hooked: Api, receiver: Receiver) -> None:
    secret = _register(hooked, receiver.url, ["case.state_changed"])
    case = _move_a_case(hooked)
    [delivery] = _wait_until_settled(hooked, 1)

    assert delivery["state"] == "delivered"
    assert delivery["attempts"] == 1
    [got] = receiver.received
    _verify(secret, got)
    payload = json.loads(got.body)
    assert payload["type"] == "case.state_changed"
    assert payload["data"]["case_id"] == case
    assert payload["data"]["to_state"] == "under_review"
    assert got.headers["webhook-id"] == delivery["message_id"]
    # a tampered body does not verify
    with pytest.raises(AssertionError):
        _verify(secret, Received(got.headers, got.body + b" ", got.at))


def test_a_failing_receiver_is_retried_with_back_off(hooked: Api, receiver: Receiver) -> None:
    receiver.statuses = [500, 503, 204]
    secret = _register(hooked, receiver.url, ["case.state_changed"])
    _move_a_case(hooked)
    [delivery] = _wait_until_settled(hooked, 1)

    assert delivery["state"] == "delivered"
    assert delivery["attempts"] == 3
    assert len(receiver.received) == 3
    assert len({r.headers["webhook-id"] for r in receiver.received}) == 1  # same message
    for got in receiver.received:
        _verify(secret, got)
    gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert gaps[0] >= 0.2 * 0.9
    assert gaps[1] >= 0.4 * 0.9  # doubled
    with hooked.engine.connect() as conn:
        logged = [
            r[0]
            for r in conn.execute(text("SELECT status_code FROM webhook_attempts ORDER BY attempt"))
        ]
    assert logged == [500, 503, 204]


def test_a_receiver_that_never_answers_well_is_given_up_and_logged(
    hooked: Api, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    _register(hooked, receiver.url, ["case.state_changed"])
    _move_a_case(hooked)
    [delivery] = _wait_until_settled(hooked, 1)

    assert delivery["state"] == "failed"
    assert delivery["attempts"] == 4
    assert delivery["last_status"] == 500
    assert "HTTP 500" in delivery["last_error"]
    assert len(receiver.received) == 4


def test_payouts_go_to_every_endpoint_and_a_shop_endpoint_gets_its_shop_only(
    hooked: Api, receiver: Receiver
) -> None:
    _register(hooked, receiver.url, ["payout.scheduled"])
    _register(hooked, receiver.url + "?shop", ["payout.scheduled"], shop=hooked.victim)
    payouts = hooked.client.get(
        f"/v1/shops/{hooked.victim}/payouts", headers=hooked.headers(hooked.operator_key)
    ).json()
    day = next(p["settle_on"] for p in payouts if p["settle_on"])
    sent = hooked.client.post(
        "/v1/payouts/notifications",
        json={"date": day},
        headers=hooked.headers(hooked.operator_key, **{"Idempotency-Key": "pay-1"}),
    )
    assert sent.status_code == 200, sent.text
    messages = sent.json()["messages"]
    _wait_until_settled(hooked, messages + 1)
    payloads = [json.loads(r.body) for r in receiver.received]
    assert len(payloads) == messages + 1  # one per shop to the first, the victim's to the second
    shops = [p["data"]["shop_id"] for p in payloads]
    assert shops.count(hooked.victim) == 2
    assert len(set(shops)) == messages > 1
    with hooked.engine.connect() as conn:
        mine = conn.execute(
            text(
                "SELECT count(*) FROM webhook_deliveries AS d JOIN webhook_endpoints AS e "
                "USING (endpoint_id) WHERE e.shop_id = :s AND d.shop_id = :s"
            ),
            {"s": hooked.victim},
        ).scalar_one()
    assert mine == 1


def test_a_manual_payout_resend_carries_the_same_message_ids(
    hooked: Api, receiver: Receiver
) -> None:
    """Sending one day's payouts twice (a second request, not an idempotent replay) delivers
    every payout again under the message id of its first sending, so the receiver can drop
    the repeats; another day's payouts get other ids."""
    _register(hooked, receiver.url, ["payout.scheduled"])
    payouts = hooked.client.get(
        f"/v1/shops/{hooked.victim}/payouts", headers=hooked.headers(hooked.operator_key)
    ).json()
    days = sorted({p["settle_on"] for p in payouts if p["settle_on"]})
    assert len(days) >= 2

    def send(day: str, key: str) -> int:
        sent = hooked.client.post(
            "/v1/payouts/notifications",
            json={"date": day},
            headers=hooked.headers(hooked.operator_key, **{"Idempotency-Key": key}),
        )
        assert sent.status_code == 200, sent.text
        return int(sent.json()["messages"])

    first = send(days[0], "resend-1")
    _wait_until_settled(hooked, first)
    first_ids = [r.headers["webhook-id"] for r in receiver.received]
    assert len(set(first_ids)) == first  # one id per shop's payout
    assert send(days[0], "resend-2") == first
    _wait_until_settled(hooked, 2 * first)
    again = [r.headers["webhook-id"] for r in receiver.received[first:]]
    assert sorted(again) == sorted(first_ids)
    by_id = {r.headers["webhook-id"]: json.loads(r.body)["data"] for r in receiver.received}
    assert len(by_id) == first
    other = send(days[1], "resend-3")
    _wait_until_settled(hooked, 2 * first + other)
    later = {r.headers["webhook-id"] for r in receiver.received[2 * first :]}
    assert len(later) == other
    assert not later & set(first_ids)


def test_a_close_queues_its_payouts_once_and_the_dispatcher_delivers_them_signed(
    hooked: Api, receiver: Receiver
) -> None:
    """The close (service.runner.close_with_fees) queues one payout.scheduled event per shop
    and payout day of its schedule; running it again queues nothing more."""
    secret = _register(hooked, receiver.url, ["payout.scheduled"])
    con = connect(hooked.warehouse)
    try:
        close_with_fees(con, FEES_RULEBOOK, DEFAULT_START, END, outbox=hooked.engine)
        expected = {
            (str(shop), day.isoformat(), str(status), int(orders))
            for shop, day, status, orders in con.execute(
                "SELECT shop_id, settle_on, status, count(*) FROM order_payouts "
                "WHERE settle_on >= ? GROUP BY ALL",
                [DEFAULT_START],
            ).fetchall()
        }
    finally:
        con.close()
    assert expected
    states = _settled_states(hooked, len(expected))
    assert states == {"delivered": len(expected)}
    payloads = [json.loads(r.body) for r in receiver.received]
    assert {p["type"] for p in payloads} == {"payout.scheduled"}
    got = [
        (d["shop_id"], d["settle_on"], d["status"], d["orders"])
        for d in (p["data"] for p in payloads)
    ]
    assert sorted(got) == sorted(expected)  # each exactly once
    for received in receiver.received[:3]:
        _verify(secret, received)

    con = connect(hooked.warehouse)
    try:
        close_with_fees(con, FEES_RULEBOOK, DEFAULT_START, END, outbox=hooked.engine)
    finally:
        con.close()
    # the same payouts are not announced twice
    assert _settled_states(hooked, len(expected)) == {"delivered": len(expected)}


def test_a_case_moved_from_the_command_line_sends_the_same_webhook(
    hooked: Api, receiver: Receiver, tmp_path: Path
) -> None:
    """`merchantry risk cases move` and `appeal` go through service.cases as the API does, so
    the service's dispatcher delivers their case.state_changed webhooks."""
    secret = _register(hooked, receiver.url, ["case.state_changed"])
    with hooked.engine.connect() as conn:
        case = str(
            conn.execute(
                text("SELECT min(case_id) FROM risk_cases WHERE shop_id = :s"), {"s": hooked.victim}
            ).scalar_one()
        )
    store = str(hooked.engine.url)
    moved = CliRunner().invoke(
        cli,
        [
            "risk",
            "cases",
            "move",
            case,
            "--to",
            "under_review",
            "--note",
            "cli look",
            "--store",
            store,
        ],
    )
    assert moved.exit_code == 0, moved.output
    upheld = CliRunner().invoke(
        cli,
        ["risk", "cases", "move", case, "--to", "upheld", "--note", "stands", "--store", store],
    )
    assert upheld.exit_code == 0, upheld.output
    appealed = CliRunner().invoke(
        cli,
        [
            "risk",
            "cases",
            "appeal",
            case,
            "--shop",
            hooked.victim,
            "--note",
            "see proof",
            "--evidence",
            "ev/1.png",
            "--store",
            store,
        ],
    )
    assert appealed.exit_code == 0, appealed.output
    _wait_until_settled(hooked, 3)
    data = [json.loads(r.body)["data"] for r in receiver.received]
    moves = sorted((d["from_state"], d["to_state"], d["note"]) for d in data)
    assert moves == [
        ("open", "under_review", "cli look"),
        ("under_review", "upheld", "stands"),
        ("upheld", "under_review", "appeal: see proof"),
    ]
    assert {d["case_id"] for d in data} == {case}
    for received in receiver.received:
        _verify(secret, received)
