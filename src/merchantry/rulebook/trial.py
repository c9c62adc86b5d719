"""Run every condition once, before any stage does, on a relation built to break it.

A condition can be well-formed and still fail when DuckDB evaluates it: a cast that cannot
succeed (``CAST(order.scene AS INT)``), a division or modulo by zero, an integer overflow
(``order.quantity * 100000``), an unknown date part (``date_diff('fortnight', …)``). The
stages would then fail half-way through a close. Instead, the checker compiles each condition
exactly as the stages do (:func:`~merchantry.rulebook.condition.compile_condition`) and
evaluates it in DuckDB on the *trial relation*: a few rows with the fact relation's own column
types holding the values that break expressions (NULL, zero, one, each column's extremes,
every declared choice, text that is not a number).

The extremes are what the stages can be given: a column's declared range in the data model
when it has one (``orders.quantity`` 1..100,000), otherwise the largest amount a rule may
state (:data:`~merchantry.rulebook.limits.AMOUNT_LIMIT_FEN`) for 64-bit columns and the 32-bit
range for 32-bit ones. The column types come from the fact relation itself (an empty
warehouse in memory), so the trial cannot drift from what the stages evaluate.
"""

from __future__ import annotations

import atexit
import functools
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import duckdb
import sqlglot.expressions as exp

from merchantry.model.schema import ColumnType
from merchantry.model.tables import TABLES
from merchantry.rulebook.columns import COLUMNS_BY_NAME, GATE_COLUMNS
from merchantry.rulebook.condition import compile_condition
from merchantry.rulebook.facts import fact_relation
from merchantry.rulebook.limits import AMOUNT_LIMIT_FEN, COUNT_LIMIT
from merchantry.rulebook.ruleset import fact_column
from merchantry.store.sql import fill_sql, insert_values, to_sql
from merchantry.store.warehouse import ensure_schema

TRIAL_TABLE: Final = "trial_facts"
NAMESPACE_TABLES: Final = {
    "order": "orders",
    "shop": "shops",
    "category": "categories",
    "creator": "creators",
}
"""The model table whose declared range bounds a condition namespace's stored columns."""

_BY_FACT_COLUMN: Final = {c.fact_column: c for c in COLUMNS_BY_NAME.values()}
_LOCK = threading.Lock()
_GATE_TYPES: Final = {ColumnType.INT: "INTEGER", ColumnType.BOOL: "BOOLEAN"}
"""SQL types of the gate-only columns (every one is a count or a flag)."""


@dataclass(frozen=True, slots=True)
class TrialFailure:
    """A condition that fails when evaluated, and the values it failed on."""

    rule_id: str
    code: str
    message: str
    hint: str


def _bounds(fact_column: str, sql_type: str) -> tuple[int, int]:
    declared = _BY_FACT_COLUMN.get(fact_column)
    low, high = (
        (-COUNT_LIMIT, COUNT_LIMIT)
        if sql_type == "INTEGER"
        else (
            -AMOUNT_LIMIT_FEN,
            AMOUNT_LIMIT_FEN,
        )
    )
    if declared is not None and not declared.derived:
        table = next((t for t in TABLES if t.name == NAMESPACE_TABLES[declared.namespace]), None)
        column = None
        if table is not None:
            column = next((c for c in table.columns if c.name == declared.field), None)
        if column is not None:
            low = low if column.minimum is None else max(low, column.minimum)
            high = high if column.maximum is None else min(high, column.maximum)
    return low, high


def _values(fact_column: str, sql_type: str) -> list[Any]:
    """Values that break expressions over this column, NULL first."""
    declared = _BY_FACT_COLUMN.get(fact_column)
    choices = list(declared.choices) if declared is not None else []
    if sql_type in ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "HUGEINT"):
        low, high = _bounds(fact_column, sql_type)
        return [None, *dict.fromkeys(min(max(v, low), high) for v in (0, 1, high, low, -1))]
    if sql_type.startswith("DECIMAL"):
        return [None, 0, 100, 1]
    if sql_type in ("DOUBLE", "FLOAT"):
        return [None, 0.0, 1.0, float(AMOUNT_LIMIT_FEN), -1.0]
    if sql_type == "VARCHAR":
        return [None, "", "x", "0", *choices]
    if sql_type == "BOOLEAN":
        return [None, False, True]
    if sql_type == "DATE":
        return [None, date(1970, 1, 1), date(2026, 1, 8), date(2099, 12, 31)]
    if sql_type.startswith("TIMESTAMP"):
        return [None, datetime(1970, 1, 1), datetime(2026, 1, 8, 12), datetime(2099, 12, 31, 23)]
    if sql_type.endswith("[]"):
        return [None, [], ["x"], *[[c] for c in choices]]
    return [None]


@functools.cache
def _trial_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the trial relation (built once per process)."""
    con = duckdb.connect()
    atexit.register(con.close)  # closed before the interpreter tears DuckDB down
    ensure_schema(con)
    gate_only = [  # the gate step adds them (scoring/gates.py)
        exp.alias_(exp.cast(exp.Null(), _GATE_TYPES[c.type]), c.fact_column) for c in GATE_COLUMNS
    ]
    shape = exp.select(exp.Star(), *gate_only).from_(exp.Subquery(this=fact_relation())).limit(0)
    con.execute(
        to_sql(exp.Create(this=exp.to_table("fact_shape"), kind="TABLE", expression=shape)),
        {"start": date(2026, 1, 1), "end": date(2026, 1, 1)},
    )
    columns = [(str(r[0]), str(r[1])) for r in con.execute("DESCRIBE fact_shape").fetchall()]
    values = [_values(name, sql_type) for name, sql_type in columns]
    rows = max(len(v) for v in values)
    con.execute(
        fill_sql("CREATE TABLE p_trial AS SELECT * FROM fact_shape LIMIT 0", p_trial=TRIAL_TABLE)
    )
    con.execute(fill_sql("ALTER TABLE p_trial ADD COLUMN trial_row INTEGER", p_trial=TRIAL_TABLE))
    con.executemany(
        insert_values(TRIAL_TABLE, [*(name for name, _ in columns), "trial_row"]),
        [[v[i % len(v)] for v in values] + [i] for i in range(rows)],
    )
    return con


def _classify(error: str) -> tuple[str, str]:
    text = error.lower()
    if "specifier" in text or "date part" in text:
        return "runtime-date-part", (
            "date parts are: year, month, day, hour, minute, second, week, quarter, dow, doy"
        )
    if "division by zero" in text:
        return "runtime-division-by-zero", "guard the divisor: x // nullif(y, 0)"
    if "overflow" in text or "out of range" in text:
        return "runtime-overflow", (
            "an intermediate value exceeds its type for values the data may hold; compare "
            "without multiplying, or CAST(... AS BIGINT) first"
        )
    if "convert" in text or "cast" in text:
        return "runtime-cast", (
            "the cast fails for some values of the column; compare the column as it is "
            "(see its type in docs/rulebooks.md)"
        )
    return "runtime-error", "rewrite the condition; it fails when evaluated"


def _on_trial(*items: exp.Expr, one_row: bool = False) -> str:
    """``SELECT items FROM trial AS f`` (``WHERE f.trial_row = ?`` for ``one_row``)."""
    query = exp.select(*items).from_(exp.alias_(exp.to_table(TRIAL_TABLE), "f", table=True))
    if one_row:
        query = query.where(exp.column("trial_row", table="f").eq(exp.Placeholder()))
    return to_sql(query)


def _failing_row(cur: duckdb.DuckDBPyConnection, tree: exp.Expr, columns: Sequence[str]) -> str:
    """The values (of the columns the condition reads) of the first row it fails on."""
    order = exp.select(exp.column("trial_row")).from_(TRIAL_TABLE).order_by("trial_row")
    rows = cur.execute(to_sql(order)).fetchall()
    for (row,) in rows:
        try:
            cur.execute(_on_trial(tree, one_row=True), [row]).fetchall()
        except duckdb.Error:
            if not columns:
                return ""
            picked = [
                fact_column(COLUMNS_BY_NAME[c].fact_column) for c in columns if c in COLUMNS_BY_NAME
            ]
            if not picked:
                return ""
            found = cur.execute(_on_trial(*picked, one_row=True), [row]).fetchone()
            if not found:
                return ""
            shown = ", ".join(f"{c} = {v!r}" for c, v in zip(columns, found, strict=False))
            return f" (for example when {shown})"
    return ""


def trial_run(
    conditions: Sequence[tuple[str, exp.Expr, tuple[str, ...]]], params: Mapping[str, int]
) -> list[TrialFailure]:
    """Evaluate each ``(rule id, checked condition, columns read)`` on the trial relation;
    a failure for each condition DuckDB cannot evaluate on every row."""
    if not conditions:
        return []
    compiled = [
        (rule_id, compile_condition(tree, params, fact_alias="f"), columns)
        for rule_id, tree, columns in conditions
    ]
    with _LOCK:
        cur = _trial_connection().cursor()
    try:
        together = [exp.alias_(c.copy(), f"c{i}") for i, (_, c, _) in enumerate(compiled)]
        try:
            cur.execute(_on_trial(*together)).fetchall()
            return []
        except duckdb.Error:
            pass  # find which ones fail, one at a time
        failures: list[TrialFailure] = []
        for rule_id, condition, columns in compiled:
            try:
                cur.execute(_on_trial(condition.copy())).fetchall()
            except duckdb.Error as err:
                first = str(err).splitlines()[0]
                code, hint = _classify(first)
                where = _failing_row(cur, condition, columns)
                failures.append(
                    TrialFailure(
                        rule_id, code, f"the condition fails when run{where}: {first}", hint
                    )
                )
        return failures
    finally:
        cur.close()
