"""Programme coupons spent: each spend paid from the right coupon, posted once, the rest released.

The allocation cases are small hand-made ledgers; the journal cases run the shipped
industry-belt programme (a ¥500 traffic coupon and a ¥300 随心推 ad coupon, both granted on
2 March and expiring on 1 April) and post its coupons with spends beside them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.ingest.pipeline import ingest_dir
from merchantry.ledger.check import check_journal
from merchantry.ledger.coupons import Coupon, CouponLine, Spend, Use, allocate, coupon_report
from merchantry.ledger.rewards import post_rewards
from merchantry.programs import load_programme, run_programme
from merchantry.service.programs import programme_coupons, run_programmes
from merchantry.service.runner import run_stages
from merchantry.service.stages import close_stage, fees_stage
from merchantry.store.warehouse import connect
from merchantry.synth.generator import DEFAULT_START, generate
from tests.programs.factories import insert, orders, rows, shop, signup
from tests.programs.test_ledger import balances

BOOK = "douyin-2026"
GRANT = date(2026, 3, 2)
EXPIRY = date(2026, 4, 1)


def coupon(rid: str, amount: int, granted: date, expires: date, kind: str = "ad_coupon") -> Coupon:
    return Coupon(rid, "A", kind, amount, granted, expires)


def spend(sid: str, amount: int, at: date, kind: str = "ad_coupon", hour: int = 12) -> Spend:
    return Spend(sid, "A", kind, datetime(at.year, at.month, at.day, hour), amount)


def test_a_spend_uses_the_coupon_expiring_first_then_the_next() -> None:
    early = coupon("early", 1_000, date(2026, 3, 1), date(2026, 3, 10))
    late = coupon("late", 1_000, date(2026, 3, 1), date(2026, 3, 20))
    uses = allocate([late, early], [spend("s1", 1_500, date(2026, 3, 5))])
    assert uses == [
        Use("early", "s1", "A", "ad_coupon", date(2026, 3, 5), 1_000),
        Use("late", "s1", "A", "ad_coupon", date(2026, 3, 5), 500),
    ]


def test_a_coupon_pays_from_its_grant_day_up_to_the_day_before_it_expires() -> None:
    c = coupon("c", 1_000, date(2026, 3, 2), date(2026, 3, 9))
    spends = [
        spend("before", 100, date(2026, 3, 1)),
        spend("grant-day", 100, date(2026, 3, 2)),
        spend("last-day", 100, date(2026, 3, 8)),
        spend("expiry-day", 100, date(2026, 3, 9)),
    ]
    assert [u.spend_id for u in allocate([c], spends)] == ["grant-day", "last-day"]


def test_spends_of_another_kind_or_shop_leave_the_coupon_alone() -> None:
    c = coupon("c", 1_000, date(2026, 3, 1), date(2026, 3, 9), kind="traffic_coupon")
    other_shop = Spend("x", "B", "traffic_coupon", datetime(2026, 3, 3, 9), 500)
    other_kind = spend("y", 500, date(2026, 3, 3), kind="fee_waiver")
    assert allocate([c], [other_shop, other_kind]) == []


def test_what_the_coupons_cannot_cover_is_left_to_the_merchant() -> None:
    c = coupon("c", 300, date(2026, 3, 1), date(2026, 3, 9))
    uses = allocate([c], [spend("s1", 200, date(2026, 3, 2)), spend("s2", 200, date(2026, 3, 3))])
    assert [(u.spend_id, u.amount_fen) for u in uses] == [("s1", 200), ("s2", 100)]


def test_spends_are_paid_in_time_order_whatever_their_ids() -> None:
    c = coupon("c", 100, date(2026, 3, 1), date(2026, 3, 9))
    first, second = spend("b", 100, date(2026, 3, 2), hour=8), spend("a", 100, date(2026, 3, 2))
    assert [u.spend_id for u in allocate([c], [second, first])] == ["b"]


DAYS = st.integers(min_value=0, max_value=20)


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[Coupon], list[Spend]]:
    base = date(2026, 3, 1)
    coupons = []
    for i in range(draw(st.integers(0, 5))):
        granted = draw(DAYS)
        life = draw(st.integers(1, 10))
        kind = draw(st.sampled_from(["ad_coupon", "fee_waiver"]))
        amount = draw(st.integers(0, 2_000))
        day = base + timedelta(days=granted)
        coupons.append(Coupon(f"c{i}", "A", kind, amount, day, day + timedelta(days=life)))
    spends = []
    for i in range(draw(st.integers(0, 12))):
        day = base + timedelta(days=draw(DAYS))
        kind = draw(st.sampled_from(["ad_coupon", "fee_waiver"]))
        amount = draw(st.integers(1, 1_500))
        spends.append(
            Spend(f"s{i:02d}", "A", kind, datetime(day.year, day.month, day.day, 10), amount)
        )
    return coupons, spends


@settings(max_examples=150, deadline=None)
@given(ledgers())
def test_no_coupon_or_spend_is_overdrawn_and_no_coverable_spend_is_left_unpaid(
    ledger: tuple[list[Coupon], list[Spend]],
) -> None:
    coupons, spends = ledger
    uses = allocate(coupons, spends)
    by_coupon = {c.reward_id: c for c in coupons}
    used = {c.reward_id: 0 for c in coupons}
    paid = {s.spend_id: 0 for s in spends}
    for u in uses:
        c = by_coupon[u.reward_id]
        assert c.granted_on <= u.used_on < c.expires_on
        assert u.amount_fen > 0
        used[u.reward_id] += u.amount_fen
        paid[u.spend_id] += u.amount_fen
    assert all(used[c.reward_id] <= c.amount_fen for c in coupons)
    assert all(paid[s.spend_id] <= s.amount_fen for s in spends)
    # a spend left partly unpaid means every coupon valid for it was empty once it was paid
    for s in spends:
        if paid[s.spend_id] < s.amount_fen:
            day = s.spent_at.date()
            upto = {
                c.reward_id: sum(
                    u.amount_fen
                    for u in uses
                    if u.reward_id == c.reward_id and (u.used_on, u.spend_id) <= (day, s.spend_id)
                )
                for c in coupons
            }
            for c in coupons:
                if c.kind == s.kind and c.granted_on <= day < c.expires_on:
                    assert upto[c.reward_id] == c.amount_fen


@settings(max_examples=100, deadline=None)
@given(ledgers(), DAYS)
def test_later_spends_never_change_an_earlier_days_uses(
    ledger: tuple[list[Coupon], list[Spend]], cut: int
) -> None:
    coupons, spends = ledger
    day = date(2026, 3, 1) + timedelta(days=cut)
    before = [s for s in spends if s.spent_at.date() <= day]
    assert allocate(coupons, before) == [u for u in allocate(coupons, spends) if u.used_on <= day]


def coupon_spend(
    con: duckdb.DuckDBPyConnection, sid: str, kind: str, at: datetime, amount: int
) -> None:
    insert(
        con, "coupon_spends", spend_id=sid, shop_id="A", coupon_kind=kind, spent_at=at,
        amount_fen=amount,
    )  # fmt: skip


def granted(con: duckdb.DuckDBPyConnection) -> None:
    """Shop A earns both industry-belt coupons on 2 March (20 live orders)."""
    shop(con, "A", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "A", "douyin-2026-industry-belts", date(2026, 3, 1))
    orders(con, "A", GRANT, 20, scene="live")
    run_programme(con, load_programme("douyin-2026-industry-belts"), date(2026, 3, 31))


def test_a_spend_consumes_the_coupon_and_expiry_releases_only_what_is_left(
    con: duckdb.DuckDBPyConnection,
) -> None:
    granted(con)
    coupon_spend(con, "S1", "traffic_coupon", datetime(2026, 3, 5, 10), 12_000)
    coupon_spend(con, "S2", "ad_coupon", datetime(2026, 3, 20, 10), 45_000)  # ¥300 coupon
    coupon_spend(con, "S3", "traffic_coupon", datetime(2026, 4, 1, 10), 9_000)  # expiry day
    post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 4, 30))
    assert balances(con, date(2026, 3, 20)) == {
        ("platform_subsidy", ""): -80_000,
        ("program_coupons", "A"): 80_000 - 12_000 - 30_000,
        ("platform_ads_revenue", ""): 42_000,
    }
    assert balances(con, EXPIRY) == {
        ("platform_subsidy", ""): -42_000,
        ("platform_ads_revenue", ""): 42_000,
    }
    release = rows(
        con,
        "SELECT sum(p.amount_fen) FROM journal_postings AS p JOIN journal_entries AS e "
        "USING (entry_id) WHERE e.source_id LIKE '%:expiry' AND p.account = 'program_coupons'",
    )
    assert release == [(-(50_000 - 12_000),)]  # the ad coupon was spent to the fen
    assert check_journal(con) == []


def test_posting_month_by_month_posts_what_one_posting_does_and_reposting_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    granted(con)
    for i, day in enumerate((5, 12, 19, 26, 31)):
        coupon_spend(con, f"S{i}", "traffic_coupon", datetime(2026, 3, day, 9), 11_000)
    post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 3, 15))
    post_rewards(con, BOOK, date(2026, 3, 16), date(2026, 4, 30))
    split = balances(con, EXPIRY)
    again = post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 4, 30))
    assert (again.posted, again.reversed) == (0, 0)
    # the traffic coupon pays four spends whole and 6,000 of the fifth; the ad coupon expires
    assert split == {("platform_subsidy", ""): -50_000, ("platform_ads_revenue", ""): 50_000}
    uses = rows(con, "SELECT count(*) FROM journal_entries WHERE source_id LIKE '%:use:%'")
    assert uses == [(5,)]
    assert check_journal(con) == []


def test_a_spend_ingested_after_the_expiry_was_posted_corrects_the_release(
    con: duckdb.DuckDBPyConnection,
) -> None:
    granted(con)
    post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 4, 30))
    assert balances(con, EXPIRY) == {}
    coupon_spend(con, "LATE", "ad_coupon", datetime(2026, 3, 30, 9), 10_000)
    result = post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 4, 30))
    assert (result.posted, result.reversed) == (2, 1)  # the use, the new release; old one out
    assert balances(con, EXPIRY) == {
        ("platform_subsidy", ""): -10_000,
        ("platform_ads_revenue", ""): 10_000,
    }
    assert check_journal(con) == []


def test_the_report_shows_issued_redeemed_and_expired_per_programme(
    con: duckdb.DuckDBPyConnection,
) -> None:
    granted(con)
    coupon_spend(con, "S1", "traffic_coupon", datetime(2026, 3, 5, 10), 12_000)
    coupon_spend(con, "S2", "ad_coupon", datetime(2026, 3, 20, 10), 45_000)
    post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 4, 30))
    assert coupon_report(con, date(2026, 3, 31)) == [
        CouponLine("douyin-2026-industry-belts", 2, 80_000, 42_000, 0)
    ]
    (after,) = coupon_report(con)
    assert (after.redeemed_fen, after.expired_fen, after.outstanding_fen) == (42_000, 38_000, 0)


def test_the_close_is_stale_when_a_reward_or_a_spend_changes(
    con: duckdb.DuckDBPyConnection,
) -> None:
    plan = (fees_stage(BOOK), close_stage(BOOK))
    period = (date(2026, 3, 1), date(2026, 4, 30))
    granted(con)
    run_stages(con, *period, stages=plan)
    fresh = {s.stage: s.ran for s in run_stages(con, *period, stages=plan).stages}
    assert fresh == {f"fees:{BOOK}": False, f"close:{BOOK}": False}

    coupon_spend(con, "S1", "ad_coupon", datetime(2026, 3, 9, 10), 7_000)
    report = {s.stage: s for s in run_stages(con, *period, stages=plan).stages}
    assert not report[f"fees:{BOOK}"].ran
    assert report[f"close:{BOOK}"].ran
    assert "coupon_spends" in report[f"close:{BOOK}"].reason
    assert balances(con, date(2026, 3, 9))[("platform_ads_revenue", "")] == 7_000

    con.execute("UPDATE program_rewards SET amount_fen = amount_fen - 1000")
    report = {s.stage: s for s in run_stages(con, *period, stages=plan).stages}
    assert report[f"close:{BOOK}"].ran
    assert "program_rewards" in report[f"close:{BOOK}"].reason
    assert balances(con, GRANT)[("program_coupons", "A")] == 78_000
    assert check_journal(con) == []


COUPON_PROGRAMMES = ("douyin-2026-small-merchant-fund", "douyin-2026-industry-belts")


@pytest.mark.slow
def test_generated_spends_redeem_part_of_the_generated_markets_coupons(tmp_path: Path) -> None:
    """On a generated market the programmes grant coupons and the generated spends
    (stream 13) redeem part of them; the rest expires; the journal stays sound and each
    programme's issued coupons equal its grants."""
    generate(tmp_path / "data", shops=40, days=21, seed=4, progress=False, orders_per_shop_day=4)
    spends = pq.read_table(tmp_path / "data" / "coupon_spends.parquet")
    assert spends.num_rows > 40 * 21 * 0.1
    assert set(spends.column("coupon_kind").to_pylist()) == {
        "traffic_coupon",
        "ad_coupon",
        "commission_discount",
        "fee_waiver",
    }
    assert min(spends.column("amount_fen").to_pylist()) >= 100
    con = connect(tmp_path / "w.duckdb")
    try:
        ingest_dir(con, tmp_path / "data", progress=False)
        end = DEFAULT_START + timedelta(days=90)
        run_programmes(con, DEFAULT_START, end, names=COUPON_PROGRAMMES)
        lines = programme_coupons(con)
        granted = dict(
            rows(
                con,
                "SELECT program, sum(amount_fen) FROM program_rewards WHERE reward_kind <> "
                "'cash' AND granted_on BETWEEN ? AND ? GROUP BY 1 HAVING sum(amount_fen) > 0",
                DEFAULT_START,
                end,
            )
        )  # a reward granted before the data (a 2022 shop's first day) is not posted here
        assert {c.program: c.issued_fen for c in lines} == granted
        assert sum(c.redeemed_fen for c in lines) > 0
        assert sum(c.expired_fen for c in lines) > 0
        assert all(c.outstanding_fen >= 0 for c in lines)
        assert check_journal(con) == []
    finally:
        con.close()
