"""The scoring stage on local Spark leaves DuckDB's rows, exactly, in every score table.

One generated marketplace, each shipped score rulebook scored over the same six dates by
the DuckDB stage (the oracle: the engine the scoring tests pin to the platforms'
published rules) and then by the Spark stage, which replaces the period's rows; the five
tables it writes are compared whole. CI runs the Douyin rulebook (its peer gates read
the series the run has just written); Taobao's (the good-service ranking) and the other
Douyin versions are ``extended``.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from merchantry.scoring import score_shops
from merchantry.spark.engine import SparkEngine
from merchantry.spark.scores import run_scores
from merchantry.spark.statements import TiesFound
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

START = DEFAULT_START
END = DEFAULT_START + timedelta(days=5)
SCORE_TABLES = (
    "shop_scores",
    "shop_score_indicators",
    "shop_score_adjustments",
    "shop_gates",
    "service_rankings",
)
SCORE_RULEBOOKS = (
    "douyin-score-2026-07",  # in CI: peer gates over the series just written
    pytest.param("taobao-score-2026", marks=pytest.mark.extended),
    pytest.param("douyin-score-2026-05", marks=pytest.mark.extended),
    pytest.param("douyin-score-2026-09-listings", marks=pytest.mark.extended),
)


@pytest.fixture(scope="module")
def market(
    market_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    db = tmp_path_factory.mktemp("spark-scores") / "market.duckdb"
    shutil.copy(market_file, db)
    con = connect(db)
    try:
        yield con
    finally:
        con.close()


def rows(con: duckdb.DuckDBPyConnection, table: str, rulebook: str) -> list[tuple[Any, ...]]:
    sql = f"SELECT * FROM {table} WHERE rulebook = ? ORDER BY ALL"
    return [tuple(r) for r in con.execute(sql, [rulebook]).fetchall()]


def snapshot(con: duckdb.DuckDBPyConnection, rulebook: str) -> dict[str, list[tuple[Any, ...]]]:
    return {table: rows(con, table, rulebook) for table in SCORE_TABLES}


@pytest.mark.parametrize("rulebook", SCORE_RULEBOOKS)
def test_scores_match_duckdb_row_for_row(
    market: duckdb.DuckDBPyConnection, spark: SparkSession, rulebook: str, tmp_path: Path
) -> None:
    on_duckdb = score_shops(market, rulebook, START, END)
    expected = snapshot(market, rulebook)
    market.execute("DELETE FROM shop_scores WHERE rulebook = ?", [rulebook])  # Spark must write
    on_spark = run_scores(market, SparkEngine(spark=spark, out=str(tmp_path)), rulebook, START, END)
    got = snapshot(market, rulebook)

    scores = expected["shop_scores"]
    assert len(scores) == 6 * 10  # every shop on every date: a real comparison
    assert {r[6] for r in scores} >= {"formal"}  # some shops have a formal score
    assert expected["shop_score_indicators"]
    assert list(tmp_path.glob("shop_scores.*/*.parquet")), "Spark wrote no Parquet"
    for table in SCORE_TABLES:
        assert got[table] == expected[table], table
    assert (on_spark.rows, on_spark.formal, on_spark.growth, on_spark.no_score) == (
        on_duckdb.rows,
        on_duckdb.formal,
        on_duckdb.growth,
        on_duckdb.no_score,
    )
    assert (on_spark.mean_score_cp, on_spark.gates, on_spark.ranked) == (
        on_duckdb.mean_score_cp,
        on_duckdb.gates,
        on_duckdb.ranked,
    )


@pytest.mark.extended
def test_a_rerun_on_spark_changes_nothing(
    market: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    """Re-running the Spark stage replaces the period's rows with the same rows."""
    rulebook = "douyin-score-2026-07"
    run_scores(market, SparkEngine(spark=spark), rulebook, START, START)
    first = snapshot(market, rulebook)
    run_scores(market, SparkEngine(spark=spark), rulebook, START, START)
    assert snapshot(market, rulebook) == first
    assert first["shop_scores"]


@pytest.mark.extended
def test_ties_in_the_first_after_sale_stop_the_run(
    market_file: Path, spark: SparkSession, tmp_path: Path
) -> None:
    """Two after-sale cases of one order opened at the same instant with different reasons:
    DuckDB's arg_min picks either, so Spark refuses rather than maybe disagree, and the
    warehouse keeps its rows."""
    db = tmp_path / "ties.duckdb"
    shutil.copy(market_file, db)
    con = connect(db)
    try:
        con.execute(
            """
            INSERT INTO after_sales
            SELECT * REPLACE (case_id || '-twin' AS case_id,
              CASE WHEN reason_code = 'quality' THEN 'damaged' ELSE 'quality' END AS reason_code)
            FROM after_sales ORDER BY case_id LIMIT 1
            """
        )
        before = snapshot(con, "douyin-score-2026-07")
        with pytest.raises(TiesFound, match=r"1 groups have two different values .*reason_code"):
            run_scores(con, SparkEngine(spark=spark), "douyin-score-2026-07", START, END)
        assert snapshot(con, "douyin-score-2026-07") == before
    finally:
        con.close()


@pytest.mark.extended
def test_the_score_command_runs_on_spark(
    market: duckdb.DuckDBPyConnection, spark: SparkSession, tmp_path: Path
) -> None:
    db = tmp_path / "copy.duckdb"
    market.execute(f"ATTACH '{db}' AS copy")
    market.execute("COPY FROM DATABASE market TO copy")
    market.execute("DETACH copy")
    args = ["score", "--rulebook", "taobao-score-2026", "--date", str(START), "--to", str(END)]
    result = CliRunner().invoke(
        app, [*args, "--db", str(db), "--engine", "spark"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == ExitCode.OK, result.output
    assert spark.range(2).count() == 2  # the fixture's session still runs
    copy = connect(db)
    try:
        from_spark = snapshot(copy, "taobao-score-2026")
        score_shops(copy, "taobao-score-2026", START, END)
        assert snapshot(copy, "taobao-score-2026") == from_spark
        assert from_spark["shop_scores"]
    finally:
        copy.close()
