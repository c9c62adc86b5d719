"""Validate one table's staged rows, store the good ones, quarantine the rest.

Everything here is set-based SQL over the staging table; no row passes through
Python. The flow for one table:

1. ``_cand``: typed values of the rows read without a structural problem;
2. row checks record problems for every row; those rows leave ``_cand``;
3. relation checks run in turn, each removing the rows it finds from ``_cand``;
4. ``_cand`` is inserted into the table; every row with a problem goes to
   ``quarantine`` once, with its first problem's column and reason and all its
   problems in the message;
5. counts per file are computed and the invariant read = accepted + quarantined
   is asserted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest.checks import (
    RELATION_CHECKS,
    REPEATED_CHECKS,
    ROW_CHECKS,
    Check,
    CheckContext,
    ranged_columns,
)
from merchantry.ingest.coerce import typed_value
from merchantry.ingest.report import FileReport
from merchantry.kit.errors import IntegrityError
from merchantry.model.schema import ColumnType, Table
from merchantry.store.sql import col, fill, parameters_in, text, to_sql, union_all

CAND = "_ingest_cand"
PROBLEMS = "_ingest_problems"
SOURCES = "_ingest_sources"
"""Temporary table ``(file_no, path)`` of the files in this ingest."""

STEPS = len(ROW_CHECKS) + len(RELATION_CHECKS) + 2
"""Progress steps of :func:`load_table`."""


@dataclass(frozen=True, slots=True)
class Source:
    """A file registered in this ingest."""

    file_no: int
    path: str
    encoding: str = ""


def register_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[Source]) -> None:
    """(Re)create the temporary table of this ingest's files."""
    con.execute("DROP TABLE IF EXISTS _ingest_sources")
    con.execute("CREATE TEMP TABLE _ingest_sources (file_no INTEGER, path VARCHAR)")
    if sources:
        con.executemany(
            "INSERT INTO _ingest_sources VALUES (?, ?)", [(s.file_no, s.path) for s in sources]
        )


def numbered_problems(check: Check, ordinal: int, ctx: CheckContext) -> exp.Expr | None:
    """The rows of ``_ingest_problems`` one check finds, ``(_id, ord, column_name, reason,
    message)``: its selects numbered ``ordinal * 1000 + i`` and put together (a new tree;
    ``None`` for a check with nothing to look at)."""
    selects = check(ctx)
    if not selects:
        return None
    numbered = [
        exp.select(
            col("_id"),
            exp.Literal.number(ordinal * 1000 + i).as_("ord"),
            col("column_name"),
            col("reason"),
            col("message"),
        ).from_(s.subquery(f"q{i}"))
        for i, s in enumerate(selects)
    ]
    return union_all(numbered)


@lru_cache(maxsize=1024)
def _check_sql(check: Check, ordinal: int, ctx: CheckContext) -> str | None:
    """The ``INSERT INTO _ingest_problems`` statement of one check (cached: building
    sqlglot trees costs more than running them on small inputs)."""
    found = numbered_problems(check, ordinal, ctx)
    if found is None:
        return None
    return to_sql(exp.Insert(this=exp.to_table(PROBLEMS), expression=found))


_PLAIN_PARTS = frozenset({"expressions", "from_", "where"})


def _plain_filter(select: exp.Select) -> tuple[str, exp.Expr] | None:
    """``(FROM clause, WHERE condition)`` of a select whose rows are exactly the rows of
    one relation meeting a condition (no join, grouping, aggregate, window, distinct or
    limit), or ``None``."""
    if {k for k, v in select.args.items() if v} - _PLAIN_PARTS:
        return None
    source = select.args.get("from_")
    where = select.args.get("where")
    if source is None or where is None or not isinstance(source.this, exp.Table):
        return None
    for projection in select.expressions:
        for node in projection.walk(prune=lambda n: isinstance(n, exp.Subquery)):
            if isinstance(node, (exp.AggFunc, exp.Window)):
                return None
    return source.this.sql(dialect="duckdb"), where.this


@lru_cache(maxsize=1024)
def _probe_sql(checks: tuple[Check, ...], ctx: CheckContext) -> tuple[str, ...] | None:
    """Statements that each return a row if and only if one of ``checks`` would find a
    problem: the checks' conditions alone, one statement per relation they read, without
    the messages (whose binding costs more than running them on a small batch).
    ``None`` when a check's select is not a plain filter (see :func:`_plain_filter`)."""
    by_source: dict[str, tuple[exp.Table, list[exp.Expr]]] = {}
    for check in checks:
        for select in check(ctx):
            plain = _plain_filter(select)
            if plain is None:
                return None
            key, condition = plain
            source = select.args["from_"].this
            by_source.setdefault(key, (source, []))[1].append(condition.copy())
    return tuple(
        to_sql(
            exp.select(exp.Literal.number(1)).from_(source.copy()).where(exp.or_(*conds)).limit(1)
        )
        for source, conds in by_source.values()
    )


Bounds = dict[str, object]
"""The candidates' smallest and largest value of each of a context's ``ranged`` columns,
as the relation checks' parameters (``lo_<column>``, ``hi_<column>``)."""


def _execute(
    con: duckdb.DuckDBPyConnection, statement: str, bounds: Bounds
) -> duckdb.DuckDBPyConnection:
    """``statement`` with the bounds it names (a ``$`` in a message or pattern is text)."""
    given = {k: bounds[k] for k in parameters_in(statement) & bounds.keys()}
    return con.execute(statement, given) if given else con.execute(statement)


def _may_find(
    con: duckdb.DuckDBPyConnection,
    checks: tuple[Check, ...],
    ctx: CheckContext,
    bounds: Bounds | None = None,
) -> bool:
    """Whether one of ``checks`` may find a problem; ``False`` only when none can."""
    statements = _probe_sql(checks, ctx)
    if statements is None:
        return True
    return any(_execute(con, s, bounds or {}).fetchone() is not None for s in statements)


def _record(
    con: duckdb.DuckDBPyConnection,
    ordinal: int,
    check: Check,
    ctx: CheckContext,
    bounds: Bounds | None = None,
) -> int:
    """Insert the problems found by one check; returns how many rows were found."""
    statement = _check_sql(check, ordinal, ctx)
    if statement is None:
        return 0
    return int(_execute(con, statement, bounds or {}).fetchall()[0][0])


@lru_cache(maxsize=64)
def _bounds_sql(cand: str, columns: tuple[str, ...]) -> str:
    """``SELECT min(c) AS lo_c, max(c) AS hi_c, … FROM cand``."""
    parts: list[exp.Expr] = []
    for name in columns:
        parts.append(exp.Min(this=col(name)).as_(f"lo_{name}"))
        parts.append(exp.Max(this=col(name)).as_(f"hi_{name}"))
    return to_sql(exp.select(*parts).from_(exp.to_table(cand)))


def candidate_bounds(
    con: duckdb.DuckDBPyConnection, ctx: CheckContext
) -> tuple[CheckContext, Bounds]:
    """The context the relation checks run in, each look-up of stored rows held to the
    candidates' range of its column (:func:`merchantry.ingest.checks.ranged_columns`), and
    those ranges, read once from the candidates before the relation checks."""
    columns = ranged_columns(ctx.table)
    if not columns:
        return ctx, {}
    cursor = con.execute(_bounds_sql(ctx.cand, columns))
    row = cursor.fetchone()
    names = [d[0] for d in cursor.description or ()]
    bounds: Bounds = dict(zip(names, row, strict=True)) if row else {}
    return replace(ctx, ranged=columns), bounds


DROP_BAD = "DELETE FROM _ingest_cand WHERE _id IN (SELECT _id FROM _ingest_problems)"


def _run_relation_check(
    con: duckdb.DuckDBPyConnection,
    ordinal: int,
    check: Check,
    ctx: CheckContext,
    probe: bool,
    bounds: Bounds,
) -> int:
    """Record one relation check's problems (again while it finds more, for a repeated
    check) and drop the rows found; returns how many problems it recorded."""
    if probe and not _may_find(con, (check,), ctx, bounds):
        return 0
    total = 0
    while True:
        found = _record(con, ordinal, check, ctx, bounds)
        total += found
        con.execute(DROP_BAD)
        if not found or check not in REPEATED_CHECKS:
            return total


_QUARANTINE = """
INSERT INTO quarantine
SELECT p_ingest_id, src.path, p_table_name, s._row, p_row_key, a.column_name, a.reason, a.message,
       coalesce(s._raw, p_values_json)
FROM (
  SELECT _id, arg_min(column_name, ord) AS column_name, arg_min(reason, ord) AS reason,
         string_agg(message, '; ' ORDER BY ord) AS message
  FROM p_problems GROUP BY _id
) AS a
JOIN p_stage AS s ON s._id = a._id
JOIN p_sources AS src ON src.file_no = s._file
"""

_COUNTS = """
SELECT s._file, count(*) AS read_rows,
       count(*) FILTER (WHERE c._id IS NOT NULL) AS accepted,
       count(*) FILTER (WHERE q._id IS NOT NULL) AS quarantined
FROM p_stage AS s
LEFT JOIN p_cand AS c ON c._id = s._id
LEFT JOIN (SELECT DISTINCT _id FROM p_problems) AS q ON q._id = s._id
GROUP BY s._file
"""


_CASE_TWINS = """
SELECT count(DISTINCT c.p_key), min(c.p_key), arg_min(t.p_key, c.p_key)
FROM p_cand AS c JOIN p_table AS t ON lower(t.p_key) = lower(c.p_key) AND t.p_key <> c.p_key
"""


@dataclass(frozen=True, slots=True)
class _TableSql:
    """The fixed statements of one table's load, compiled once per process."""

    create_cand: str
    insert_accepted: str
    quarantine: str
    counts: str
    case_twins: str | None
    """Count and an example of accepted keys equal to another stored key but for case."""


@lru_cache(maxsize=64)
def _table_sql(table: Table, stage: str) -> _TableSql:
    typed = (
        exp.select(
            col("_id"),
            col("_file"),
            col("_row"),
            *(typed_value(c, col(c.name)).as_(c.name, quoted=True) for c in table.columns),
        )
        .from_(exp.to_table(stage))
        .where(exp.Is(this=col("_problem"), expression=exp.null()))
    )
    create = exp.Create(
        this=exp.to_table(CAND),
        kind="TABLE",
        expression=typed,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    names = [exp.to_identifier(c, quoted=True) for c in table.column_names]
    insert = exp.Insert(
        this=exp.Schema(this=exp.to_table(table.name), expressions=names),
        expression=exp.select(*(col(c) for c in table.column_names)).from_(CAND),
    )
    as_json = exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.to_identifier(c, quoted=True), expression=col(c, "s"))
            for c in table.column_names
        ]
    )
    quarantine = fill(
        _QUARANTINE,
        {
            "p_ingest_id": exp.Placeholder(),
            "p_table_name": text(table.name),
            "p_values_json": exp.cast(exp.func("to_json", as_json), "VARCHAR"),
            "p_row_key": exp.func(
                "concat_ws",
                text(", "),
                *(
                    exp.Coalesce(
                        this=exp.cast(typed_value(table.column(k), col(k, "s")), "VARCHAR"),
                        expressions=[col(k, "s")],
                    )
                    for k in table.primary_key
                ),
            ),
            "p_problems": PROBLEMS,
            "p_stage": stage,
            "p_sources": SOURCES,
        },
    )
    counts = fill(_COUNTS, {"p_stage": stage, "p_cand": CAND, "p_problems": PROBLEMS})
    twins: str | None = None
    keys = table.primary_key
    if len(keys) == 1 and table.column(keys[0]).type is ColumnType.TEXT:
        twins = to_sql(fill(_CASE_TWINS, {"p_table": table.name, "p_cand": CAND, "p_key": keys[0]}))
    return _TableSql(to_sql(create), to_sql(insert), to_sql(quarantine), to_sql(counts), twins)


def run_checks(
    con: duckdb.DuckDBPyConnection,
    ctx: CheckContext,
    step: Callable[[], None] = lambda: None,
    probe: bool = False,
) -> int:
    """Every check of one table's load, in DuckDB: the problems recorded in
    ``_ingest_problems`` and those rows dropped from ``_ingest_cand`` (row checks first,
    then each relation check in turn); returns how many problems were recorded."""
    recorded = 0
    if not probe or _may_find(con, ROW_CHECKS, ctx):
        for ordinal, check in enumerate(ROW_CHECKS):
            recorded += _record(con, ordinal, check, ctx)
            step()
        con.execute(DROP_BAD)
    else:
        for _check in ROW_CHECKS:
            step()
    # the candidates only shrink from here, so their ranges stay ranges of every survivor
    related, bounds = candidate_bounds(con, ctx)
    for ordinal, check in enumerate(RELATION_CHECKS, start=len(ROW_CHECKS)):
        recorded += _run_relation_check(con, ordinal, check, related, probe, bounds)
        step()
    return recorded


Checker = Callable[[duckdb.DuckDBPyConnection, CheckContext, Callable[[], None]], int]
"""What runs a table's checks (:func:`run_checks`' contract, one ``step()`` per check):
DuckDB by default, Spark with ``merchantry ingest --engine spark``
(:mod:`merchantry.spark.ingest`)."""


def load_table(
    con: duckdb.DuckDBPyConnection,
    table: Table,
    stage: str,
    sources: Sequence[Source],
    ingest_id: str,
    step: Callable[[], None] = lambda: None,
    warnings: list[str] | None = None,
    probe: bool = False,
    checker: Checker | None = None,
) -> list[FileReport]:
    """Validate ``stage`` into ``table`` and ``quarantine``; one report per source that fed it.

    ``probe``: first ask, with the checks' conditions alone, whether a group of checks
    can find anything, and skip recording it when not. The outcome is the same; it is
    cheaper for small batches that are usually clean (the service's posted events),
    where building each check's messages costs more than scanning the rows.

    ``checker``: runs the checks instead of :func:`run_checks` (Spark); the rest (the
    typed candidates, the insert, the quarantine, the counts) stays in DuckDB."""
    compiled = _table_sql(table, stage)
    con.execute("DROP TABLE IF EXISTS _ingest_cand")
    con.execute("DROP TABLE IF EXISTS _ingest_problems")
    con.execute(compiled.create_cand)
    con.execute(
        "CREATE TEMP TABLE _ingest_problems (_id BIGINT, ord INTEGER, column_name VARCHAR, "
        "reason VARCHAR, message VARCHAR)"
    )
    ctx = CheckContext(table=table, stage=stage, cand=CAND)
    recorded = run_checks(con, ctx, step, probe) if checker is None else checker(con, ctx, step)
    con.execute(compiled.insert_accepted)
    if warnings is not None and compiled.case_twins is not None:
        found = con.execute(compiled.case_twins).fetchone()
        if found and found[0]:
            key = table.primary_key[0]
            warnings.append(
                f"{table.name}: {found[0]:,} new {key} values differ from other stored ones "
                f"only in case (e.g. {found[1]!r} and {found[2]!r}); they were stored as "
                "different keys"
            )
    if recorded:  # the problems table is empty otherwise
        con.execute(compiled.quarantine, [ingest_id])
    step()

    counts = con.execute(compiled.counts).fetchall()
    by_file = {int(r[0]): (int(r[1]), int(r[2]), int(r[3])) for r in counts}
    reports = []
    for source in sources:
        read, accepted, quarantined = by_file.get(source.file_no, (0, 0, 0))
        report = FileReport(source.path, table.name, read, accepted, quarantined, source.encoding)
        if not report.is_balanced:
            raise IntegrityError(
                f"ingest lost rows of {source.path} for {table.name}: read {read}, "
                f"accepted {accepted}, quarantined {quarantined}"
            )
        reports.append(report)
    con.execute("DROP TABLE _ingest_cand")
    con.execute("DROP TABLE _ingest_problems")
    step()
    return reports
