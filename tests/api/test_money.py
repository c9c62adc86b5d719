"""The money routes: a merchant reads its own deposit, withdraws only the excess, and
quotes its orders' return-shipping insurance; another shop's key is refused."""

from __future__ import annotations

from merchantry.ops.keys import KeyRole, create_key
from merchantry.store.warehouse import connect
from tests.api.conftest import END, Api


def _deposit(api: Api) -> tuple[int, int]:
    """The victim's deposit balance and the amount in force at END (from the journal and
    the close's requirement table)."""
    con = connect(api.warehouse, read_only=True)
    try:
        balance = con.execute(
            "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings"
            " WHERE account = 'merchant_deposit' AND party = ?",
            [api.victim],
        ).fetchone()
        required = con.execute(
            "SELECT required_fen FROM deposit_requirements WHERE shop_id = ?"
            " ORDER BY effective_on DESC LIMIT 1",
            [api.victim],
        ).fetchone()
    finally:
        con.close()
    assert balance is not None
    return int(balance[0]), int(required[0]) if required else 0


def test_a_merchant_reads_its_deposit_and_withdraws_only_the_excess(api: Api) -> None:
    url = f"/v1/shops/{api.victim}/deposit"
    at = {"at": f"{END}T23:00:00+08:00"}
    got = api.client.get(url, params=at, headers=api.headers(api.victim_key))
    assert got.status_code == 200, got.text
    body = got.json()
    balance, _required = _deposit(api)
    assert body["shop_id"] == api.victim
    assert body["balance_fen"] == balance
    assert body["level"] in ("ok", "short", "negative", "limited")
    excess = body["balance_fen"] - body["required_fen"]

    post = f"/v1/shops/{api.victim}/deposit/withdrawals"
    too_much = {"amount_fen": max(excess, 0) + 1, "on": str(END)}
    refused = api.client.post(
        post, json=too_much, headers=api.headers(api.victim_key, **{"Idempotency-Key": "w1"})
    )
    assert refused.status_code == 422, refused.text
    assert "exceed" in refused.json()["error"]["message"]
    if excess > 0:
        done = api.client.post(
            post,
            json={"amount_fen": excess, "on": str(END)},
            headers=api.headers(api.victim_key, **{"Idempotency-Key": "w2"}),
        )
        assert done.status_code == 200, done.text
        assert done.json()["balance_fen"] == body["required_fen"]

    other = api.client.get(url, params=at, headers=api.headers(api.other_key))
    assert other.status_code == 403
    stolen = api.client.post(
        post,
        json={"amount_fen": 1, "on": str(END)},
        headers=api.headers(api.other_key, **{"Idempotency-Key": "w3"}),
    )
    assert stolen.status_code == 403
    assert _deposit(api)[0] == balance - max(excess, 0)


def test_insurance_routes_answer_for_the_merchants_own_orders_only(api: Api) -> None:
    con = connect(api.warehouse, read_only=True)
    try:
        row = con.execute(
            "SELECT o.order_id, min(l.event_at) FROM orders AS o"
            " JOIN logistics_events AS l ON l.order_id = o.order_id AND l.event = 'shipped'"
            " WHERE o.shop_id = ? AND o.insurance_type = 'small' GROUP BY o.order_id"
            " ORDER BY o.order_id LIMIT 1",
            [api.victim],
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise AssertionError(f"the test market has no small-insured shipped order of {api.victim}")
    order, shipped = row
    url = f"/v1/orders/{order}/insurance/claim"
    params = {"freight_fen": 2401, "asked_at": shipped.date().isoformat() + "T12:00:00"}
    got = api.client.get(url, params=params, headers=api.headers(api.victim_key))
    assert got.status_code == 200, got.text
    assert got.json()["payable_fen"] == 2400  # the ¥24 small-item cap
    assert api.client.get(url, params=params, headers=api.headers(api.other_key)).status_code == 403

    eligibility = f"/v1/shops/{api.victim}/insurance/eligibility"
    query = {"insurance_type": "small", "joining_on": str(END)}
    got = api.client.get(eligibility, params=query, headers=api.headers(api.victim_key))
    assert got.status_code == 200, got.text
    assert got.json()["shop_id"] == api.victim
    bad = api.client.get(
        eligibility, params={**query, "insurance_type": "huge"}, headers=api.headers(api.victim_key)
    )
    assert bad.status_code == 422


def test_the_money_scopes(api: Api) -> None:
    integrator = create_key(api.engine, role=KeyRole.INTEGRATOR, created_by="test").secret_key
    got = api.client.get(
        f"/v1/shops/{api.victim}/deposit",
        params={"at": f"{END}T12:00:00"},
        headers=api.headers(integrator),
    )
    assert got.status_code == 403
    assert "deposits:read" in got.json()["error"]["message"]


def test_a_time_with_no_platform_local_time_is_refused_not_a_server_error(api: Api) -> None:
    """The fuzzer's case (schemathesis, 2026-12-06): one minute east of UTC on the first day a
    date can have is before the calendar in UTC+8. The deposit route answered 500."""
    got = api.client.get(
        f"/v1/shops/{api.victim}/deposit",
        params={"at": "0001-01-01T00:00:00+00:01"},
        headers=api.headers(api.victim_key),
    )
    assert got.status_code == 422, got.text
    assert "has no platform local time" in got.json()["error"]["message"]
