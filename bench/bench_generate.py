"""Benchmark: the synthetic marketplace generator against a trivial Parquet writer.

    python -m bench.bench_generate [--shops 2000] [--days 30] [--format parquet]

Each side runs in its own child process so that its peak memory (max RSS) is
its own. The baseline writes as many rows as the generator wrote in total,
as Parquet, with trivial random columns (numbers and a short text id) in the
same 250,000-row chunks: what it costs just to put that many rows on disk.
The ratio generator rows/s ÷ baseline rows/s is the figure to track; it moves
little when the machine is slower or busier, because both sides slow together.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table

CHUNK = 250_000


@dataclass(frozen=True)
class Run:
    """One child's result: what it wrote, how long it took, its peak memory."""

    rows: int
    orders: int
    seconds: float
    peak_mib: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds


def run_child(args: list[str]) -> Run:
    """Run this module as a child with ``args``; its JSON line plus its max RSS."""
    command = [sys.executable, "-m", "bench.bench_generate", "--child", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed with {process.returncode}")
    report = json.loads(output.strip().splitlines()[-1])
    return Run(
        rows=report["rows"],
        orders=report["orders"],
        seconds=report["seconds"],
        peak_mib=usage.ru_maxrss / 1024,  # Linux reports KiB
    )


def child_generate(out: Path, shops: int, days: int, fmt: str) -> None:
    from merchantry.synth import generate

    summary = generate(
        out, shops=shops, days=days, seed=1, start=date(2026, 10, 1), fmt=fmt, progress=False
    )
    print(
        json.dumps(
            {
                "rows": summary.total_rows,
                "orders": summary.orders,
                "seconds": summary.elapsed_seconds,
            }
        )
    )


def child_baseline(out: Path, rows: int) -> None:
    began = time.perf_counter()
    rng = np.random.default_rng(1)
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("a", pa.int64()),
            ("b", pa.int64()),
            ("c", pa.float64()),
            ("d", pa.int32()),
            ("e", pa.bool_()),
        ]
    )
    with pq.ParquetWriter(out / "baseline.parquet", schema, compression="zstd") as writer:
        for start in range(0, rows, CHUNK):
            n = min(CHUNK, rows - start)
            ids = pc.cast(pa.array(np.arange(start, start + n)), pa.string())
            writer.write_table(
                pa.table(
                    [
                        ids,
                        rng.integers(0, 1 << 40, n),
                        rng.integers(0, 100_000, n),
                        rng.random(n),
                        rng.integers(0, 1000, n).astype(np.int32),
                        rng.random(n) < 0.5,
                    ],
                    schema=schema,
                )
            )
    print(json.dumps({"rows": rows, "orders": 0, "seconds": time.perf_counter() - began}))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=2_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--format", default="parquet")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, out, *rest = args.child
        if kind == "generate":
            child_generate(Path(out), int(rest[0]), int(rest[1]), rest[2])
        else:
            child_baseline(Path(out), int(rest[0]))
        return

    console = Console(width=140)
    with tempfile.TemporaryDirectory() as tmp:
        gen = run_child(["generate", tmp, str(args.shops), str(args.days), args.format])
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    base = None
    if not args.no_baseline:
        with tempfile.TemporaryDirectory() as tmp:
            base = run_child(["baseline", tmp, str(gen.rows)])

    table = Table(title=f"generate --shops {args.shops} --days {args.days} ({args.format})")
    for column in ("run", "rows", "orders", "seconds", "rows/s", "orders/s", "peak RSS MiB"):
        table.add_column(column, justify="right")
    table.add_row(
        "generator",
        f"{gen.rows:,}",
        f"{gen.orders:,}",
        f"{gen.seconds:.1f}",
        f"{gen.rows_per_second:,.0f}",
        f"{gen.orders / gen.seconds:,.0f}",
        f"{gen.peak_mib:,.0f}",
    )
    if base is not None:
        table.add_row(
            "baseline (pyarrow, trivial columns)",
            f"{base.rows:,}",
            "",
            f"{base.seconds:.1f}",
            f"{base.rows_per_second:,.0f}",
            "",
            f"{base.peak_mib:,.0f}",
        )
    console.print(table)
    console.print(f"output size: {size / 2**20:,.0f} MiB")
    if base is not None:
        console.print(
            f"ratio generator/baseline rows per second: "
            f"{gen.rows_per_second / base.rows_per_second:.2f}"
        )


if __name__ == "__main__":
    main()
