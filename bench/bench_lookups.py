"""The close's look-up by logical key against the length of the journal's history.

A day's close reads the journal once per stage by logical key (``ledger_known``,
:data:`merchantry.ledger.journal.KNOWN`): every earlier revision of a staged event. Since
entries carry their order's payment day (``journal_entries.order_paid_on``), the read is
pruned to the staged orders' days; before, it scanned the key of every entry of the stage's
kinds. This bench builds a journal of ``--months`` months appended a day at a time, as daily
closes append it (each day: that day's sales, anchored on the day, and the settlements of
orders paid ``--lag`` days before), stages one day's worth of events (the day's sales, new,
and settlements of orders paid ``--lag`` to ``--lag`` + 5 days before, some of them
re-staged), and times the look-up both ways at each history length:

* **pruned**: :data:`~merchantry.ledger.journal.KNOWN` with the staged entries' span;
* **baseline**: the same statement with the span open (every day), i.e. the read before.

Then, in a transaction rolled back after, it appends the next day's entries as a close
would, one of them a copy of an entry posted a month before, and times the close's check
that no id was posted twice (:data:`~merchantry.ledger.check.DUPLICATE_ENTRY_SINCE`) both
ways: among the entries of the new entries' payment days, and among every entry (the check
before). Both must find the one planted id.

Run: ``python -m bench.bench_lookups --per-day 100000 --months 1 3 6 12``.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.table import Table

from bench.history import months_of_history, report, side_by_side
from bench.report import cpu_seconds
from merchantry.ledger.check import DUPLICATE_ENTRY_SINCE, journal_mark, new_span
from merchantry.ledger.journal import ALL_DAYS, KNOWN, day_span, span_sql
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect

DAY_ENTRIES = """
INSERT INTO journal_entries BY NAME
SELECT md5('sale' || CAST($day AS VARCHAR) || '|' || i) AS entry_id,
       md5('k-sale' || CAST($day AS VARCHAR) || '|' || i) AS logical_key,
       0 AS revision, 'sale' AS kind, 'O' || CAST($day AS VARCHAR) || '|' || i AS source_id,
       'O' || CAST($day AS VARCHAR) || '|' || i AS order_id, 'S' || (i % 20000) AS shop_id,
       CAST($day AS DATE) AS booked_on, 'bench' AS rulebook, md5(CAST(i AS VARCHAR)) AS signature,
       NULL AS reverses, 'c' || CAST($day AS VARCHAR) AS close_key,
       CAST($day AS DATE) AS order_paid_on
FROM range($n) AS t(i)
UNION ALL
SELECT md5('settle' || CAST($paid AS VARCHAR) || '|' || i),
       md5('k-settle' || CAST($paid AS VARCHAR) || '|' || i),
       0, 'settlement', 'O' || CAST($paid AS VARCHAR) || '|' || i,
       'O' || CAST($paid AS VARCHAR) || '|' || i, 'S' || (i % 20000),
       CAST($day AS DATE), 'bench', md5(CAST(i AS VARCHAR)), NULL, 'c' || CAST($day AS VARCHAR),
       CAST($paid AS DATE)
FROM range($n) AS t(i)
"""
"""One day of a daily close's appends: the day's sales and the settlements of orders paid
``$paid`` (``$lag`` days before)."""

STAGE = """
CREATE OR REPLACE TEMP TABLE ledger_ready AS
SELECT md5('k-sale' || CAST($day AS VARCHAR) || '|' || i) AS logical_key, 'sale' AS kind,
       CAST($day AS DATE) AS order_paid_on
FROM range($n) AS t(i)
UNION ALL
SELECT md5('k-settle' || CAST(paid_on AS VARCHAR) || '|' || i), 'settlement', paid_on
FROM (SELECT i, CAST($day AS DATE) - CAST($lag + i % 6 AS INTEGER) AS paid_on
      FROM range($n) AS t(i))
"""
"""A day's staged events: its sales (new keys) and settlements of orders paid over six days
``$lag`` days back (keys already in the journal for one of those days)."""


PLANT: Final = """
INSERT INTO journal_entries
SELECT * FROM journal_entries
WHERE kind = 'settlement' AND booked_on = CAST($day AS DATE) - 30
ORDER BY entry_id LIMIT 1
"""
"""An entry a close posts again: a settlement booked 30 days before, copied as it was."""


def _checked(con: duckdb.DuckDBPyConnection, params: dict[str, object]) -> tuple[float, list[str]]:
    began = cpu_seconds()
    found = run_sql(con, DUPLICATE_ENTRY_SINCE, params).fetchall()
    return cpu_seconds() - began, sorted(str(r[0]) for r in found)


def _id_check(
    con: duckdb.DuckDBPyConnection, day: date, append: Callable[[date], None], repeat: int
) -> tuple[float, float, int]:
    """The duplicate-id check over ``day``'s appends (one planted twice), pruned to their
    payment days and over every day: best CPU seconds of each, and how many ids it found."""
    mark = journal_mark(con)
    assert mark is not None
    con.execute("BEGIN")
    try:
        append(day)
        run_sql(con, PLANT, {"day": day})
        since: dict[str, object] = {"entries_from": mark.entries}
        pruned = {**since, **new_span(con, mark.entries)}
        every = {**since, "paid_from": ALL_DAYS[0], "paid_to": ALL_DAYS[1]}
        best, base, found = side_by_side(
            partial(_checked, con, pruned), partial(_checked, con, every), repeat
        )
    finally:
        con.execute("ROLLBACK")
    return best, base, len(found)


def _timed(con: duckdb.DuckDBPyConnection, params: dict[str, object]) -> tuple[float, int]:
    began = cpu_seconds()
    run_sql(con, KNOWN, params)
    spent = cpu_seconds() - began
    row = con.execute("SELECT count(*) FROM ledger_known").fetchone()
    return spent, int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--per-day", type=int, default=100_000, help="sales (and settlements) a day"
    )
    parser.add_argument("--months", type=int, nargs="+", default=[1, 3, 6, 12])
    parser.add_argument("--lag", type=int, default=10, help="days from payment to settlement")
    parser.add_argument("--repeat", type=int, default=3, help="timings of each side (best kept)")
    args = parser.parse_args()
    console = Console(width=140)
    table = Table(title=f"Look-up by logical key, {args.per_day:,} sales a day")
    heads = ("history", "entries", "found", "pruned CPU s", "baseline CPU s", "× baseline")
    checks = ("id check CPU s", "every id CPU s", "ids found")
    for name in (*heads, *checks):
        table.add_column(name, justify="right")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-lookups-") as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        con.execute("SET threads = 2")

        def append(day: date) -> None:
            params = {"day": day, "paid": day - timedelta(days=args.lag), "n": args.per_day}
            run_sql(con, DAY_ENTRIES, params)

        for months, day in months_of_history(con, args.months, append, console):
            run_sql(con, STAGE, {"day": day, "lag": args.lag, "n": args.per_day})
            scope = {"kinds": ["sale", "settlement"], "start": day, "end": day}
            staged = {**scope, **day_span(con, span_sql("ledger_ready", "order_paid_on"))}
            every = {**scope, "paid_from": ALL_DAYS[0], "paid_to": ALL_DAYS[1]}
            best, base, found = side_by_side(
                partial(_timed, con, staged), partial(_timed, con, every), args.repeat
            )
            row = con.execute("SELECT count(*) FROM journal_entries").fetchone()
            entries = int(row[0]) if row else 0
            check, whole, planted = _id_check(con, day, append, args.repeat)
            results.append((months, entries, found, best, base, check, whole))
            table.add_row(
                f"{months} months",
                f"{entries:,}",
                f"{found:,}",
                f"{best:.3f}",
                f"{base:.3f}",
                f"{best / base:.2f}" if base else "",
                f"{check:.3f}",
                f"{whole:.3f}",
                f"{planted}",
            )
            console.print(table)
        con.close()
    months, entries, _found, best, base, _check, _whole = results[-1]
    extra = {"per_day": args.per_day, "lag": args.lag, "sizes": results}
    report("bench_lookups", entries, best, base, extra)


if __name__ == "__main__":
    main()
