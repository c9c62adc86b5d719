"""Months' opening balances made and corrected on Spark are DuckDB's.

The close on Spark runs the same statements (:mod:`merchantry.spark.close`): the first
close to need a month's opening balances makes them from the movements, and a correction
booked before that month adds to them. Here both happen on each engine over the same
journal (rewards posted from January to March through the journal's own posting path):
the rows Spark writes back equal DuckDB's, a balance read from them equals DuckDB's, and
the warehouse's check finds them equal to the movements.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from merchantry.ledger import balances
from merchantry.ledger.check import BALANCES_DISAGREE
from merchantry.spark.statements import SparkStatements
from merchantry.store.warehouse import connect, transaction
from tests.ledger.test_balances import BALANCE_READ, post_rewards

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROWS = "SELECT * FROM journal_balances ORDER BY ALL"
ASKED = date(2026, 3, 20)


def history(db: Path) -> None:
    """Rewards to two shops booked on days of January, February and March."""
    con = connect(db)
    try:
        for day, targets in (
            (3, {"a": ("S1", 300), "b": ("S2", -120)}),
            (20, {"c": ("S1", 75)}),
            (40, {"d": ("S2", 900), "e": ("S1", 10)}),
            (65, {"f": ("S1", 44)}),
        ):
            post_rewards(con, day, targets)
    finally:
        con.close()


def open_and_correct(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """March's opening balances made, then January's reward ``a`` restated on its own day
    (reversed and posted again, both before March); the balances on the 20th as read."""
    snapshot = balances.prepare(con, ASKED)
    assert snapshot == date(2026, 3, 1)
    post_rewards(con, 3, {"a": ("S1", 550), "b": ("S2", -120)})
    read = con.execute(BALANCE_READ, {"day": ASKED, "snapshot": snapshot}).fetchall()
    return sorted(tuple(r) for r in read)


@pytest.mark.slow
def test_opening_balances_made_and_corrected_on_spark_are_duckdbs(
    spark: SparkSession, tmp_path: Path
) -> None:
    base = tmp_path / "base.duckdb"
    history(base)
    on_duckdb, on_spark = tmp_path / "duckdb.duckdb", tmp_path / "spark.duckdb"
    shutil.copy(base, on_duckdb)
    shutil.copy(base, on_spark)

    con = connect(on_duckdb)
    try:
        with transaction(con):
            expected_read = open_and_correct(con)
        expected = con.execute(ROWS).fetchall()
    finally:
        con.close()
    assert any(not row[-1] for row in expected), "the correction added nothing to March"

    warehouse = connect(on_spark)
    try:
        runner = SparkStatements(spark, warehouse, tmp_path / "scratch", "the balances test")
        read = open_and_correct(runner.as_connection())
        with transaction(warehouse):
            runner.write_back(str(tmp_path / "out"))
        assert warehouse.execute(ROWS).fetchall() == expected
        assert warehouse.execute(BALANCES_DISAGREE).fetchall() == []
    finally:
        warehouse.close()
    assert read == expected_read
