"""Rewards in the journal: coupons owed until expiry, cash paid out, each posted once."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import duckdb

from merchantry.ledger.check import check_journal
from merchantry.ledger.rewards import post_rewards
from merchantry.programs import load_programme, run_programme
from tests.programs.factories import orders, rows, shop, signup

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
