"""Scores gate ledger rules: compensation, settlement days and deposits.

Two shops are scored every day of June 2026 (from the 8th: before that there is no
score), then June is closed. GOOD scores about 97, BAD about 50 (every order a quality
return). Each ledger rule must read the score in force on the right date: the
payment date for order-level rules, the review day (the 8th) for the deposit.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from merchantry.ledger import CloseSummary
from merchantry.ledger.check import check_journal
from merchantry.scoring import score_shops
from merchantry.service.runner import close_with_fees
from merchantry.service.simulation import run_simulation
from merchantry.simulate.report import build_page

from .market import Market, at
from .test_douyin_rules import perfect_shop
from .test_gates import RULEBOOKS

FIRST_SCORE = date(2026, 6, 8)
JUNE = (date(2026, 6, 1), date(2026, 6, 30))
BEFORE_ANY_SCORE = datetime(2026, 6, 2, 12)
SCORED = at(30, hour=12)  # 2026-06-15 12:00


@pytest.fixture
def scored(market: Market) -> Market:
    perfect_shop(market, "GOOD")
    market.shop("BAD")
    market.orders("BAD", 40, rating=1, case={"reason": "quality"})
    score_shops(market.con, "douyin-score-2026-05", FIRST_SCORE, JUNE[1])
    return market


def score_on(market: Market, shop: str, day: date) -> float:
    row = market.con.execute(
        "SELECT score_cp FROM shop_scores WHERE shop_id = ? AND score_date = ?", [shop, day]
    ).fetchone()
    assert row is not None
    return int(row[0]) / 100


def compensated(market: Market, shop: str, paid: datetime) -> str:
    """An order with an approved ¥10 compensation (an exchange: nothing refunded)."""
    order_id = market.order(shop, paid)
    market.case(
        order_id, paid, type="exchange", reason="damaged", amount_fen=0, compensation_fen=1_000
    )
    return order_id


def legs(market: Market, order_id: str, kind: str) -> list[tuple[str, int, str]]:
    rows = market.con.execute(
        "SELECT account, amount_fen, rule_id FROM journal_postings"
        " WHERE entry_kind = ? AND order_id = ? ORDER BY leg",
        [kind, order_id],
    ).fetchall()
    return [(str(a), int(m), str(r)) for a, m, r in rows]


def close_june(market: Market, rulebook: str) -> CloseSummary:
    summary = close_with_fees(market.con, rulebook, *JUNE, rulebook_dirs=[RULEBOOKS])
    assert check_journal(market.con) == []
    return summary


def test_shipped_douyin_2026_reduces_compensation_only_at_90_on_the_payment_date(
    scored: Market,
) -> None:
    assert score_on(scored, "GOOD", SCORED.date()) >= 90 > score_on(scored, "BAD", SCORED.date())
    good = compensated(scored, "GOOD", SCORED)
    bad = compensated(scored, "BAD", SCORED)
    early = compensated(scored, "GOOD", BEFORE_ANY_SCORE)  # no score yet: NULL, no benefit
    close_june(scored, "douyin-2026")

    assert legs(scored, good, "compensation") == [
        ("merchant_pending", -700, "ledger.compensation"),
        ("platform_subsidy", -300, "compensation.quality-merchant"),
        ("buyers", 1_000, "ledger.compensation"),
    ]
    for plain in (bad, early):
        assert legs(scored, plain, "compensation") == [
            ("merchant_pending", -1_000, "ledger.compensation"),
            ("buyers", 1_000, "ledger.compensation"),
        ]


def test_settlement_days_follow_the_score_on_the_payment_date(scored: Market) -> None:
    good = scored.order("GOOD", SCORED)
    bad = scored.order("BAD", SCORED)
    early_bad = scored.order("BAD", BEFORE_ANY_SCORE)
    close_june(scored, "douyin-2026-score-ledger")

    schedule = {
        str(o): (int(d), str(r), s)
        for o, d, r, s in scored.con.execute(
            "SELECT order_id, settlement_days, settle_rule_id, settle_on FROM order_payouts"
            " WHERE order_id IN (?, ?, ?)",
            [good, bad, early_bad],
        ).fetchall()
    }
    # delivered and receipt confirmed 26 hours after payment: 2026-06-16
    assert schedule[good] == (3, "settle.default", date(2026, 6, 19))
    assert schedule[bad] == (10, "settle.low-score", date(2026, 6, 26))
    assert schedule[early_bad][:2] == (3, "settle.default")  # before its first score
    settled = scored.con.execute(
        "SELECT DISTINCT rule_id FROM journal_postings WHERE entry_kind = 'settlement'"
        " AND order_id = ?",
        [bad],
    ).fetchall()
    assert settled == [("settle.low-score",)]


def test_the_deposit_review_reads_the_score_on_the_review_day(scored: Market) -> None:
    close_june(scored, "douyin-2026-score-ledger")
    required = dict(
        scored.con.execute(
            "SELECT shop_id, rule_id FROM deposit_requirements WHERE effective_on = ?",
            [FIRST_SCORE],
        ).fetchall()
    )
    assert score_on(scored, "GOOD", FIRST_SCORE) >= 90
    assert required == {"GOOD": "deposit.quality", "BAD": "deposit.tier-1"}


def score_warnings(summary: CloseSummary) -> list[str]:
    return [w for w in summary.warnings if w.startswith("rule ")]


def test_a_close_says_when_score_gated_rules_have_no_scores_to_read(market: Market) -> None:
    """Closing before scoring would silently drop every score-gated benefit: the close
    names each such rule, then the days the series does not cover, then nothing."""
    perfect_shop(market, "GOOD")
    order_id = compensated(market, "GOOD", SCORED)
    unscored = score_warnings(close_june(market, "douyin-2026-score-ledger"))
    assert sorted(w.split(" reads ")[0] for w in unscored) == [
        "rule 'compensation.quality-merchant'",
        "rule 'deposit.quality'",
        "rule 'settle.low-score'",
    ]
    assert all("no douyin score is dated on or before 2026-06-30" in w for w in unscored)
    assert legs(market, order_id, "compensation")[0] == (
        "merchant_pending",
        -1_000,
        "ledger.compensation",
    )

    score_shops(market.con, "douyin-score-2026-05", FIRST_SCORE, JUNE[1])
    partly = score_warnings(close_june(market, "douyin-2026-score-ledger"))
    assert len(partly) == 3
    gap = "first douyin score is dated 2026-06-08: it matches nothing dated 2026-06-01..2026-06-07"
    assert all(gap in w for w in partly)
    net = market.con.execute(
        "SELECT account, sum(amount_fen) FROM journal_postings"
        " WHERE entry_kind = 'compensation' AND order_id = ? GROUP BY 1 ORDER BY 1",
        [order_id],
    ).fetchall()  # re-closing reversed the first version and posted the reduced one
    assert net == [("buyers", 1_000), ("merchant_pending", -700), ("platform_subsidy", -300)]

    score_shops(market.con, "douyin-score-2026-05", JUNE[0], JUNE[1])
    assert score_warnings(close_june(market, "douyin-2026-score-ledger")) == []


def test_a_close_that_runs_the_fee_stage_also_names_score_gated_fee_rules(market: Market) -> None:
    perfect_shop(market, "GOOD")
    summary = close_june(market, "douyin-2026-score-gated")  # its fee waiver reads the score
    assert summary.fees_run
    assert sorted(w.split(" reads ")[0] for w in score_warnings(summary)) == [
        "rule 'compensation.quality-merchant'",
        "rule 'tsf.waiver.quality_merchant'",
    ]


def test_the_simulator_prices_ledger_rules_as_the_close_applies_them(scored: Market) -> None:
    """The simulation's settlement wait and borne compensation equal what a close under the
    candidate posts and schedules for the same orders (and the baseline's 4 days, no 减赔)."""
    good = compensated(scored, "GOOD", SCORED)
    compensated(scored, "BAD", SCORED)
    compensated(scored, "GOOD", BEFORE_ANY_SCORE)
    result = run_simulation(
        scored.con, "douyin-2025", "douyin-2026", *JUNE, rulebook_dirs=[RULEBOOKS]
    )
    sides = {side.side: side for side in result.ledger}
    base, cand = sides["baseline"], sides["candidate"]
    assert base.fen_days == 4 * base.settled_amount_fen  # douyin-2025: 4 days for every order
    assert base.platform_borne_fen == 0
    assert (cand.compensation_cases, cand.compensation_fen) == (3, 3_000)

    close_june(scored, "douyin-2026")
    borne = scored.con.execute(
        "SELECT -sum(amount_fen) FROM journal_postings WHERE account = 'platform_subsidy'"
        " AND rule_id = 'compensation.quality-merchant'"
    ).fetchone()
    assert borne == (cand.platform_borne_fen,) == (300,)
    assert scored.con.execute(
        "SELECT order_id FROM journal_postings WHERE rule_id = 'compensation.quality-merchant'"
    ).fetchall() == [(good,)]
    schedule = scored.con.execute(
        "SELECT count(*), sum(o.amount_paid_fen), sum(o.amount_paid_fen * p.settlement_days)"
        " FROM order_payouts AS p JOIN orders AS o USING (order_id)"
        " WHERE p.paid_on BETWEEN ? AND ?",
        list(JUNE),
    ).fetchone()
    assert schedule == (cand.settled_orders, cand.settled_amount_fen, cand.fen_days)
    page = build_page(result).to_html()
    assert "Settlement and compensation" in page
    assert "The platform bears ¥3.00 more compensation" in page
