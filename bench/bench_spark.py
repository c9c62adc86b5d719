"""Fee stage on Spark (local) vs DuckDB: the same rulebook, the same orders, the same lines.

Orders are generated directly in DuckDB as ``bench.bench_fees`` makes them (deterministic,
one month). The DuckDB stage (``run_rulebook``: compute and insert ``fee_lines``) runs
first and its lines are kept aside; then the Spark stage (``merchantry.spark.fees.
run_fees``: export the fact tables to Parquet, run the transpiled query on Spark, write
Parquet, load it back into the warehouse) replaces them. The bench checks the two sets of
lines are equal (``EXCEPT ALL`` both ways, every column) and reports the ratio of the
Spark stage's time to DuckDB's, with the Spark session's start-up timed apart (a cluster
pays it once per application, not per stage).

    .venv/bin/python -m bench.bench_spark [--orders 1000000] [--master local[2]]

Spark's memory (a JVM) is not in the peak figure: only this Python process is measured.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from bench import bench_scores
from bench.bench_fees import generate
from bench.report import Result, emit, peak_mib
from merchantry.fees import run_rulebook
from merchantry.rulebook import load_rulebook
from merchantry.scoring import score_shops
from merchantry.spark.engine import SparkEngine
from merchantry.spark.fees import run_fees
from merchantry.spark.scores import run_scores
from merchantry.spark.session import start
from merchantry.store.sql import fill_sql
from merchantry.store.warehouse import connect
from merchantry.synth.catalogue import INDUSTRIES

START, END = date(2026, 3, 1), date(2026, 3, 31)

DIFFERENCE = """
SELECT count(*) FROM (
  SELECT * FROM {left} WHERE rulebook = $rulebook
  EXCEPT ALL
  SELECT * FROM {right} WHERE rulebook = $rulebook
)
"""


def differing(con: duckdb.DuckDBPyConnection, left: str, right: str, rulebook: str) -> int:
    """Lines of ``left`` (with their multiplicity) that ``right`` lacks."""
    row = con.execute(DIFFERENCE.format(left=left, right=right), {"rulebook": rulebook}).fetchone()
    return int(row[0]) if row else 0


SCORE_RULEBOOK = "douyin-score-2026-07"
SCORE_DAYS = 30
ORDERS_PER_SHOP_DAY = 1.2
"""As ``bench.bench_scores`` generates by default."""
SCORE_TABLES = (
    "shop_scores",
    "shop_score_indicators",
    "shop_score_adjustments",
    "shop_gates",
    "service_rankings",
)


def scores(console: Console, orders: int, master: str, db: Path, days: int) -> None:
    """The scoring stage on both engines over ``bench.bench_scores``' generated events
    (as many shops as make ``orders`` orders over its 59 event days), compared table by
    table."""
    shops = max(1, round(orders / (ORDERS_PER_SHOP_DAY * bench_scores.EVENT_DAYS)))
    con = connect(db)
    began = time.perf_counter()
    params = {
        "industries": [i.code for i in INDUSTRIES],
        "shops": shops,
        "orders": int(shops * ORDERS_PER_SHOP_DAY * bench_scores.EVENT_DAYS),
        "days": bench_scores.EVENT_DAYS,
        "events_from": bench_scores.EVENTS_FROM,
    }
    bench_scores.run_script(con, bench_scores.SETUP, params)
    made = con.execute("SELECT count(*) FROM orders").fetchone()
    made_orders = int(made[0]) if made else 0
    console.print(
        f"generated {made_orders:,} orders for {shops:,} shops in "
        f"{time.perf_counter() - began:.1f} s"
    )
    first = bench_scores.FIRST
    last = first + timedelta(days=days - 1)
    began = time.perf_counter()
    on_duckdb = score_shops(con, SCORE_RULEBOOK, first, last)
    duck_seconds = time.perf_counter() - began
    for name in SCORE_TABLES:
        con.execute(
            fill_sql(
                "CREATE TABLE p_copy AS SELECT * FROM p_table",
                p_copy=f"duckdb_{name}",
                p_table=name,
            )
        )
    console.print(f"DuckDB stage: {on_duckdb.rows:,} shop-days in {duck_seconds:.1f} s")

    began = time.perf_counter()
    spark = start(master)
    spark.sparkContext.setLogLevel("ERROR")
    session_seconds = time.perf_counter() - began
    console.print(f"Spark session on {master} started in {session_seconds:.1f} s")
    try:
        began = time.perf_counter()
        stamp = time.perf_counter()

        def step(text: str) -> None:
            console.print(f"  {time.perf_counter() - stamp:7.1f} s  {text}", highlight=False)

        on_spark = run_scores(
            con,
            SparkEngine(master=master, spark=spark),
            SCORE_RULEBOOK,
            first,
            last,
            progress=step,
        )
        spark_seconds = time.perf_counter() - began
    finally:
        spark.stop()
    console.print(f"Spark stage: {on_spark.rows:,} shop-days in {spark_seconds:.1f} s")
    differences = {
        table: differing(con, f"duckdb_{table}", table, SCORE_RULEBOOK)
        + differing(con, table, f"duckdb_{table}", SCORE_RULEBOOK)
        for table in SCORE_TABLES
    }
    con.close()
    db.unlink(missing_ok=True)
    title = f"score stage, {SCORE_RULEBOOK}, {shops:,} shops × {days} days, {made_orders:,} orders"
    table = Table(title=f"{title} ({os.cpu_count()} cores)")
    for column in ("engine", "seconds", "shop-days / s", "× DuckDB time"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    table.add_row("DuckDB", f"{duck_seconds:.1f}", f"{on_duckdb.rows / duck_seconds:,.0f}", "1.0")
    table.add_row(
        f"Spark {master} (export + compute + Parquet + load)",
        f"{spark_seconds:.1f}",
        f"{on_spark.rows / spark_seconds:,.0f}",
        f"{spark_seconds / duck_seconds:.1f}",
    )
    table.add_row("Spark session start (once)", f"{session_seconds:.1f}", "", "")
    console.print(table)
    same = not any(differences.values()) and on_spark.rows == on_duckdb.rows
    console.print(f"tables equal: {same} (rows differing per table: {differences})")
    emit(
        Result(
            "scores-spark",
            on_spark.rows,
            spark_seconds,
            peak_mib(),
            duck_seconds,
            on_duckdb.rows,
            {
                "orders": made_orders,
                "shops": shops,
                "session_seconds": round(session_seconds, 1),
                "spark_over_duckdb": round(spark_seconds / duck_seconds, 2),
                "same_rows": same,
                "master": master,
            },
        )
    )
    if not same:
        raise SystemExit("Spark and DuckDB score tables differ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rulebook", default="douyin-2026")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench_spark.duckdb"))
    parser.add_argument(
        "--stage", choices=("fees", "scores"), default="fees", help="the stage to compare"
    )
    parser.add_argument(
        "--score-days", type=int, default=SCORE_DAYS, help="scored dates (--stage scores)"
    )
    args = parser.parse_args()
    # the local driver's heap must be set before its JVM starts
    os.environ.setdefault(
        "PYSPARK_SUBMIT_ARGS",
        f"--driver-memory {args.driver_memory} "
        "--conf spark.ui.showConsoleProgress=false pyspark-shell",
    )
    console = Console()
    args.db.unlink(missing_ok=True)
    if args.stage == "scores":
        scores(console, args.orders, args.master, args.db, args.score_days)
        return
    con = connect(args.db)
    book = load_rulebook(args.rulebook)

    began = time.perf_counter()
    generate(con, args.orders)
    made = time.perf_counter() - began
    console.print(f"generated {args.orders:,} orders in {made:.1f} s")

    began = time.perf_counter()
    on_duckdb = run_rulebook(con, book, START, END)
    duck_seconds = time.perf_counter() - began
    con.execute("CREATE TABLE duckdb_lines AS SELECT * FROM fee_lines")
    console.print(f"DuckDB stage: {on_duckdb.lines:,} lines in {duck_seconds:.1f} s")

    began = time.perf_counter()
    spark = start(args.master)
    spark.sparkContext.setLogLevel("ERROR")
    session_seconds = time.perf_counter() - began
    console.print(f"Spark session on {args.master} started in {session_seconds:.1f} s")
    try:
        began = time.perf_counter()
        on_spark = run_fees(con, SparkEngine(master=args.master, spark=spark), book, START, END)
        spark_seconds = time.perf_counter() - began
    finally:
        spark.stop()
    console.print(f"Spark stage: {on_spark.lines:,} lines in {spark_seconds:.1f} s")

    missing = differing(con, "duckdb_lines", "fee_lines", book.name)
    extra = differing(con, "fee_lines", "duckdb_lines", book.name)
    con.close()
    args.db.unlink(missing_ok=True)

    table = Table(
        title=f"fee stage, {book.name}, {args.orders:,} orders, {START}..{END} "
        f"({os.cpu_count()} cores)"
    )
    for column in ("engine", "seconds", "orders / s", "× DuckDB time"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    table.add_row(
        "DuckDB (compute + insert)",
        f"{duck_seconds:.1f}",
        f"{on_duckdb.orders / duck_seconds:,.0f}",
        "1.0",
    )
    table.add_row(
        f"Spark {args.master} (export + compute + Parquet + load)",
        f"{spark_seconds:.1f}",
        f"{on_spark.orders / spark_seconds:,.0f}",
        f"{spark_seconds / duck_seconds:.1f}",
    )
    table.add_row("Spark session start (once)", f"{session_seconds:.1f}", "", "")
    console.print(table)
    same = missing == 0 and extra == 0 and on_spark.lines == on_duckdb.lines
    console.print(
        f"lines equal: {same} ({on_duckdb.lines:,} DuckDB, {on_spark.lines:,} Spark; "
        f"{missing} missing from Spark, {extra} extra)"
    )
    emit(
        Result(
            "fees-spark",
            on_spark.orders,
            spark_seconds,
            peak_mib(),
            duck_seconds,
            on_duckdb.orders,
            {
                "lines": on_spark.lines,
                "session_seconds": round(session_seconds, 1),
                "spark_over_duckdb": round(spark_seconds / duck_seconds, 2),
                "same_lines": same,
                "master": args.master,
            },
        )
    )
    if not same:
        raise SystemExit("Spark and DuckDB lines differ")


if __name__ == "__main__":
    main()
