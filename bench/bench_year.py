"""Benchmark: a year closed day by day, to see whether a day's close grows with history.

    python -m bench.bench_year [--orders-per-month 1000000] [--months 12] [--memory 8GB]
                               [--process day|year] [--arrive daily|preloaded] [--joining N]

The input is :mod:`bench.bench_close`'s, its orders paid evenly over the months from
January 1 (``--months`` of them) instead of over March: parcel events, refund cases,
violations and fee lines with them. Each step runs in its own child process, so its peak
memory (max RSS) is its own:

* **year**: every day from January 1 to the last day of the last month closed one at a
  time (:func:`merchantry.ledger.daily.close_days`), each day's CPU seconds, postings and
  peak memory recorded; by default (``--arrive daily``) each day's input arrives just
  before its close, as a daily ingest brings it, so a day's close never sees later days'
  rows (``--arrive preloaded``: the whole year's input is there from the start, the way
  this bench ran before 2026-12-05 noon); then summed by month, with each month's CPU a
  posting beside the second month's (the first has no settlements yet: its orders fall due
  from its middle). With ``--process day`` (the default since 2026-12-05 evening) each
  day's close runs in a process of its own, as a marketplace's daily job does (the process's
  start, the warehouse's opening and the rulebook's reading are not timed); ``--process
  year`` closes every day in one process, as the rounds before did: such a process gets
  slower over months of closes whatever the history (measured in docs/performance.md);
* **re-close**: every day again (each unchanged day recognised by its digest: ≤ 5%);
* ``--alone``: the 15th of each of those months closed alone in a copy of the input with
  nothing closed before it, beside the same day of the year's run (closed after every day
  before it): the difference is what the length of history costs a day;
* **baseline**: bench_close's ``INSERT … SELECT`` of as many postings as the year posted.

``--joining N`` opens N new shops a day (no orders): each day's close then meets shops that
owe a deposit and have none opened, as a marketplace where merchants join every day does;
and N products are listed and N creators signed a day (named by no order), so the re-close
meets a catalogue larger than the one each day was closed with.

A day's close that does not grow with history costs about the same a posting in December
as in February: the month table and the ``--alone`` rows say whether it does.
"""

from __future__ import annotations

import argparse
import calendar
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.table import Table
from scipy import stats

from bench.bench_close import (
    RULEBOOK,
    _peak_mib,
    _settings,
    child_baseline,
    child_prepare,
    close_each_day,
    disk_mib,
    history_rows,
    watch_disk,
)
from bench.report import Result, cpu_seconds, emit
from merchantry.ledger.daily import close_days
from merchantry.rulebook.checker import load_rulebook
from merchantry.store.warehouse import connect

YEAR: Final = 2026
FIRST: Final = date(YEAR, 1, 1)


def last_day(months: int) -> date:
    """The last day of the ``months``-th month of :data:`YEAR`."""
    return date(YEAR, months, calendar.monthrange(YEAR, months)[1])


ARRIVING: Final = (
    ("shops", "opened_date"),
    ("orders", "paid_at"),
    ("logistics_events", "event_at"),
    ("after_sales", "requested_at"),
    ("violations", "occurred_at"),
    ("fee_lines", "accrued_on"),
)
"""The dated input tables and the column that says on which day a row arrives, parents
first. With ``--arrive daily`` (the default) the prepared rows wait in the schema
``arriving`` and each day's rows are moved in just before that day's close, as a daily
ingest and fee run bring them: no day's close sees rows of later days (a case arrives with
its request, already carrying its outcome and close, a few days ahead)."""


def hold_back(con: duckdb.DuckDBPyConnection) -> None:
    """Move every row of the :data:`ARRIVING` tables dated on or after January 1 into the
    schema ``arriving``, stored in arrival order; the warehouse's tables keep the rows dated
    before (the shops opened before the year)."""
    con.execute("CREATE SCHEMA arriving")
    first = {"first": FIRST}
    for name, column in reversed(ARRIVING):  # children first
        con.execute(
            f"CREATE TABLE arriving.{name} AS FROM main.{name}"
            f" WHERE {column} >= CAST($first AS TIMESTAMP) ORDER BY {column}",
            first,
        )
        con.execute(
            f"CREATE TEMP TABLE kept AS FROM main.{name}"
            f" WHERE {column} < CAST($first AS TIMESTAMP) OR {column} IS NULL",
            first,
        )
        found = con.execute(
            "SELECT sql FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ?",
            [name],
        ).fetchone()
        assert found is not None, name
        # emptied by making it again from its own definition (keys included): deleting
        # every row of a keyed table of millions takes minutes
        con.execute(f"DROP TABLE main.{name}")
        con.execute(str(found[0]))
        con.execute(f"INSERT INTO main.{name} FROM kept")
        con.execute("DROP TABLE kept")
    con.execute("CHECKPOINT")


JOINING: Final = """
INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, region,
                   county_code, entry_plan, business_mode)
SELECT 'J' || i, '新店', 'apparel', 'C' || (i % 10), 'enterprise',
       CAST($first AS DATE) + CAST(i // $per_day AS INT), '浙江', '330106', 'standard',
       'domestic'
FROM range($per_day * $days) t(i)
"""
"""``--joining N``: N shops open on each day of the run (no orders), so every day's close
meets shops that owe a deposit and have none opened."""

LISTED: Final = (
    (
        "products",
        """
SELECT CAST($first AS DATE) + CAST(i // $per_day AS INT) AS arrives_on, 'JK' || i AS sku_id,
       'S' || (i % $shops) AS shop_id, 'C' || (i % 10) AS category_id, '新品' AS title,
       9900 AS price_fen
FROM range($per_day * $days) t(i)
""",
    ),
    (
        "creators",
        """
SELECT CAST($first AS DATE) + CAST(i // $per_day AS INT) AS arrives_on, 'JR' || i AS creator_id,
       '新达人' AS name, 'C' AS tier, 100 AS followers
FROM range($per_day * $days) t(i)
""",
    ),
)
"""``--joining N`` also lists N new products (of shops already open) and signs N new creators
on each day, named by no order: rows of the catalogue that arrive every day and that no
closed day read. With ``--arrive daily`` each waits in ``arriving.<table>`` (with the day it
arrives on) until :func:`arrive` brings it in; preloaded, all are there from the start."""


def list_later(
    con: duckdb.DuckDBPyConnection, per_day: int, days: int, shops: int, *, arriving: bool
) -> None:
    """Make :data:`LISTED`'s products and creators: held back in ``arriving`` when
    ``arriving``, else inserted at once."""
    given = {"first": FIRST, "per_day": per_day, "days": days, "shops": shops}
    for name, rows in LISTED:
        params = {k: v for k, v in given.items() if f"${k}" in rows}
        if arriving:
            con.execute(f"CREATE TABLE arriving.{name} AS {rows}", params)
        else:
            con.execute(
                f"INSERT INTO main.{name} BY NAME SELECT * EXCLUDE (arrives_on) FROM ({rows})",
                params,
            )


def arrive(con: duckdb.DuckDBPyConnection, day: date, *, since: date | None = None) -> None:
    """Move the rows arriving on ``day`` (from ``since``, when given, to ``day``) into the
    warehouse's tables."""
    first = day if since is None else since
    params = {"from": first, "to": day + timedelta(days=1)}
    for name, column in ARRIVING:
        con.execute(
            f"INSERT INTO main.{name} SELECT * FROM arriving.{name}"
            f" WHERE {column} >= CAST($from AS TIMESTAMP) AND {column} < CAST($to AS TIMESTAMP)",
            params,
        )
    held = {
        str(r[0])
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'arriving'"
        ).fetchall()
    }
    for name in (n for n, _rows in LISTED if n in held):  # made by the prepare's --joining
        con.execute(
            f"INSERT INTO main.{name} BY NAME SELECT * EXCLUDE (arrives_on) FROM arriving.{name}"
            " WHERE arrives_on >= $from AND arrives_on < $to",
            params,
        )


def child_year(db: Path, memory: str, months: int, arriving: bool) -> dict[str, object]:
    """Close January 1 to the end of month ``months`` one day at a time; with ``arriving``,
    each day's input arrives just before its close (:func:`arrive`, untimed)."""
    return close_each_day(
        db, memory, FIRST, last_day(months), before_day=arrive if arriving else None
    )


def child_alone(db: Path, memory: str, day: date, arriving: bool) -> dict[str, object]:
    """Close ``day`` in a warehouse where nothing was closed before (no history); with
    ``arriving``, the input of every day up to ``day`` arrives first (untimed)."""
    return child_day(db, memory, day, FIRST if arriving else None, "alone")


def child_day(
    db: Path, memory: str, day: date, since: date | None, label: str = "in a process of its own"
) -> dict[str, object]:
    """Close ``day`` in this process, which does nothing else: the rows of ``since`` to
    ``day`` arrive first when ``since`` is given (untimed), then the close is timed alone
    (starting Python, opening the warehouse and reading the rulebook are not)."""
    con = connect(db)
    _settings(con, memory)
    if since is not None:
        arrive(con, day, since=since)
    book = load_rulebook(RULEBOOK)
    began, cpu = time.perf_counter(), cpu_seconds()
    [summary] = close_days(con, book, day, day)
    seconds, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    con.close()
    print(
        f"{day} {label}: {seconds:.1f} s, CPU {cpu:.1f} s, {summary.postings:,} postings",
        file=sys.stderr,
        flush=True,
    )
    return {
        "day": (day - FIRST).days + 1,  # the day of the year, as history_rows counts days
        "date": str(day),
        "seconds": seconds,
        "cpu_seconds": cpu,
        "postings": summary.postings,
        "peak_mib": _peak_mib(),
    }


def year_day_by_process(
    db: Path, first: date, last: date, arriving: bool, child_args: list[str]
) -> dict[str, object]:
    """:func:`child_year`'s figures for ``first``..``last`` with each day closed in a process
    of its own (:func:`child_day`), as a marketplace's daily job runs: a new process a day,
    not one process for the whole year."""
    days: list[dict[str, object]] = []
    with watch_disk(db) as disk:
        day = first
        while day <= last:
            since = [str(day)] if arriving else []
            days.append(_child("day", str(db), str(day), *since, *child_args))
            day += timedelta(days=1)
    con = connect(db)
    counted = con.execute(
        "SELECT (SELECT count(*) FROM journal_entries), (SELECT count(*) FROM journal_postings)"
    ).fetchone()
    con.close()
    cpu = [float(str(d["cpu_seconds"])) for d in days]
    peaks = [float(str(d["peak_mib"])) for d in days]
    return {
        "seconds": sum(float(str(d["seconds"])) for d in days),
        "cpu_seconds": sum(cpu),
        **disk,
        "db_mib": disk_mib(db),
        "postings": sum(int(str(d["postings"])) for d in days),
        "entries": int(counted[0]) if counted else 0,
        "journal_postings": int(counted[1]) if counted else 0,
        "day_seconds": [float(str(d["seconds"])) for d in days],
        "day_cpu_seconds": cpu,
        "day_peak_mib": peaks,
        "day_postings": [int(str(d["postings"])) for d in days],
        "days": len(days),
        "peak_mib": max(peaks, default=0.0),
    }


def month_rows(year: dict[str, object]) -> list[dict[str, float]]:
    """The year's days summed by month: days, postings, CPU seconds, CPU µs a posting, the
    highest peak memory after any of its days, and its µs a posting ÷ the second month's
    (the first month's ramps up: its early days settle nothing, its orders not yet due)."""
    day_cpu, day_postings, day_peak = (
        year["day_cpu_seconds"],
        year["day_postings"],
        year["day_peak_mib"],
    )
    assert isinstance(day_cpu, list)
    assert isinstance(day_postings, list)
    assert isinstance(day_peak, list)
    rows: list[dict[str, float]] = []
    at = 0
    month = 1
    while at < len(day_cpu):
        days = calendar.monthrange(YEAR, month)[1]
        cpu = sum(float(c) for c in day_cpu[at : at + days])
        postings = sum(int(p) for p in day_postings[at : at + days])
        rows.append(
            {
                "month": month,
                "days": len(day_cpu[at : at + days]),
                "postings": postings,
                "cpu_seconds": cpu,
                "us_per_posting": cpu / postings * 1e6 if postings else 0.0,
                "peak_mib": max(float(p) for p in day_peak[at : at + days]),
            }
        )
        at += days
        month += 1
    reference = rows[1]["us_per_posting"] if len(rows) > 1 else rows[0]["us_per_posting"]
    for row in rows:
        row["vs_second_month"] = row["us_per_posting"] / reference if reference else 0.0
    return rows


def _fitted_months(rows: list[dict[str, float]]) -> tuple[list[float], list[float]]:
    """The months from the second on that posted, and their CPU µs a posting."""
    kept = [r for r in rows[1:] if r["postings"]]
    return [r["month"] for r in kept], [r["us_per_posting"] for r in kept]


def growth_per_month(rows: list[dict[str, float]]) -> float | None:
    """The least-squares slope of CPU µs a posting against the month, from the second month
    on, as a share of the second month's: how much dearer a posting gets each month of
    history (None with fewer than three months)."""
    months, cost = _fitted_months(rows)
    if len(months) < 2 or not rows[1]["us_per_posting"]:
        return None
    return float(stats.linregress(months, cost).slope) / rows[1]["us_per_posting"]


def growth_interval(
    rows: list[dict[str, float]], level: float = 0.95
) -> tuple[float, float] | None:
    """The ``level`` confidence interval of :func:`growth_per_month`'s slope (Student's t on
    the months' residuals, n - 2 degrees of freedom), as shares of the second month's µs a
    posting: a year whose interval holds 0 is not shown to grow; one whose interval lies
    above 0 is (None with fewer than three fitted months)."""
    months, cost = _fitted_months(rows)
    if len(months) < 3 or not rows[1]["us_per_posting"]:
        return None
    fit = stats.linregress(months, cost)
    half = float(stats.t.ppf((1 + level) / 2, len(months) - 2)) * float(fit.stderr)
    second = rows[1]["us_per_posting"]
    return (float(fit.slope) - half) / second, (float(fit.slope) + half) / second


def _months(text: str) -> list[int]:
    """``--alone``'s value: months of the year, comma-separated (``2,12``)."""
    try:
        months = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give months as numbers separated by commas, e.g. 2,12"
        ) from None
    if not months or not all(1 <= m <= 12 for m in months):
        raise argparse.ArgumentTypeError(f"{text!r}: months are 1 to 12")
    return months


def _child(*args: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_year", "--child", *args],
        check=True,
        stdout=subprocess.PIPE,  # the child's progress on stderr shows as it goes
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders-per-month", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=12, help="January to this month (1-12).")
    parser.add_argument("--shops", type=int, default=20_000)
    parser.add_argument("--memory", default="8GB", help="DuckDB memory_limit per step.")
    parser.add_argument(
        "--alone",
        type=_months,
        default=None,
        metavar="MONTHS",
        help="Also close the 15th of each of these months alone, in a copy of the input with "
        "nothing closed before it (default: the second and the last month).",
    )
    parser.add_argument(
        "--arrive",
        choices=("daily", "preloaded"),
        default="daily",
        help="daily: each day's input arrives just before its close (as a daily ingest brings "
        "it); preloaded: the whole year's input is in the warehouse from the start, so every "
        "day's close can see rows of later days.",
    )
    parser.add_argument(
        "--process",
        choices=("day", "year"),
        default="day",
        help="day: each day's close runs in a process of its own, as a daily job runs it "
        "(starting it is not timed); year: one process closes every day, one after the other.",
    )
    parser.add_argument(
        "--joining",
        type=int,
        default=0,
        metavar="N",
        help="N shops open on each day (no orders; each owes a deposit its first close opens).",
    )
    parser.add_argument("--keep", type=Path, help="Make the warehouses here (a directory).")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not 1 <= args.months <= 12:
        parser.error(f"--months {args.months}: a year has months 1 to 12")
    if args.orders_per_month < 1:
        parser.error(f"--orders-per-month {args.orders_per_month}: give at least 1")
    alone_months = (
        args.alone if args.alone is not None else sorted({min(2, args.months), args.months})
    )
    if max(alone_months) > args.months:
        parser.error(f"--alone {max(alone_months)}: the run closes months 1 to {args.months} only")
    if args.keep is not None and not args.keep.is_dir():
        parser.error(f"--keep {args.keep}: no such folder (give an existing one on a large disk)")
    end = last_day(args.months)
    span = (end - FIRST).days + 1
    orders = args.orders_per_month * args.months
    arriving = args.arrive == "daily"
    if args.child:
        kind, db = args.child[0], Path(args.child[1])
        if kind == "prepare":
            result = child_prepare(
                db, orders, args.shops, args.memory, "paid", keys=True, first=FIRST, days=span
            )
            if arriving or args.joining:
                con = connect(db)
                _settings(con, args.memory)
                if args.joining:
                    con.execute(JOINING, {"first": FIRST, "per_day": args.joining, "days": span})
                if arriving:
                    hold_back(con)
                list_later(con, args.joining, span, args.shops, arriving=arriving)
                con.close()
        elif kind == "year":
            result = child_year(db, args.memory, args.months, arriving)
        elif kind == "day":
            since = date.fromisoformat(args.child[3]) if len(args.child) > 3 else None
            result = child_day(db, args.memory, date.fromisoformat(args.child[2]), since)
        elif kind == "again":  # every row has arrived: the re-close brings nothing
            result = child_year(db, args.memory, args.months, False)
        elif kind == "alone":
            result = child_alone(db, args.memory, date.fromisoformat(args.child[2]), arriving)
        else:
            result = child_baseline(db, int(args.child[2]), args.memory)
        print(json.dumps(result))
        return

    console = Console(width=150)
    memory = ["--memory", args.memory]
    common = ["--orders-per-month", str(args.orders_per_month), "--shops", str(args.shops)]
    common += ["--months", str(args.months), "--arrive", args.arrive]
    common += ["--joining", str(args.joining)]
    with tempfile.TemporaryDirectory(prefix="bench-year-", dir=args.keep) as tmp:
        db = Path(tmp) / "w.duckdb"
        console.print(f"preparing {orders:,} orders paid {FIRST} to {end} …")
        prepared = _child("prepare", str(db), *common, *memory)
        console.print(f"  made in {prepared['seconds']:.0f} s")
        alone: list[dict[str, object]] = []
        for month in alone_months:  # each in a fresh copy of the input, nothing closed
            day = date(YEAR, month, 15)
            copy = Path(tmp) / "a.duckdb"
            shutil.copyfile(db, copy)
            console.print(f"  closing {day} alone …")
            alone.append(_child("alone", str(copy), str(day), *common, *memory))
            copy.unlink()
        console.print(
            f"  closing {FIRST} to {end} day by day ({span} days, "
            + ("a process a day) …" if args.process == "day" else "one process) …")
        )
        if args.process == "day":
            year = year_day_by_process(db, FIRST, end, arriving, [*common, *memory])
        else:
            year = _child("year", str(db), *common, *memory)
        console.print(f"  closed in {year['seconds']:.0f} s")
        console.print("  re-closing every day …")
        again = _child("again", str(db), *common, *memory)
        console.print("  baseline …")
        baseline = _child("baseline", str(Path(tmp) / "b.duckdb"), str(year["postings"]), *memory)

    months = month_rows(year)
    table = Table(title=f"A year closed day by day, {orders:,} orders (2 threads, {args.memory})")
    for name in ("month", "days", "postings", "CPU s", "CPU µs a posting", "÷ month 2", "peak MiB"):
        table.add_column(name, justify="right")
    for row in months:
        table.add_row(
            calendar.month_abbr[int(row["month"])],
            f"{row['days']:.0f}",
            f"{row['postings']:,.0f}",
            f"{row['cpu_seconds']:.1f}",
            f"{row['us_per_posting']:.1f}",
            f"{row['vs_second_month']:.2f}",
            f"{row['peak_mib']:,.0f}",
        )
    console.print(table)
    growth = growth_per_month(months)
    if growth is not None:
        console.print(f"CPU a posting grows {growth:+.1%} a month of history (fitted, months 2+)")
    interval = growth_interval(months)
    if interval is not None:
        console.print(
            f"  95% interval of that growth: {interval[0]:+.1%} to {interval[1]:+.1%} a month"
            + (" (holds 0: not shown to grow)" if interval[0] <= 0 <= interval[1] else "")
        )
    history = history_rows(year, alone)
    for row in history:
        console.print(
            f"day {row['day']:.0f} of the year: {row['cpu_with_history']:.1f} CPU s after the days"
            f" before it, {row['cpu_alone']:.1f} alone; history's share a posting"
            f" {row['history_share']:.0%}"
        )
    year_cpu = float(str(year["cpu_seconds"]))
    share = float(str(again["cpu_seconds"])) / year_cpu if year_cpu else 0.0
    console.print(f"re-close ÷ first close (CPU) = {share:.1%} (target ≤ 5%)")
    base_cpu = float(str(baseline["cpu_seconds"]))
    console.print(f"the year's close ÷ the baseline (CPU) = {base_cpu / year_cpu:.3f}×")
    emit(
        Result(
            bench="year",
            rows=int(str(year["postings"])),
            seconds=float(str(year["seconds"])),
            peak_mib=max(float(str(r["peak_mib"])) for r in (year, again)),
            baseline_seconds=float(str(baseline["seconds"])),
            baseline_rows=int(str(baseline["postings"])),
            extra={
                "orders": orders,
                "months": args.months,
                "memory": args.memory,
                "arrive": args.arrive,
                "joining": args.joining,
                "process": args.process,
                "prepare_seconds": prepared["seconds"],
                "year": year,
                "re-close": again,
                "by_month": months,
                "growth_per_month": growth,
                "growth_interval": interval,
                "alone": alone,
                "history": history,
                "reclose_share": share,
                "baseline": baseline,
            },
        )
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("bench_year: stopped (Ctrl-C); its scratch warehouses are removed", file=sys.stderr)
        raise SystemExit(130) from None
