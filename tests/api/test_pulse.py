"""A real-time call costs the operational database one round trip, or none, and a revoked key
is still refused within the stated bound, whoever revokes it.

The round trips are counted on the wire: the app talks to the real PostgreSQL server
through a relay that counts each time a client speaks after the server has answered
(a request/response turn), over every connection the app opens.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.ops import open_ops
from merchantry.ops.keys import KeyRole, create_key, revoke_key
from merchantry.store.warehouse import connect
from tests.api.conftest import Api, build_api, fresh_postgres

DECISIONS = "/v1/risk/after-sales/decisions"


class TurnCounter:
    """A loopback TCP relay to ``target`` that counts request/response turns."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.turns = 0
        self._lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.server.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:  # closed
                return
            upstream = socket.create_connection(self.target)
            last = ["server"]
            threading.Thread(
                target=self._pump, args=(client, upstream, last, "client"), daemon=True
            ).start()
            threading.Thread(
                target=self._pump, args=(upstream, client, last, "server"), daemon=True
            ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, last: list[str], side: str) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    if side == "client" and last[0] == "server":
                        self.turns += 1
                    last[0] = side
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
            source.close()

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def relayed(postgres_url: str) -> Iterator[tuple[str, str, TurnCounter]]:
    """(direct URL, URL through the counting relay, the relay) of a fresh database."""
    direct = fresh_postgres(postgres_url)
    url = make_url(direct)
    relay = TurnCounter((str(url.host), int(url.port or 5432)))
    through = url.set(port=relay.port).render_as_string(hide_password=False)
    yield direct, through, relay
    relay.close()


def _request(api: Api) -> dict[str, Any]:
    from tests.api.test_fastpath import _requests

    return _requests(api, 1)[0]


def _calls(api: Api, key: str, body: dict[str, Any], n: int) -> list[int]:
    return [
        api.client.post(DECISIONS, json=body, headers=api.headers(key)).status_code
        for _ in range(n)
    ]


def _revoke_elsewhere(url: str, key_id: str) -> None:
    """Revoke as another process would (the CLI): its own engine, not the app's."""
    engine = open_ops(url)
    try:
        revoke_key(engine, key_id)
    finally:
        engine.dispose()


def _integrator(api: Api) -> tuple[str, str]:
    issued = create_key(api.engine, role=KeyRole.INTEGRATOR, created_by="test")
    return issued.key.key_id, issued.secret_key


def test_without_a_watcher_each_call_costs_one_round_trip_and_sees_a_revocation_at_once(
    tmp_path: Path, market_db: Path, relayed: tuple[str, str, TurnCounter]
) -> None:
    direct, through, relay = relayed
    for api in build_api(tmp_path, market_db, through, dispatcher=False, pulse_bound_s=0):
        key_id, key = _integrator(api)
        body = _request(api)
        # the key verified once, then cached; psycopg prepares a statement run five times
        # (one more turn, once per connection)
        assert _calls(api, key, body, 6) == [200] * 6

        per_call = []
        for _ in range(20):
            before = relay.turns
            assert _calls(api, key, body, 1) == [200]
            per_call.append(relay.turns - before)
        assert per_call == [1] * 20  # key and inbox in one read per call

        _revoke_elsewhere(direct, key_id)
        assert _calls(api, key, body, 1) == [401]


def test_with_a_fresh_watcher_a_call_costs_nothing_and_a_revocation_lands_within_the_bound(
    tmp_path: Path, market_db: Path, relayed: tuple[str, str, TurnCounter]
) -> None:
    direct, through, relay = relayed
    bound = 30.0  # polls 15 s apart: only migration 0010's notice can explain a quick refusal
    for api in build_api(
        tmp_path, market_db, through, dispatcher=False, pulse_bound_s=bound, pulse_interval_s=15
    ):
        key_id, key = _integrator(api)
        body = _request(api)
        assert _calls(api, key, body, 2) == [200, 200]
        pulse = api.client.app.state.pulse  # type: ignore[attr-defined]
        assert pulse.fresh()

        before, reads = relay.turns, pulse.reads
        assert _calls(api, key, body, 50) == [200] * 50
        assert relay.turns - before == 0
        assert pulse.reads == reads

        revoked_at = time.monotonic()
        _revoke_elsewhere(direct, key_id)
        while _calls(api, key, body, 1) == [200]:
            assert time.monotonic() - revoked_at < bound, "still accepted after the bound"
            time.sleep(0.01)
        assert time.monotonic() - revoked_at < 5  # the notice woke the watcher
        assert _calls(api, key, body, 1) == [401]


def test_on_sqlite_a_revocation_by_another_process_is_refused_after_the_bound(
    tmp_path: Path, market_db: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    bound = 0.4
    for api in build_api(
        tmp_path, market_db, url, dispatcher=False, pulse_bound_s=bound, pulse_interval_s=0.1
    ):
        key_id, key = _integrator(api)
        body = _request(api)
        assert _calls(api, key, body, 2) == [200, 200]
        _revoke_elsewhere(url, key_id)
        time.sleep(bound)
        assert _calls(api, key, body, 1) == [401]


def test_min_seq_lets_a_caller_read_its_own_events_on_another_worker(
    tmp_path: Path, market_db: Path
) -> None:
    """Two workers on one operational database (SQLite: no notice; polls 15 s apart): an
    order posted to one is unknown to the other within the bound, unless the call names the
    ``seq`` the post returned."""
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    bounds: dict[str, Any] = {"dispatcher": False, "pulse_bound_s": 30.0, "pulse_interval_s": 15}
    for api in build_api(tmp_path, market_db, url, **bounds):
        _, key = _integrator(api)
        other_app = create_app(ServiceSettings(warehouse=api.warehouse, ops_url=url, **bounds))
        with TestClient(other_app, raise_server_exceptions=True) as other:
            online = other_app.state.online
            assert online.seq >= 0  # built; then its build's own catch-up read ends:
            with online._build_lock:  # nothing posted below can reach it that way
                pass
            with connect(api.warehouse, read_only=True) as con:
                cursor = con.execute("SELECT * FROM orders ORDER BY order_id LIMIT 1")
                names = [d[0] for d in cursor.description]
                row = dict(zip(names, cursor.fetchone() or (), strict=True))
            placed = {k: v.isoformat(sep=" ") if hasattr(v, "hour") else v for k, v in row.items()}
            order = {**placed, "order_id": "NEW-ORDER-1"}
            posted = api.client.post(
                "/v1/events/orders",
                json={"events": [order]},
                headers=api.headers(key, **{"Idempotency-Key": "ev-1"}),
            )
            assert posted.status_code == 200, posted.text
            seq = posted.json()["results"][0]["seq"]
            asked = {
                "case_id": "AS-NEW-1",
                "order_id": "NEW-ORDER-1",
                "requested_at": placed["paid_at"],
                "type": "refund_only",
                "reason_code": "quality",
                "amount_fen": 100,
            }
            headers = api.headers(key)
            here = api.client.post(DECISIONS, json=asked, headers=headers)
            assert here.status_code == 200, here.text  # the accepting worker, at once
            stale = other.post(DECISIONS, json=asked, headers=headers)
            assert stale.status_code == 404, stale.text  # not seen yet: within the bound
            fresh = other.post(DECISIONS, json={**asked, "min_seq": seq}, headers=headers)
            assert fresh.status_code == 200, fresh.text
            assert fresh.json()["as_of_seq"] >= seq
            assert fresh.json()["decision"] == here.json()["decision"]
        other_app.state.ops_engine.dispose()
