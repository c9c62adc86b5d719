"""The Python evaluator of compiled rule trees agrees with DuckDB on the same row.

Each case is an expression and a row of values; DuckDB evaluates the expression's
SQL over a one-row relation of those values, the evaluator evaluates the tree in
Python. NULLs, negative operands, ties and unit boundaries are where the two
languages differ, so that is what the generated rows are made of.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
import sqlglot
import sqlglot.expressions as exp
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.fees.compiler import Compiler
from merchantry.fees.query import amounts_step, rates_step, rules_step, waived_step
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.condition import CompileError
from merchantry.service.online.evaluate import compile_expr, date_diff

CON = duckdb.connect()

EXPRESSIONS = (
    "a // b",
    "a % b",
    "a * b + c",
    "least(a, b, c)",
    "greatest(a, NULL, c)",
    "coalesce(a, b, 7)",
    "CASE WHEN a > b THEN 'x' WHEN a = b THEN 'y' END",
    "CASE a WHEN 1 THEN 10 WHEN 2 THEN 20 ELSE 30 END",
    "a IN (1, 2, b)",
    "a BETWEEN b AND c",
    "NOT (a > b) OR c IS NULL",
    "(a > b) AND (b > c)",
    "sign(a) * ((abs(a) * 2 + 10000) // (2 * 10000))",
    "nullif(a, b)",
    "[10, 20, 30][a]",
    "abs(a - b)",
    "CAST(a AS VARCHAR)",
    "if(a > 0, b, c)",
    "a IS NOT DISTINCT FROM b",
)

ints = st.one_of(st.none(), st.integers(-50_000, 50_000))


def duck(sql: str, row: dict[str, Any]) -> Any:
    names = list(row)

    def slot(value: Any) -> str:
        # Python ints bind as INTEGER; the compiled rules compute in BIGINT
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return "CAST(? AS BIGINT)"
        return "?"

    values = ", ".join(f"{slot(row[n])} AS {n}" for n in names) or "1 AS dummy"
    query = f"SELECT {sql} FROM (SELECT {values})"
    result = CON.execute(query, [row[n] for n in names]).fetchone()
    assert result is not None
    return result[0]


@pytest.mark.parametrize("sql", EXPRESSIONS)
@settings(max_examples=60, deadline=None)
@given(a=ints, b=ints, c=ints)
def test_integer_expressions_match_duckdb(sql: str, a: Any, b: Any, c: Any) -> None:
    row = {"a": a, "b": b, "c": c}
    tree = sqlglot.parse_one(sql, read="duckdb")
    try:
        expected = duck(f"({sql})::VARCHAR" if "VARCHAR" in sql else sql, row)
    except duckdb.Error:  # e.g. division by zero: the evaluator must refuse too
        with pytest.raises(CompileError):
            compile_expr(tree)(row)
        return
    assert compile_expr(tree)(row) == expected


times = st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31))


@settings(max_examples=200, deadline=None)
@given(a=times, b=times, unit=st.sampled_from(["minute", "hour", "day", "month", "year"]))
def test_date_diff_counts_boundaries_like_duckdb(a: datetime, b: datetime, unit: str) -> None:
    expected = duck(f"date_diff('{unit}', a, b)", {"a": a, "b": b})
    assert date_diff(unit, a, b) == expected


@settings(max_examples=100, deadline=None)
@given(d=st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_date_parts_match_duckdb(d: date) -> None:
    for sql in ("year(d)", "month(d)", "day(d)", "dayofweek(d)"):
        assert compile_expr(sqlglot.parse_one(sql, read="duckdb"))({"d": d}) == duck(sql, {"d": d})


def test_decimal_scores_compare_and_cast_like_duckdb() -> None:
    row = {"s": Decimal("89.50")}
    for sql in ("s >= 90", "CAST(s AS INT)", "s * 2", "s >= 89.5"):
        tree = sqlglot.parse_one(sql, read="duckdb")
        assert compile_expr(tree)(row) == duck(sql, {"s": Decimal("89.50")}), sql


def test_a_construct_without_a_rule_is_refused_by_name() -> None:
    with pytest.raises(CompileError, match="no translation rule for RegexpLike"):
        compile_expr(sqlglot.parse_one("regexp_matches(a, 'x')", read="duckdb"))


@pytest.mark.parametrize("rulebook", ["douyin-2025", "douyin-2026", "taobao-2026"])
def test_every_fee_step_of_a_shipped_rulebook_compiles(rulebook: str) -> None:
    """The evaluator has a rule for every construct the fee compiler emits."""
    c = Compiler(load_rulebook(rulebook))
    columns = [*rules_step(c), *rates_step(c), *waived_step(c), *amounts_step(), *c.match_step()]
    for _name, tree in columns:
        compile_expr(tree)
    assert columns


def test_three_valued_logic() -> None:
    row: dict[str, Any] = {"a": None, "b": True, "c": False}
    cases = {"a AND c": False, "a AND b": None, "a OR b": True, "a OR c": None, "NOT a": None}
    for sql, expected in cases.items():
        assert compile_expr(sqlglot.parse_one(sql, read="duckdb"))(row) is expected
        assert duck(sql, row) is expected


def test_a_list_subscript_out_of_range_is_null() -> None:
    tree = exp.Bracket(
        this=exp.Array(expressions=[exp.Literal.string("x")]), expressions=[exp.column("i")]
    )
    for i in (None, 0, 1, 2, -1):
        assert compile_expr(tree)({"i": i}) == duck("['x'][i]", {"i": i})


def test_timestamp_to_date_cast() -> None:
    at = datetime(2026, 3, 1, 23, 59, 59) + timedelta(microseconds=999_999)
    tree = sqlglot.parse_one("CAST(t AS DATE)", read="duckdb")
    assert compile_expr(tree)({"t": at}) == duck("CAST(t AS DATE)", {"t": at})
