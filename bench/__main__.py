"""The benchmark suite: ``python -m bench`` (``make bench``) runs every registered bench at a
modest size, each in its own process, and prints one table: time, rows/s, peak memory and
the ratio to the plain DuckDB baseline the bench runs beside it.

``python -m bench bench_fees bench_close`` runs only those; ``--list`` names them. A bench
joins the suite with one line in :data:`SUITE` (its module and its modest-size arguments);
it reports its figures by calling :func:`bench.report.emit` once (a bench that does not
still shows its wall time and peak memory). Each bench also runs alone at its own,
larger, default size: ``python -m bench.bench_close``. The long run (1 M → 10 M → 100 M
orders) is ``python -m bench.scale`` (``make bench-scale``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Final

from rich.console import Console
from rich.table import Table

from bench.report import Result, parse

SUITE: Final[dict[str, tuple[str, ...]]] = {
    "bench_generate": ("--shops", "200", "--days", "30"),
    "bench_ingest": ("--orders", "200000", "--formats", "parquet"),
    "bench_ingest_day": ("--history", "1000000", "--day", "100000", "--memory", "2GB"),
    "bench_fees": ("--orders", "1000000", "--repeat", "1", "--db", "/tmp/bench_suite_fees.duckdb"),
    "bench_close": ("--orders=300000", "--shops=3000", "--mode=both", "--memory=4GB", "--floor"),
    "bench_year": (
        "--orders-per-month",
        "30000",
        "--months",
        "3",
        "--shops",
        "1000",
        "--memory",
        "4GB",
    ),
    "bench_lookups": ("--per-day", "20000", "--months", "1", "3"),
    "bench_balances": ("--shops", "5000", "--months", "1", "3"),
    "bench_ids": ("--entries", "500000"),
    "bench_scores": ("--shops", "5000", "--db", "/tmp/bench_suite_scores.duckdb"),
    "bench_rings": ("--buyers", "200000", "--rings", "500", "--links", "800000"),
    "bench_attribution": ("--events", "200000"),
    "bench_listings": ("--shops", "30", "--runs", "500"),
    "bench_service": ("--shops", "200", "--days", "30", "--requests", "2000", "--seconds", "20"),
    "bench_spark": ("--orders", "200000", "--db", "/tmp/bench_suite_spark.duckdb"),
    "bench_pipeline": ("--orders", "100000", "--scratch", "/tmp/bench_suite_pipeline"),
}
"""Every bench of ``make bench`` and its arguments there (one line each; keep them modest)."""


def run(name: str, args: tuple[str, ...], console: Console) -> tuple[list[Result], float, float]:
    """Run one bench in a child process: its results, wall seconds and peak RSS (MiB)."""
    began = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", f"bench.{name}", *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = []
    for line in child.stdout:
        lines.append(line)
        if not line.startswith("BENCH-RESULT"):
            console.print(line, end="", markup=False, highlight=False)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - began
    if child.returncode:
        raise SystemExit(f"{name} failed (exit {child.returncode})")
    return parse("".join(lines)), seconds, usage.ru_maxrss / 1024


def main(argv: list[str]) -> None:
    if "--list" in argv:
        print("\n".join(SUITE))
        return
    unknown = sorted(set(argv) - set(SUITE))
    if unknown:
        raise SystemExit(f"unknown benchmarks: {', '.join(unknown)}; known: {', '.join(SUITE)}")
    console = Console()
    table = Table(title="Benchmark suite (each bench at a modest size, beside its baseline)")
    for column in ("bench", "seconds", "rows", "rows/s", "peak MiB", "× baseline"):
        table.add_column(column, justify="left" if column == "bench" else "right")
    for name in argv or list(SUITE):
        console.rule(name)
        results, wall, peak = run(name, SUITE[name], console)
        if not results:
            table.add_row(name, f"{wall:.1f} (wall)", "", "", f"{peak:,.0f}", "")
        for r in results:
            ratio = r.ratio
            table.add_row(
                f"{name} ({r.bench})",
                f"{r.seconds:.1f}",
                f"{r.rows:,}",
                f"{r.rate:,.0f}",
                f"{max(r.peak_mib, 0):,.0f}",
                f"{ratio:.2f}" if ratio is not None else "",
            )
    console.print(table)
    console.print(
        "× baseline: the bench's rows/s ÷ the plain DuckDB statement's rows/s on the same rows "
        "(1.00: as fast as the baseline; 0.5: twice its time)."
    )


if __name__ == "__main__":
    main(sys.argv[1:])
