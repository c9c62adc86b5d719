"""The close's own traps on both engines: the experience deposit's rule among equal amounts,
and the settlement delay's business days (weekdays, and China's working days with their
holidays and make-up days), run by DuckDB and by Spark on the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
import sqlglot
import sqlglot.expressions as exp

from merchantry.kit.businessdays import CN_WORKING_DAYS, add_business_days, add_business_days_sql
from merchantry.ledger.deposits import EXPERIENCE_IN_FORCE
from merchantry.spark import tables
from merchantry.spark.portable import to_spark
from merchantry.spark.statements import SparkStatements
from merchantry.store.sql import fill_sql, parse

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DAY = date(2026, 10, 8)

TABLES = """
CREATE TABLE ledger_requirements AS SELECT * FROM (VALUES
  ('s1', 900000, 1000, 'tier.a'), ('s2', 900000, 1000, 'tier.a'),
  ('s3', 900000, 1000, 'tier.b'), ('s4', 900000, 1000, 'tier.a')
) AS t(shop_shop_id, gmv_fen, required_fen, rule_id);
CREATE TABLE ledger_experience_orders AS SELECT * FROM (VALUES
  ('s1', DATE '2026-10-05', 50000, 30, 'exp.b'),
  ('s1', DATE '2026-10-06', 50000, 30, 'exp.a'),
  ('s1', DATE '2026-10-06', 100, 30, 'exp.0'),
  ('s2', DATE '2026-10-06', 300, 30, 'exp.z'),
  ('s2', DATE '2026-10-07', 200, 30, 'exp.a'),
  ('s4', DATE '2026-10-07', 700, 30, 'exp.y'),
  ('s4', DATE '2026-10-07', 700, 30, 'exp.x'),
  ('s4', DATE '2026-08-01', 900, 30, 'exp.old')
) AS t(shop_id, paid_on, amount_fen, clean_days, rule_id);
CREATE TABLE ledger_advances (shop_id VARCHAR, from_on DATE, to_on DATE, advance_fen BIGINT,
  deposit_fen BIGINT);
CREATE TABLE ledger_advance_rules (shop_shop_id VARCHAR, adv_bp INTEGER, adv_base BIGINT,
  adv_days INTEGER, adv_rule VARCHAR);
"""
"""Shop s1: two orders of the same largest amount under rules ``exp.b`` and ``exp.a`` (and a
smaller one under ``exp.0``); s2: the largest amount under the larger rule id; s3: none;
s4: a tie again, and an order outside the clean days that must not count."""

EXPECTED = [
    ("s1", 900000, 51000, "exp.a"),
    ("s2", 900000, 1300, "exp.z"),
    ("s3", 900000, 1000, "tier.b"),
    ("s4", 900000, 1700, "exp.x"),
]
"""The rule of the largest amount, the smallest rule id among equal amounts (the close's
documented order: ``ledger.deposits.EXPERIENCE_IN_FORCE``)."""

IN_FORCE = fill_sql(EXPERIENCE_IN_FORCE, p_advance_owed=parse("ar.adv_base"))
RESULT = "SELECT shop_shop_id, gmv_fen, required_fen, rule_id FROM ledger_requirements ORDER BY 1"


@pytest.fixture
def warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    try:
        con.execute(TABLES)
        yield con
    finally:
        con.close()


def test_equal_experience_amounts_take_the_smallest_rule_id_on_both(
    spark: SparkSession, warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    runner = SparkStatements(spark, warehouse, tmp_path, "the tie-break test")
    for name in ("ledger_requirements", "ledger_experience_orders", "ledger_advances"):
        runner.register(name, warehouse.sql(f"SELECT * FROM {name}").to_arrow_table())
    runner.register(
        "ledger_advance_rules",
        warehouse.sql("SELECT * FROM ledger_advance_rules").to_arrow_table(),
    )
    runner.execute(IN_FORCE, {"day": DAY})
    on_spark = runner.execute(RESULT).fetchall()

    warehouse.execute(IN_FORCE, {"day": DAY})
    on_duckdb = [tuple(r) for r in warehouse.execute(RESULT).fetchall()]
    assert on_duckdb == EXPECTED
    assert on_spark == EXPECTED


def business_days_query() -> str:
    due = add_business_days_sql(exp.column("start"), exp.column("n"), exp.column("w"))
    query = exp.select("start", "n", "w", exp.alias_(exp.cast(due, "DATE"), "due"))
    return query.from_("calendar_cases").order_by("start", "n", "w").sql(dialect="duckdb")


def calendar_cases() -> list[tuple[date, int, int]]:
    """Starts across Spring Festival and National Day 2026 (holidays, make-up Saturdays,
    weekends), 0 to 4 days, every calendar (every day, weekdays, China's working days)."""
    starts = [date(2026, 2, 10) + timedelta(days=i) for i in range(20)]
    starts += [date(2026, 9, 24) + timedelta(days=i) for i in range(22)]
    return [(s, n, w) for s in starts for n in range(5) for w in (0, 1, CN_WORKING_DAYS)]


def test_business_days_are_duckdbs_on_spark(spark: SparkSession, tmp_path: Path) -> None:
    """The settlement delay's business days: DuckDB's SQL twin (pinned to the Python
    calendar here) and Spark give the same due dates (the n-th working day is a filtered
    day series indexed from 1, ``isodow`` and ``error`` are DuckDB's)."""
    cases = calendar_cases()
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE calendar_cases (start DATE, n INTEGER, w INTEGER)")
        con.executemany("INSERT INTO calendar_cases VALUES (?, ?, ?)", cases)
        sql = business_days_query()
        on_duckdb = [tuple(r) for r in con.execute(sql).fetchall()]
        tables.export(con, ["calendar_cases"], tmp_path)
    finally:
        con.close()
    tables.register(spark, str(tmp_path), ["calendar_cases"])
    python = sorted((s, n, w, add_business_days(s, n, weekdays_only=w)) for s, n, w in cases)
    assert on_duckdb == python  # the oracle agrees with the Python calendar
    assert len({r[3] for r in on_duckdb if r[2] == CN_WORKING_DAYS}) > 10
    carried = to_spark(sqlglot.parse_one(sql, read="duckdb"), "business days")
    on_spark: list[tuple[Any, ...]] = [tuple(r) for r in spark.sql(carried).collect()]
    mismatched = [(d, s) for d, s in zip(on_duckdb, on_spark, strict=True) if d != s]
    assert not mismatched, mismatched[:5]
