"""The fee stage on local Spark gives DuckDB's rows, row for row and to the fen.

One generated marketplace (scored first, so score-gated rules and the score series'
ASOF joins are exercised; affiliate orders given plan lists, so the list-valued plan
conditions are), every shipped fee rulebook, both output tables (``fee_lines``,
``rulebook_rules``) compared in full. The DuckDB stage is the oracle: it is the engine
the rest of the suite pins to the platform's published numbers. CI runs one rulebook
(``douyin-2025``, the one with plan rules); the others and the command line are slow.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.fees import compute_fees
from merchantry.kit.errors import InputError
from merchantry.rulebook import load_rulebook
from merchantry.scoring import score_shops
from merchantry.spark import tables
from merchantry.spark.engine import SparkEngine, SparkRunFailed
from merchantry.spark.fees import fee_tables, run_fees
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


START: date = DEFAULT_START
END: date = DEFAULT_START + timedelta(days=5)
FEE_RULEBOOKS = (
    "douyin-2025",  # in CI: the affiliate plan rules (list-valued conditions), score gates
    pytest.param("douyin-2026", marks=pytest.mark.extended),
    pytest.param("taobao-2026", marks=pytest.mark.extended),
    pytest.param("douyin-2022-new-merchant", marks=pytest.mark.extended),
)
"""Every shipped fee rulebook; one runs in CI (each Spark run costs tens of seconds)."""

LINE_ORDER = "ORDER BY rulebook, order_id, fee_kind"


@pytest.fixture(scope="module")
def market(
    market_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    db = tmp_path_factory.mktemp("spark-fees") / "market.duckdb"
    shutil.copy(market_file, db)
    con = connect(db)
    score_shops(con, "douyin-score-2026-07", START, END)  # score-gated rules read these
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def test_affiliate_plans_take_part(market: duckdb.DuckDBPyConnection) -> None:
    """The compared rows include lines set by each plan rule (a list-valued condition)
    and by the rule for sales with no plan recorded."""
    compute_fees(market, "douyin-2025", START, END)
    by_rule = dict(
        rows(
            market,
            "SELECT rule_id, count(*) FROM fee_lines WHERE rulebook = 'douyin-2025' "
            "AND fee_kind = 'affiliate_commission' GROUP BY rule_id",
        )
    )
    plan_rules = ["aff.plan.colonel", "aff.plan.designated", "aff.plan.other"]
    assert all(by_rule.get(r, 0) > 0 for r in [*plan_rules, "aff.plan.all-creators"]), by_rule
    assert by_rule.get("aff.daily", 0) > 0, by_rule


@pytest.mark.parametrize("rulebook", FEE_RULEBOOKS)
def test_fee_lines_match_duckdb_row_for_row(
    market: duckdb.DuckDBPyConnection, spark: SparkSession, rulebook: str, tmp_path: Path
) -> None:
    book = load_rulebook(rulebook)
    on_spark = run_fees(market, SparkEngine(spark=spark, out=str(tmp_path)), book, START, END)
    spark_lines = rows(
        market, f"SELECT * FROM fee_lines WHERE rulebook = '{rulebook}' {LINE_ORDER}"
    )
    spark_rules = rows(market, f"SELECT * FROM rulebook_rules WHERE rulebook = '{rulebook}'")
    assert list((tmp_path / "fee_lines").glob("*.parquet")), "Spark wrote no Parquet"

    on_duckdb = compute_fees(market, rulebook, START, END)
    duck_lines = rows(market, f"SELECT * FROM fee_lines WHERE rulebook = '{rulebook}' {LINE_ORDER}")

    assert len(duck_lines) > 100  # a real comparison, not two empty tables
    assert {r[3] for r in duck_lines} >= {"technical_service_fee"}
    assert spark_lines == duck_lines
    assert on_spark.totals == on_duckdb.totals
    assert on_spark.orders == on_duckdb.orders
    assert spark_rules == rows(
        market, f"SELECT * FROM rulebook_rules WHERE rulebook = '{rulebook}'"
    )


def test_waivers_and_score_gates_take_part(market: duckdb.DuckDBPyConnection) -> None:
    """The compared rows include waived lines and scored shops (the parity is not vacuous)."""
    compute_fees(market, "douyin-2026", START, END)
    waived = rows(
        market,
        "SELECT count(*) FROM fee_lines WHERE rulebook = 'douyin-2026' "
        "AND waiver_rule_id IS NOT NULL",
    )[0][0]
    scored = rows(market, "SELECT count(DISTINCT shop_id) FROM shop_scores")[0][0]
    assert waived > 0
    assert scored > 0


@pytest.mark.slow
def test_the_fees_command_runs_on_spark(
    market: duckdb.DuckDBPyConnection, spark: SparkSession, tmp_path: Path
) -> None:
    """``merchantry fees --engine spark --spark-tables DIR`` reads Parquet tables from DIR,
    reuses the running session (it does not stop a session it did not start) and leaves
    DuckDB's lines in the warehouse."""
    db = tmp_path / "copy.duckdb"
    market.execute(f"ATTACH '{db}' AS copy")
    market.execute("COPY FROM DATABASE market TO copy")
    market.execute("DETACH copy")
    out, source = tmp_path / "out", tmp_path / "tables"
    # as a cluster would hold them: Parquet per table
    tables.export(market, fee_tables(load_rulebook("taobao-2026")), source)
    period = ["--from", str(START), "--to", str(END)]
    result = CliRunner().invoke(
        app,
        [
            *("fees", "--rulebook", "taobao-2026", *period, "--db", str(db)),
            *("--engine", "spark", "--spark-tables", str(source), "--spark-out", str(out)),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "taobao-2026" in result.output
    assert list((out / "fee_lines").glob("*.parquet"))
    assert spark.range(3).count() == 3  # the fixture's session still runs
    copy = connect(db)
    try:
        from_spark = rows(copy, f"SELECT * FROM fee_lines {LINE_ORDER}")
        compute_fees(copy, "taobao-2026", START, END)
        assert from_spark == rows(copy, f"SELECT * FROM fee_lines {LINE_ORDER}")
    finally:
        copy.close()


def test_duckdb_engine_refuses_spark_only_options(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "fees",
            "--rulebook",
            "taobao-2026",
            "--from",
            str(START),
            "--to",
            str(END),
            "--db",
            str(tmp_path / "w.duckdb"),
            "--spark-out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 2
    assert "--spark-out" in result.output


def test_a_table_missing_from_the_directory_is_named(spark: SparkSession, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"table orders has no Parquet at .*orders"):
        tables.register(spark, tmp_path, ["orders"])


def test_an_export_older_than_a_derived_table_says_to_export_again(
    spark: SparkSession, tmp_path: Path
) -> None:
    """An export written before the journal gained its headers of entries without a payment
    day (``journal_dayless``) has no Parquet for them: the error says the table is newer than
    the export and how to get it, not only that the directory lacks it."""
    with pytest.raises(InputError) as raised:
        tables.register(spark, tmp_path, ["journal_dayless"])
    text = str(raised.value)
    assert "table journal_dayless has no Parquet at" in text
    assert "derived from journal_entries" in text
    assert "export the tables again" in text


def test_a_spark_failure_is_named_and_writes_nothing(
    market: duckdb.DuckDBPyConnection, spark: SparkSession, tmp_path: Path
) -> None:
    """Parquet whose money column holds text Spark cannot read as a number: Spark's error,
    named, no traceback, and the warehouse's lines untouched. (A column missing altogether
    is refused before Spark runs: tests/spark/test_older_parquet.py.)"""
    tables.export(market, fee_tables(load_rulebook("douyin-2025")), tmp_path)
    market.execute(
        "COPY (SELECT * REPLACE ('not money' AS amount_paid_fen) FROM orders) "
        f"TO '{tmp_path / 'orders.parquet'}' (FORMAT parquet)"
    )
    before = rows(market, f"SELECT * FROM fee_lines {LINE_ORDER}")
    engine = SparkEngine(spark=spark, tables=str(tmp_path))
    with pytest.raises(
        SparkRunFailed, match=r"Spark failed running the fee query of douyin-2025: "
    ):
        run_fees(market, engine, load_rulebook("douyin-2025"), START, END)
    assert rows(market, f"SELECT * FROM fee_lines {LINE_ORDER}") == before
