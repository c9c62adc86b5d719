"""The close on Spark: the same statements, in the same order, carried one by one.

:func:`run_close` calls :func:`merchantry.ledger.close.close_period` itself, on a
:class:`merchantry.spark.statements.SparkStatements` instead of the warehouse's
connection: every statement of the close (the payout schedule, the overturns, the
staged entries and their comparison with the live journal, settlements, holds,
deposits, rewards, seeding, the journal's checks) is transpiled and runs on Spark;
the rows it appends (``journal_entries``, ``journal_postings``, ``order_payouts``,
``deposit_requirements``, …) are loaded back into the warehouse at the end, in one
transaction, after the same deletes. The journal's legs (lists of structs) are
carried by :mod:`merchantry.spark.legs`. In that transaction the warehouse then runs the
close's checks over the rows it received, by row id as after a DuckDB close
(:func:`merchantry.ledger.check.check_close`: balance, legs posted twice, postings outside
the close, day sums that disagree with the postings); a fault rolls the whole write back.

The fee lines must be in the warehouse first (as for the DuckDB close):
:func:`close_on_spark` (``merchantry close --engine spark``) runs the fee stage on
Spark first when they are missing, through the same service stages
(:func:`merchantry.service.runner.close_with_fees`), so both runs are recorded in
``stage_runs`` as a DuckDB run would be.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb
from sqlalchemy import Engine

from merchantry.kit.errors import InputError, IntegrityError, MerchantryError
from merchantry.ledger.check import check_close, journal_mark
from merchantry.ledger.close import CloseSummary, close_period, orders_without_fee_lines
from merchantry.rulebook.model import Rulebook
from merchantry.service.runner import close_with_fees
from merchantry.service.stages import Stage, StageContext, close_run_by
from merchantry.spark.engine import SparkEngine
from merchantry.spark.fees import spark_fees_stage
from merchantry.spark.statements import SparkStatements
from merchantry.spark.unported import require_portable
from merchantry.store.warehouse import transaction

UNSIGNED = "SELECT count(*) FROM journal_entries WHERE signature IS NULL"


class UnsignedEntries(MerchantryError):
    """Entries the Spark run would write without a signature (a NULL in the text the
    signature hashes): the close stops rather than write them."""


def unsigned_entries(runner: SparkStatements) -> int:
    """Entries the Spark run would write without a signature."""
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
        unsigned = unsigned_entries(runner)
        if unsigned:
            raise UnsignedEntries(
                f"{where}: {unsigned:,} entries would have no signature (a NULL kind, day "
                "or leg text); nothing was written"
            )
        with transaction(con):
            mark = journal_mark(con)  # the warehouse's connection: its tables have row ids
            runner.write_back(out)
            problems = check_close(con, mark, summary.close_key)
            if problems:  # raising inside the transaction writes nothing back
                raise IntegrityError(
                    f"{where}: the rows Spark wrote would leave the journal unsound, so "
                    "nothing was written: " + "; ".join(str(p) for p in problems)
                )
    return summary


def spark_close_stage(book: Rulebook, engine: SparkEngine) -> Stage:
    """The close run on Spark: the same name, tables and digest as the DuckDB stage, so
    ``merchantry run`` treats its journal as fresh (it holds the same rows)."""

    def run(ctx: StageContext) -> CloseSummary:
        ctx.progress(f"close under {book.name} on Spark ({engine.master})")
        return run_close(ctx.con, engine, book, ctx.start, ctx.end, progress=ctx.progress)

    return close_run_by(book, run, engine="Spark")


def close_on_spark(
    engine: SparkEngine,
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    *,
    rulebook_dirs: Sequence[Path] = (),
    refresh_fees: bool = False,
    progress: Callable[[str], None] | None = None,
    outbox: Engine | None = None,
) -> CloseSummary:
    """``merchantry close --engine spark``: the check over the close's statements first
    (refusing, before any session starts, what Spark cannot carry), then the fee stage
    on Spark when the period's lines are missing (or ``refresh_fees``) and the close on
    Spark, both through :func:`merchantry.service.runner.close_with_fees` on one
    session."""
    require_portable("close")
    if engine.tables is not None and (
        refresh_fees or orders_without_fee_lines(con, book.name, start, end) > 0
    ):
        raise InputError(
            f"--spark-tables: the fee lines of {book.name} {start}..{end} are missing and "
            "the close would read the old ones from the tables given; run `merchantry fees "
            "--engine …` first and export fee_lines with the other tables"
        )
    with engine.session() as spark:
        on = dataclasses.replace(engine, spark=spark)
        return close_with_fees(
            con,
            book,
            start,
            end,
            rulebook_dirs=rulebook_dirs,
            refresh_fees=refresh_fees,
            progress=progress,
            outbox=outbox,
            fees=lambda b: spark_fees_stage(b, on),
            close=lambda b: spark_close_stage(b, on),
        )
