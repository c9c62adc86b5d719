"""The seeding API: a merchant reads the creators behind its own shop's orders only; the
platform-wide daily report is for operators."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.api.keyed import KeyedClient, keyed_client
from tests.seeding.factories import DAY, two_shop_market


@pytest.fixture
def client(tmp_path: Path) -> Iterator[KeyedClient]:
    db = tmp_path / "w.duckdb"
    two_shop_market(db)
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    yield from keyed_client(db, url, "S1")


def test_a_merchant_sees_the_creators_behind_its_own_orders(client: KeyedClient) -> None:
    status, body = client.get("/v1/shops/S1/seeding", client.merchant)
    assert status == 200, body
    assert (body["start"], body["end"]) == (DAY.isoformat(), DAY.isoformat())
    by_creator = {c["creator_id"]: c for c in body["creators"]}
    assert set(by_creator) == {"CR1", "CR2"}  # CR3 sells S2's goods
    # CR1: O1 stands (¥100 at 5% = ¥5); O2 was refunded two days after payment, before the
    # seven-day payout: counted as dropped, nothing paid, its GMV left out.
    assert by_creator["CR1"]["orders"] == 1
    assert by_creator["CR1"]["dropped_orders"] == 1
    assert by_creator["CR1"]["attributed_gmv_fen"] == 10_000
    assert by_creator["CR1"]["payout_fen"] == 500
    # CR2: O3 by last touch (V3 watched after V1): ¥200 at 5% = ¥10.
    assert by_creator["CR2"]["attributed_gmv_fen"] == 20_000
    assert by_creator["CR2"]["payout_fen"] == 1_000
    assert (body["orders"], body["attributed_gmv_fen"], body["payout_fen"]) == (2, 30_000, 1_500)
    assert {a["order_id"] for a in body["recent"]} == {"O1", "O2", "O3"}
    assert {a["status"] for a in body["recent"] if a["order_id"] == "O2"} == {"dropped_refund"}


def test_a_merchant_is_told_which_days_the_stage_has_attributed(client: KeyedClient) -> None:
    """An empty creator list can mean no buyer came through a video, or days the seeding
    stage never covered: the answer carries the attributed days (any shop's) to tell them
    apart."""
    status, body = client.get("/v1/shops/S1/seeding", client.merchant)
    assert status == 200, body
    assert (body["attributed_from"], body["attributed_through"]) == (DAY.isoformat(),) * 2
    later = (DAY + timedelta(days=30)).isoformat()
    status, body = client.get("/v1/shops/S1/seeding", client.merchant, start=later, end=later)
    assert status == 200, body
    assert (body["creators"], body["orders"]) == ([], 0)
    assert (body["attributed_from"], body["attributed_through"]) == (DAY.isoformat(),) * 2


def test_another_shop_and_the_platform_report_are_refused_to_a_merchant(
    client: KeyedClient,
) -> None:
    status, body = client.get("/v1/shops/S2/seeding", client.merchant)
    assert status == 403, body
    assert "S2" in str(body)
    assert client.get("/v1/seeding/report", client.merchant)[0] == 403
    assert client.get("/v1/seeding/report", client.integrator)[0] == 403
    assert client.get("/v1/shops/S1/seeding", client.integrator)[0] == 403
    status, body = client.get("/v1/shops/S2/seeding", client.operator)
    assert status == 200, body
    assert [c["creator_id"] for c in body["creators"]] == ["CR3"]


def test_the_operator_reads_the_daily_report(client: KeyedClient) -> None:
    status, body = client.get("/v1/seeding/report", client.operator)
    assert status == 200, body
    (day,) = body["days"]
    assert day["day"] == DAY.isoformat()
    assert (day["creators_paid"], day["videos_paid"], day["orders"]) == (3, 3, 3)
    assert day["attributed_gmv_fen"] == 40_000  # O1 + O3 + O4; O2 dropped
    assert body["creators_taking_part"] == 3
    assert {p["name"] for p in body["published"]} >= {"creators_joined", "videos_paid"}


def test_bad_periods_and_unknown_names_get_clear_answers(client: KeyedClient) -> None:
    status, body = client.get(
        "/v1/shops/S1/seeding", client.operator, start="2026-10-12", end="2026-10-01"
    )
    assert status == 422, body
    assert "before it starts" in str(body)
    status, body = client.get("/v1/shops/S9/seeding", client.operator)
    assert status == 404, body
    status, body = client.get("/v1/seeding/report", client.operator, rulebook="nope")
    assert status == 404, body
    # one row a day: a period of 8,000 years is refused, not built (it took 5 GB and 52 s)
    status, body = client.get(
        "/v1/seeding/report", client.operator, start="0001-01-01", end="9999-12-31"
    )
    assert status == 422, body
    assert "3,652,059 days" in str(body)
    assert "at most 3,660 days" in str(body)
    status, body = client.get(
        "/v1/seeding/report", client.operator, start="2020-01-01", end="2029-12-31"
    )
    assert status == 200, body
    assert len(body["days"]) == 3653
    status, body = client.get(
        "/v1/shops/S1/seeding", client.operator, start="2026-11-01", end="2026-11-30"
    )
    assert status == 200, body
    assert (body["orders"], body["creators"]) == (0, [])


def _issue(client: KeyedClient, creator: str, key: str, **body: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = client.http.post(
        f"/v1/creators/{creator}/keys",
        json=body,
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": f"issue-{creator}-{key}"},
    )
    return r.status_code, r.json()


def test_an_operator_issues_a_creator_key_and_the_creator_reads_its_own_incentive(
    client: KeyedClient,
) -> None:
    status, issued = _issue(client, "CR1", client.operator, name="CR1 studio")
    assert status == 201, issued
    assert (issued["role"], issued["creator_id"], issued["scopes"]) == (
        "creator",
        "CR1",
        ["creators:read"],
    )
    status, body = client.get("/v1/creators/CR1/seeding", issued["secret_key"])
    assert status == 200, body
    # CR1: V1 brought O1 (¥100 at 5% = ¥5); V2's O2 was refunded before the payout.
    # O3 went to CR2 by last touch although its buyer had watched V1 first.
    videos = {v["video_id"]: v for v in body["videos"]}
    assert set(videos) == {"V1", "V2"}
    assert (videos["V1"]["orders"], videos["V1"]["payout_fen"]) == (1, 500)
    assert (videos["V2"]["orders"], videos["V2"]["dropped_orders"]) == (0, 1)
    assert (body["orders"], body["attributed_gmv_fen"], body["payout_fen"]) == (1, 10_000, 500)
    assert body["as_of"] == DAY.isoformat()  # the data's last order day
    assert all(s["status"] == "scheduled" for s in body["settlements"])
    assert {b["account"] for b in body["balances"]} == {
        "creator_payable",
        "creator_available",
        "creator_reserve",
        "creator_frozen",
    }
    assert (body["attributed_from"], body["attributed_through"]) == (DAY.isoformat(),) * 2
    earlier = (DAY - timedelta(days=40)).isoformat()
    status, body = client.get(
        "/v1/creators/CR1/seeding", issued["secret_key"], start=earlier, end=earlier
    )
    assert status == 200, body
    assert (body["videos"], body["orders"]) == ([], 0)  # a day the stage never attributed:
    assert body["attributed_from"] == DAY.isoformat()  # the answer says which days it did


def test_a_creator_key_reads_no_other_creator_and_no_shop(client: KeyedClient) -> None:
    _, issued = _issue(client, "CR1", client.operator)
    key = issued["secret_key"]
    status, body = client.get("/v1/creators/CR2/seeding", key)
    assert status == 403, body
    assert "CR2" in str(body)
    assert client.get("/v1/shops/S1/seeding", key)[0] == 403
    assert client.get("/v1/seeding/report", key)[0] == 403
    # merchants and integrators hold no creator scope; the operator reads any creator
    assert client.get("/v1/creators/CR1/seeding", client.merchant)[0] == 403
    assert client.get("/v1/creators/CR1/seeding", client.integrator)[0] == 403
    status, body = client.get("/v1/creators/CR2/seeding", client.operator)
    assert status == 200, body
    assert body["payout_fen"] == 1_000
    # only an operator issues creator keys, for a creator the warehouse knows, with
    # creator scopes only
    assert _issue(client, "CR1", client.merchant)[0] == 403
    assert _issue(client, "CR1", key)[0] == 403
    status, body = _issue(client, "CR9", client.operator)
    assert status == 404, body
    status, body = _issue(client, "CR2", client.operator, scopes=["payouts:read"])
    assert status == 422, body
    assert "creator scopes" in str(body)


def test_a_revoked_creator_key_is_refused(client: KeyedClient) -> None:
    _, issued = _issue(client, "CR1", client.operator)
    r = client.http.delete(
        f"/v1/keys/{issued['key_id']}",
        headers={"Authorization": f"Bearer {client.operator}", "Idempotency-Key": "revoke-1"},
    )
    assert r.status_code == 200, r.text
    assert client.get("/v1/creators/CR1/seeding", issued["secret_key"])[0] == 401


def test_a_period_outside_the_attributed_days_says_so(client: KeyedClient) -> None:
    status, body = client.get("/v1/seeding/report", client.operator)
    assert status == 200, body
    assert (body["attributed_from"], body["attributed_through"]) == (DAY.isoformat(),) * 2
    # Two years before anything was attributed: zeros, with the span that says why.
    status, body = client.get(
        "/v1/seeding/report", client.operator, start="2024-01-01", end="2024-01-03"
    )
    assert status == 200, body
    assert [d["attributed_gmv_fen"] for d in body["days"]] == [0, 0, 0]
    assert (body["attributed_from"], body["attributed_through"]) == (DAY.isoformat(),) * 2
    # The span is the warehouse's, not the period's: a period around it gives the same.
    start, end = DAY - timedelta(days=1), DAY + timedelta(days=1)
    status, body = client.get(
        "/v1/seeding/report", client.operator, start=start.isoformat(), end=end.isoformat()
    )
    assert status == 200, body
    assert [d["attributed_gmv_fen"] for d in body["days"]] == [0, 40_000, 0]
    assert body["attributed_from"] == DAY.isoformat()
