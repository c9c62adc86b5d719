"""The fee stage on Spark: the same compiled query, transpiled, its lines loaded back.

The rulebook is compiled exactly as for DuckDB (:func:`merchantry.fees.query.
compile_fee_query`); :func:`merchantry.spark.portable.to_spark` binds the period,
rewrites what means something else on Spark and refuses what it cannot carry, before
anything runs. Spark reads the fact tables as Parquet, writes ``fee_lines`` as Parquet,
and the warehouse replaces the rulebook's lines for the period with them in one
transaction (the same delete, key check and ``rulebook_rules`` as the DuckDB stage),
so a Spark run and a DuckDB run leave the same rows.
"""

from __future__ import annotations

import time
from datetime import date

import duckdb
import sqlglot.expressions as exp

from merchantry.fees.engine import (
    DELETE_LINES,
    ORDERS_IN_PERIOD,
    TOTALS,
    FeeRunSummary,
    KindTotal,
    write_rulebook_rules,
)
from merchantry.fees.query import compile_fee_query
from merchantry.kit.errors import IntegrityError
from merchantry.model.outputs import FEE_KINDS, FEE_LINES
from merchantry.rulebook.effects import Stage as Stage_
from merchantry.rulebook.facts import score_gaps
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.service.stages import FACTS, Stage, StageContext, StageOutcome, rulebook_digest
from merchantry.spark import tables
from merchantry.spark.engine import SparkEngine, SparkRunFailed, run_steps, spark_failure
from merchantry.spark.portable import SparkStep, spark_steps, tables_read
from merchantry.store.warehouse import duplicate_keys, ensure_schema, transaction


def _feeds_fee_lines(rule: Rule) -> bool:
    kind = rule.effect_kind
    return kind.stage is Stage_.FEES and kind.fee_kind is not None


def fee_steps(book: Rulebook, start: date, end: date) -> list[SparkStep]:
    """The fee query of ``book`` for ``start``..``end`` as Spark statements (checked)."""
    return spark_steps(
        compile_fee_query(book),
        f"the fee query of {book.name}",
        {"start": start, "end": end},
    )


def fee_tables(book: Rulebook) -> tuple[str, ...]:
    """The warehouse tables ``book``'s fee query reads (the fact tables, and the score
    indicators the score series joins): what Spark needs as Parquet."""
    return tables_read(compile_fee_query(book))


def run_fees(
    con: duckdb.DuckDBPyConnection, engine: SparkEngine, book: Rulebook, start: date, end: date
) -> FeeRunSummary:
    """Compute ``book``'s fee lines for orders paid ``start``..``end`` on Spark and
    replace the warehouse's lines of the period with them."""
    began = time.perf_counter()
    ensure_schema(con)
    steps = fee_steps(book, start, end)  # refuses before any work
    warnings = []
    if start < book.effective_from or (book.effective_to is not None and end > book.effective_to):
        window = f"{book.effective_from}..{book.effective_to or 'open'}"
        warnings.append(
            f"period {start}..{end} is outside {book.name}'s effective window {window} "
            "(fine for a what-if replay)"
        )
    warnings += score_gaps(con, book, start, end, _feeds_fee_lines)
    with engine.workspace() as (scratch, out), engine.session() as spark:
        root = engine.tables
        needed = fee_tables(book)
        if root is None:
            tables.export(con, needed, scratch / "tables")
            root = str(scratch / "tables")
        tables.register(spark, root, needed)
        where = f"the fee query of {book.name}"
        try:
            path = tables.write(run_steps(spark, steps, where), out, FEE_LINES.name)
        except SparkRunFailed:
            raise
        except Exception as err:  # the write runs the final statement
            raise spark_failure(where, err) from None
        period = {"start": start, "end": end}
        named = {"rulebook": book.name, **period}
        with transaction(con):
            con.execute(DELETE_LINES, named)
            tables.load(con, path, FEE_LINES.name, FEE_LINES.column_names)
            duplicates = duplicate_keys(
                con, FEE_LINES, exp.column("rulebook").eq(exp.Literal.string(book.name))
            )
            if duplicates:
                raise IntegrityError(
                    f"Spark fee run for {book.name} wrote {duplicates} duplicate "
                    "(order, fee kind) keys"
                )
            write_rulebook_rules(con, book)
    rows = con.execute(TOTALS, named).fetchall()
    by_kind = {r[0]: KindTotal(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows}
    totals = tuple(by_kind[k] for k in FEE_KINDS if k in by_kind)
    orders_row = con.execute(ORDERS_IN_PERIOD, period).fetchone()
    return FeeRunSummary(
        rulebook=book.name,
        start=start,
        end=end,
        orders=int(orders_row[0]) if orders_row else 0,
        lines=sum(t.lines for t in totals),
        totals=totals,
        seconds=time.perf_counter() - began,
        warnings=tuple(warnings),
    )


def spark_fees_stage(book: Rulebook, engine: SparkEngine) -> Stage:
    """The fee stage run on Spark: the same name, tables and digest as the DuckDB stage,
    so ``merchantry run`` treats its lines as fresh (they are the same rows)."""

    def run(ctx: StageContext) -> StageOutcome:
        ctx.progress(f"fees under {book.name} on Spark ({engine.master})")
        summary = run_fees(ctx.con, engine, book, ctx.start, ctx.end)
        return StageOutcome(
            f"{summary.lines:,} fee lines for {summary.orders:,} orders (Spark)",
            summary.warnings,
            summary,
        )

    return Stage(
        f"fees:{book.name}",
        f"fee lines under {book.name}",
        FACTS,
        ("fee_lines", "rulebook_rules"),
        run,
        rulebook_digest(book),
    )
