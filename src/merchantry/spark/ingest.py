"""Ingest's checks on Spark: the same check queries, the same quarantine, the same rows.

``merchantry ingest DIR --engine spark`` (or a master URL) reads and stages the files in
DuckDB as always, and DuckDB types the staged text (``_ingest_cand``), inside the
ingest's one transaction. The **checks** then run on Spark, table by table
(:class:`SparkChecks`, given to :func:`merchantry.ingest.validate.load_table` as its
``checker``):

1. the staged rows, the typed candidates and the warehouse tables the checks read (the
   table itself for duplicates and sequences, parents for references; as this
   transaction left them) are written to Parquet and registered in Spark;
2. every check query of :mod:`merchantry.ingest.checks`, numbered as the DuckDB run
   numbers it (:func:`merchantry.ingest.validate.numbered_problems`), is carried to
   Spark SQL by :mod:`merchantry.spark.portable` (with :mod:`merchantry.spark.ingest_sql`
   for the ingest's own constructs) and run there: the row checks over every row, then
   each relation check over the candidates still standing (the reference check again
   while it finds more), exactly the DuckDB order; an ``arg_min`` (the sequence check's
   message) runs only after a query found no ties in its data (else
   :class:`~merchantry.spark.statements.TiesFound`, nothing committed);
3. the problems found come back as Parquet into ``_ingest_problems`` and the bad rows
   leave ``_ingest_cand``; the quarantine records, the accepted rows' insert and the
   counts are then DuckDB's own statements, as in a DuckDB ingest.

:func:`require_portable_checks` runs the portability check over every check query of
every table before a session starts and refuses, naming the constructs, what it cannot
carry. A list column's text in a message (``CAST(l AS VARCHAR)`` over the candidates)
is written as DuckDB writes it (:func:`merchantry.spark.legs.list_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest.checks import (
    RELATION_CHECKS,
    REPEATED_CHECKS,
    ROW_CHECKS,
    Check,
    CheckContext,
)
from merchantry.ingest.validate import DROP_BAD, PROBLEMS, Checker, numbered_problems
from merchantry.model.schema import ColumnType, Table
from merchantry.model.tables import TABLES
from merchantry.spark import tables
from merchantry.spark.engine import SparkEngine, spark_failure
from merchantry.spark.legs import list_text
from merchantry.spark.portable import (
    WRITE,
    UnportableSQL,
    first_value_tie_checks,
    mark_first_values,
    portable,
    problems_of,
    rewrite,
    tables_read,
)
from merchantry.spark.statements import TiesFound
from merchantry.store.sql import col, to_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

PROBLEM_COLUMNS = ("_id", "ord", "column_name", "reason", "message")


def _list_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if c.type is ColumnType.TEXT_LIST}


def carried_lists(tree: exp.Expr, ctx: CheckContext) -> exp.Expr:
    """``CAST(l AS VARCHAR)`` of a list column of the candidates as DuckDB's text of the
    list (in a query that reads the typed candidates; the staged ``l`` is text)."""
    lists = _list_columns(ctx.table)
    if not lists or ctx.cand not in {t.name for t in tree.find_all(exp.Table)}:
        return tree
    tree = tree.copy()
    for node in list(tree.find_all(exp.Cast)):
        value = node.this
        if (
            isinstance(value, exp.Column)
            and value.name in lists
            and node.to.this in (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)
        ):
            node.replace(list_text(value))
    return tree


def _prepared(select: exp.Expr, ctx: CheckContext) -> tuple[exp.Expr, list[tuple[str, exp.Expr]]]:
    """The query as it will be carried (lists' text, first values marked), and the tie
    checks its ``arg_min``/``arg_max`` need first."""
    tree = carried_lists(select, ctx)
    ties = first_value_tie_checks(tree)
    return (mark_first_values(tree.copy()) if ties else tree), ties


def check_problems(table: Table) -> list[str]:
    """Every construct of ``table``'s check queries the portability check refuses."""
    ctx = CheckContext(table=table, stage="_ingest_stage", cand="_ingest_cand")
    found: list[str] = []
    for check in (*ROW_CHECKS, *RELATION_CHECKS):
        for select in check(ctx):
            tree, ties = _prepared(select, ctx)
            for part in (tree, *(mark_first_values(q) for _, q in ties)):
                found += [f"{table.name}.{check.__name__}: {p}" for p in problems_of(rewrite(part))]
    return found


def require_portable_checks() -> None:
    """Nothing, or :class:`UnportableSQL` naming each construct of ingest's checks that
    Spark would run with another meaning (before any session starts)."""
    problems = [p for table in TABLES for p in check_problems(table)]
    if problems:
        raise UnportableSQL("ingest's checks on Spark (docs/scale.md)", problems)


def _filter_of(select: exp.Expr) -> tuple[str, exp.Expr, list[exp.Expr]] | None:
    """(relation, condition, the projections after ``_id``) of a select that is a plain
    filter of one relation, else None."""
    if not isinstance(select, exp.Select):
        return None
    if any(v for k, v in select.args.items() if k not in ("expressions", "from_", "where")):
        return None
    source, condition = select.args.get("from_"), select.args.get("where")
    if not isinstance(source, exp.From) or not isinstance(source.this, exp.Table):
        return None
    if condition is None or source.this.alias or len(select.expressions) != 4:
        return None
    values = [p.unalias().copy() for p in select.expressions[1:]]
    return source.this.name, condition.this.copy(), values


def _scan(source: str, cases: list[exp.Expr], conditions: list[exp.Expr]) -> str:
    """One scan of ``source`` giving the rows of every select folded into ``cases``."""
    element = exp.to_identifier("__p")
    present = exp.Lambda(
        this=exp.Is(this=exp.column(element.copy()), expression=exp.Null()).not_(),
        expressions=[element],
    )
    kept = exp.Anonymous(
        this="FILTER", expressions=[exp.Anonymous(this="ARRAY", expressions=cases), present]
    )
    inner = (
        exp.select(exp.column("_id"), exp.alias_(exp.Explode(this=kept), "__p"))
        .from_(exp.to_table(source))
        .where(exp.or_(*conditions))
    )
    fields = [
        exp.alias_(exp.Dot(this=exp.column("__p"), expression=exp.to_identifier(c)), c)
        for c in PROBLEM_COLUMNS[1:]
    ]
    return exp.select(exp.column("_id"), *fields).from_(inner.subquery("__rows")).sql(dialect=WRITE)


@dataclass
class SparkChecks:
    """A :data:`~merchantry.ingest.validate.Checker` running the checks on ``spark``."""

    spark: SparkSession
    scratch: Path
    progress: Callable[[str], None] = lambda _step: None
    _version: int = 0
    _rows: tuple[CheckContext, list[str]] | None = None
    checked: dict[str, int] = field(default_factory=dict)
    """Check queries run on Spark, per table (for the report and the tests)."""

    def __call__(
        self, con: duckdb.DuckDBPyConnection, ctx: CheckContext, step: Callable[[], None]
    ) -> int:
        where = f"ingest's checks of {ctx.table.name}"
        self._version += 1
        root = self.scratch / f"checks.{self._version}"
        wanted = {ctx.stage, ctx.cand}
        planned = self._plan(ctx, where, wanted)
        for name in sorted(wanted):
            # Spark skips files whose name starts with `_` (`_ingest_stage`): a prefix
            tables.export_as(con, name, root / f"t{name}.parquet")
            self.spark.read.parquet(str(root / f"t{name}.parquet")).createOrReplaceTempView(name)
        found: list[DataFrame] = []
        cand = self.spark.table(ctx.cand)
        relations = [p for p in planned if p[1] not in ROW_CHECKS]
        self.progress(f"{ctx.table.name}: row checks")
        for query in self._row_scans(ctx, where):
            found.append(self._run(query, [], where))
        for _ in ROW_CHECKS:
            step()
        if found:  # the row checks all read every candidate; then their rows leave
            together = found[0]
            for more in found[1:]:
                together = together.unionByName(more)
            found = [self._materialize(together, where)]
            cand = self._without(cand, found, ctx)
        done = {p[1] for p in relations}
        for _ordinal, check, query, ties in relations:
            self.progress(f"{ctx.table.name}: {check.__name__}")
            while True:
                frame = self._materialize(self._run(query, ties, where), where)
                found.append(frame)
                new = frame.count()
                if new:
                    cand = self._without(cand, [frame], ctx)
                if not new or check not in REPEATED_CHECKS:
                    break
            step()
        for check in RELATION_CHECKS:
            if check not in done:
                step()
        return self._load(con, found, root, where)

    def _plan(
        self, ctx: CheckContext, where: str, read: set[str]
    ) -> list[tuple[int, Check, str, list[tuple[str, str]]]]:
        """(ordinal, check, Spark SQL, [(aggregates, Spark SQL of their tie check)]) of
        every relation check that has a query, all carried before any runs (the row
        checks too, :meth:`_row_scans`); the tables they read are added to ``read``."""
        self._row_scans(ctx, where)
        planned = []
        for ordinal, check in enumerate(RELATION_CHECKS, start=len(ROW_CHECKS)):
            numbered = numbered_problems(check, ordinal, ctx)
            if numbered is None:
                continue
            ties: list[tuple[str, str]] = []
            for select in check(ctx):
                _tree, found = _prepared(select, ctx)
                for seen, q in found:
                    tie = portable(mark_first_values(q), where)
                    read |= set(tables_read(tie))
                    ties.append((seen, tie.sql(dialect=WRITE)))
            tree, _ = _prepared(numbered, ctx)
            carried = portable(tree, where)
            read |= set(tables_read(carried))
            planned.append((ordinal, check, carried.sql(dialect=WRITE), ties))
            self.checked[ctx.table.name] = self.checked.get(ctx.table.name, 0) + 1
        return planned

    def _row_scans(self, ctx: CheckContext, where: str) -> list[str]:
        """The row checks' queries, carried, as one Spark query per relation they read.

        Each row check's select is a filter of one relation (``SELECT _id, column, reason,
        message FROM r WHERE c``). Run as they are, Spark would scan ``r`` once per select
        (about sixty on ``orders``), each scan a task with its own generated code: most of
        the time on small batches. So the carried selects of one relation run as a single
        scan: ``WHERE c1 OR c2 …``, each row giving ``CASE WHEN ci THEN (ord, column,
        reason, message) END`` per select, the non-NULL ones exploded into rows: the rows
        the selects give, numbered as :func:`numbered_problems` numbers them."""
        cached = self._rows
        if cached is not None and cached[0] == ctx:
            return list(cached[1])
        conditions: dict[str, list[exp.Expr]] = {}
        cases: dict[str, list[exp.Expr]] = {}
        alone: list[str] = []
        for ordinal, check in enumerate(ROW_CHECKS):
            for i, select in enumerate(check(ctx)):
                ord_ = exp.Literal.number(ordinal * 1000 + i)
                carried = portable(_prepared(select, ctx)[0], where)
                filtered = _filter_of(carried)
                if filtered is None:  # not a plain filter: its own query
                    own = exp.select(
                        exp.column("_id"),
                        exp.alias_(ord_, "ord"),
                        *(exp.column(c) for c in PROBLEM_COLUMNS[2:]),
                    ).from_(
                        exp.Subquery(
                            this=carried, alias=exp.TableAlias(this=exp.to_identifier("__q"))
                        )
                    )
                    alone.append(own.sql(dialect=WRITE))
                    continue
                source, condition, values = filtered
                fields: list[exp.Expr] = [exp.Literal.string("ord"), ord_]
                for name, value in zip(PROBLEM_COLUMNS[2:], values, strict=True):
                    fields += [exp.Literal.string(name), value]
                struct = exp.Anonymous(this="NAMED_STRUCT", expressions=fields)
                cases.setdefault(source, []).append(exp.Case().when(condition.copy(), struct))
                conditions.setdefault(source, []).append(exp.paren(condition))
        scans = [_scan(source, cases[source], conditions[source]) for source in cases]
        self._rows = (ctx, [*scans, *alone])
        return [*scans, *alone]

    def _run(self, sql: str, ties: list[tuple[str, str]], where: str) -> DataFrame:
        try:
            for seen, tie in ties:
                row = self.spark.sql(tie).collect()
                if row and int(row[0][0]):
                    raise TiesFound(
                        f"{where}: {int(row[0][0]):,} groups have two different values at "
                        f"the same first row of {seen}; DuckDB and Spark may pick different "
                        "ones, so this ingest cannot run on Spark (run it on DuckDB)"
                    )
            return self.spark.sql(sql)
        except TiesFound:
            raise
        except Exception as err:  # Py4J/PySpark errors share no base worth naming here
            raise spark_failure(where, err) from None

    def _materialize(self, frame: DataFrame, where: str) -> DataFrame:
        try:
            return frame.localCheckpoint(eager=True)
        except Exception as err:  # the checkpoint runs the query
            raise spark_failure(where, err) from None

    def _without(self, cand: DataFrame, found: list[DataFrame], ctx: CheckContext) -> DataFrame:
        """The candidates without the rows found (the DuckDB run's ``DROP_BAD``), as the
        view the next check reads."""
        bad = found[0].select("_id")
        for more in found[1:]:
            bad = bad.unionByName(more.select("_id"))
        kept = cand.join(bad.distinct(), on="_id", how="left_anti")
        kept = self._materialize(kept, f"ingest's checks of {ctx.table.name}")
        kept.createOrReplaceTempView(ctx.cand)
        return kept

    def _load(
        self, con: duckdb.DuckDBPyConnection, found: list[DataFrame], root: Path, where: str
    ) -> int:
        """The problems into ``_ingest_problems``, their rows out of ``_ingest_cand``."""
        if not found:
            return 0
        frame = found[0]
        for more in found[1:]:
            frame = frame.unionByName(more)
        frame = frame.select(*PROBLEM_COLUMNS)
        try:
            path = tables.write(frame, root, "problems")
        except Exception as err:  # the write runs the row checks
            raise spark_failure(where, err) from None
        select = exp.select(
            exp.cast(col("_id"), "BIGINT"),
            exp.cast(col("ord"), "INTEGER"),
            *(col(c) for c in PROBLEM_COLUMNS[2:]),
        ).from_(tables.parquet_source(path))
        recorded = con.execute(
            to_sql(exp.Insert(this=exp.to_table(PROBLEMS), expression=select))
        ).fetchall()
        con.execute(DROP_BAD)
        return int(recorded[0][0]) if recorded else 0


@contextmanager
def spark_checker(
    engine: SparkEngine, progress: Callable[[str], None] = lambda _step: None
) -> Iterator[Checker]:
    """The check (refusing before any session starts), then a Spark session and a
    scratch directory for one ingest, and the checker that uses them."""
    require_portable_checks()
    with engine.workspace() as (scratch, _out), engine.session() as spark:
        yield SparkChecks(spark, scratch, progress)
