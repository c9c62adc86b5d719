"""Writes: idempotency (replay and conflict), audit, an overturn's money, simulation jobs, keys."""

from __future__ import annotations

import json

from sqlalchemy import text

from merchantry.api.realtime import ORDER_EXAMPLE
from merchantry.api.routes.reco import FILTER_EXAMPLE
from merchantry.ops.keys import KeyRole, create_key
from merchantry.store.warehouse import connect
from tests.api.conftest import Api


def _case_of(api: Api, subject: str) -> str:
    with api.engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT min(case_id) FROM risk_cases WHERE subject = :s AND shop_id = :shop"
                    if subject == "after_sales_request"
                    else "SELECT min(case_id) FROM risk_cases WHERE subject = :s"
                ),
                {"s": subject, "shop": api.victim},
            ).scalar_one()
        )


def _audit_rows(api: Api, resource: str) -> list[tuple[str, str | None, str | None]]:
    with api.engine.connect() as conn:
        return [
            (str(r[0]), r[1], r[2])
            for r in conn.execute(
                text(
                    "SELECT action, before, after FROM audit_log WHERE resource = :r "
                    "ORDER BY audit_id"
                ),
                {"r": resource},
            )
        ]


def test_a_repeated_write_replays_the_first_response_exactly(any_api: Api) -> None:
    api = any_api
    case = _case_of(api, "after_sales_request")
    headers = api.headers(api.victim_key, **{"Idempotency-Key": "appeal-1"})
    body = {"note": "unused item, tracking attached", "evidence": ["img://1"]}
    first = api.client.post(f"/v1/cases/{case}/appeals", json=body, headers=headers)
    again = api.client.post(f"/v1/cases/{case}/appeals", json=body, headers=headers)

    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert first.json()["state"] == "under_review"
    # the work ran once: one appeal, one audit row, one evidence row
    assert [a for a, _, _ in _audit_rows(api, f"case:{case}")] == ["case.appeal"]
    with api.engine.connect() as conn:
        evidence = conn.execute(
            text("SELECT count(*) FROM risk_case_evidence WHERE case_id = :c"), {"c": case}
        ).scalar_one()
    assert evidence == 1


def test_the_same_key_with_another_body_is_refused(any_api: Api) -> None:
    api = any_api
    case = _case_of(api, "after_sales_request")
    headers = api.headers(api.victim_key, **{"Idempotency-Key": "appeal-2"})
    first = api.client.post(
        f"/v1/cases/{case}/appeals", json={"note": "first", "evidence": []}, headers=headers
    )
    clash = api.client.post(
        f"/v1/cases/{case}/appeals", json={"note": "second", "evidence": []}, headers=headers
    )
    assert first.status_code == 200
    assert clash.status_code == 409
    assert "appeal-2" in clash.json()["error"]["message"]
    # another caller may use the same key string for its own request
    other = api.client.post(
        "/v1/keys",
        json={"role": "integrator", "name": "erp"},
        headers=api.headers(api.operator_key, **{"Idempotency-Key": "appeal-2"}),
    )
    assert other.status_code == 201


def test_a_write_without_an_idempotency_key_is_refused(api: Api) -> None:
    case = _case_of(api, "after_sales_request")
    response = api.client.post(
        f"/v1/cases/{case}/appeals", json={"note": "x"}, headers=api.headers(api.victim_key)
    )
    assert response.status_code == 422
    assert "Idempotency-Key" in response.text


def test_a_refused_write_keeps_its_key_free_for_the_corrected_retry(api: Api) -> None:
    case = _case_of(api, "after_sales_request")
    headers = api.headers(api.operator_key, **{"Idempotency-Key": "move-1"})
    wrong = api.client.post(
        f"/v1/cases/{case}/transitions", json={"to": "upheld", "note": "n"}, headers=headers
    )
    assert wrong.status_code == 409  # an open case cannot be upheld before review
    fixed = api.client.post(
        f"/v1/cases/{case}/transitions",
        json={"to": "upheld", "note": "n"},
        headers=api.headers(api.operator_key, **{"Idempotency-Key": "move-1"}),
    )
    assert fixed.status_code == 409  # same request, still refused, not replayed as stored
    assert "Idempotent-Replayed" not in fixed.headers


def _penalty_balance(api: Api) -> int:
    con = connect(api.warehouse, read_only=True)
    try:
        row = con.execute(
            "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings "
            "WHERE account = 'platform_penalties'"
        ).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def test_an_overturn_reverses_the_money_and_is_audited(any_api: Api) -> None:
    api = any_api
    case = _case_of(api, "penalty")
    before = _penalty_balance(api)
    with api.engine.connect() as conn:
        entry = conn.execute(
            text("SELECT ledger_entry_id FROM risk_cases WHERE case_id = :c"), {"c": case}
        ).scalar_one()
    con = connect(api.warehouse, read_only=True)
    try:
        moved = con.execute(
            "SELECT amount_fen FROM journal_postings WHERE entry_id = ? "
            "AND account = 'platform_penalties'",
            [entry],
        ).fetchone()
    finally:
        con.close()
    assert moved is not None
    assert moved[0] > 0
    key = api.operator_key
    review = api.client.post(
        f"/v1/cases/{case}/transitions",
        json={"to": "under_review", "note": "merchant appealed"},
        headers=api.headers(key, **{"Idempotency-Key": "r1"}),
    )
    assert review.status_code == 200, review.text
    overturned = api.client.post(
        f"/v1/cases/{case}/transitions",
        json={"to": "overturned", "note": "not a violation"},
        headers=api.headers(key, **{"Idempotency-Key": "r2"}),
    )
    assert overturned.status_code == 200, overturned.text
    body = overturned.json()
    assert body["case"]["state"] == "overturned"
    assert body["reversal"]["reversed_entry_id"] == entry
    assert body["reversal"]["amount_fen"] == moved[0]
    assert _penalty_balance(api) == before - moved[0]
    # the next read comes from the snapshot the write published
    read = api.client.get(f"/v1/cases/{case}", headers=api.headers(key))
    assert read.json()["case"]["reversal_entry_id"] == body["reversal"]["reversal_entry_id"]
    trail = _audit_rows(api, f"case:{case}")
    assert [a for a, _, _ in trail] == ["case.transition", "case.transition"]
    assert '"state": "under_review"' in str(trail[1][1])
    assert '"state": "overturned"' in str(trail[1][2])


def test_a_simulation_runs_as_a_job(api: Api) -> None:
    started = api.client.post(
        "/v1/simulations",
        json={
            "baseline": "douyin-2025",
            "candidate": "douyin-2026",
            "start": "2026-10-01",
            "end": "2026-10-07",
        },
        headers=api.headers(api.operator_key, **{"Idempotency-Key": "sim-1"}),
    )
    assert started.status_code == 202, started.text
    job = started.json()["job_id"]
    api.client.app.state.jobs.wait(job, timeout=300)  # type: ignore[attr-defined]
    done = api.client.get(f"/v1/simulations/{job}", headers=api.headers(api.operator_key))
    assert done.json()["state"] == "done", done.json()["error"]
    result = done.json()["result"]
    con = connect(api.warehouse, read_only=True)
    try:
        orders = con.execute(
            "SELECT count(*) FROM orders WHERE CAST(paid_at AS DATE) "
            "BETWEEN DATE '2026-10-01' AND DATE '2026-10-07'"
        ).fetchone()
    finally:
        con.close()
    assert orders is not None
    assert result["summary"]["orders"] == orders[0] > 0
    assert result["summary"]["saving_fen"] == sum(x["saving_fen"] for x in result["by_line"])


def test_keys_issued_revoked_and_refused(api: Api) -> None:
    headers = api.headers(api.operator_key, **{"Idempotency-Key": "k1"})
    issued = api.client.post(
        "/v1/keys",
        json={"role": "merchant", "shop_id": api.victim, "scopes": ["payouts:read"]},
        headers=headers,
    )
    assert issued.status_code == 201, issued.text
    secret = issued.json()["secret_key"]
    key_id = issued.json()["key_id"]
    path = f"/v1/shops/{api.victim}/payouts"
    assert api.client.get(path, headers={"X-API-Key": secret}).status_code == 200
    statement = f"/v1/shops/{api.victim}/statement?start=2026-10-01&end=2026-10-02"
    assert api.client.get(statement, headers={"X-API-Key": secret}).status_code == 403
    listed = api.client.get("/v1/keys", headers=api.headers(api.operator_key)).text
    assert key_id in listed
    assert secret not in listed
    revoked = api.client.delete(
        f"/v1/keys/{key_id}", headers=api.headers(api.operator_key, **{"Idempotency-Key": "k2"})
    )
    assert revoked.status_code == 200
    assert api.client.get(path, headers={"X-API-Key": secret}).status_code == 401
    with api.engine.connect() as conn:
        stored = conn.execute(
            text("SELECT secret_sha256 FROM api_keys WHERE key_id = :k"), {"k": key_id}
        ).scalar_one()
    assert secret.split("_", 2)[2] not in stored
    assert len(stored) == 64
    bad = api.client.post(
        "/v1/keys",
        json={"role": "merchant", "shop_id": api.victim, "scopes": ["keys:manage"]},
        headers=api.headers(api.operator_key, **{"Idempotency-Key": "k3"}),
    )
    assert bad.status_code == 422
    assert "keys:manage" in bad.json()["error"]["message"]


def test_posted_events_and_a_rebuild_are_audited_once_per_request(api: Api) -> None:
    integrator = create_key(api.engine, role=KeyRole.INTEGRATOR, created_by="test")
    key = integrator.secret_key
    with connect(api.warehouse, read_only=True) as con:
        cursor = con.execute("SELECT * FROM orders ORDER BY order_id LIMIT 1")
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchone() or (), strict=True))
    placed = {k: v.isoformat(sep=" ") if hasattr(v, "hour") else v for k, v in row.items()}
    good = {**placed, "order_id": "NEW-ORDER-1"}
    bad = {**placed, "order_id": "NEW-ORDER-2", "amount_paid_fen": "lots"}
    headers = api.headers(key, **{"Idempotency-Key": "ev-1"})
    first = api.client.post("/v1/events/orders", json={"events": [good, bad]}, headers=headers)
    again = api.client.post("/v1/events/orders", json={"events": [good, bad]}, headers=headers)
    assert first.status_code == 422, first.text  # one refused, the other recorded
    assert again.content == first.content
    rows = _audit_rows(api, "events:orders")
    assert [a for a, _, _ in rows] == ["events.post"]  # the replay is not a second write
    after = json.loads(rows[0][2] or "{}")
    seq = first.json()["results"][0]["seq"]
    assert after == {
        "accepted": 1,
        "recorded": 1,
        "refused": 1,
        "first_seq": seq,
        "last_seq": seq,
    }

    rebuilt = api.client.post(
        "/v1/online/rebuild", headers=api.headers(key, **{"Idempotency-Key": "rb-1"})
    )
    assert rebuilt.status_code == 200, rebuilt.text
    with api.engine.connect() as conn:
        actions = conn.execute(
            text("SELECT actor, action FROM audit_log WHERE action = 'online.rebuild'")
        ).all()
    assert actions == [(f"key:{integrator.key.key_id}", "online.rebuild")]


def test_a_body_that_is_not_json_is_told_where_it_breaks(api: Api) -> None:
    """Not "body.0: JSON decode error": what is wrong with the body and where."""
    headers = {**api.headers(api.operator_key), "Content-Type": "application/json"}
    answer = api.client.post("/v1/fees/quote", content='{"order_id": "O1",}', headers=headers)
    assert answer.status_code == 422
    message = answer.json()["error"]["message"]
    assert message.startswith("the body is not JSON (")
    assert "at character 18" in message
    assert "body.0" not in message
    answer = api.client.post("/v1/fees/quote", content="", headers=headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["message"] == "the request has no body: send a JSON object"


def test_a_boolean_where_a_number_belongs_is_refused_naming_the_field(api: Api) -> None:
    """``true`` is not one fen: a JSON boolean in a number field is refused (pydantic's lax
    mode would read it as 1), at the top of a body and inside a list of objects, on the
    quotes' fast path and through FastAPI alike; the same bodies with numbers are read."""
    headers = api.headers(api.operator_key)
    quote = {**ORDER_EXAMPLE, "goods_fen": True}
    refused = api.client.post("/v1/fees/quote", json=quote, headers=headers)
    assert refused.status_code == 422, refused.text
    message = refused.json()["error"]["message"]
    assert "body.goods_fen: True: a boolean where a number is expected" in message
    numbers = api.client.post("/v1/fees/quote", json=ORDER_EXAMPLE, headers=headers)
    assert numbers.status_code == 404, numbers.text  # read: the example's shop is not here

    candidates = [dict(c) for c in FILTER_EXAMPLE["candidates"]]
    candidates[-1]["price_fen"] = False
    refused = api.client.post(
        "/v1/reco/filter", json={**FILTER_EXAMPLE, "candidates": candidates}, headers=headers
    )
    assert refused.status_code == 422, refused.text
    message = refused.json()["error"]["message"]
    assert "body.candidates.3.price_fen: False: a boolean where a number is expected" in message
    passed = api.client.post("/v1/reco/filter", json=FILTER_EXAMPLE, headers=headers)
    assert passed.status_code == 200, passed.text
