"""The close's balance reads against the length of the journal's history.

A day's close reads balances from ``journal_movements`` (the postings summed by day): the
deposit and the goods payment a top-up draws on (:data:`merchantry.ledger.deposits.
STAGE_TOPUP`) and the goods balances behind platform advances (:data:`merchantry.ledger.
deposits.ADVANCES`). Summed from the first day ever posted, each read grows with the
history. Since the close keeps each month's opening balances (``journal_balances``,
:mod:`merchantry.ledger.balances`), it reads them plus the movements since.

This bench appends ``--months`` months of movements a day at a time, as daily closes
append them (each shop, each day: a sale into pending goods, a settlement from pending to
available, a refund from pending for one shop in ten; a deposit opening on the first day),
opens each month as the first close of the month would, then times both statements for the
day after the history both ways:

* **opening balances**: from the latest month opened on or before the advances' window;
* **baseline**: the same statements from no opening balances (every movement), the read
  before.

Both must stage the same top-ups and find the same advances. Run: ``python -m
bench.bench_balances --shops 200000 --months 1 3 6 12``.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, timedelta
from functools import partial
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from bench.history import FIRST, months_of_history, report, side_by_side
from bench.report import cpu_seconds
from merchantry.ledger import balances
from merchantry.ledger.deposits import ADVANCES, STAGE_TOPUP
from merchantry.ledger.journal import namespace, start_stage
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect

BACK = 30
"""The advances' look-back (the shipped rulebooks' ``clean_days``)."""

DAY_MOVEMENTS = """
INSERT INTO journal_movements BY NAME
SELECT 'merchant_pending' AS account, 'S' || i AS party, CAST($day AS DATE) AS booked_on,
       'sale' AS entry_kind, 1000 + i % 700 AS amount_fen, 1 AS postings
FROM range($shops) AS t(i)
UNION ALL
SELECT 'merchant_pending', 'S' || i, CAST($day AS DATE), 'settlement', -(900 + i % 500), 1
FROM range($shops) AS t(i)
UNION ALL
SELECT 'merchant_available', 'S' || i, CAST($day AS DATE), 'settlement', 900 + i % 500, 1
FROM range($shops) AS t(i)
UNION ALL
SELECT 'merchant_pending', 'S' || i, CAST($day AS DATE), 'refund', -(300 + i % 2000), 1
FROM range($shops) AS t(i) WHERE i % 10 = 0
UNION ALL
SELECT 'merchant_deposit', 'S' || i, CAST($day AS DATE), 'deposit_opening', 50000, 1
FROM range($shops) AS t(i) WHERE $opening
"""
"""One day of a daily close's movements for every shop (and the deposit on the first)."""

REFUNDS = """
INSERT INTO journal_entries BY NAME
SELECT 'r' || i || '|' || CAST($day AS VARCHAR) AS entry_id, 'r' || i AS logical_key,
       0 AS revision, 'refund' AS kind, 'r' || i AS source_id, 'S' || i AS shop_id,
       CAST($day AS DATE) AS booked_on, 'bench' AS rulebook, 'x' AS signature,
       'c' AS close_key
FROM range($shops) AS t(i) WHERE i % 10 = 0
"""
"""The refunds of the asked day (the advances keep only shops with one in the window)."""

REQUIREMENTS = """
CREATE OR REPLACE TEMP TABLE ledger_requirements AS
SELECT 'S' || i AS shop_shop_id, 50000 + (i % 7) * 10000 AS required_fen,
       CAST(NULL AS VARCHAR) AS rule_id
FROM range($shops) AS t(i)
"""
"""Each shop's deposit in force (some above what was opened: a shortfall to top up)."""


def _timed(con: duckdb.DuckDBPyConnection, day: date, snapshot: date) -> tuple[float, list[int]]:
    """CPU seconds of the two reads; what they found (top-ups staged and their sum,
    advances and their sum)."""
    start_stage(con)
    began = cpu_seconds()
    run_sql(con, STAGE_TOPUP, {"day": day, "ns": namespace("deposit_topup"), "snapshot": snapshot})
    run_sql(con, ADVANCES, {"start": day, "end": day, "back": BACK, "snapshot": snapshot})
    spent = cpu_seconds() - began
    row = con.execute(
        "SELECT (SELECT count(*) FROM ledger_stage),"
        " (SELECT coalesce(sum(l.amount_fen), 0) FROM (SELECT unnest(legs) AS l"
        "  FROM ledger_stage) WHERE l.amount_fen > 0),"
        " (SELECT count(*) FROM ledger_advances),"
        " (SELECT coalesce(sum(advance_fen), 0) FROM ledger_advances)"
    ).fetchone()
    return spent, [int(v) for v in row] if row else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=200_000)
    parser.add_argument("--months", type=int, nargs="+", default=[1, 3, 6, 12])
    parser.add_argument("--repeat", type=int, default=3, help="timings of each side (best kept)")
    args = parser.parse_args()
    console = Console()
    table = Table(title=f"Balance reads of a day's close, {args.shops:,} shops")
    for name in (
        "history",
        "movements",
        "opening a month CPU s",
        "with opening balances CPU s",
        "baseline CPU s",
        "× baseline",
    ):
        table.add_column(name, justify="right")
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-balances-") as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        con.execute("SET threads = 2")
        run_sql(con, REQUIREMENTS, {"shops": args.shops})
        opened: list[float] = []

        def append(day: date) -> None:
            if day.day == 1 and day > FIRST:  # the month's first close opens it
                began = cpu_seconds()
                balances.prepare(con, day)
                opened.append(cpu_seconds() - began)
            params = {"day": day, "shops": args.shops, "opening": day == FIRST}
            run_sql(con, DAY_MOVEMENTS, params)

        for months, day in months_of_history(con, args.months, append, console):
            run_sql(con, REFUNDS, {"day": day, "shops": args.shops})
            snapshot = balances.latest(con, day - timedelta(days=BACK)) or balances.NONE_BEFORE
            best, base, found = side_by_side(
                partial(_timed, con, day, snapshot),
                partial(_timed, con, day, balances.NONE_BEFORE),
                args.repeat,
            )
            row = con.execute("SELECT count(*) FROM journal_movements").fetchone()
            movements = int(row[0]) if row else 0
            opening = max(opened) if opened else 0.0
            results.append((months, movements, opening, best, base, found))
            table.add_row(
                f"{months} months",
                f"{movements:,}",
                f"{opening:.3f}" if opened else "",
                f"{best:.3f}",
                f"{base:.3f}",
                f"{best / base:.2f}" if base else "",
            )
            console.print(table)
        con.close()
    months, movements, _opening, best, base, _found = results[-1]
    report(
        "bench_balances",
        movements,
        best,
        base,
        {"shops": args.shops, "back": BACK, "sizes": results},
    )


if __name__ == "__main__":
    main()
