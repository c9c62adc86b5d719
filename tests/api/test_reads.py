"""Merchant and operator reads return the warehouse's real figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.ops import HEAD
from merchantry.store.warehouse import connect
from tests.api.conftest import FEES_RULEBOOK, RANKING_RULEBOOK, SCORE_RULEBOOK, Api


def _statement(api: Api, **params: object) -> dict[str, Any]:
    response = api.client.get(
        f"/v1/shops/{api.victim}/statement",
        params={"start": "2026-10-01", "end": "2026-10-14", **params},
        headers=api.headers(api.victim_key),
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_statement_matches_the_journal(api: Api) -> None:
    body = _statement(api)
    con = connect(api.warehouse, read_only=True)
    try:
        row = con.execute(
            "SELECT count(*), sum(amount_fen) FROM journal_postings WHERE party = ? "
            "AND account IN ('merchant_pending', 'merchant_available', 'merchant_deposit') "
            "AND booked_on BETWEEN DATE '2026-10-01' AND DATE '2026-10-14'",
            [api.victim],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    assert body["lines_total"] == row[0] > 0
    assert len(body["lines"]) == min(row[0], 1000)  # the default window
    assert sum(fen for _, fen in body["movements"]) == row[1]
    assert {x["rule_id"] for x in body["lines"]} - {""}
    with connect(api.warehouse, read_only=True) as con:
        marks = con.execute(
            "SELECT max(period_end) FROM stage_runs WHERE stage LIKE 'close:%'"
        ).fetchall()
    assert body["closed_through"] == marks[0][0].isoformat()  # the last day a close reached


def test_the_statement_read_in_windows_runs_its_balances_across_them(api: Api) -> None:
    total = _statement(api, limit=1)["lines_total"]
    size = max(2, total // 5)  # five windows or so, the last one short
    windows = [_statement(api, limit=size, offset=at) for at in range(0, total, size)]
    lines = [x for w in windows for x in w["lines"]]
    assert len(lines) == total
    assert [w["lines_offset"] for w in windows] == list(range(0, total, size))
    assert len({(x["entry_id"], x["account"], x["rule_id"], x["amount_fen"]) for x in lines}) > 1
    first = windows[0]
    running = dict(map(tuple, first["opening"]))
    for x in lines:  # each balance is the one before it plus its amount, window or not
        running[x["account"]] += x["amount_fen"]
        assert x["balance_fen"] == running[x["account"]], x
    assert running == dict(map(tuple, first["closing"]))
    assert {a: running[a] - o for a, o in first["opening"]} == dict(map(tuple, first["movements"]))
    past = _statement(api, limit=10, offset=total)  # past the end: empty, with the true total
    assert (past["lines"], past["lines_total"]) == ([], total)
    refused = api.client.get(
        f"/v1/shops/{api.victim}/statement",
        params={"start": "2026-10-01", "end": "2026-10-14", "limit": 0},
        headers=api.headers(api.victim_key),
    )
    assert refused.status_code == 422, refused.text
    assert "limit" in refused.text


def test_payouts_by_day_and_by_order_agree(api: Api) -> None:
    key = api.headers(api.victim_key)
    days = api.client.get(f"/v1/shops/{api.victim}/payouts", headers=key)
    assert days.status_code == 200
    by_day = days.json()
    items: list[dict[str, object]] = []
    total = None
    while total is None or len(items) < total:
        page = api.client.get(
            f"/v1/shops/{api.victim}/payouts/orders",
            params={"limit": 700, "offset": len(items)},
            headers=key,
        )
        assert page.status_code == 200
        total = page.json()["total"]
        items += page.json()["items"]
    assert total == sum(d["orders"] for d in by_day) > 700
    assert len({o["order_id"] for o in items}) == total
    assert sum(int(str(o["amount_fen"])) for o in items) == sum(d["amount_fen"] for d in by_day)


def test_score_history_and_diagnosis(api: Api) -> None:
    key = api.headers(api.victim_key)
    score = api.client.get(f"/v1/shops/{api.victim}/score", headers=key)
    assert score.status_code == 200, score.text
    days = score.json()["days"]
    assert score.json()["rulebook"] == SCORE_RULEBOOK
    assert len(days) == 14
    assert [d["score_date"] for d in days] == sorted(d["score_date"] for d in days)
    diagnosis = api.client.get(f"/v1/shops/{api.victim}/score/diagnosis", headers=key)
    assert diagnosis.status_code == 200, diagnosis.text
    assert diagnosis.json()["score_date"] == days[-1]["score_date"]
    assert diagnosis.json()["findings"]


def test_fee_lines_of_an_order_name_their_rules(api: Api) -> None:
    con = connect(api.warehouse, read_only=True)
    try:
        row = con.execute(
            "SELECT order_id, count(*) FROM fee_lines WHERE shop_id = ? AND rulebook = ? "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1",
            [api.victim, FEES_RULEBOOK],
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    response = api.client.get(
        f"/v1/orders/{row[0]}/fees",
        params={"rulebook": FEES_RULEBOOK},
        headers=api.headers(api.victim_key),
    )
    assert response.status_code == 200, response.text
    lines = response.json()["lines"]
    assert len(lines) == row[1]
    assert all(line["rule_title"] for line in lines)
    assert all(line["saved_fen"] == line["baseline_fen"] - line["amount_fen"] for line in lines)


def test_unknown_shop_is_404_not_an_empty_answer(api: Api) -> None:
    response = api.client.get(
        "/v1/shops/NO-SUCH-SHOP/payouts", headers=api.headers(api.operator_key)
    )
    assert response.status_code == 404
    assert "NO-SUCH-SHOP" in response.json()["error"]["message"]


def test_case_queue_is_sorted_and_paged(api: Api) -> None:
    key = api.headers(api.operator_key)
    first = api.client.get("/v1/cases", params={"limit": 5, "sort": "-opened_at"}, headers=key)
    assert first.status_code == 200, first.text
    total = first.json()["total"]
    assert total > 5
    everything = api.client.get("/v1/cases", params={"limit": 1000, "sort": "amount"}, headers=key)
    amounts = [c["amount_fen"] for c in everything.json()["items"]]
    assert amounts == sorted(amounts)
    assert len(amounts) == total
    second = api.client.get(
        "/v1/cases", params={"limit": 5, "offset": 5, "sort": "-opened_at"}, headers=key
    )
    assert not {c["case_id"] for c in first.json()["items"]} & {
        c["case_id"] for c in second.json()["items"]
    }


def test_rulebooks_in_force_and_history(api: Api) -> None:
    key = api.headers(api.operator_key)
    listed = api.client.get(
        "/v1/rulebooks", params={"date": "2026-10-01", "in_force": True}, headers=key
    )
    assert listed.status_code == 200
    names = {r["name"] for r in listed.json()}
    assert FEES_RULEBOOK in names
    assert all(r["in_force"] for r in listed.json())
    history = api.client.get(f"/v1/rulebooks/{FEES_RULEBOOK}/history", headers=key)
    assert history.status_code == 200
    assert [v["info"]["name"] for v in history.json()][-1] == "douyin-2025"


def test_rankings(api: Api) -> None:
    response = api.client.get(
        "/v1/rankings",
        params={"rulebook": RANKING_RULEBOOK},
        headers=api.headers(api.operator_key),
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    con = connect(api.warehouse, read_only=True)
    try:
        ranked = con.execute(
            "SELECT count(*) FROM service_rankings WHERE rulebook = ?", [RANKING_RULEBOOK]
        ).fetchone()
    finally:
        con.close()
    assert ranked is not None
    assert response.json()["total"] == len(items) == ranked[0] > 0
    for industry in {i["industry"] for i in items}:
        ranks = [i["rank"] for i in items if i["industry"] == industry]
        assert ranks == list(range(1, len(ranks) + 1))


def test_health_and_version_need_no_key(api: Api) -> None:
    assert api.client.get("/health").json()["status"] == "ok"
    assert api.client.get("/version").json()["migration"] == HEAD
    assert api.client.get("/v1/cases").status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer mk_no_such_key"},
        {"Authorization": "mk_no_scheme"},
        {"X-API-Key": ""},
        {"X-API-Key": "mk_no_such_key"},
    ],
)
def test_a_missing_malformed_or_unknown_key_is_refused(api: Api, headers: dict[str, str]) -> None:
    """What the schemathesis run no longer fuzzes (it sends the operator's key on every
    call): every other form of key is a 401 that says how to send one, never a 200 or a
    500."""
    response = api.client.get("/v1/cases", headers=headers)
    assert response.status_code == 401, response.text
    assert "key" in response.text.lower()


def test_ready_once_the_online_state_is_built_and_not_before(api: Api, tmp_path: Path) -> None:
    """Readiness is not liveness: a worker without its online state is live, not ready."""
    ready = api.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"ready": True, "online_state": "ready", "ops_database": "ok"}
    empty = create_app(
        ServiceSettings(
            warehouse=tmp_path / "none.duckdb",
            ops_url=f"sqlite:///{tmp_path / 'ops2.sqlite'}",
            dispatcher=False,
        )
    )
    with TestClient(empty) as client:
        assert client.get("/health").status_code == 200
        waiting = client.get("/ready")
        assert waiting.status_code == 503
        assert waiting.json()["ready"] is False
        assert waiting.json()["online_state"] == "not started"
    empty.state.ops_engine.dispose()


def test_an_unknown_query_parameter_is_refused_naming_what_the_route_takes(api: Api) -> None:
    key = api.headers(api.operator_key)
    every = api.client.get("/v1/cases?limit=1000", headers=key).json()["total"]
    assert every > 0  # so a filter that was ignored would show
    shop = api.client.get("/v1/cases?limit=1000", headers=key).json()["items"][0]["shop_id"]
    mine = api.client.get(f"/v1/cases?shop_id={shop}&limit=1000", headers=key).json()["total"]
    # a misspelt filter is not ignored (it would answer every shop's cases)
    typo = api.client.get(f"/v1/cases?shop={shop}&limit=1000", headers=key)
    assert typo.status_code == 422, (typo.json(), every, mine)
    message = typo.json()["error"]["message"]
    assert "'shop'" in message
    assert "did you mean 'shop_id'?" in message
    assert "/v1/cases takes limit, offset, shop_id, sort, state" in message
    # the CLI's words for a period get the API's
    dated = api.client.get(f"/v1/shops/{shop}/payouts?from=2026-10-01&to=2026-10-31", headers=key)
    assert dated.status_code == 422
    assert "did you mean 'start'?" in dated.json()["error"]["message"]
    assert "did you mean 'end'?" in dated.json()["error"]["message"]
    bare = api.client.get("/v1/rulebooks/douyin-2026/history?x=1", headers=key)
    assert bare.status_code == 422
    assert "'x'" in bare.json()["error"]["message"]
    assert "did you mean" not in bare.json()["error"]["message"]  # nothing near 'x'
    # the console's pages still take what a browser adds
    page = api.client.get("/console/login?utm_source=mail&lang=en")
    assert page.status_code == 200


def test_a_query_parameter_given_twice_is_refused_unless_it_is_a_list(api: Api) -> None:
    key = api.headers(api.operator_key)
    twice = api.client.get("/v1/cases?limit=1&limit=2", headers=key)
    assert twice.status_code == 422
    assert "limit" in twice.json()["error"]["message"]
    states = api.client.get("/v1/cases?state=open&state=under_review&limit=1000", headers=key)
    assert states.status_code == 200
    assert {c["state"] for c in states.json()["items"]} <= {"open", "under_review"}


@pytest.mark.parametrize(
    ("path", "params", "said"),
    [
        ("statement", {"start": "2026-13-01"}, "query.start: '2026-13-01' is not a date written"),
        ("statement", {"end": "yesterday"}, "query.end: 'yesterday' is not a date written"),
        ("cases", {"limit": "ten"}, "query.limit: 'ten' is not a whole number"),
        ("cases", {"limit": "0"}, "query.limit: 0 is less than 1, the least it may be"),
        ("cases", {"state": "closed"}, "'closed' is not one of 'open', 'under_review'"),
    ],
)
def test_a_refused_value_is_named_and_the_refusal_is_in_words(
    api: Api, path: str, params: dict[str, str], said: str
) -> None:
    """pydantic's words (``Input should be a valid integer, unable to parse string as an
    integer``) name neither the value nor what to send; the API's refusal names both."""
    if path == "statement":
        url, key = f"/v1/shops/{api.victim}/statement", api.headers(api.victim_key)
        params = {"start": "2026-10-01", "end": "2026-10-14", **params}
    else:
        url, key = "/v1/cases", api.headers(api.operator_key)
    refused = api.client.get(url, params=params, headers=key)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "invalid_input"
    assert said in error["message"], error
    assert "Input should" not in refused.text
