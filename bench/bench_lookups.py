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

* **pruned**: :data:`~merchantry.ledger.journal.KNOWN_DATED` with the staged entries' span,
  what the close runs while the journal holds no entry of these kinds without a payment day
  (``journal_undated`` empty, since 2026-12-07);
* **with undated**: :data:`~merchantry.ledger.journal.KNOWN` with the same span, which also
  reads the entries with no payment day (``--undated`` a day, about no order) through their
  headers (``journal_dayless``, kept here a day at a time as the journal keeps it): what the
  close runs when ``journal_undated`` is not empty;
* **undated before**: the same read of the entries without a day from every row group of the
  journal (:data:`KNOWN_BEFORE`), as the close ran it until the headers (2026-12-07);
* **baseline**: that statement with the span open (every day), i.e. the read before the days.

A stage whose kinds carry no payment day (rewards here: a tenth of ``--undated`` staged again
from a month before, as many new) is timed the same way: its look-up through the headers
(:data:`~merchantry.ledger.journal.KNOWN_DAYLESS`) against the open read of the journal it
ran until then. Both must find the same entries.

Then, in a transaction rolled back after, it appends the next day's entries as a close
would, one of them a copy of an entry posted a month before, and times the close's check
that no id was posted twice (:data:`~merchantry.ledger.check.DUPLICATE_ENTRY_SINCE`) three
ways: among the entries of the new entries' payment days and the headers of those without one
(as the close runs it), the same with the entries without a day read from the journal (as it
ran until the headers), and among every entry (the check before the days). Each must find the
one planted id.

Last, the deposit openings' look-up (:data:`merchantry.ledger.deposits.OPENING_DAYS`):
``--joining`` new shops among the journal's with nothing posted yet, and a new close asks
which to open and on which day. It asks the journal's index of shops (``journal_shops``, kept
here a day at a time as the journal keeps it); the baseline asks the same of every entry's
shop and close, the read before the index. Both must find the new shops only.

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
from merchantry.ledger.check import (
    DUPLICATE_DATED_SINCE,
    DUPLICATE_ENTRY_SINCE,
    journal_mark,
    new_span,
)
from merchantry.ledger.deposits import OPENING_DAYS
from merchantry.ledger.journal import (
    ALL_DAYS,
    KNOWN,
    KNOWN_DATED,
    KNOWN_DAYLESS,
    day_span,
    span_sql,
)
from merchantry.ledger.shops import INDEX_SHOPS_OF
from merchantry.store.sql import fill_sql, parse, run_sql
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
UNION ALL
SELECT md5('reward' || CAST($day AS VARCHAR) || '|' || i),
       md5('k-reward' || CAST($day AS VARCHAR) || '|' || i),
       0, 'reward', 'R' || CAST($day AS VARCHAR) || '|' || i, NULL, 'S' || (i % 20000),
       CAST($day AS DATE), 'bench', md5(CAST(i AS VARCHAR)), NULL, 'c' || CAST($day AS VARCHAR),
       NULL
FROM range($undated) AS t(i)
"""
"""One day of a daily close's appends: the day's sales, the settlements of orders paid
``$paid`` (``$lag`` days before) and ``$undated`` entries about no order (rewards here;
deposits, top-ups and fees are written every day too), which carry no payment day."""

DAYLESS_DAY: Final = """
INSERT INTO journal_dayless BY NAME
SELECT entry_id, logical_key, kind, booked_on, rulebook, signature, reverses
FROM journal_entries WHERE booked_on = $day AND order_paid_on IS NULL
"""
"""The headers of the day's entries without a payment day, as the journal's inserts add them."""

KNOWN_BEFORE: Final = """
CREATE OR REPLACE TEMP TABLE ledger_known AS
SELECT e.entry_id, e.logical_key, e.signature, e.kind, e.booked_on, e.rulebook, e.order_paid_on
FROM journal_entries AS e
WHERE list_contains($kinds, e.kind)
  AND (e.order_paid_on BETWEEN $paid_from AND $paid_to OR e.order_paid_on IS NULL)
  AND e.logical_key IN (SELECT logical_key FROM ledger_ready)
UNION
SELECT e.entry_id, e.logical_key, e.signature, e.kind, e.booked_on, e.rulebook, e.order_paid_on
FROM journal_entries AS e
WHERE list_contains($kinds, e.kind) AND e.booked_on BETWEEN $start AND $end
"""
"""The look-up as the close ran it until 2026-12-07: the entries without a payment day read
from the journal itself (every row group holds some)."""

DUPLICATE_BEFORE: Final = """
SELECT entry_id FROM journal_entries
WHERE (order_paid_on BETWEEN $paid_from AND $paid_to OR order_paid_on IS NULL)
  AND entry_id IN (SELECT entry_id FROM journal_entries WHERE rowid >= $entries_from)
GROUP BY entry_id HAVING count(*) > 1
"""
"""The close's duplicate-id check as it ran until 2026-12-07 (the same read of the journal)."""

STAGE_DAYLESS: Final = """
CREATE OR REPLACE TEMP TABLE ledger_ready AS
SELECT md5('k-reward' || CAST(CAST($day AS DATE) - 30 AS VARCHAR) || '|' || i) AS logical_key,
       'reward' AS kind, CAST(NULL AS DATE) AS order_paid_on
FROM range($n) AS t(i)
UNION ALL
SELECT md5('k-reward-new' || CAST($day AS VARCHAR) || '|' || i), 'reward', NULL
FROM range($n) AS t(i)
"""
"""A day's staged rewards: ``$n`` granted a month before, staged again, and ``$n`` new."""

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

SHOPS: Final = 20_000
"""Shops the entries are spread over (``'S' || i % 20000`` in :data:`DAY_ENTRIES`)."""

INDEX_DAY: Final = fill_sql(
    INDEX_SHOPS_OF,
    p_new=parse("SELECT shop_id, close_key FROM journal_entries WHERE booked_on = $day"),
)
"""The day's entries added to the index of shops, as the journal's inserts add them."""

OWING: Final = """
INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, region,
                   county_code, entry_plan, business_mode)
SELECT shop_id, '店铺', 'apparel', 'C1', 'enterprise', DATE '2024-01-01', '浙江', '330106',
       'standard', 'domestic'
FROM (SELECT 'S' || i AS shop_id FROM range($shops) t(i)
      UNION ALL SELECT 'NEW' || i FROM range($joining) t(i))
"""
"""The journal's shops and ``$joining`` new ones with nothing posted."""

OPENINGS_BEFORE: Final = fill_sql(
    OPENING_DAYS,
    journal_shops=parse("SELECT shop_id, close_key FROM journal_entries WHERE shop_id IS NOT NULL"),
)
"""The openings asking every entry's shop and close instead of the index."""


def _checked(
    con: duckdb.DuckDBPyConnection, params: dict[str, object], sql: str = DUPLICATE_BEFORE
) -> tuple[float, list[str]]:
    began = cpu_seconds()
    found = run_sql(con, sql, params).fetchall()
    return cpu_seconds() - began, sorted(str(r[0]) for r in found)


def _id_check(
    con: duckdb.DuckDBPyConnection, day: date, append: Callable[[date], None], repeat: int
) -> tuple[float, float, float, int]:
    """The duplicate-id check over ``day``'s appends (one planted twice), as the close runs
    it, as it ran before the headers and over every day: best CPU seconds of each, and how
    many ids it found (each side must find the same)."""
    mark = journal_mark(con)
    assert mark is not None
    con.execute("BEGIN")
    try:
        append(day)
        run_sql(con, PLANT, {"day": day})
        since: dict[str, object] = {"entries_from": mark.entries}
        pruned = {**since, **new_span(con, mark.entries)}
        every = {**since, "paid_from": ALL_DAYS[0], "paid_to": ALL_DAYS[1]}
        # as the close picks: the entries without a day too when a new entry has none
        sql = DUPLICATE_ENTRY_SINCE if pruned["undated"] else DUPLICATE_DATED_SINCE
        best, base, found = side_by_side(
            partial(_checked, con, pruned, sql), partial(_checked, con, every), repeat
        )
        _, before, _ = side_by_side(
            partial(_checked, con, pruned, sql), partial(_checked, con, pruned), repeat
        )
    finally:
        con.execute("ROLLBACK")
    return best, before, base, len(found)


def _opened(con: duckdb.DuckDBPyConnection, sql: str, day: date) -> tuple[float, list[str]]:
    params = {"start": day, "end": day, "close_key": "another"}
    began = cpu_seconds()
    run_sql(con, sql, params)
    spent = cpu_seconds() - began
    found = con.execute("SELECT shop_id FROM ledger_opening_days ORDER BY shop_id").fetchall()
    return spent, [str(r[0]) for r in found]


def _timed(
    con: duckdb.DuckDBPyConnection, params: dict[str, object], sql: str = KNOWN
) -> tuple[float, int]:
    began = cpu_seconds()
    run_sql(con, sql, params)
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
    parser.add_argument(
        "--joining", type=int, default=50, help="new shops owing a deposit, none opened"
    )
    parser.add_argument(
        "--undated",
        type=int,
        default=None,
        help="entries a day about no order, so with no payment day (default: a tenth of --per-day)",
    )
    args = parser.parse_args()
    console = Console(width=260)
    table = Table(title=f"Look-up by logical key, {args.per_day:,} sales a day")
    undated = args.per_day // 10 if args.undated is None else args.undated
    heads = (
        "history",
        "entries",
        "found",
        "pruned CPU s",
        "with undated CPU s",
        "undated before CPU s",
        "baseline CPU s",
        "× baseline",
    )
    dayless = ("dayless stage CPU s", "before CPU s", "found")
    checks = ("id check CPU s", "before CPU s", "every id CPU s", "ids found")
    opens = ("openings CPU s", "every shop CPU s", "opened")
    for name in (*heads, *dayless, *checks, *opens):
        table.add_column(name, justify="right")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-lookups-") as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        con.execute("SET threads = 2")
        # the shops the entries name (fewer than SHOPS when a day has fewer entries)
        run_sql(con, OWING, {"shops": min(SHOPS, args.per_day), "joining": args.joining})

        def append(day: date) -> None:
            paid = day - timedelta(days=args.lag)
            params = {"day": day, "paid": paid, "n": args.per_day, "undated": undated}
            run_sql(con, DAY_ENTRIES, params)
            run_sql(con, INDEX_DAY, {"day": day})
            run_sql(con, DAYLESS_DAY, {"day": day})

        for months, day in months_of_history(con, args.months, append, console):
            run_sql(con, STAGE, {"day": day, "lag": args.lag, "n": args.per_day})
            scope = {"kinds": ["sale", "settlement"], "start": day, "end": day}
            staged = {**scope, **day_span(con, span_sql("ledger_ready", "order_paid_on"))}
            every = {**scope, "paid_from": ALL_DAYS[0], "paid_to": ALL_DAYS[1]}
            best, base, found = side_by_side(
                partial(_timed, con, staged, KNOWN_DATED), partial(_timed, con, every), args.repeat
            )
            _, with_undated, _ = side_by_side(
                partial(_timed, con, staged, KNOWN_DATED),
                partial(_timed, con, staged, KNOWN),
                args.repeat,
            )
            _, undated_before, _ = side_by_side(
                partial(_timed, con, staged, KNOWN_DATED),
                partial(_timed, con, staged, KNOWN_BEFORE),
                args.repeat,
            )
            rewards = max(1, undated // 10)
            run_sql(con, STAGE_DAYLESS, {"day": day, "n": rewards})
            granted = {"kinds": ["reward"], "start": day, "end": day}
            open_days = {**granted, "paid_from": ALL_DAYS[0], "paid_to": ALL_DAYS[1]}
            through, reward_before, rewarded = side_by_side(
                partial(_timed, con, open_days, KNOWN_DAYLESS),
                partial(_timed, con, open_days, KNOWN_BEFORE),
                args.repeat,
            )
            row = con.execute("SELECT count(*) FROM journal_entries").fetchone()
            entries = int(row[0]) if row else 0
            check, check_before, whole, planted = _id_check(con, day, append, args.repeat)
            indexed, every_shop, opened = side_by_side(
                partial(_opened, con, OPENING_DAYS, day),
                partial(_opened, con, OPENINGS_BEFORE, day),
                args.repeat,
            )
            if len(opened) != args.joining:
                raise SystemExit(f"the openings found {len(opened)} shops, not {args.joining}")
            results.append(
                (
                    months,
                    entries,
                    found,
                    best,
                    base,
                    check,
                    whole,
                    indexed,
                    every_shop,
                    with_undated,
                    undated_before,
                    through,
                    reward_before,
                    check_before,
                )
            )
            table.add_row(
                f"{months} months",
                f"{entries:,}",
                f"{found:,}",
                f"{best:.3f}",
                f"{with_undated:.3f}",
                f"{undated_before:.3f}",
                f"{base:.3f}",
                f"{best / base:.2f}" if base else "",
                f"{through:.3f}",
                f"{reward_before:.3f}",
                f"{rewarded:,}",
                f"{check:.3f}",
                f"{check_before:.3f}",
                f"{whole:.3f}",
                f"{planted}",
                f"{indexed:.3f}",
                f"{every_shop:.3f}",
                f"{len(opened)}",
            )
            console.print(table)
        con.close()
    months, entries, _found, best, base, *_rest = results[-1]
    extra = {"per_day": args.per_day, "lag": args.lag, "undated": undated, "sizes": results}
    report("bench_lookups", entries, best, base, extra)


if __name__ == "__main__":
    main()
