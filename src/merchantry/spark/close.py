"""The close on Spark: the same statements, in the same order, carried one by one.

:func:`run_close` calls :func:`merchantry.ledger.close.close_period` itself, on a
:class:`merchantry.spark.statements.SparkStatements` instead of the warehouse's
connection: every statement of the close (the payout schedule, the overturns, the
staged entries and their comparison with the live journal, settlements, holds,
deposits, rewards, seeding, the journal's checks) is transpiled and runs on Spark;
the rows it appends (``journal_entries``, ``journal_postings``, ``order_payouts``,
``deposit_requirements``, …) are loaded back into the warehouse at the end, in one
transaction, after the same deletes. The journal's legs (lists of structs) are
carried by :mod:`merchantry.spark.legs`.

The fee lines must be in the warehouse first (as for the DuckDB close).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb

from merchantry.kit.errors import InputError, MerchantryError
from merchantry.ledger.close import CloseSummary, close_period, orders_without_fee_lines
from merchantry.rulebook.model import Rulebook
from merchantry.spark.engine import SparkEngine
from merchantry.spark.statements import SparkStatements
from merchantry.store.warehouse import transaction

UNSIGNED = "SELECT count(*) FROM journal_entries WHERE signature IS NULL"


class LegTextNotCarried(MerchantryError):
    """A leg's text (account, party or rule id) that DuckDB writes quoted or escaped in
    the entry's signature, by rules the Spark path does not reproduce: the close stops
    rather than sign the entry differently from DuckDB."""


def unsigned_entries(runner: SparkStatements) -> int:
    """Entries the Spark run would write without a signature (a leg text not carried)."""
    row = runner.execute(UNSIGNED).fetchone()
    return int(row[0]) if row else 0


def run_close(
    con: duckdb.DuckDBPyConnection,
    engine: SparkEngine,
    book: Rulebook,
    start: date,
    end: date,
    *,
    progress: Callable[[str], None] = lambda _step: None,
) -> CloseSummary:
    """Close ``start``..``end`` under ``book`` on Spark; the warehouse receives the rows
    the DuckDB close would have written, in one transaction."""
    missing = orders_without_fee_lines(con, book.name, start, end)
    if missing:
        raise InputError(
            f"{missing:,} orders paid {start}..{end} have no {book.name} fee lines; run "
            f"`merchantry fees --rulebook {book.name} --from {start} --to {end}` first"
        )
    where = f"the close of {book.name} {start}..{end}"
    with engine.workspace() as (scratch, out), engine.session() as spark:
        runner = SparkStatements(
            spark, con, scratch, where, source=engine.tables, progress=progress
        )
        summary = close_period(
            runner.as_connection(), book, start, end, require_fee_lines=False, progress=progress
        )
        if unsigned_entries(runner):
            raise LegTextNotCarried(
                f"{where}: a leg's account, party or rule id holds characters DuckDB quotes "
                "in the entry's signature (merchantry.spark.legs.BARE_TEXT); close on DuckDB"
            )
        with transaction(con):
            runner.write_back(out)
    return summary
