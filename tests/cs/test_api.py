"""The /v1/cs endpoints: scopes, a merchant only for its own shop, the answers' shapes.

Uses the API suite's marketplace and app (``tests/api/conftest.py``)."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api, api, market_db  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def test_a_merchant_asks_its_own_assistant_only(api: Api) -> None:  # noqa: F811
    own = api.client.post(
        f"/v1/shops/{api.victim}/cs/ask",
        json={"question": "我要投诉"},
        headers=api.headers(api.victim_key),
    )
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["answered"] is False
    assert body["handoff"]["reason"] == "complaint"
    assert body["handoff"]["agent_id"].startswith(f"{api.victim}-kf")
    other = api.client.post(
        f"/v1/shops/{api.victim}/cs/ask",
        json={"question": "我要投诉"},
        headers=api.headers(api.other_key),
    )
    assert other.status_code == 403


def test_an_answer_cites_a_product_fact(api: Api) -> None:  # noqa: F811
    import duckdb

    con = duckdb.connect(str(api.warehouse), read_only=True)
    sku, price = con.execute(
        "SELECT sku_id, price_fen FROM products WHERE shop_id = ? ORDER BY sku_id LIMIT 1",
        [api.victim],
    ).fetchone()
    con.close()
    got = api.client.post(
        f"/v1/shops/{api.victim}/cs/ask",
        json={"question": f"{sku}多少钱"},
        headers=api.headers(api.victim_key),
    ).json()
    assert got["answered"] is True
    assert got["citations"][0]["fact_id"] == f"product:{sku}"
    whole, part = divmod(price, 100)
    assert (f"¥{whole:,}.{part:02d}" if part else f"¥{whole:,}") in got["text"]


def test_route_for_the_own_shop_and_refusal_for_another(api: Api) -> None:  # noqa: F811
    body = {
        "shop_id": api.victim,
        "intent": "presale",
        "at": "2026-10-10T14:00:00",
        "waited_seconds": 95,
    }
    own = api.client.post("/v1/cs/route", json=body, headers=api.headers(api.victim_key))
    assert own.status_code == 200, own.text
    decision = own.json()
    assert decision["step_id"] == "step.any"
    assert decision["agent_id"].startswith(f"{api.victim}-kf")
    assert [r["to_step"] for r in decision["relaxations"]] == [
        "step.skilled",
        "step.partial",
        "step.any",
    ]
    refused = api.client.post("/v1/cs/route", json=body, headers=api.headers(api.other_key))
    assert refused.status_code == 403


def test_staffing_and_replay_are_operator_calls(api: Api) -> None:  # noqa: F811
    staffing = {
        "arrivals_per_hour": 120,
        "aht_seconds": 240,
        "target_seconds": 20,
        "service_level": 0.8,
    }
    merchant = api.client.post(
        "/v1/cs/staffing", json=staffing, headers=api.headers(api.victim_key)
    )
    assert merchant.status_code == 403
    got = api.client.post("/v1/cs/staffing", json=staffing, headers=api.headers(api.operator_key))
    assert got.status_code == 200, got.text
    assert (got.json()["servers"], got.json()["model"]) == (11, "erlang_c")
    replay = api.client.post(
        "/v1/cs/replay",
        json={"since": "2026-10-01", "until": "2026-10-07"},
        headers=api.headers(api.operator_key),
    )
    assert replay.status_code == 200, replay.text
    policies = {p["policy"]: p for p in replay.json()["policies"]}
    assert set(policies) == {"recorded", "round_robin", "rulebook"}
    assert policies["rulebook"]["sessions"] == policies["round_robin"]["sessions"] > 0
    assert "response_3min_rate" in policies["rulebook"]["indicators"]
