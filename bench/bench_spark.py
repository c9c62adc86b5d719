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
from datetime import date
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from bench.bench_fees import generate
from bench.report import Result, emit, peak_mib
from merchantry.fees import run_rulebook
from merchantry.rulebook import load_rulebook
from merchantry.spark.engine import SparkEngine
from merchantry.spark.fees import run_fees
from merchantry.spark.session import start
from merchantry.store.warehouse import connect

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rulebook", default="douyin-2026")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench_spark.duckdb"))
    args = parser.parse_args()
    # the local driver's heap must be set before its JVM starts
    os.environ.setdefault(
        "PYSPARK_SUBMIT_ARGS",
        f"--driver-memory {args.driver_memory} "
        "--conf spark.ui.showConsoleProgress=false pyspark-shell",
    )
    console = Console()
    args.db.unlink(missing_ok=True)
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
