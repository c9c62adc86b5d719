"""Benchmark: one day's ingest into a warehouse that already holds a large history.

    python -m bench.bench_ingest_day [--history 97000000] [--day 3200000] [--memory 6GB]

A marketplace ingests a day at a time. What a day's ingest costs, and how much memory it
needs, must not depend on how many orders the warehouse already holds: every input table
keeps its declared primary key (DuckDB's ART index), and the ingest's checks look each
day's keys and references up in the whole stored table. This bench measures that:

Order and review ids are fixed width (``o000097000000``), as a marketplace's order numbers
are, so a day's orders hold one narrow range of keys; ``--plain-ids`` takes bench_ingest's
``'o' || i``, whose day's range crosses digit boundaries and can take in the whole history.

* **history**: a warehouse made directly in DuckDB (``bench.bench_ingest``'s marketplace:
  shops, products, ``--history`` orders with four parcel events each and a review for one
  in three), inserted in batches of at most 5 M orders a transaction into the keyed
  tables, as a daily ingest leaves them;
* **with history**: ``ingest_dir`` of one day's files (``--day`` orders paid on the day
  after the history, their events and reviews, every check on) into a copy of it;
* **alone**: the same files into a warehouse holding only the shops and products: the
  day's own cost; (with − alone) ÷ with is the share the history costs the day;
* **baseline**: the same files loaded with no checks (``INSERT … BY NAME SELECT * FROM
  read_parquet``) into the keyed tables of the warehouse with only shops and products
  (a copy of the history would double the disk the bench needs: about 40 GB at 100 M).

Each side runs in its own child process under ``--memory`` (``MERCHANTRY_MEMORY_LIMIT``), so
its peak memory (max RSS) is its own. ``--keep DIR`` keeps the history there between runs
(``--reuse`` takes it from there instead of making it again; the day is then ingested into a
copy); without ``--keep`` the day is ingested into the history in place. ``--reuse
--in-place`` ingests into the kept history itself, for a disk that cannot hold it twice (at
97 M orders it is about 39 GB), and removes it after the run: it then holds the day.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.table import Table

from bench.bench_close import disk_mib
from bench.bench_ingest import _TABLES, sizes
from bench.report import Result, cpu_seconds, emit, peak_mib
from merchantry.ingest import ingest_dir
from merchantry.store.warehouse import connect

DIMENSIONS: Final = ("categories", "shops", "products")
DAILY: Final = ("orders", "logistics_events", "reviews")
BATCH: Final = 5_000_000
"""Orders per transaction while the history is made (a day's ingest is one transaction of
about 3 M orders at 100 M a month)."""


MARCH: Final = "TIMESTAMP '2025-03-01 00:00:00' + to_seconds(i % 2592000)"
"""When order ``i`` was paid in bench_ingest's tables: over March 2025."""
DAY: Final = "TIMESTAMP '2025-04-01 00:00:00' + to_seconds(i % 86400)"
"""When order ``i`` of the day's files was paid: on 1 April, after the history's March."""


def _swap(sql: str, *pairs: tuple[str, str]) -> str:
    """``sql`` with each ``(old, new)`` text swapped, refusing one that finds nothing
    (bench_ingest's query changed under this bench)."""
    for old, new in pairs:
        if old not in sql:
            raise ValueError(f"bench_ingest's query no longer holds {old!r}")
        sql = sql.replace(old, new)
    return sql


def _order_id(expression: str, padded: bool) -> str:
    """The order id of order number ``expression``: fixed width (``o000097000000``), as a
    marketplace's order numbers are, or bench_ingest's plain ``'o' || i``, whose ids cross
    digit boundaries (``o99999999`` sorts after ``o100000000``), so that a day's range of
    keys can take in the whole history."""
    return f"printf('o%012d', {expression})" if padded else f"'o' || {expression}"


def _orders_sql(
    start: int, stop: int, shops: int, products: int, day: bool, padded: bool = True
) -> str:
    """Orders ``start`` ≤ i < ``stop`` in bench_ingest's shape (paid in March 2025, or on
    1 April for the day's file)."""
    return _swap(
        _TABLES["orders"],
        ("'o' || i AS order_id", f"{_order_id('i', padded)} AS order_id"),
        ("range(?)", f"range({start}, {stop})"),
        ("(i % ?) AS shop_id", f"(i % {shops}) AS shop_id"),
        ("(i % ?) AS sku_id", f"(i % {products}) AS sku_id"),
        (MARCH, DAY if day else MARCH),
    )


def _events_sql(start: int, stop: int, day: bool, padded: bool = True) -> str:
    """The four parcel events of each of those orders."""
    return _swap(
        _TABLES["logistics_events"],
        ("'o' || i AS order_id", f"{_order_id('i', padded)} AS order_id"),
        ("range(?)", f"range({start}, {stop})"),
        (MARCH, DAY if day else MARCH),
    )


def _reviews_sql(start: int, stop: int, day: bool, padded: bool = True) -> str:
    """Reviews of every third order ``start`` ≤ order < ``stop`` (ids from the order's),
    ten days after its payment."""
    return f"""
        SELECT {"printf('r%012d', i // 3)" if padded else "'r' || (i // 3)"} AS review_id,
               {_order_id("i", padded)} AS order_id, 5 AS rating,
               4 AS logistics_rating, '很好' AS text,
               {DAY if day else MARCH} + to_hours(240) AS created_at
        FROM range({start + (-start) % 3}, {stop}, 3) t(i)"""


def _insert(con: duckdb.DuckDBPyConnection, table: str, query: str, params: list[int]) -> None:
    con.execute(f"INSERT INTO {table} BY NAME {query}", params)


def child_history(
    db: Path, history: int, with_orders: bool, padded: bool = True
) -> dict[str, object]:
    """Make the warehouse: the dimensions, and (``with_orders``) the history's orders."""
    shops, products = sizes(history)
    con = connect(db)
    began = time.perf_counter()
    _insert(con, "categories", _TABLES["categories"], [])
    _insert(con, "shops", _TABLES["shops"], [shops])
    _insert(con, "products", _TABLES["products"], [shops, products])
    if with_orders:
        for start in range(0, history, BATCH):
            stop = min(history, start + BATCH)
            con.execute("BEGIN")
            con.execute(
                "INSERT INTO orders BY NAME "
                + _orders_sql(start, stop, shops, products, False, padded)
            )
            events = _events_sql(start, stop, False, padded)
            con.execute(f"INSERT INTO logistics_events BY NAME {events}")
            con.execute(f"INSERT INTO reviews BY NAME {_reviews_sql(start, stop, False, padded)}")
            con.execute("COMMIT")
            print(
                f"  history: {stop:,} orders at {time.perf_counter() - began:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    con.execute("CHECKPOINT")
    con.close()
    return {"seconds": time.perf_counter() - began, "peak_mib": peak_mib(), "db_mib": disk_mib(db)}


def make_day(directory: Path, history: int, day: int, padded: bool = True) -> int:
    """Write the day's files (Parquet); returns their rows."""
    shops, products = sizes(history)
    directory.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    rows = 0
    queries = {
        "orders": _orders_sql(history, history + day, shops, products, True, padded),
        "logistics_events": _events_sql(history, history + day, True, padded),
        "reviews": _reviews_sql(history, history + day, True, padded),
    }
    for name, query in queries.items():
        target = str(directory / f"{name}.parquet")
        con.sql(query).write_parquet(target)
        written = con.execute("SELECT count(*) FROM read_parquet(?)", [target]).fetchall()[0]
        rows += int(written[0]) if written else 0
    con.close()
    return rows


def child_ingest(db: Path, folder: Path) -> dict[str, object]:
    con = connect(db)
    began, cpu = time.perf_counter(), cpu_seconds()
    report = ingest_dir(con, folder, progress=False)
    seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    con.close()
    if report.quarantined:
        raise SystemExit(f"the day's rows were refused: {report.quarantined} quarantined")
    return {"seconds": seconds, "cpu_seconds": cpu, "rows": report.read, "peak_mib": peak_mib()}


def child_baseline(db: Path, folder: Path) -> dict[str, object]:
    con = connect(db)
    began, cpu = time.perf_counter(), cpu_seconds()
    con.execute("BEGIN")
    for name in DAILY:
        con.execute(
            f"INSERT INTO {name} BY NAME SELECT * FROM read_parquet(?)",
            [str(folder / f"{name}.parquet")],
        )
    con.execute("COMMIT")
    seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    con.close()
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak_mib()}


def _child(memory: str, *args: str) -> dict[str, object]:
    env = {**os.environ, "MERCHANTRY_MEMORY_LIMIT": memory}
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_ingest_day", "--child", *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _copy(source: Path, target: Path) -> None:
    for suffix in ("", ".wal"):
        part = source.with_name(source.name + suffix)
        if part.exists():
            shutil.copyfile(part, target.with_name(target.name + suffix))


def _made_text(made: dict[str, object]) -> str:
    """How the history came: made in so many seconds, or kept from an earlier run."""
    seconds = made["seconds"]
    return "kept from an earlier run" if seconds is None else f"made in {float(str(seconds)):.0f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--history", type=int, default=97_000_000, help="Orders already stored.")
    parser.add_argument("--day", type=int, default=3_200_000, help="Orders in the day's files.")
    parser.add_argument("--memory", default="6GB", help="MERCHANTRY_MEMORY_LIMIT of each side.")
    parser.add_argument("--keep", type=Path, help="Keep the history warehouse in this folder.")
    parser.add_argument("--reuse", action="store_true", help="Take the history from --keep.")
    parser.add_argument(
        "--in-place",
        action="store_true",
        help="With --reuse: ingest into the kept history, not a copy, and remove it after.",
    )
    parser.add_argument(
        "--plain-ids",
        action="store_true",
        help="Order and review ids as 'o' || i, not fixed width (a history kept with one "
        "kind of id must be reused with the same).",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "history":
            result = child_history(Path(rest[0]), int(rest[1]), rest[2] == "1", rest[3] == "1")
        elif kind == "ingest":
            result = child_ingest(Path(rest[0]), Path(rest[1]))
        else:
            result = child_baseline(Path(rest[0]), Path(rest[1]))
        print(json.dumps(result))
        return
    if args.history < 0 or args.day < 1:
        parser.error("--history must be ≥ 0 and --day ≥ 1")
    if args.reuse and args.keep is None:
        parser.error("--reuse takes the history from --keep: give --keep too")
    if args.in_place and not args.reuse:
        parser.error("--in-place ingests into a kept history: give --keep and --reuse too")
    if args.keep is not None and not args.keep.is_dir():
        parser.error(f"--keep {args.keep}: no such folder")
    console = Console(stderr=True)
    padded = "0" if args.plain_ids else "1"
    with tempfile.TemporaryDirectory(prefix="bench-ingest-day-", dir=args.keep) as tmp:
        root = Path(tmp)
        plain = "-plain-ids" if args.plain_ids else ""
        kept = (args.keep or root) / f"history-{args.history}{plain}.duckdb"
        if args.reuse and kept.exists():
            made: dict[str, object] = {"seconds": None, "peak_mib": None, "db_mib": disk_mib(kept)}
            console.print(f"history: {kept} (kept)")
        else:
            console.print(f"history: {args.history:,} orders …")
            made = _child(args.memory, "history", str(kept), str(args.history), "1", padded)
            console.print(f"  made in {float(str(made['seconds'])):.0f} s")
        empty = root / "empty.duckdb"
        _child(args.memory, "history", str(empty), str(args.history), "0", padded)
        rows = make_day(root / "day", args.history, args.day, not args.plain_ids)
        sides: dict[str, dict[str, object]] = {}
        for side in ("baseline", "alone", "with history"):
            if side == "with history":
                db = kept
                # keep the history as it was: ingest into a copy
                if args.keep is not None and not args.in_place:
                    db = root / "with-history.duckdb"
                    _copy(kept, db)
            else:
                db = root / f"{side}.duckdb"
                _copy(empty, db)
            kind = "baseline" if side == "baseline" else "ingest"
            console.print(f"{side} …")
            sides[side] = _child(args.memory, kind, str(db), str(root / "day"))
            if db != kept or args.in_place:  # a history that now holds the day is spent
                for suffix in ("", ".wal"):
                    db.with_name(db.name + suffix).unlink(missing_ok=True)
    table = Table(title=f"a day of {args.day:,} orders ({rows:,} rows) after {args.history:,}")
    for name in ("side", "wall s", "CPU s", "rows/s", "peak MiB"):
        table.add_column(name, justify="left" if name == "side" else "right")
    for side, got in sides.items():
        seconds, cpu = float(str(got["seconds"])), float(str(got["cpu_seconds"]))
        table.add_row(
            side,
            f"{seconds:.1f}",
            f"{cpu:.1f}",
            f"{rows / seconds:,.0f}",
            f"{float(str(got['peak_mib'])):,.0f}",
        )
    console.print(table)
    with_cpu = float(str(sides["with history"]["cpu_seconds"]))
    alone_cpu = float(str(sides["alone"]["cpu_seconds"]))
    base_cpu = float(str(sides["baseline"]["cpu_seconds"]))
    share = 1 - alone_cpu / with_cpu if with_cpu else 0.0
    console.print(
        f"history's share of the day (CPU): {share:.0%}; ingest ÷ unchecked load into the "
        f"empty tables (CPU): {alone_cpu / base_cpu:.1f}× alone, {with_cpu / base_cpu:.1f}× "
        f"after the history; history {_made_text(made)}, "
        f"{float(str(made['db_mib'])):,.0f} MiB on disk"
    )
    emit(
        Result(
            bench="bench_ingest_day",
            rows=rows,
            seconds=float(str(sides["with history"]["seconds"])),
            peak_mib=float(str(sides["with history"]["peak_mib"])),
            baseline_seconds=float(str(sides["baseline"]["seconds"])),
            baseline_rows=rows,
            extra={
                "history_orders": args.history,
                "day_orders": args.day,
                "memory_limit": args.memory,
                "sides": sides,
                "history_share_cpu": round(share, 3),
            },
        )
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        if "--child" not in sys.argv:  # the parent says it once for both processes
            print(
                "bench_ingest_day: stopped (Ctrl-C); its scratch warehouses are removed "
                "(a --keep history being made is left half made: run without --reuse)",
                file=sys.stderr,
            )
        raise SystemExit(130) from None
