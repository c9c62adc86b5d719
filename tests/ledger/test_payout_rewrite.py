"""The payout schedule is rewritten only where a row changed: a re-run changes none, and an
order whose receipt moved is the one row rewritten (rows with NULL columns included)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from merchantry.fees import run_rulebook
from merchantry.ledger import close_period
from merchantry.ledger.settlement import build_schedule
from merchantry.store.warehouse import connect
from tests.ledger.bulk import fill
from tests.ledger.factories import ledger_rulebook

START, END = date(2026, 3, 1), date(2026, 3, 31)
CHANGED = "SELECT order_id FROM ledger_payouts_changed ORDER BY order_id"
STORED = "SELECT * FROM order_payouts ORDER BY order_id"


def test_only_changed_schedule_rows_are_rewritten(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    fill(con, orders=240, shops=12)
    book = ledger_rulebook()
    run_rulebook(con, book, START, END)
    close_period(con, book, START, END)
    before = con.execute(STORED).fetchall()
    nulls = con.execute("SELECT count(*) FROM order_payouts WHERE held_by IS NULL").fetchone()
    assert nulls is not None
    assert nulls[0] > 0  # NULL columns must compare equal for a row to count unchanged

    build_schedule(con, book, END)
    assert con.execute(CHANGED).fetchall() == []
    assert con.execute(STORED).fetchall() == before

    moved = con.execute(
        "SELECT order_id FROM logistics_events WHERE event = 'receipt_confirmed'"
        " ORDER BY order_id LIMIT 1"
    ).fetchone()
    assert moved is not None
    con.execute(
        "UPDATE logistics_events SET event_at = event_at + INTERVAL 2 DAY"
        " WHERE order_id = ? AND event = 'receipt_confirmed'",
        [moved[0]],
    )
    build_schedule(con, book, END)
    assert con.execute(CHANGED).fetchall() == [moved]
    after = con.execute(STORED).fetchall()
    assert len(after) == len(before)
    assert [r[0] for r in after if r not in before] == [moved[0]]
