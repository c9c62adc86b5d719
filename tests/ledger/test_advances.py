"""Platform advances read from ``journal_movements`` equal advances read from every posting.

The close finds a shop's advances (its goods payments below zero) from the day sums in
``journal_movements``, with the days before its window summed into one row per shop. The
reference here is the plain statement over ``journal_postings``: every day's running
balance from the first posting on. Both must give the same stretches, with the same first
day, amount and deposit balance, wherever the window falls in the history, and whichever
months' opening balances (``journal_balances``) the close starts from.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.ledger import balances
from merchantry.ledger.check import BALANCES_DISAGREE
from merchantry.ledger.deposits import ADVANCES
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect

REFERENCE = """
WITH moved AS (
  SELECT party AS shop_id, booked_on, sum(amount_fen) AS moved_fen
  FROM journal_postings
  WHERE account IN ('merchant_pending', 'merchant_available') AND booked_on <= $end
    AND party IN (SELECT shop_id FROM journal_entries
                  WHERE kind IN ('refund', 'compensation') AND shop_id IS NOT NULL
                    AND booked_on BETWEEN CAST($start AS DATE) - $back AND $end)
  GROUP BY party, booked_on
), running AS (
  SELECT shop_id, booked_on, sum(moved_fen) OVER w AS goods_fen, lead(booked_on) OVER w AS next_on
  FROM moved WINDOW w AS (PARTITION BY shop_id ORDER BY booked_on)
)
SELECT shop_id, booked_on AS from_on, coalesce(next_on - 1, CAST($end AS DATE)) AS to_on,
       -goods_fen AS advance_fen,
       (SELECT coalesce(sum(p.amount_fen), 0) FROM journal_postings AS p
        WHERE p.account = 'merchant_deposit' AND p.party = r.shop_id
          AND p.booked_on <= r.booked_on) AS deposit_fen
FROM running AS r
WHERE goods_fen < 0 AND coalesce(next_on - 1, CAST($end AS DATE)) >= CAST($start AS DATE) - $back
ORDER BY ALL
"""
"""Advances from every posting, day by day since the first (the statement the close ran
before ``journal_movements``)."""

FIRST = date(2026, 1, 1)
SHOPS = ("S1", "S2", "S3")
ACCOUNTS = ("merchant_pending", "merchant_available", "merchant_deposit", "merchant_funds")

postings = st.lists(
    st.tuples(
        st.sampled_from(SHOPS),
        st.integers(0, 119),  # day
        st.sampled_from(ACCOUNTS),
        st.integers(-6_000, 5_000),
    ),
    min_size=1,
    max_size=60,
)
refunds = st.lists(st.tuples(st.sampled_from(SHOPS), st.integers(0, 119)), max_size=8)


def _journal(
    con: duckdb.DuckDBPyConnection,
    legs: list[tuple[str, int, str, int]],
    cases: list[tuple[str, int]],
) -> None:
    con.execute("DELETE FROM journal_postings")
    con.execute("DELETE FROM journal_movements")
    con.execute("DELETE FROM journal_balances")
    con.execute("DELETE FROM journal_entries")
    for i, (shop, day, account, fen) in enumerate(legs):
        on = FIRST + timedelta(days=day)
        con.execute(
            "INSERT INTO journal_postings VALUES (?, 1, ?, ?, ?, NULL, ?, 'r', 'refund', NULL)",
            [f"e{i}", account, shop, on, fen],
        )
        # one movement row per posting: the statement must sum rows sharing a key
        con.execute(
            "INSERT INTO journal_movements VALUES (?, ?, ?, 'refund', ?, 1)",
            [account, shop, on, fen],
        )
    for i, (shop, day) in enumerate(cases):
        con.execute(
            "INSERT INTO journal_entries VALUES (?, ?, 0, 'refund', ?, NULL, ?, ?, 'b', 's',"
            " NULL, 'k', NULL)",
            [f"c{i}", f"c{i}", f"c{i}", shop, FIRST + timedelta(days=day)],
        )


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path_factory.mktemp("advances") / "w.duckdb")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    legs=postings,
    cases=refunds,
    start=st.integers(0, 119),
    length=st.integers(0, 30),
    back=st.sampled_from([0, 1, 7, 30]),
    opened=st.lists(st.integers(0, 119), max_size=3),
)
def test_advances_from_day_sums_equal_advances_from_every_posting(
    con: duckdb.DuckDBPyConnection,
    legs: list[tuple[str, int, str, int]],
    cases: list[tuple[str, int]],
    start: int,
    length: int,
    back: int,
    opened: list[int],
) -> None:
    _journal(con, legs, cases)
    for day in opened:  # months whose opening balances exist, in any order
        balances.prepare(con, FIRST + timedelta(days=day))
    window = FIRST + timedelta(days=start - back)
    params = {
        "start": FIRST + timedelta(days=start),
        "end": FIRST + timedelta(days=start + length),
        "back": back,
        "snapshot": balances.latest(con, window) or balances.NONE_BEFORE,
    }
    run_sql(con, ADVANCES, params)
    got = con.execute(
        "SELECT shop_id, from_on, to_on, advance_fen, deposit_fen FROM ledger_advances ORDER BY ALL"
    ).fetchall()
    assert got == run_sql(con, REFERENCE, params).fetchall()
    assert con.execute(BALANCES_DISAGREE).fetchall() == []


@pytest.mark.parametrize("opened", [None, 70], ids=["every-movement", "opening-balances"])
def test_a_stretch_begun_before_the_window_keeps_its_first_day_and_deposit(
    con: duckdb.DuckDBPyConnection, opened: int | None
) -> None:
    """S1 goes below zero on day 10 and stays there; the deposit changes on day 10 itself
    (counted in that day's balance) and on day 20; the
    period starts on day 100, so with 30 days back the window opens on day 70: the stretch
    is reported from day 10, with the deposit of day 10, not of a day in the window, also
    when the balances before the window come from a month's opening balances."""
    legs = [
        ("S1", 0, "merchant_deposit", 5_000),
        ("S1", 10, "merchant_pending", -3_000),
        ("S1", 10, "merchant_deposit", 700),
        ("S1", 20, "merchant_deposit", 4_000),
        ("S1", 100, "merchant_available", 1_000),
    ]
    _journal(con, legs, [("S1", 95)])
    params = {"start": FIRST + timedelta(days=100), "end": FIRST + timedelta(days=101)}
    snapshot = balances.NONE_BEFORE
    if opened is not None:  # the month of day 70 opens on day 59, inside the stretch
        snapshot = balances.prepare(con, FIRST + timedelta(days=opened))
        assert snapshot == date(2026, 3, 1)
    run_sql(con, ADVANCES, {**params, "back": 30, "snapshot": snapshot})
    rows = con.execute(
        "SELECT from_on, to_on, advance_fen, deposit_fen FROM ledger_advances ORDER BY ALL"
    ).fetchall()
    assert rows == [
        (FIRST + timedelta(days=10), FIRST + timedelta(days=99), 3_000, 5_700),
        (FIRST + timedelta(days=100), FIRST + timedelta(days=101), 2_000, 9_700),
    ]
