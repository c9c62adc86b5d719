"""Benchmark: a month close over millions of orders against a plain INSERT…SELECT.

    python -m bench.bench_close [--orders 10000000] [--shops 20000] [--memory 8GB]

The input is made directly in DuckDB (orders over March 2026, three parcel events
for most orders, a refund case on one in eight, violations) with the fee lines a
5% technical service fee and promotion fees would give, so the figure is the
ledger's alone. Each side runs in its own child process so its peak memory (max
RSS) is its own:

* **close**: ``close_period`` (through ``close_marked``, which skips an unchanged
  month) under ``douyin-2026`` (schedule, sales, refunds,
  fee refunds, compensation, settlements, deposits) in one transaction;
* **re-run**: the same close again (posts nothing: the idempotency check);
* ``--mode daily`` (or ``both``): the month closed one day at a time
  (:func:`merchantry.ledger.daily.close_days`), then re-closed day by day (each
  unchanged day is recognised by its digest and posts nothing);
* ``--alone 8,15``: each of those days closed alone, in a copy of the input with nothing
  closed before it, beside the same day of the daily run (closed after every day before
  it): the difference is what the length of history costs a day's close;
* **baseline**: ``INSERT INTO journal_postings SELECT … FROM range(N)`` of as many
  rows as the close posted, into a fresh table of the same schema and key.

Postings per second of the close ÷ of the baseline is the figure to track.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.table import Table

from bench.report import Result, cpu_seconds, emit, peak_mib
from merchantry.ledger.close import CloseSummary
from merchantry.ledger.daily import close_days, close_marked, period_digest, stored_mark
from merchantry.rulebook.checker import load_rulebook
from merchantry.store.warehouse import Resources, connect

START, END = date(2026, 3, 1), date(2026, 3, 31)
RULEBOOK: Final = "douyin-2026"

DATA: Final = (
    """INSERT INTO categories (category_id, name, industry, after_sales_days)
       SELECT 'C' || i, '类目', 'apparel', CASE WHEN i = 0 THEN 45 ELSE 7 END
       FROM range(10) t(i)""",
    """INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date,
                          region, county_code, entry_plan, business_mode)
       SELECT 'S' || i, '店铺', 'apparel', 'C' || (i % 10),
              CASE WHEN i % 5 = 0 THEN 'flagship' ELSE 'enterprise' END, DATE '2024-01-01', '浙江',
              '330106', CASE WHEN i % 7 = 0 THEN 'zero_deposit' ELSE 'standard' END, 'domestic'
       FROM range($shops) t(i)""",
    """INSERT INTO products (sku_id, shop_id, category_id, title, price_fen)
       SELECT 'K' || i, 'S' || i, 'C' || (i % 10), '商品', 10000 FROM range($shops) t(i)""",
    """INSERT INTO orders (order_id, shop_id, buyer_id, sku_id, quantity, paid_at, goods_fen,
                           shipping_fen, platform_coupon_fen, merchant_coupon_fen,
                           amount_paid_fen, scene, entry_point, ad_cost_fen, is_gift)
       SELECT 'O' || i, 'S' || (i % $shops), 'B' || (i % 1000000), 'K' || (i % $shops), 1,
              CAST($first AS TIMESTAMP) + to_seconds(CAST(i * 7919 % $span AS BIGINT)),
              1000 + i % 9000, 0, 0, 0, 1000 + i % 9000, 'live', 'douyin_app',
              CASE WHEN i % 4 = 0 THEN 300 ELSE 0 END, false
       FROM range($orders) t(i)""",
    """INSERT INTO logistics_events (order_id, event, event_at)
       SELECT order_id, e.event, paid_at + to_hours(e.h)
       FROM orders,
            (VALUES ('shipped', 6), ('delivered', 60), ('receipt_confirmed', 90)) e(event, h)
       WHERE e.event <> 'receipt_confirmed' OR hash(order_id) % 3 <> 0""",
    """INSERT INTO after_sales (case_id, order_id, requested_at, type, reason_code, amount_fen,
                                compensation_fen, outcome, responsible_party, closed_at, escalated)
       SELECT 'A' || order_id, order_id, paid_at + to_hours(70), 'refund_only', 'quality',
              amount_paid_fen // 2, CASE WHEN hash(order_id) % 5 = 0 THEN 300 ELSE 0 END,
              CASE WHEN hash(order_id) % 11 = 0 THEN 'open' ELSE 'approved' END, 'merchant',
              CASE WHEN hash(order_id) % 11 = 0 THEN NULL ELSE paid_at + to_hours(100) END, false
       FROM orders WHERE hash(order_id) % 8 = 0""",
    """INSERT INTO violations (violation_id, shop_id, kind, occurred_at)
       SELECT 'V' || i, 'S' || i, 'brushing', CAST($first AS TIMESTAMP) + INTERVAL 58 HOUR
       FROM range($shops) t(i) WHERE i % 9 = 0""",
    """INSERT INTO fee_lines BY NAME
       SELECT 'douyin-2026' AS rulebook, order_id, shop_id, 'technical_service_fee' AS fee_kind,
              'merchant' AS payer, 'platform' AS payee, amount_paid_fen AS base_fen,
              500 AS rate_bp, (amount_paid_fen * 5 + 50) // 100 AS amount_fen,
              (amount_paid_fen * 5 + 50) // 100 AS baseline_fen,
              'tsf.base.fashion-toys-pets' AS rule_id, CAST(paid_at AS DATE) AS accrued_on,
              CAST(paid_at AS DATE) AS paid_on
       FROM orders
       UNION ALL
       SELECT 'douyin-2026', order_id, shop_id, 'promotion_fee', 'merchant', 'platform',
              ad_cost_fen, NULL, ad_cost_fen, ad_cost_fen, 'promo.billing', CAST(paid_at AS DATE),
              CAST(paid_at AS DATE)
       FROM orders WHERE ad_cost_fen > 0
       UNION ALL
       SELECT 'douyin-2026', o.order_id, o.shop_id, 'fee_refund', 'merchant', 'platform',
              NULL, NULL, -(((o.amount_paid_fen * 5 + 50) // 100) // 2),
              -(((o.amount_paid_fen * 5 + 50) // 100) // 2), 'refund.tsf-in-period',
              CAST(a.closed_at AS DATE), CAST(o.paid_at AS DATE)
       FROM orders AS o JOIN after_sales AS a USING (order_id) WHERE a.outcome = 'approved'""",
)

LAYOUT_ORDER: Final = {
    "orders": "ORDER BY 6",  # paid_at
    "logistics_events": "ORDER BY 3",  # event_at
    "after_sales": "ORDER BY 3",  # requested_at
    "fee_lines": "ORDER BY 12",  # accrued_on
}
"""``--layout paid``: each dated table stored in time order, as a daily ingest and the daily
fee runs append it (the default, ``shuffled``, stores orders in a hashed order of payment)."""


def prepare_statements(layout: str = "shuffled") -> list[str]:
    """:data:`DATA`, each dated table's insert ordered by its date under ``layout="paid"``."""
    if layout == "shuffled":
        return list(DATA)
    ordered = []
    for sql in DATA:
        table = sql.split()[2]  # INSERT INTO <table> …
        ordered.append(f"{sql} {LAYOUT_ORDER[table]}" if table in LAYOUT_ORDER else sql)
    return ordered


BASELINE: Final = """
INSERT INTO journal_postings
SELECT md5(CAST(i // 3 AS VARCHAR)), CAST(i % 3 AS INTEGER) + 1, 'merchant_pending',
       'S' || (i % 20000), DATE '2026-03-01' + CAST(i % 31 AS INTEGER), 'O' || (i // 3),
       CAST(i % 9000 AS BIGINT), 'tsf.base', 'sale', DATE '2026-03-01' + CAST(i % 31 AS INTEGER)
FROM range($rows) t(i)
"""


def _settings(con: duckdb.DuckDBPyConnection, memory: str) -> None:
    con.execute("SET threads = 2")
    con.execute("SET memory_limit = ?", [memory])
    con.execute("SET preserve_insertion_order = false")


def _peak_mib() -> float:
    return peak_mib()


def disk_mib(*paths: Path) -> float:
    """Space the files (and every file under the folders) take on disk, MiB."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_blocks * 512
        elif path.is_dir():
            for root, _dirs, files in os.walk(path):
                for name in files:
                    with suppress(FileNotFoundError):  # a spill file removed while we looked
                        total += (Path(root) / name).stat().st_blocks * 512
    return total / 2**20


def _spill_dir(db: Path) -> Path:
    """Where the warehouse's connections spill: ``MERCHANTRY_TEMP_DIR``, else DuckDB's
    default ``<warehouse>.tmp`` (as :func:`merchantry.store.warehouse.connect` sets it)."""
    return Resources.from_env().temp_directory or db.with_name(db.name + ".tmp")


@contextmanager
def watch_disk(db: Path, every: float = 0.5) -> Iterator[dict[str, float]]:
    """Samples, while the block runs, the warehouse file, its WAL and its spill folder:
    yields a dict that holds ``disk_peak_mib`` and ``spill_peak_mib`` when it ends."""
    found = {"disk_peak_mib": 0.0, "spill_peak_mib": 0.0}
    stop = threading.Event()
    wal, spill = db.with_name(db.name + ".wal"), _spill_dir(db)

    def sample() -> None:
        while True:
            spilled = disk_mib(spill)
            found["spill_peak_mib"] = max(found["spill_peak_mib"], spilled)
            found["disk_peak_mib"] = max(found["disk_peak_mib"], disk_mib(db, wal) + spilled)
            if stop.wait(every):
                return

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield found
    finally:
        stop.set()
        thread.join()


UNKEYED: Final = ("orders", "logistics_events", "after_sales")
"""``--no-keys``: the dated tables made without their declared primary key. DuckDB keeps a
key's index in memory when the insert commits: for 100 M orders (270 M parcel events) the
indexes do not fit 13 GiB. The close never looks a row up by these keys."""


def child_prepare(
    db: Path,
    orders: int,
    shops: int,
    memory: str,
    layout: str = "shuffled",
    keys: bool = True,
    first: date = START,
    days: int = 30,
) -> dict[str, object]:
    """Make the input: ``orders`` orders paid over the ``days`` days from ``first`` (March 1-30
    by default; :mod:`bench.bench_year` spreads them over a year), the parcel events, cases,
    violations and fee lines that go with them."""
    con = connect(db)
    _settings(con, memory)
    if not keys:
        for name in UNKEYED:  # the same columns, no key: the index is never built
            con.execute(f"CREATE OR REPLACE TABLE {name} AS FROM {name} LIMIT 0")
    if layout != "shuffled":
        con.execute("SET preserve_insertion_order = true")  # keep the ORDER BY's order
    began = time.perf_counter()
    statements = prepare_statements(layout)
    for number, sql in enumerate(statements, 1):
        given = (("orders", orders), ("shops", shops), ("first", first), ("span", days * 86400))
        names = {k: v for k, v in given if f"${k}" in sql}
        con.execute(sql, names) if names else con.execute(sql)
        what = " ".join(sql.split()[:3])
        print(
            f"  input {number}/{len(statements)} ({what} …) at {time.perf_counter() - began:.0f} s",
            file=sys.stderr,
            flush=True,
        )
    con.close()
    seconds = time.perf_counter() - began
    return {"seconds": seconds, "peak_mib": _peak_mib(), "db_mib": disk_mib(db)}


def child_close(db: Path, memory: str) -> dict[str, object]:
    con = connect(db)
    _settings(con, memory)
    book = load_rulebook(RULEBOOK)
    with watch_disk(db) as disk:
        began, cpu = time.perf_counter(), cpu_seconds()
        summary = close_marked(con, book, START, END)
        seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    entries = con.execute("SELECT count(*) FROM journal_entries").fetchone()
    # would the next close of the month be skipped? (its inputs' digest equals the mark)
    marked = period_digest(con, book, START, END, daily=False) == stored_mark(con, book, START, END)
    con.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "skipped": summary.unchanged_inputs,
        "marked": marked,
        "postings": summary.postings,
        "entries": int(entries[0]) if entries else 0,
        "posted": summary.result.posted,
        "peak_mib": _peak_mib(),
        **disk,
        "db_mib": disk_mib(db),
    }


def child_daily(db: Path, memory: str, days_closed: int = 31) -> dict[str, object]:
    """Close the first ``days_closed`` days of March one at a time (:func:`close_each_day`)."""
    return close_each_day(db, memory, START, START + timedelta(days=days_closed - 1))


def close_each_day(
    db: Path,
    memory: str,
    first: date,
    last_day: date,
    before_day: Callable[[duckdb.DuckDBPyConnection, date], None] | None = None,
) -> dict[str, object]:
    """Close ``first``..``last_day`` one day at a time, recording each day's wall and CPU
    seconds, postings and the process's peak memory after it, and the journal's own count
    of entries and postings at the end. ``before_day(con, day)``, when given, runs before
    each day's close, untimed (:mod:`bench.bench_year` brings the day's input with it)."""
    con = connect(db)
    _settings(con, memory)
    book = load_rulebook(RULEBOOK)
    day_cpu: list[float] = []
    day_peak: list[float] = []
    last = [cpu_seconds()]
    aside = {"seconds": 0.0, "cpu": 0.0}  # what before_day took, left out of the totals

    def on_day(summary: CloseSummary) -> None:
        now = cpu_seconds()
        day_cpu.append(round(now - last[0], 3))
        last[0] = now
        day_peak.append(round(_peak_mib(), 1))
        print(
            f"{summary.start}: {summary.seconds:.1f} s, CPU {day_cpu[-1]:.1f} s, "
            f"{summary.postings:,} postings, peak {day_peak[-1]:,.0f} MiB",
            file=sys.stderr,
            flush=True,
        )

    with watch_disk(db) as disk:
        began, cpu = time.perf_counter(), cpu_seconds()
        last[0] = cpu
        if before_day is None:
            days = close_days(con, book, first, last_day, on_day=on_day)
        else:
            days = []
            for offset in range((last_day - first).days + 1):
                day = first + timedelta(days=offset)
                wall, cpu_then = time.perf_counter(), cpu_seconds()
                before_day(con, day)
                aside["seconds"] += time.perf_counter() - wall
                last[0] = cpu_seconds()
                aside["cpu"] += last[0] - cpu_then
                days += close_days(con, book, day, day, on_day=on_day)
        seconds = time.perf_counter() - began - aside["seconds"]
        cpu = cpu_seconds() - cpu - aside["cpu"]
    counted = con.execute(
        "SELECT (SELECT count(*) FROM journal_entries), (SELECT count(*) FROM journal_postings)"
    ).fetchone()
    con.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        **disk,
        "db_mib": disk_mib(db),
        "postings": sum(d.postings for d in days),
        "entries": int(counted[0]) if counted else 0,
        "journal_postings": int(counted[1]) if counted else 0,
        "skipped": sum(d.unchanged_inputs for d in days),
        "day_seconds": [d.seconds for d in days],
        "day_cpu_seconds": day_cpu,
        "day_peak_mib": day_peak,
        "day_postings": [d.postings for d in days],
        "days": len(days),
        "peak_mib": _peak_mib(),
    }


def child_alone(db: Path, memory: str, day_of_march: int) -> dict[str, object]:
    """Close one day of March in a warehouse where nothing was closed before (no history)."""
    con = connect(db)
    _settings(con, memory)
    book = load_rulebook(RULEBOOK)
    day = START + timedelta(days=day_of_march - 1)
    began, cpu = time.perf_counter(), cpu_seconds()
    [summary] = close_days(con, book, day, day)
    seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    booked = con.execute("SELECT DISTINCT booked_on FROM journal_entries ORDER BY 1").fetchall()
    con.close()
    print(
        f"{day} alone: {seconds:.1f} s, CPU {cpu:.1f} s, {summary.postings:,} postings",
        file=sys.stderr,
        flush=True,
    )
    return {
        "day": day_of_march,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "postings": summary.postings,
        "booked_on": [str(d) for (d,) in booked],
        "peak_mib": _peak_mib(),
    }


def _days_of_march(text: str) -> list[int]:
    """``--alone``'s value: days of March, comma-separated (``8,15,22``)."""
    try:
        days = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give days of March as numbers separated by commas, e.g. 8,15,22"
        ) from None
    if not days or not all(1 <= d <= 31 for d in days):
        raise argparse.ArgumentTypeError(f"{text!r}: March has days 1 to 31")
    return days


def history_rows(
    daily: dict[str, object], alone: list[dict[str, object]]
) -> list[dict[str, float]]:
    """Each day closed alone beside the same day of the daily run: CPU seconds and postings
    of both, and the share of the daily run's CPU per posting the days before it cost
    (``(with − alone) ÷ with``, each CPU ÷ postings; negative when alone cost more). Per
    posting, because a day closed alone posts a little differently: a settlement moves what
    the order's earlier entries left pending, and alone there are none (nothing to settle);
    the shop's deposit is opened rather than topped up."""
    day_cpu = daily["day_cpu_seconds"]
    day_postings = daily["day_postings"]
    assert isinstance(day_cpu, list)
    assert isinstance(day_postings, list)
    rows = []
    for one in alone:
        day = int(str(one["day"]))
        with_cpu, alone_cpu = float(day_cpu[day - 1]), float(str(one["cpu_seconds"]))
        with_postings, alone_postings = int(day_postings[day - 1]), int(str(one["postings"]))
        per_with = with_cpu / with_postings if with_postings else 0.0
        per_alone = alone_cpu / alone_postings if alone_postings else 0.0
        rows.append(
            {
                "day": day,
                "cpu_with_history": with_cpu,
                "cpu_alone": alone_cpu,
                "postings_with_history": with_postings,
                "postings_alone": alone_postings,
                "history_share": 1 - per_alone / per_with if per_with else 0.0,
            }
        )
    return rows


def child_baseline(db: Path, rows: int, memory: str) -> dict[str, object]:
    con = connect(db)
    _settings(con, memory)
    began, cpu = time.perf_counter(), cpu_seconds()
    con.execute(BASELINE, {"rows": rows})
    seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    con.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "postings": rows,
        "peak_mib": _peak_mib(),
        "db_mib": disk_mib(db),
    }


WRITTEN: Final = (
    "journal_entries",
    "journal_postings",
    "journal_movements",
    "order_payouts",
    "deposit_requirements",
)
"""The tables a close of ``bench_close``'s input writes rows to (its mark aside)."""


def child_floor(closed: Path, db: Path, memory: str) -> dict[str, object]:
    """What writing the close's own output costs with nothing computed: every row the close
    wrote to :data:`WRITTEN`, copied untimed into this warehouse, then inserted into empty
    tables of the same definitions in one transaction, timed. No close that writes these rows
    can cost less, so the baseline's CPU ÷ this one bounds the ratio any close can reach."""
    con = connect(db)
    _settings(con, memory)
    con.execute("ATTACH ? AS closed (READ_ONLY)", [str(closed)])
    con.execute("CREATE SCHEMA src")
    for name in WRITTEN:
        con.execute(f'CREATE TABLE src."{name}" AS FROM closed."{name}"')
    con.execute("DETACH closed")
    con.execute("CHECKPOINT")
    rows: dict[str, int] = {}
    began, cpu = time.perf_counter(), cpu_seconds()
    con.execute("BEGIN")
    for name in WRITTEN:
        found = con.execute(f'INSERT INTO main."{name}" BY NAME FROM src."{name}"').fetchone()
        rows[name] = int(found[0]) if found else 0
    con.execute("COMMIT")
    seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    con.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "postings": rows["journal_postings"],
        "rows": rows,
        "peak_mib": _peak_mib(),
        "db_mib": disk_mib(db),
    }


def _floor(console: Console, closed: Path, tmp: Path, memory: list[str]) -> dict[str, object]:
    console.print("  writing the close's rows alone (the floor) …")
    made = tmp / "f.duckdb"
    floor = _child("floor", str(closed), str(made), *memory)
    made.unlink()
    return floor


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_close", "--child", *args],
        check=True,
        stdout=subprocess.PIPE,  # the child's progress on stderr shows as it goes
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--shops", type=int, default=20_000)
    parser.add_argument("--memory", default="8GB", help="DuckDB memory_limit per side.")
    parser.add_argument(
        "--prepare-memory",
        help="memory_limit while the input is made (default: --memory). The orders table's "
        "primary-key index must fit in memory when its insert commits: about 5.5 GiB is "
        "too little for 100 M orders.",
    )
    parser.add_argument("--mode", choices=("month", "daily", "both"), default="both")
    parser.add_argument("--keep", type=Path, help="Keep the warehouse here (a directory).")
    parser.add_argument(
        "--layout",
        choices=("shuffled", "paid"),
        default="shuffled",
        help="Dated tables in a hashed order, or in time order as a daily ingest appends them.",
    )
    parser.add_argument(
        "--days",
        type=int,
        default=31,
        help="Daily mode: close only the first DAYS days of March (1-31), e.g. to measure "
        "days of a month too large to close whole on this disk.",
    )
    parser.add_argument(
        "--no-keys",
        action="store_true",
        help="Make orders, parcel events and after-sales cases without their primary keys "
        "(their indexes do not fit in memory at 100 M orders; the close does not use them).",
    )
    parser.add_argument(
        "--alone",
        type=_days_of_march,
        default=[],
        metavar="DAYS",
        help="Daily mode: also close each of these days of March (e.g. 8,15,22) alone, in a "
        "copy of the input with no day closed before it, and show what the days before cost.",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="Also time inserting the first close's own rows (entries, postings, movements, "
        "payout rows) into empty tables with nothing computed: the least any close writing "
        "them can cost, and so the best ratio to the baseline a close can reach.",
    )
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.days <= 31:
        parser.error(f"--days {args.days}: March has days 1 to 31")
    if args.days < 31 and args.mode != "daily" and not args.child:
        parser.error("--days closes part of the month day by day: give it with --mode daily")
    if args.alone and args.mode != "daily" and not args.child:
        parser.error("--alone compares days of the daily close: give it with --mode daily")
    if args.alone and max(args.alone) > args.days:
        parser.error(
            f"--alone {max(args.alone)}: the daily run closes days 1 to {args.days} only"
            f" (raise --days to at least {max(args.alone)})"
        )
    if args.keep is not None and not args.keep.is_dir():
        parser.error(f"--keep {args.keep}: no such folder (give an existing one on a large disk)")
    if args.child:
        kind, db = args.child[0], Path(args.child[1])
        if kind == "prepare":
            result = child_prepare(
                db, args.orders, args.shops, args.memory, args.layout, keys=not args.no_keys
            )
        elif kind == "close":
            result = child_close(db, args.memory)
        elif kind == "daily":
            result = child_daily(db, args.memory, args.days)
        elif kind == "alone":
            result = child_alone(db, args.memory, int(args.child[2]))
        elif kind == "floor":
            result = child_floor(db, Path(args.child[2]), args.memory)
        else:
            result = child_baseline(db, int(args.child[2]), args.memory)
        print(json.dumps(result))
        return

    console = Console(width=150)
    with tempfile.TemporaryDirectory(prefix="bench-close-", dir=args.keep) as tmp:
        db = Path(tmp) / "w.duckdb"
        common = ["--orders", str(args.orders), "--shops", str(args.shops)]
        common += ["--layout", args.layout] + (["--no-keys"] if args.no_keys else [])
        memory = ["--memory", args.memory]
        console.print(f"preparing {args.orders:,} orders …")
        making = ["--memory", args.prepare_memory or args.memory]
        prepared = _child("prepare", str(db), *common, *making)
        console.print(f"  made in {prepared['seconds']:.0f} s")
        sides: list[tuple[str, dict[str, object]]] = []
        alone: list[dict[str, object]] = []
        floor: dict[str, object] | None = None
        for day in args.alone:  # each in a fresh copy of the input, before anything is closed
            alone_db = Path(tmp) / "a.duckdb"
            shutil.copyfile(db, alone_db)
            console.print(f"  closing March {day} alone …")
            alone.append(_child("alone", str(alone_db), str(day), *memory))
            alone_db.unlink()
        if args.mode in ("daily", "both"):
            daily_db = Path(tmp) / "d.duckdb"
            if args.mode == "both":
                shutil.copyfile(db, daily_db)
            else:
                db.rename(daily_db)
            what = "March 2026" if args.days == 31 else f"the first {args.days} days of March 2026"
            console.print(f"  closing {what} day by day …")
            daily = _child("daily", str(daily_db), *memory, "--days", str(args.days))
            console.print(f"  closed in {daily['seconds']:.0f} s")
            if args.floor:
                floor = _floor(console, daily_db, Path(tmp), memory)
            console.print("  re-closing every day …")
            again = _child("daily", str(daily_db), *memory, "--days", str(args.days))
            sides += [("daily close", daily), ("daily re-close", again)]
            daily_db.unlink()
        if args.mode in ("month", "both"):
            console.print("  closing March 2026 at once …")
            closed = _child("close", str(db), *memory)
            console.print(f"  closed in {closed['seconds']:.0f} s")
            if args.floor and floor is None:
                floor = _floor(console, db, Path(tmp), memory)
            console.print("  closing again …")
            again = _child("close", str(db), *memory)
            sides += [("month close", closed), ("month re-close", again)]
        first = sides[0][1]
        console.print("  baseline …")
        baseline = _child("baseline", str(Path(tmp) / "b.duckdb"), str(first["postings"]), *memory)

    table = Table(title=f"Close, {args.orders:,} orders (2 threads, {args.memory})")
    heads = ("side", "seconds", "CPU s", "postings", "postings/s", "peak MiB", "disk peak MiB")
    for name in (*heads, "× baseline", "× baseline CPU"):
        table.add_column(name, justify="left" if name == "side" else "right")
    base_rate = int(str(baseline["postings"])) / float(str(baseline["seconds"]))
    base_cpu = float(str(baseline["cpu_seconds"]))
    floors = [("floor: the close's rows inserted", floor)] if floor else []
    for side, r in (*sides, *floors, ("baseline INSERT … SELECT", baseline)):
        seconds = float(str(r["seconds"]))
        cpu = float(str(r.get("cpu_seconds", 0.0)))
        postings = int(str(r["postings"]))
        rate = postings / seconds if postings else 0.0
        # the same rows on both sides: the CPU ratio is the baseline's CPU ÷ the side's
        cpu_ratio = base_cpu / cpu * postings / int(str(baseline["postings"])) if cpu else 0.0
        table.add_row(
            side,
            f"{seconds:.1f}",
            f"{cpu:.1f}",
            f"{postings:,}",
            f"{rate:,.0f}",
            f"{float(str(r['peak_mib'])):,.0f}",
            f"{float(str(r.get('disk_peak_mib', r.get('db_mib', 0.0)))):,.0f}",
            f"{rate / base_rate:.2f}" if postings else "",
            f"{cpu_ratio:.2f}" if postings and cpu else "",
        )
    console.print(table)
    firsts = dict(sides)
    for label, reclose in (("daily", "daily re-close"), ("month", "month re-close")):
        if reclose in firsts:
            share = float(str(firsts[reclose]["seconds"])) / float(
                str(firsts[f"{label} close"]["seconds"])
            )
            console.print(f"{label} re-close ÷ first close = {share:.1%} (target ≤ 5%)")
    if floor:
        share = float(str(floor["cpu_seconds"])) / float(str(sides[0][1]["cpu_seconds"]))
        console.print(
            f"writing its rows alone ÷ the first close (CPU) = {share:.1%}; the best a close"
            f" writing them can reach: {base_cpu / float(str(floor['cpu_seconds'])):.2f}×"
            " the baseline (CPU)"
        )
    history = history_rows(sides[0][1], alone) if alone else []
    if history:
        days = Table(title="A day closed after the days before it, and alone (no history)")
        for name in (
            "day",
            "CPU s",
            "CPU s alone",
            "postings",
            "postings alone",
            "history's share",
        ):
            days.add_column(name, justify="right")
        for row in history:
            days.add_row(
                f"March {row['day']:.0f}",
                f"{row['cpu_with_history']:.1f}",
                f"{row['cpu_alone']:.1f}",
                f"{row['postings_with_history']:,.0f}",
                f"{row['postings_alone']:,.0f}",
                f"{row['history_share']:.0%}",
            )
        console.print(days)
    closed = sides[0][1]
    emit(
        Result(
            bench="close",
            rows=int(str(closed["postings"])),
            seconds=float(str(closed["seconds"])),
            peak_mib=max(float(str(r["peak_mib"])) for _, r in sides),
            baseline_seconds=float(str(baseline["seconds"])) * 1.0,
            baseline_rows=int(str(baseline["postings"])),
            extra={
                "orders": args.orders,
                "mode": sides[0][0],
                "layout": args.layout,
                "memory": args.memory,
                "prepare_seconds": prepared["seconds"],
                **{name: r for name, r in sides},
                **({"alone": alone, "history": history} if alone else {}),
                **({"floor": floor} if floor else {}),
                "baseline": baseline,
            },
        )
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("bench_close: stopped (Ctrl-C); its scratch warehouses are removed", file=sys.stderr)
        raise SystemExit(130) from None
