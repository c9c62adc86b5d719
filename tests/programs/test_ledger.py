"""Rewards in the journal: coupons owed until expiry, cash paid out, each posted once."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import duckdb

from merchantry.ledger.check import check_journal
from merchantry.ledger.rewards import post_rewards
from merchantry.programs import load_programme, run_programme
from merchantry.service.runner import close_with_fees
from tests.ledger.factories import add_violation, ledger_rulebook
from tests.programs.factories import order, orders, rows, shop, signup

BOOK = "douyin-2026"


def balances(con: duckdb.DuckDBPyConnection, upto: date) -> dict[tuple[str, str], int]:
    found = rows(
        con,
        "SELECT p.account, coalesce(p.party, ''), sum(p.amount_fen) FROM journal_postings AS p "
        "JOIN journal_entries AS e USING (entry_id) WHERE e.booked_on <= ? GROUP BY ALL",
        upto,
    )
    return {(str(a), str(b)): int(c) for a, b, c in found if c}  # type: ignore[call-overload]


def test_coupons_are_owed_until_they_expire_then_released(con: duckdb.DuckDBPyConnection) -> None:
    belts = load_programme("douyin-2026-industry-belts")
    shop(con, "A", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "A", "douyin-2026-industry-belts", date(2026, 3, 1))
    day = date(2026, 3, 2)
    orders(con, "A", day, 20, scene="live")
    run_programme(con, belts, date(2026, 3, 31))
    post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 3, 31))
    assert balances(con, day) == {
        ("platform_subsidy", ""): -80_000,
        ("program_coupons", "A"): 80_000,
    }
    assert check_journal(con) == []
    # the coupons last 30 days: released on the 30th day after the grant, not before
    expiry = day + timedelta(days=30)
    post_rewards(con, BOOK, date(2026, 4, 1), date(2026, 4, 30))
    assert balances(con, expiry - timedelta(days=1))[("program_coupons", "A")] == 80_000
    assert balances(con, expiry) == {}
    assert check_journal(con) == []


def test_cash_is_paid_into_the_available_balance(con: duckdb.DuckDBPyConnection) -> None:
    fund = load_programme("douyin-2026-small-merchant-fund")
    only_cash = dataclasses.replace(fund, tasks=fund.tasks[:1])
    shop(con, "A", opened=date(2025, 1, 1))
    orders(con, "A", date(2026, 3, 2), 5)
    run_programme(con, only_cash, date(2026, 3, 31))
    post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 12, 31))
    assert balances(con, date(2026, 12, 31)) == {
        ("platform_subsidy", ""): -20_000,
        ("merchant_available", "A"): 20_000,
    }


def test_posting_twice_posts_nothing_and_a_held_reward_posts_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    belts = load_programme("douyin-2026-industry-belts")
    shop(con, "A", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "A", "douyin-2026-industry-belts", date(2026, 3, 1))
    orders(con, "A", date(2026, 3, 2), 20)  # no live orders: one task only
    run_programme(con, belts, date(2026, 3, 31))
    first = post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 3, 31))
    again = post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 3, 31))
    assert (first.posted, again.posted, again.unchanged) == (1, 0, 1)
    run_programme(con, belts, date(2026, 3, 31))  # a re-run of the stage: same reward id
    assert post_rewards(con, BOOK, date(2026, 3, 1), date(2026, 3, 31)).posted == 0
    assert rows(con, "SELECT count(*) FROM journal_entries") == [(1,)]


def test_coupon_subsidies_are_charged_to_the_programme_and_returned_on_refunds(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Two orders with platform coupons: ¥30 (all charged to the plan) and ¥80 (¥50 charged:
    the plan's cap per order). The fee stage and the close credit the coupons to the merchant
    from the general subsidy account; the plan's fund pays its share of each, once. A full
    refund of the first order claws its coupon back, and the plan gets its ¥30 back on the
    refund's day; the second stands."""
    plan = load_programme("douyin-2026-coupon-subsidy")
    shop(con, "A", opened=date(2025, 1, 1))
    paid = datetime(2026, 3, 2, 10)
    first = order(con, "A", paid, goods_fen=10_000, coupon_fen=3_000)
    order(con, "A", paid + timedelta(hours=1), goods_fen=20_000, coupon_fen=8_000)
    con.execute(
        "INSERT INTO after_sales (case_id, order_id, type, requested_at, closed_at, amount_fen, "
        "outcome, reason_code) VALUES ('AS1', ?, 'refund_only', TIMESTAMP '2026-03-05 09:00', "
        "TIMESTAMP '2026-03-06 09:00', 7000, 'approved', 'quality')",
        [first],
    )
    run_programme(con, plan, date(2026, 3, 31))
    march = (date(2026, 3, 1), date(2026, 3, 31))
    close_with_fees(con, BOOK, *march)
    fund = ("platform_subsidy", plan.name)
    assert balances(con, date(2026, 3, 2))[fund] == -(3_000 + 5_000)
    assert balances(con, date(2026, 3, 31))[fund] == -5_000  # the refunded ¥30 came back
    again = post_rewards(con, BOOK, *march)
    assert (again.posted, again.reversed) == (0, 0)
    entries = rows(
        con,
        "SELECT e.booked_on, p.amount_fen FROM journal_entries AS e JOIN journal_postings AS p "
        "USING (entry_id) WHERE p.account = 'platform_subsidy' AND p.party = ? ORDER BY 1, 2",
        plan.name,
    )
    assert entries == [
        (date(2026, 3, 2), -5_000),
        (date(2026, 3, 2), -3_000),
        (date(2026, 3, 6), 3_000),
    ]
    assert check_journal(con) == []


def test_a_cash_reward_is_in_the_goods_payment_a_top_up_takes_on_the_first_close(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A deduction's top-up takes the shortfall from the goods payment available then, which
    holds a cash reward granted before it: the close posts rewards before it tops deposits
    up, so its first run takes the reward into account and a second run restates nothing
    (before, the reward was posted after the deposits, and the re-close reversed the top-up
    and posted a larger one)."""
    fund = load_programme("douyin-2026-small-merchant-fund")
    only_cash = dataclasses.replace(fund, tasks=fund.tasks[:1])
    shop(con, "A", opened=date(2025, 1, 1))
    orders(con, "A", date(2026, 3, 2), 5)  # none received, so none settles in March
    run_programme(con, only_cash, date(2026, 3, 31))
    [(granted, cash)] = rows(con, "SELECT granted_on, amount_fen FROM program_rewards")
    assert (granted, cash) == (date(2026, 3, 2), 20_000)
    add_violation(con, "V1", "A", datetime(2026, 3, 10, 12))  # takes 300 of the 500 deposit
    book = ledger_rulebook()
    first = close_with_fees(con, book, date(2026, 3, 1), date(2026, 3, 31))
    topped = rows(
        con,
        "SELECT e.booked_on, p.amount_fen FROM journal_entries AS e JOIN journal_postings AS p "
        "USING (entry_id) WHERE e.kind = 'deposit_topup' AND p.account = 'merchant_deposit'",
    )
    assert topped == [(date(2026, 3, 10), 20_000)]  # the shortfall 30,000; the reward 20,000
    again = close_with_fees(con, book, date(2026, 3, 1), date(2026, 3, 31))
    assert first.result.posted > 0
    assert (again.result.posted, again.result.reversed) == (0, 0)
    assert check_journal(con) == []
