"""The close on local Spark leaves DuckDB's rows, row for row and to the fen, in every table.

A generated marketplace whose period holds the 8th of the month (the deposit review, so
``deposit_requirements`` is written), approved refunds and compensation, settlements and
payouts; its fee lines computed by the DuckDB fee stage. Two copies of the warehouse are
closed over the same period, one by the DuckDB close (the oracle: the engine the ledger
tests pin to the platform's rules), one by ``merchantry close --engine spark``; then every
table of the two warehouses is compared with ``EXCEPT ALL`` both ways (``stage_runs``, which
holds timings, by its stage, period and input digest). CI runs a small market; a larger
one, with the fee stage on Spark too and a re-close that posts nothing, is ``extended``.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.fees import run_rulebook
from merchantry.ingest import ingest_dir
from merchantry.kit.errors import ExitCode
from merchantry.rulebook import load_rulebook
from merchantry.service.runner import close_with_fees
from merchantry.spark.close import close_on_spark
from merchantry.spark.engine import SparkEngine
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START, generate

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

RULEBOOK = "douyin-2026"
CLOSE_OUTPUTS = (
    "journal_entries",
    "journal_postings",
    "journal_movements",
    "order_payouts",
    "deposit_requirements",
)
KINDS_EXPECTED = frozenset(
    {"sale", "fee_refund", "refund", "compensation", "settlement", "deposit_opening"}
)
"""Entry kinds the market must produce for the comparison to cover the close's stages."""


@dataclass(frozen=True)
class Market:
    shops: int
    days: int
    seed: int

    @property
    def end(self) -> date:
        return DEFAULT_START + timedelta(days=self.days - 1)


SMALL = Market(shops=5, days=9, seed=21)
"""1 to 9 October: the deposit review on the 8th; 851 entries, 5 deposit requirements."""
LARGE = Market(shops=12, days=20, seed=5)


def build(root: Path, market: Market, *, fees: bool) -> Path:
    """The market generated and ingested (and its fee lines computed, with ``fees``)."""
    generate(root / "data", shops=market.shops, days=market.days, seed=market.seed, progress=False)
    db = root / "market.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, root / "data", progress=False)
        if fees:
            run_rulebook(con, load_rulebook(RULEBOOK), DEFAULT_START, market.end)
    finally:
        con.close()
    return db


def close_on_duckdb(db: Path, market: Market) -> None:
    con = connect(db)
    try:
        close_with_fees(con, RULEBOOK, DEFAULT_START, market.end)
    finally:
        con.close()


def close_command(db: Path, market: Market, *more: str) -> float:
    """``merchantry close --engine spark`` (in this process: it uses the test session)."""
    args = ["close", "--from", str(DEFAULT_START), "--to", str(market.end), "--db", str(db)]
    began = time.perf_counter()
    result = CliRunner().invoke(app, [*args, "--engine", "spark", *more], env={"COLUMNS": "200"})
    assert result.exit_code == ExitCode.OK, result.output
    return time.perf_counter() - began


def compare(left: Path, right: Path, skip: tuple[str, ...] = ()) -> dict[str, int]:
    """Rows of every table of ``left`` (but ``skip``), each table asserted equal to
    ``right``'s as a multiset (``EXCEPT ALL`` both ways); ``stage_runs`` by stage, period
    and inputs."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
        con.execute(f"ATTACH '{right}' AS r (READ_ONLY)")
        names = [
            str(row[0])
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_catalog = 'l' AND table_schema = 'main' ORDER BY table_name"
            ).fetchall()
        ]
        rows: dict[str, int] = {}
        for name in (n for n in names if n not in skip):
            columns = (
                "stage, period_start, period_end, inputs_digest" if name == "stage_runs" else "*"
            )
            a = f"SELECT {columns} FROM l.main.{name}"
            b = f"SELECT {columns} FROM r.main.{name}"
            only_left = con.execute(f"SELECT count(*) FROM ({a} EXCEPT ALL {b})").fetchone()
            only_right = con.execute(f"SELECT count(*) FROM ({b} EXCEPT ALL {a})").fetchone()
            assert (only_left, only_right) == ((0,), (0,)), f"{name} differs"
            count = con.execute(f"SELECT count(*) FROM l.main.{name}").fetchone()
            rows[name] = int(count[0]) if count else 0
        return rows
    finally:
        con.close()


def kinds(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            str(r[0]) for r in con.execute("SELECT DISTINCT kind FROM journal_entries").fetchall()
        }
    finally:
        con.close()


@pytest.mark.slow
def test_the_close_on_spark_leaves_duckdbs_rows(spark: SparkSession, tmp_path: Path) -> None:
    db = build(tmp_path, SMALL, fees=True)
    on_duckdb, on_spark = tmp_path / "duckdb.duckdb", tmp_path / "spark.duckdb"
    shutil.copy(db, on_duckdb)
    shutil.copy(db, on_spark)
    close_on_duckdb(on_duckdb, SMALL)
    close_command(on_spark, SMALL, "--spark-out", str(tmp_path / "out"))
    assert list((tmp_path / "out").glob("journal_postings.*/*.parquet")), "Spark wrote nothing"

    rows = compare(on_duckdb, on_spark)
    for table in CLOSE_OUTPUTS:
        assert rows[table] > 0, f"{table} is empty: the comparison would prove nothing there"
    assert kinds(on_duckdb) >= KINDS_EXPECTED
    assert rows["stage_runs"] == 1  # the Spark close recorded as the DuckDB one, same inputs


@pytest.mark.extended
def test_a_larger_close_with_its_fees_on_spark_leaves_duckdbs_rows(
    spark: SparkSession, tmp_path: Path
) -> None:
    """The fee lines are missing: the command runs the fee stage on Spark, then the close;
    closing the same period again on Spark posts nothing."""
    db = build(tmp_path, LARGE, fees=False)
    on_duckdb, on_spark = tmp_path / "duckdb.duckdb", tmp_path / "spark.duckdb"
    shutil.copy(db, on_duckdb)
    shutil.copy(db, on_spark)
    close_on_duckdb(on_duckdb, LARGE)
    close_command(on_spark, LARGE)
    rows = compare(on_duckdb, on_spark)
    for table in (*CLOSE_OUTPUTS, "fee_lines"):
        assert rows[table] > 0, table
    assert kinds(on_duckdb) >= KINDS_EXPECTED
    assert rows["stage_runs"] == 2  # fees and close

    con = connect(on_spark)
    try:
        again = close_on_spark(
            SparkEngine(spark=spark), con, load_rulebook(RULEBOOK), DEFAULT_START, LARGE.end
        )
    finally:
        con.close()
    assert (again.result.posted, again.result.reversed) == (0, 0)
    assert again.postings == 0
    assert (
        compare(on_duckdb, on_spark, skip=("stage_runs",))["journal_postings"]
        == (rows["journal_postings"])
    )
