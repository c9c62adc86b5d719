"""Parquet tables written before a column was declared (``--spark-tables`` over an export
kept from an older warehouse): a missing nullable column reads as NULLs, as the warehouse
holds it where the value is unknown; a missing required column stops the run naming the
table, the path and the column."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from pyspark.sql import SparkSession

from merchantry.kit.errors import InputError
from merchantry.model.outputs import FEE_LINES, JOURNAL_ENTRIES
from merchantry.spark import tables
from merchantry.store.warehouse import connect


def _older_export(tmp_path: Path, table: str, dropped: str) -> Path:
    """``table`` exported as Parquet from a fresh warehouse, one row, without ``dropped``."""
    con = connect(tmp_path / "w.duckdb")
    try:
        if table == JOURNAL_ENTRIES.name:
            con.execute(
                "INSERT INTO journal_entries VALUES ('e1', 'k1', 0, 'sale', 'O1', 'O1', 'S1',"
                " DATE '2026-03-02', 'book', 'sig', NULL, 'c', DATE '2026-03-02')"
            )
        root = tmp_path / "tables"
        root.mkdir()
        con.execute(
            f"COPY (SELECT * EXCLUDE ({dropped}) FROM {table}) TO '{root / table}.parquet'"
            " (FORMAT parquet)"
        )
    finally:
        con.close()
    return root


def test_a_missing_nullable_column_reads_as_nulls(spark: SparkSession, tmp_path: Path) -> None:
    root = _older_export(tmp_path, "journal_entries", "order_paid_on")
    tables.register(spark, root, ["journal_entries"])
    frame = spark.table("journal_entries")
    assert [c.lower() for c in frame.columns] == [c.name for c in JOURNAL_ENTRIES.columns]
    rows = frame.select("entry_id", "order_paid_on").collect()
    assert [(r[0], r[1]) for r in rows] == [("e1", None)]
    assert dict(frame.dtypes)["order_paid_on"] == "date"


def test_a_missing_required_column_names_the_table_path_and_column(
    spark: SparkSession, tmp_path: Path
) -> None:
    assert not next(c for c in FEE_LINES.columns if c.name == "paid_on").nullable
    root = _older_export(tmp_path, "fee_lines", "paid_on")
    with pytest.raises(
        InputError, match=r"table fee_lines at .*fee_lines\.parquet has no column paid_on"
    ) as err:
        tables.register(spark, root, ["fee_lines"])
    assert "export the table again" in str(err.value)


def test_a_current_export_reads_as_written(spark: SparkSession, tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE orders_like AS SELECT 1 AS a")
    root = tmp_path / "t"
    root.mkdir()
    con.execute(f"COPY orders_like TO '{root / 'orders_like'}.parquet' (FORMAT parquet)")
    tables.register(spark, root, ["orders_like"])  # not a declared table: read as it is
    assert spark.table("orders_like").columns == ["a"]
