"""The warehouse: DDL from the model, idempotent set-up, all-or-nothing transactions."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from merchantry.model.tables import TABLES
from merchantry.store.warehouse import (
    connect,
    duplicate_keys,
    row_count,
    table_exists,
    transaction,
)


def test_every_declared_table_exists_with_its_columns(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    for table in TABLES:
        assert table_exists(warehouse, table.name)
        cols = [r[0] for r in warehouse.execute(f"DESCRIBE {table.name}").fetchall()]
        assert tuple(cols) == table.column_names


def test_opening_twice_keeps_the_data(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    con.execute("INSERT INTO creators VALUES ('c1', 'x', 'A', 10)")
    con.close()
    con = connect(db)
    assert row_count(con, "creators") == 1


def test_a_failed_transaction_leaves_nothing(warehouse: duckdb.DuckDBPyConnection) -> None:
    def insert_then_fail() -> None:
        with transaction(warehouse):
            warehouse.execute("INSERT INTO creators VALUES ('c1', 'x', 'A', 10)")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        insert_then_fail()
    assert row_count(warehouse, "creators") == 0


def test_primary_keys_are_enforced(warehouse: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute("INSERT INTO creators VALUES ('c1', 'x', 'A', 10)")
    with pytest.raises(duckdb.ConstraintException):
        warehouse.execute("INSERT INTO creators VALUES ('c1', 'y', 'B', 1)")


def test_an_unindexed_key_is_still_checked(warehouse: duckdb.DuckDBPyConnection) -> None:
    from merchantry.model.outputs import FEE_LINES

    insert = (
        "INSERT INTO fee_lines VALUES ('b', 'o1', 's1', 'technical_service_fee', 'merchant',"
        " 'platform', 100, 500, 5, 5, 'r', NULL, DATE '2026-10-01', DATE '2026-10-01')"
    )
    warehouse.execute(insert)
    assert duplicate_keys(warehouse, FEE_LINES) == 0
    warehouse.execute(insert)  # no index refuses it...
    assert duplicate_keys(warehouse, FEE_LINES) == 1  # ...but the check finds it


def test_an_older_warehouse_gains_new_nullable_output_columns(tmp_path: Path) -> None:
    """A file made before an output table's nullable column was declared (as
    ``listing_offences.first_no`` was) gets that column, empty, and keeps its rows."""
    db = tmp_path / "w.duckdb"
    connect(db).close()
    con = duckdb.connect(str(db))
    try:
        con.execute("ALTER TABLE listing_offences DROP COLUMN first_no")
    finally:
        con.close()
    con = connect(db)
    try:
        columns = {
            str(r[0])
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_name = 'listing_offences'"
            ).fetchall()
        }
    finally:
        con.close()
    assert "first_no" in columns


def test_an_older_warehouses_fee_lines_gain_their_orders_payment_day(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``fee_lines.paid_on`` came after warehouses had lines: opened for writing, a file
    without it gets it, each line filled with its order's payment day, and a fee run over a
    day then replaces that day's lines instead of adding to them."""
    from datetime import date

    from merchantry.fees import compute_fees
    from tests.fees.market import Market

    db = tmp_path / "w.duckdb"
    con = connect(db)
    market = Market(con)
    first = market.order(paid_at=datetime(2025, 3, 10, 12, 0))
    market.refund(first, 4_000, after=timedelta(days=5))
    market.order(paid_at=datetime(2025, 3, 11, 9, 0))
    compute_fees(con, "douyin-2025", date(2025, 3, 10), date(2025, 3, 11))
    before = con.execute("SELECT * EXCLUDE (paid_on) FROM fee_lines ORDER BY ALL").fetchall()
    con.execute("ALTER TABLE fee_lines DROP COLUMN paid_on")  # as a file made before it
    con.close()
    with caplog.at_level("WARNING", logger="merchantry.store.warehouse"):
        connect(db).close()
    assert "filling fee_lines.paid_on" in caplog.text  # said before the wait, once
    caplog.clear()
    connect(db).close()
    assert caplog.text == ""
    con = connect(db)
    try:
        days = con.execute(
            "SELECT order_id, fee_kind, paid_on FROM fee_lines ORDER BY order_id, fee_kind"
        ).fetchall()
        assert [d for _, _, d in days] == [date(2025, 3, 10)] * 2 + [date(2025, 3, 11)]
        compute_fees(con, "douyin-2025", date(2025, 3, 10), date(2025, 3, 10))
        after = con.execute("SELECT * EXCLUDE (paid_on) FROM fee_lines ORDER BY ALL").fetchall()
    finally:
        con.close()
    assert after == before


def test_an_older_warehouses_journal_entries_gain_the_payment_day_a_close_writes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``journal_entries.order_paid_on`` came after warehouses had journals: opened for
    writing, a file without it gets, on every entry, the day a close writes on it today
    (its order's payment day on the kinds the close anchors, a reversal the reversed
    entry's, NULL on the rest), and closing the month again then posts nothing."""
    from datetime import date

    from merchantry.fees import run_rulebook
    from merchantry.ledger import close_period
    from tests.ledger.bulk import fill
    from tests.ledger.factories import ledger_rulebook

    start, end = date(2026, 3, 1), date(2026, 3, 31)
    db = tmp_path / "w.duckdb"
    con = connect(db)
    fill(con, orders=80, shops=4)
    book = ledger_rulebook()
    run_rulebook(con, book, start, end)
    close_period(con, book, start, end)
    # a changed fee: the next close reverses those sales and posts new revisions
    con.execute(
        "UPDATE fee_lines SET amount_fen = amount_fen + 1 WHERE order_id IN "
        "(SELECT min(order_id) FROM fee_lines UNION SELECT max(order_id) FROM fee_lines)"
    )
    close_period(con, book, start, end)
    query = "SELECT entry_id, kind, order_paid_on FROM journal_entries ORDER BY entry_id"
    written = con.execute(query).fetchall()
    con.execute("ALTER TABLE journal_entries DROP COLUMN order_paid_on")  # as an older file
    con.close()
    with caplog.at_level("WARNING", logger="merchantry.store.warehouse"):
        con = connect(db)
    try:
        assert "filling journal_entries.order_paid_on" in caplog.text
        assert con.execute(query).fetchall() == written
        kinds = {(kind, day is None) for _, kind, day in written}
        assert {("sale", False), ("settlement", False), ("reversal", False)} <= kinds
        assert ("deposit_opening", True) in kinds
        again = close_period(con, book, start, end)
    finally:
        con.close()
    assert again.postings == 0


def test_a_fill_that_stops_halfway_leaves_neither_column_nor_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A derived column and its values are added in one transaction: a fill stopped halfway
    (Ctrl-C, an error) leaves the file without the column, and the next open fills it,
    instead of keeping a column whose older rows were never filled."""
    from datetime import date

    from merchantry.fees import compute_fees
    from merchantry.store import warehouse
    from tests.fees.market import Market

    db = tmp_path / "w.duckdb"
    con = connect(db)
    Market(con).order(paid_at=datetime(2025, 3, 10, 12, 0))
    compute_fees(con, "douyin-2025", date(2025, 3, 10), date(2025, 3, 10))
    con.execute("ALTER TABLE fee_lines DROP COLUMN paid_on")  # as a file made before it
    con.close()
    key = ("fee_lines", "paid_on")
    fill = warehouse.DERIVED_COLUMNS[key]
    monkeypatch.setitem(warehouse.DERIVED_COLUMNS, key, fill + "; SELECT error('stopped')")
    with pytest.raises(duckdb.Error, match="stopped"):
        connect(db)
    with duckdb.connect(str(db), read_only=True) as old:
        columns = {r[0] for r in old.execute("DESCRIBE fee_lines").fetchall()}
    assert "paid_on" not in columns
    monkeypatch.setitem(warehouse.DERIVED_COLUMNS, key, fill)
    con = connect(db)
    try:
        days = con.execute("SELECT DISTINCT paid_on FROM fee_lines").fetchall()
    finally:
        con.close()
    assert days == [(date(2025, 3, 10),)]
