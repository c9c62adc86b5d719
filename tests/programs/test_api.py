"""The programmes API: a merchant reads its own shop's tasks only; grants through the
service stop at the budget exactly when many arrive at once (real PostgreSQL)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import pytest

from merchantry.ledger.rewards import post_rewards
from merchantry.programs import load_programme, run_programme
from merchantry.store.warehouse import connect
from tests.api.conftest import fresh_postgres
from tests.api.keyed import KeyedClient, keyed_client
from tests.programs.factories import insert, orders, shop, signup


@pytest.fixture
def client(tmp_path: Path, empty_warehouse: Path) -> Iterator[KeyedClient]:
    """The API on SQLite."""
    yield from _client(tmp_path, empty_warehouse, f"sqlite:///{tmp_path / 'ops.sqlite'}")


@pytest.fixture
def pg_client(tmp_path: Path, empty_warehouse: Path, postgres_url: str) -> Iterator[KeyedClient]:
    """The API on a fresh database of the real PostgreSQL server."""
    yield from _client(tmp_path, empty_warehouse, fresh_postgres(postgres_url))


def _client(tmp_path: Path, empty_warehouse: Path, url: str) -> Iterator[KeyedClient]:
    db = tmp_path / "w.duckdb"
    shutil.copy(empty_warehouse, db)
    con = connect(db)
    for s in ("A", "B"):
        shop(con, s, opened=date(2025, 1, 1), tags=("industry_belt",))
        signup(con, s, "douyin-2026-industry-belts", date(2026, 3, 1))
        orders(con, s, date(2026, 3, 2), 20)
    run_programme(con, load_programme("douyin-2026-industry-belts"), date(2026, 3, 31))
    insert(
        con, "coupon_spends", spend_id="S1", shop_id="A", coupon_kind="traffic_coupon",
        spent_at=datetime(2026, 3, 5, 9), amount_fen=12_000,
    )  # fmt: skip
    post_rewards(con, "douyin-2026", date(2026, 3, 1), date(2026, 3, 31))
    con.close()
    yield from keyed_client(db, url, "A")


def test_a_merchant_reads_its_own_programmes_only(client: KeyedClient) -> None:
    status, body = client.get("/v1/shops/A/programs", client.merchant)
    assert status == 200, body
    assert isinstance(body, dict)
    (belts,) = body["programs"]
    assert belts["program"] == "douyin-2026-industry-belts"
    assert [t["state"] for t in belts["tasks"]] == ["completed", "in_progress"]
    assert (belts["granted_fen"], belts["pending_fen"]) == (50_000, 30_000)
    # of its ¥500 traffic coupon (posted through March) it spent ¥120 on 5 March
    coupons = [belts[f"coupons_{k}_fen"] for k in ("redeemed", "expired", "outstanding")]
    assert coupons == [12_000, 0, 38_000]
    status, body = client.get("/v1/shops/B/programs", client.merchant)
    assert status == 403, body
    assert client.get("/v1/shops/B/programs", client.operator)[0] == 200


def test_grants_are_for_operators_and_integrators(client: KeyedClient) -> None:
    grant = {
        "grant_id": "g1",
        "shop_id": "A",
        "reward_kind": "cash",
        "amount_fen": 100,
        "on": "2026-03-05",
    }
    path = "/v1/programs/douyin-2026-small-merchant-fund/grants"
    assert client.post(path, client.merchant, grant)[0] == 403
    status, body = client.post(path, client.integrator, grant)
    assert status == 200, body
    assert (body["amount_fen"], body["replayed"]) == (100, False)
    status, body = client.post(path, client.operator, grant)
    assert (status, body["replayed"]) == (200, True)
    status, body = client.post("/v1/programs/nope/grants", client.operator, grant)
    assert status == 404, body
    late = {**grant, "grant_id": "g2", "on": "2027-01-01"}
    assert client.post(path, client.operator, late)[0] == 422


def test_concurrent_grants_through_the_api_stop_at_the_merchant_budget(
    pg_client: KeyedClient,
) -> None:
    client = pg_client
    path = "/v1/programs/douyin-2026-small-merchant-fund/grants"  # ¥500 per merchant

    def one(i: int) -> int:
        body = {
            "grant_id": f"c{i}",
            "shop_id": "A",
            "reward_kind": "traffic_coupon",
            "amount_fen": 7_000,
            "on": "2026-03-05",
        }
        status, out = client.post(path, client.integrator, body)
        assert status == 200, out
        return int(out["amount_fen"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        amounts = list(pool.map(one, range(24)))
    assert sum(amounts) == 50_000
    assert sorted(amounts, reverse=True) == [7_000] * 7 + [1_000] + [0] * 16
