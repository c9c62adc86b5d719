"""DuckDB macros expanded into plain SQL: DuckDB's own macro is the oracle, Spark agrees."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
import sqlglot

from merchantry.ledger.postings import ROUTING_MACROS
from merchantry.spark.macros import expand_macros, macros_in
from merchantry.spark.portable import problems_of, rewrite, to_spark
from merchantry.spark.statements import SparkStatements

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROWS = """
(VALUES ('merchant', DATE '2026-03-05', DATE '2026-03-05', NULL, 's1', 'c1'),
        ('merchant', DATE '2026-03-04', DATE '2026-03-05', NULL, 's1', NULL),
        ('merchant', DATE '2026-03-04', NULL, NULL, 's2', 'c2'),
        ('creator', DATE '2026-03-09', NULL, DATE '2026-03-08', 's3', 'c3'),
        ('creator', DATE '2026-03-07', NULL, DATE '2026-03-08', 's3', NULL),
        ('colonel', DATE '2026-03-08', DATE '2026-03-01', DATE '2026-03-08', 's4', 'c4'),
        ('colonel', DATE '2026-03-08', NULL, NULL, 's4', 'c4'),
        ('buyer', DATE '2026-03-01', NULL, NULL, 's5', 'c5'),
        ('platform', DATE '2026-03-01', NULL, NULL, 's6', NULL),
        (NULL, DATE '2026-03-01', NULL, NULL, 's7', 'c7'))
  AS t(role, d, settle_on, csettle_on, shop_id, creator_id)
"""

ROUTED = f"""
SELECT role, d, shop_id,
       ledger_role(role, 'platform_fee_revenue', d, settle_on, csettle_on) AS account,
       ledger_party(role, shop_id, creator_id) AS party
FROM {ROWS}
ORDER BY shop_id, d, role
"""


def expanded(sql: str, macros: str = ROUTING_MACROS) -> sqlglot.exp.Expr:
    return expand_macros(sqlglot.parse_one(sql, read="duckdb"), macros_in([macros]))


def with_macros(sql: str, macros: str = ROUTING_MACROS) -> list[tuple[Any, ...]]:
    """The rows DuckDB gives with the macros defined: the oracle."""
    con = duckdb.connect()
    try:
        con.execute(macros)
        return con.execute(sql).fetchall()
    finally:
        con.close()


def without_macros(tree: sqlglot.exp.Expr) -> list[tuple[Any, ...]]:
    con = duckdb.connect()  # no macro defined: a call left in place would fail here
    try:
        return con.execute(tree.sql(dialect="duckdb")).fetchall()
    finally:
        con.close()


def test_the_ledger_routing_macros_expand_to_duckdbs_own_answer() -> None:
    tree = expanded(ROUTED)
    assert "ledger_" not in tree.sql(dialect="duckdb").lower()
    expected = with_macros(ROUTED)
    assert {r[3] for r in expected} >= {"merchant_available", "merchant_pending", "buyers"}
    assert without_macros(tree) == expected
    assert problems_of(rewrite(tree)) == []  # plain SQL the check carries


def test_an_argument_keeps_its_precedence() -> None:
    macros = "CREATE TEMP MACRO twice(x) AS x * 2; CREATE TEMP MACRO outer_(a, b) AS twice(a - b)"
    sql = "SELECT twice(1 + 2), outer_(10, 3 + 1), twice(NULL)"
    assert with_macros(sql, macros) == [(6, 12, None)]
    assert without_macros(expanded(sql, macros)) == [(6, 12, None)]


def test_a_table_macro_is_not_expanded_and_stays_refused() -> None:
    tree = expanded("SELECT * FROM t WHERE x = pick(1)", "CREATE MACRO pick(n) AS TABLE SELECT n")
    assert [p.construct for p in problems_of(rewrite(tree))] == ["function pick"]


def test_expanded_routing_gives_spark_duckdbs_rows(spark: SparkSession) -> None:
    rows = [tuple(r) for r in spark.sql(to_spark(expanded(ROUTED), "routing")).collect()]
    assert rows == with_macros(ROUTED)


def test_the_statement_runner_keeps_macros_for_later_statements(
    spark: SparkSession, tmp_path: Path
) -> None:
    warehouse = duckdb.connect()
    try:
        runner = SparkStatements(spark, warehouse, tmp_path, "test")
        runner.execute(ROUTING_MACROS)  # a script: macros and a temp table
        runner.execute("CREATE TEMP MACRO twice(x) AS x * 2")
        assert runner.execute(ROUTED).fetchall() == with_macros(ROUTED)
        assert runner.execute("SELECT twice(1 + $n)", {"n": 2}).fetchall() == [(6,)]
    finally:
        warehouse.close()


@pytest.mark.parametrize("name", ["ledger_merchant", "ledger_role", "ledger_party"])
def test_every_routing_macro_is_found(name: str) -> None:
    assert name in macros_in([ROUTING_MACROS])
