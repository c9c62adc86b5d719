"""Run the scoring stage: one call scores every shop on every date of a period.

``score_shops`` is the stage's entry point (the CLI, the demo and the benchmark
call it). It builds the grid and measures (stage A), the scores (stage B), and
then replaces the rulebook's rows for the period: scores, indicators, adjustments (one
transaction per partition of shops), then gates and the ranking. Re-running gives the
same rows.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError, IntegrityError, has_errors
from merchantry.model.schema import Table
from merchantry.model.score_outputs import (
    SHOP_GATES,
    SHOP_SCORE_ADJUSTMENTS,
    SHOP_SCORE_INDICATORS,
    SHOP_SCORES,
)
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.scoring.compute import Plan, compile_scores, plan_rules
from merchantry.scoring.gates import write_gates, write_ranking
from merchantry.scoring.inputs import build_measures, create_temp
from merchantry.scoring.rules import ScoreRules, check_score_rules
from merchantry.scoring.series import AVERAGE_DAYS, clear_series, write_series
from merchantry.store.warehouse import duplicate_keys, ensure_schema, transaction

DIALECT: Final = "duckdb"
Progress = Callable[[str], None]
BATCH_SHOPS: Final = 25_000
"""Shops scored together; bigger markets go in hash partitions of about this size."""


@dataclass(frozen=True, slots=True)
class ScoreRunSummary:
    """What one scoring run did."""

    rulebook: str
    platform: str
    start: date
    end: date
    shops: int
    rows: int
    """Shop-date rows written to ``shop_scores``."""
    formal: int
    growth: int
    no_score: int
    mean_score_cp: int | None
    """Mean final score of the last date (formal and growth stages)."""
    gates: int
    ranked: int
    seconds: float
    warnings: tuple[str, ...] = ()


def prepare(book: Rulebook) -> Plan:
    """Check a score rulebook beyond the generic checks and group its rules."""
    problems = check_score_rules(book)
    if has_errors(problems):
        raise InputError(f"rulebook {book.name!r} cannot be scored", problems)
    return plan_rules(ScoreRules(book))


def compute_result(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    first: date,
    last: date,
    *,
    shop: str | None = None,
) -> None:
    """Stages A and B into ``_sc_result`` for ``first``..``last`` (one shop or all)."""
    build_measures(con, plan.rules, first, last, shop=shop)
    rescore(con, plan)


@functools.lru_cache(maxsize=32)
def stage_b_sql(book: Rulebook, source: str = "_sc_measures", target: str = "_sc_result") -> str:
    """Stage B for a rulebook as SQL text, compiled once per rulebook, source and target."""
    return create_temp(target, compile_scores(plan_rules(ScoreRules(book)), source))


def rescore(con: duckdb.DuckDBPyConnection, plan: Plan, source: str = "_sc_measures") -> None:
    """Stage B alone: ``_sc_result`` from measures already in ``source``."""
    con.execute(stage_b_sql(plan.rules.book, source))


def _warnings(book: Rulebook, start: date, end: date) -> tuple[str, ...]:
    found = []
    if start < book.effective_from or (book.effective_to and end > book.effective_to):
        window = f"{book.effective_from} – {book.effective_to or 'open'}"
        found.append(
            f"scored {start} – {end} under {book.name}, which is in force {window}: "
            "dates outside it use its rules anyway"
        )
    return tuple(found)


def begin_run(
    con: duckdb.DuckDBPyConnection,
    rulebook: str | Rulebook,
    start: date,
    end: date | None,
    rulebook_dirs: Sequence[Path] = (),
) -> tuple[Rulebook, Plan, date, date]:
    """What every score run (DuckDB or Spark) starts from: the rulebook and its plan, the
    last date (``start`` when not given; refused before ``start``) and the first date the
    measures read (the averaging window before ``start``)."""
    end = end or start
    if end < start:
        raise InputError(f"--to {end} is before --date {start}")
    ensure_schema(con)
    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook, rulebook_dirs)
    return book, prepare(book), end, start - timedelta(days=AVERAGE_DAYS - 1)


def score_shops(
    con: duckdb.DuckDBPyConnection,
    rulebook: str | Rulebook,
    start: date,
    end: date | None = None,
    *,
    rulebook_dirs: Sequence[Path] = (),
    progress: Progress = lambda _step: None,
    batch_shops: int = BATCH_SHOPS,
) -> ScoreRunSummary:
    """Score every shop on every date ``start``..``end`` (default: ``start`` only).

    Markets larger than ``batch_shops`` are scored in hash partitions of shops, each
    set-based over all dates, so memory stays bounded; the rows are the same. The old
    rows go in one transaction and each partition's rows commit in their own, so a run
    cut short leaves some shops unscored for the period; running it again completes it.
    """
    began = time.perf_counter()
    book, plan, end, first = begin_run(con, rulebook, start, end, rulebook_dirs)
    shops_row = con.execute("SELECT count(*) FROM shops").fetchone()
    parts = max(1, -(-int(shops_row[0] if shops_row else 0) // batch_shops))
    platform = ""
    with transaction(con):
        clear_series(con, book.name, start, end)
    for index in range(parts):
        where = f" ({index + 1}/{parts})" if parts > 1 else ""
        progress("measures" + where)
        build_measures(con, plan.rules, first, end, part=(index, parts) if parts > 1 else None)
        progress("scores" + where)
        rescore(con, plan)
        platform = platform or _platform(con)
        progress("writing" + where)
        with transaction(con):
            write_series(con, plan, book.name, book.effective_from, start, end)
            check_keys(con, SERIES_TABLES, book.name, start, end, shops="_sc_result")
    progress("gates and ranking")
    with transaction(con):
        gates = write_gates(con, plan.rules, book.name, start, end)
        check_keys(con, (SHOP_GATES,), book.name, start, end)
        ranked = write_ranking(con, plan.rules, book.name, start, end)
    return _summary(con, book, platform, start, end, gates, ranked, began)


SERIES_TABLES: Final = (SHOP_SCORES, SHOP_SCORE_INDICATORS, SHOP_SCORE_ADJUSTMENTS)
"""The tables :func:`write_series` appends to, one partition of shops at a time."""


def check_keys(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[Table],
    rulebook: str,
    start: date,
    end: date,
    *,
    shops: str | None = None,
) -> None:
    """Raise (rolling back the caller's transaction) when a run wrote a key twice.

    The score tables keep their primary key unindexed (an index made the run's inserts
    and its re-run's deletes several times slower), so the key is verified here, over the
    rows the run can have written: the rulebook's, dated ``start``..``end``, of the shops
    in the temp table ``shops`` when given (one partition)."""
    scope = exp.and_(
        exp.column("rulebook").eq(exp.Literal.string(rulebook)),
        exp.column("score_date").between(
            exp.cast(exp.Literal.string(start.isoformat()), exp.DataType.Type.DATE),
            exp.cast(exp.Literal.string(end.isoformat()), exp.DataType.Type.DATE),
        ),
    )
    if shops is not None:
        scope = exp.and_(
            scope, exp.column("shop_id").isin(query=exp.select("shop_id").from_(shops))
        )
    for table in tables:
        found = duplicate_keys(con, table, scope)
        if found:  # a bug in the stage's SQL, never the user's input
            raise IntegrityError(
                f"scoring {rulebook} wrote {found} duplicate keys into {table.name}"
            )


def _platform(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT any_value(platform) FROM _sc_result").fetchone()
    return str(row[0]) if row and row[0] else ""


def _summary(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    platform: str,
    start: date,
    end: date,
    gates: int,
    ranked: int,
    began: float,
) -> ScoreRunSummary:
    row = con.execute(
        """
        SELECT count(DISTINCT shop_id), count(*),
          count(*) FILTER (WHERE stage = 'formal' AND score_date = $end),
          count(*) FILTER (WHERE stage = 'growth' AND score_date = $end),
          count(*) FILTER (WHERE stage = 'none' AND score_date = $end),
          CAST(round(avg(score_cp) FILTER (WHERE score_date = $end)) AS BIGINT)
        FROM shop_scores WHERE rulebook = $rulebook AND score_date BETWEEN $start AND $end
        """,
        {"rulebook": book.name, "start": start, "end": end},
    ).fetchone()
    assert row is not None
    return ScoreRunSummary(
        rulebook=book.name,
        platform=platform,
        start=start,
        end=end,
        shops=int(row[0]),
        rows=int(row[1]),
        formal=int(row[2]),
        growth=int(row[3]),
        no_score=int(row[4]),
        mean_score_cp=None if row[5] is None else int(row[5]),
        gates=gates,
        ranked=ranked,
        seconds=time.perf_counter() - began,
        warnings=_warnings(book, start, end),
    )
