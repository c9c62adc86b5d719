"""The scoring stage on Spark: the same statements, in the same order, carried one by one.

The stage's functions (:func:`merchantry.scoring.inputs.build_measures`, stage B's
compiled rulebook query, :func:`merchantry.scoring.series.write_series`, the gates and
the ranking) are called exactly as :func:`merchantry.scoring.stage.score_shops` calls
them, but on a :class:`merchantry.spark.statements.SparkStatements` instead of the
warehouse's connection: each statement they execute is transpiled with sqlglot and
runs on Spark; the rows they insert are loaded back into the warehouse at the end, in
one transaction, after the same deletes. So a Spark score run and a DuckDB score run
leave the same rows in ``shop_scores``, ``shop_score_indicators``,
``shop_score_adjustments``, ``shop_gates`` and ``service_rankings``.

Differences from the DuckDB run: shops are not split into hash partitions (Spark
partitions the work itself), and the write is one transaction instead of one per
partition.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import duckdb

from merchantry.rulebook.model import Rulebook
from merchantry.scoring.gates import write_gates, write_ranking
from merchantry.scoring.inputs import build_measures
from merchantry.scoring.series import clear_series, write_series
from merchantry.scoring.stage import ScoreRunSummary, begin_run, rescore
from merchantry.scoring.stage import _summary as summarize
from merchantry.service.stages import Stage, StageContext, scores_run_by
from merchantry.spark.engine import SparkEngine
from merchantry.spark.statements import SparkStatements
from merchantry.store.warehouse import transaction

PLATFORM_SQL = """
SELECT min(platform) FROM shop_scores
WHERE rulebook = $rulebook AND score_date BETWEEN $start AND $end
"""


def run_scores(
    con: duckdb.DuckDBPyConnection,
    engine: SparkEngine,
    rulebook: str | Rulebook,
    start: date,
    end: date | None = None,
    *,
    rulebook_dirs: Sequence[Path] = (),
    progress: Callable[[str], None] = lambda _step: None,
) -> ScoreRunSummary:
    """Score every shop on every date ``start``..``end`` on Spark and replace the
    rulebook's score rows of the period in the warehouse with the result."""
    began = time.perf_counter()
    book, plan, end, first = begin_run(con, rulebook, start, end, rulebook_dirs)
    with engine.workspace() as (scratch, out), engine.session() as spark:
        runner = SparkStatements(
            spark,
            con,
            scratch,
            f"the score stage of {book.name}",
            source=engine.tables,
            progress=progress,
        )
        on_spark = runner.as_connection()
        clear_series(on_spark, book.name, start, end)
        build_measures(on_spark, plan.rules, first, end)
        rescore(on_spark, plan)
        write_series(on_spark, plan, book.name, book.effective_from, start, end)
        gates = write_gates(on_spark, plan.rules, book.name, start, end)
        ranked = write_ranking(on_spark, plan.rules, book.name, start, end)
        with transaction(con):
            runner.write_back(out)
    row = con.execute(PLATFORM_SQL, {"rulebook": book.name, "start": start, "end": end}).fetchone()
    platform = str(row[0]) if row and row[0] else ""
    return summarize(con, book, platform, start, end, gates, ranked, began)


def spark_score_stage(book: Rulebook, engine: SparkEngine) -> Stage:
    """The score stage run on Spark: the same name, tables and digest as the DuckDB
    stage, so ``merchantry run`` treats its rows as fresh (they are the same rows)."""

    def run(ctx: StageContext) -> ScoreRunSummary:
        ctx.progress(f"scores under {book.name} on Spark ({engine.master})")
        return run_scores(ctx.con, engine, book, ctx.start, ctx.end, progress=ctx.progress)

    return scores_run_by(book, run, engine="Spark")
