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
from merchantry.ledger.deposits import owed_changes_within_month
from merchantry.ledger.rewards import post_rewards
from merchantry.rulebook import check_file
from merchantry.rulebook.model import Rulebook
from merchantry.store.warehouse import connect, ensure_schema
from tests.ledger.factories import (
    HERE,
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
    joins on 5 April and S7 on 20 April; S5 joins on 25 March but a violation of it is
    dated the 18th; S6 joins on 28 March but a programme paid it a cash reward on the 10th.
    Every shop is ingested before any close."""
    add_category(con)
    add_shop(con, "S1")
    add_shop(con, "S2", opened=date(2026, 3, 15))
    add_shop(con, "S3", opened=date(2026, 3, 20))
    add_shop(con, "S4", opened=date(2026, 4, 5))
    add_shop(con, "S5", opened=date(2026, 3, 25))
    add_shop(con, "S6", opened=date(2026, 3, 28))
    add_shop(con, "S7", opened=date(2026, 4, 20))
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


def _prepared(path: Path, book: Rulebook | None = None) -> duckdb.DuckDBPyConnection:
    """The market in a warehouse of its own, its fee lines of March and April made."""
    con = connect(path)
    _market(con)
    run_rulebook(con, book or ledger_rulebook(), MARCH[0], APRIL[1])
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


DATED_TIER = """  - id: deposit.from-18
    title: From 18 March a small shop owes 800
    priority: 5
    when: order.paid_date >= DATE '2026-03-18'
    effect: {kind: deposit_tier, gmv_below_fen: 5000000, deposit_fen: 80000}
    source: test fixture
"""


def _dated_rulebook(root: Path) -> Rulebook:
    """The test rulebook with a tier that changes on 18 March (a rule dated like douyin-2025's
    deposit tiers of 8 June 2025)."""
    text = (HERE / "ledger-test.yaml").read_text(encoding="utf-8")
    text = text.replace("rulebook: ledger-test", "rulebook: ledger-dated")
    text = text.replace("  - id: deposit.tier-1\n", DATED_TIER + "  - id: deposit.tier-1\n")
    path = root / "ledger-dated.yaml"
    path.write_text(text, encoding="utf-8")
    book, diagnostics = check_file(path)
    assert diagnostics == [], diagnostics
    assert book is not None
    return book


def test_a_shop_owes_what_the_rules_ask_on_the_day_it_joins(tmp_path: Path) -> None:
    """S2 joins on 15 March (¥500 then), S3 sells from the 12th (¥500), S5 and S6 are active
    from the 18th and 10th: the tier of 18 March makes S5 owe ¥800, at once as day by day."""
    book = _dated_rulebook(tmp_path)
    monthly, daily = (_prepared(tmp_path / f"{n}.duckdb", book) for n in ("month", "days"))
    try:
        close_period(monthly, book, *MARCH)
        close_days(daily, book, *MARCH)
        owed = (
            "SELECT e.shop_id, e.booked_on, p.amount_fen, p.rule_id FROM journal_entries AS e"
            " JOIN journal_postings AS p USING (entry_id) WHERE e.kind = 'deposit_opening'"
            " AND p.account = 'merchant_deposit' ORDER BY e.shop_id"
        )
        assert monthly.execute(owed).fetchall() == [
            ("S1", date(2026, 3, 1), 50_000, "deposit.tier-1"),
            ("S2", date(2026, 3, 15), 50_000, "deposit.tier-1"),
            ("S3", date(2026, 3, 12), 50_000, "deposit.tier-1"),
            ("S5", date(2026, 3, 18), 80_000, "deposit.from-18"),
            ("S6", date(2026, 3, 10), 50_000, "deposit.tier-1"),
        ]
        assert journal_dump(daily) == journal_dump(monthly)
    finally:
        monthly.close()
        daily.close()


def test_one_requirement_a_month_serves_tiers_that_read_no_day(tmp_path: Path) -> None:
    """Tiers reading only the shop's fields, its category and last month's GMV owe the same
    on every day of a month; a tier dated mid-month (or reading a score or the shop's age)
    can owe another amount on the day a shop joins."""
    assert not owed_changes_within_month(ledger_rulebook())
    assert owed_changes_within_month(_dated_rulebook(tmp_path))
    scored = (HERE / "ledger-test.yaml").read_text(encoding="utf-8")
    scored = scored.replace("rulebook: ledger-test", "rulebook: ledger-scored").replace(
        "  - id: deposit.tier-1\n",
        "  - id: deposit.good\n    title: Good shops owe 300\n    priority: 5\n"
        "    when: shop.experience_score >= 90\n"
        "    effect: {kind: deposit_tier, deposit_fen: 30000}\n    source: test fixture\n"
        "  - id: deposit.tier-1\n",
    )
    (tmp_path / "ledger-scored.yaml").write_text(scored, encoding="utf-8")
    book, diagnostics = check_file(tmp_path / "ledger-scored.yaml")
    assert diagnostics == []
    assert book is not None
    assert owed_changes_within_month(book)


def test_a_period_of_two_months_at_once_opens_each_later_joiner_with_what_it_owes(
    tmp_path: Path,
) -> None:
    """March and April closed at once: S4 and S7 join on two days of April, the second month
    of the period; each owes the tier's amount (with tiers that read no day, one requirement
    for April serves both), and the journal is the one the days closed one by one post."""
    for book in (ledger_rulebook(), _dated_rulebook(tmp_path)):
        at_once, by_day = (
            _prepared(tmp_path / f"{book.name}-{n}.duckdb", book) for n in ("period", "days")
        )
        try:
            close_period(at_once, book, MARCH[0], APRIL[1])
            close_days(by_day, book, MARCH[0], APRIL[1])
            opened = at_once.execute(OPENED).fetchall()
            assert ("S4", date(2026, 4, 5)) in opened
            assert ("S7", date(2026, 4, 20)) in opened
            for shop in ("S4", "S7"):  # under the dated book too: its April tier is 800
                owed = 50_000 if book.name == "ledger-test" else 80_000
                assert balance(at_once, "merchant_deposit", shop) == owed, (book.name, shop)
            assert journal_dump(by_day) == journal_dump(at_once)
            assert check_journal(at_once) == []
        finally:
            at_once.close()
            by_day.close()


def test_rewards_posted_apart_before_the_close_leave_the_opening_to_it(tmp_path: Path) -> None:
    """``programs run`` posts S6's reward of 10 March on its own before March is closed:
    the close still opens S6's deposit (its first close of a period), on the 10th, as a
    month at once and its days do alike."""
    book = ledger_rulebook()
    sides = []
    for name in ("month", "days"):
        con = _prepared(tmp_path / f"{name}.duckdb")
        assert post_rewards(con, book.name, *MARCH).posted == 1
        sides.append(con)
    monthly, daily = sides
    try:
        close_period(monthly, book, *MARCH)
        close_days(daily, book, *MARCH)
        assert ("S6", date(2026, 3, 10)) in monthly.execute(OPENED).fetchall()
        assert balance(monthly, "merchant_deposit", "S6") == 50_000
        assert balance(monthly, "merchant_available", "S6") == 8_000  # the reward
        assert journal_dump(daily) == journal_dump(monthly)
        assert check_journal(monthly) == []
    finally:
        monthly.close()
        daily.close()
