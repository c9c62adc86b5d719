"""Deposit openings are dated the day the shop joined: a month closed at once and the same
month closed day by day open the same shops on the same days, and closing a past period
opens nothing for shops that joined after it."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb

from merchantry.fees import run_rulebook
from merchantry.ledger import close_period
from merchantry.ledger.check import check_journal
from merchantry.ledger.daily import close_days
from merchantry.store.warehouse import connect, ensure_schema
from tests.ledger.factories import (
    add_category,
    add_event,
    add_order,
    add_shop,
    add_violation,
    balance,
    close,
    journal_dump,
    ledger_rulebook,
)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))
OPENED = (
    "SELECT shop_id, booked_on FROM journal_entries WHERE kind = 'deposit_opening' ORDER BY shop_id"
)


def _market(con: duckdb.DuckDBPyConnection) -> None:
    """S1 joined long ago; S2 joins on 15 March and first sells on the 20th; S3 joins on
    20 March but its first order is paid on the 12th (the data's join day is late); S4
    joins on 5 April; S5 joins on 25 March but a violation of it is dated the 18th; S6
    joins on 28 March but a programme paid it a cash reward on the 10th. Every shop is
    ingested before any close."""
    add_category(con)
    add_shop(con, "S1")
    add_shop(con, "S2", opened=date(2026, 3, 15))
    add_shop(con, "S3", opened=date(2026, 3, 20))
    add_shop(con, "S4", opened=date(2026, 4, 5))
    add_shop(con, "S5", opened=date(2026, 3, 25))
    add_shop(con, "S6", opened=date(2026, 3, 28))
    add_violation(con, "V5", "S5", datetime(2026, 3, 18, 10))
    ensure_schema(con)
    con.execute(
        "INSERT INTO program_rewards VALUES ('RW6', 'test-programme', 'S6', 'T1',"
        " 'test-programme/T1', 'cash', 8000, 8000, 0, 'none', DATE '2026-03-10', NULL)"
    )
    add_order(con, "O1", datetime(2026, 3, 3, 10), 20_000, shop_id="S1")
    add_order(con, "O2", datetime(2026, 3, 20, 11), 30_000, shop_id="S2")
    add_order(con, "O3", datetime(2026, 3, 12, 9), 40_000, shop_id="S3")
    add_order(con, "O4", datetime(2026, 4, 9, 9), 50_000, shop_id="S4")
    for order, paid in (("O1", 3), ("O2", 20), ("O3", 12)):
        add_event(con, order, "delivered", datetime(2026, 3, paid + 2, 12))
    add_event(con, "O4", "delivered", datetime(2026, 4, 11, 12))


def test_a_month_opens_each_shop_on_the_day_it_joined(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    _market(warehouse)
    close(warehouse, *MARCH)
    assert warehouse.execute(OPENED).fetchall() == [
        ("S1", date(2026, 3, 1)),
        ("S2", date(2026, 3, 15)),
        ("S3", date(2026, 3, 12)),  # sold before the day it says it joined
        ("S5", date(2026, 3, 18)),  # a violation before it
        ("S6", date(2026, 3, 10)),  # a reward before it
    ]
    assert balance(warehouse, "merchant_deposit", "S4") == 0  # joins in April

    close(warehouse, *APRIL)
    assert ("S4", date(2026, 4, 5)) in warehouse.execute(OPENED).fetchall()
    assert balance(warehouse, "merchant_deposit", "S4") == 50_000
    assert check_journal(warehouse) == []


def test_closing_a_past_month_opens_nothing_for_shops_that_joined_later(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    _market(warehouse)
    close(warehouse, date(2026, 2, 1), date(2026, 2, 28))
    assert warehouse.execute(OPENED).fetchall() == [("S1", date(2026, 2, 1))]


def _prepared(path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    _market(con)
    run_rulebook(con, ledger_rulebook(), MARCH[0], APRIL[1])
    return con


def test_days_and_the_month_open_the_same_shops_on_the_same_days(tmp_path: Path) -> None:
    monthly = _prepared(tmp_path / "m.duckdb")
    daily = _prepared(tmp_path / "d.duckdb")
    book = ledger_rulebook()
    try:
        close_period(monthly, book, *MARCH)
        days = close_days(daily, book, *MARCH)
        assert len(days) == 31
        assert daily.execute(OPENED).fetchall() == monthly.execute(OPENED).fetchall()
        assert journal_dump(daily) == journal_dump(monthly)
        opening_days = [d.start for d in days if "deposit_opening" in {k.kind for k in d.kinds}]
        assert opening_days == [date(2026, 3, d) for d in (1, 10, 12, 15, 18)]
    finally:
        monthly.close()
        daily.close()


def test_days_closed_again_after_later_shops_joined_are_unchanged(tmp_path: Path) -> None:
    """A shop (and its products) ingested after some days were closed, joining after them,
    does not make those days' inputs change; an edit to a shop that sold on one of them
    does, though its join day comes later (S3 sold on 12 March, joins on the 20th)."""
    con = _prepared(tmp_path / "w.duckdb")
    book = ledger_rulebook()
    try:
        first = close_days(con, book, date(2026, 3, 1), date(2026, 3, 14))
        assert not any(d.unchanged_inputs for d in first)

        add_shop(con, "S9", opened=date(2026, 4, 20))  # with its product (the factory's)
        again = close_days(con, book, date(2026, 3, 1), date(2026, 3, 14))
        assert all(d.unchanged_inputs for d in again)

        con.execute("UPDATE shops SET store_type = 'flagship' WHERE shop_id = 'S3'")
        edited = close_days(con, book, date(2026, 3, 1), date(2026, 3, 14))
        closed = [d.start.day for d in edited if not d.unchanged_inputs]
        assert closed == list(range(12, 15))  # from the day S3 sold, and the days after it
        con.execute("UPDATE shops SET store_type = 'flagship' WHERE shop_id = 'S1'")
        assert not close_days(con, book, date(2026, 3, 1), date(2026, 3, 1))[0].unchanged_inputs
    finally:
        con.close()
