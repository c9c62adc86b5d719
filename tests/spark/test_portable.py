"""The known traps between DuckDB and Spark SQL: each refused by name, or rewritten so
both engines give the same rows (run on both, compared here).

Each "trap" test first shows the trap is real where it can (sqlglot's plain transpile
gives Spark a different answer), then that the carried query agrees.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
import sqlglot

from merchantry.ingest.checks import RELATION_CHECKS, ROW_CHECKS, CheckContext
from merchantry.model.tables import TABLES
from merchantry.spark import tables
from merchantry.spark.portable import (
    UnportableSQL,
    bind,
    first_value_tie_checks,
    mark_first_values,
    portable,
    problems_of,
    rewrite,
    spark_steps,
    tables_read,
    to_spark,
)
from merchantry.store.sql import concat

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def duck(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def on_spark(spark: SparkSession, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in spark.sql(sql).collect()]


def plain(sql: str) -> str:
    """What sqlglot alone writes for Spark."""
    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


def carried(sql: str) -> str:
    return to_spark(sqlglot.parse_one(sql, read="duckdb"), "test query")


def refusal(sql: str) -> str:
    with pytest.raises(UnportableSQL) as caught:
        carried(sql)
    return str(caught.value)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> duckdb.DuckDBPyConnection:
    """A DuckDB with small trap tables, the same tables registered in Spark."""
    root: Path = tmp_path_factory.mktemp("traps")
    db = duckdb.connect()
    db.execute(
        """
        CREATE TABLE moments AS SELECT * FROM (VALUES
          (1, TIMESTAMP '2026-03-01 10:00:59', TIMESTAMP '2026-03-01 10:01:00'),
          (2, TIMESTAMP '2026-03-01 23:59:00', TIMESTAMP '2026-03-02 00:01:00'),
          (3, TIMESTAMP '2026-01-31 12:00:00', TIMESTAMP '2026-02-01 11:00:00'),
          (4, TIMESTAMP '2025-12-31 23:00:00', TIMESTAMP '2026-01-01 01:00:00'),
          (5, TIMESTAMP '2026-03-01 10:00:00', TIMESTAMP '2026-03-01 09:59:01')
        ) AS t(id, a, b);
        CREATE TABLE nums AS SELECT * FROM (VALUES
          (1, 7, 2, 3), (2, -7, 2, NULL), (3, 7, -2, 1), (4, NULL, 3, 2), (5, -1, 5, 1)
        ) AS t(id, n, d, p);
        CREATE TABLE scores AS SELECT * FROM (VALUES
          ('s1', DATE '2026-03-01', 10), ('s1', DATE '2026-03-05', 20),
          ('s2', DATE '2026-03-03', 30)
        ) AS t(shop_id, score_date, score);
        CREATE TABLE events AS SELECT * FROM (VALUES
          (1, 's1', DATE '2026-02-28'), (2, 's1', DATE '2026-03-01'), (3, 's1', DATE '2026-03-04'),
          (4, 's1', DATE '2026-03-05'), (5, 's1', DATE '2026-03-09'), (6, 's2', DATE '2026-03-03'),
          (7, 's3', DATE '2026-03-03')
        ) AS t(id, shop_id, day);
        CREATE TABLE plans AS SELECT * FROM (VALUES
          (1, ['colonel', 'all_creators'], 'colonel'), (2, ['colonel', NULL], 'designated'),
          (3, ['colonel', NULL], 'colonel'), (4, NULL, 'colonel'), (5, [], 'colonel'),
          (6, ['designated'], NULL)
        ) AS t(id, plans, wanted);
        """
    )
    names = ["moments", "nums", "scores", "events", "plans"]
    tables.export(db, names, root)
    tables.register(spark, root, names)
    return db


# --- date_diff: calendar boundaries vs whole units elapsed -------------------------------


def test_date_diff_counts_boundaries_on_both(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = (
        "SELECT id, date_diff('minute', a, b), date_diff('day', a, b), date_diff('hour', a, b),"
        " date_diff('month', a, b), date_diff('year', a, b) FROM moments ORDER BY id"
    )
    expected = duck(con, sql)
    assert expected[0][1] == 1
    assert expected[1][2] == 1
    assert on_spark(spark, plain(sql)) != expected  # the trap: Spark counts whole units
    assert on_spark(spark, carried(sql)) == expected


def test_date_diff_in_weeks_is_refused() -> None:
    message = refusal("SELECT date_diff('week', a, b) FROM moments")
    assert "date_diff('week'" in message
    assert "(at DATE_DIFF('WEEK', a, b))" in message


# --- range / generate_series: end inclusivity and direction ------------------------------


def test_range_with_a_step_is_refused(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    sql = "SELECT range(1, 6, 2) AS r"
    assert duck(con, sql) == [([1, 3, 5],)]
    assert on_spark(spark, plain(sql)) != [([1, 3, 5],)]  # the trap: sqlglot drops the 5
    assert "range: a step" in refusal(sql)


def test_a_descending_series_is_refused(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = "SELECT generate_series(5, 1) AS r"
    assert duck(con, sql) == [([],)]
    assert on_spark(spark, plain(sql)) == [([5, 4, 3, 2, 1],)]  # the trap: Spark counts down
    assert "start > end" in refusal(sql)
    assert "not integer literals" in refusal("SELECT generate_series(n, d) FROM nums")


def test_an_ascending_literal_series_is_carried(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    for sql in ("SELECT generate_series(1, 4) AS r", "SELECT range(1, 4) AS r"):
        assert on_spark(spark, carried(sql)) == duck(con, sql)


# --- division ------------------------------------------------------------------------------


def test_integer_division_truncates_alike(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = "SELECT id, n // d, abs(n) // d FROM nums ORDER BY id"
    expected = duck(con, sql)
    assert expected[1][1] == -3  # -7 // 2 truncates toward zero on DuckDB
    assert on_spark(spark, carried(sql)) == expected


def test_fractional_and_slash_division_are_refused() -> None:
    assert "`//` on a non-integer" in refusal("SELECT 7.5 // d FROM nums")
    assert "`//` on a non-integer" in refusal("SELECT CAST(n AS DOUBLE) // d FROM nums")
    message = refusal("SELECT n / d FROM nums")
    assert "DIV: `/` is DOUBLE division" in message
    assert "n / d" in message


# --- NULL ordering -------------------------------------------------------------------------


def test_null_order_is_duckdbs_on_both(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    sql = "SELECT id, p FROM nums ORDER BY p, id"
    duck_rows = duck(con, sql)
    assert duck_rows[-1][1] is None  # DuckDB: NULLS LAST ascending
    assert on_spark(spark, sql)[0][1] is None  # the trap: Spark's default puts it first
    assert on_spark(spark, carried(sql)) == duck_rows
    built = sqlglot.parse_one("SELECT id, p FROM nums", read="duckdb")
    ordered = sqlglot.exp.Ordered(this=sqlglot.exp.column("p"))  # as code builds it: no NULLS
    built.set("order", sqlglot.exp.Order(expressions=[ordered, sqlglot.exp.column("id")]))
    assert "ORDER BY p NULLS LAST" in to_spark(built, "test")
    assert on_spark(spark, to_spark(built, "test")) == duck_rows
    window = "SELECT id, row_number() OVER (ORDER BY p DESC, id) AS rank FROM nums ORDER BY id"
    assert on_spark(spark, carried(window)) == duck(con, window)


# --- ties and arbitrary rows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("SELECT arg_max(id, p) FROM nums", "ARGMAX"),
        ("SELECT max_by(id, p) FROM nums", "ARGMAX"),
        ("SELECT arg_min(id, p) FROM nums", "ARGMIN"),
        ("SELECT any_value(id) FROM nums", "ANYVALUE"),
        ("SELECT first(id) FROM nums", "FIRST"),
        ("SELECT string_agg(CAST(id AS VARCHAR), ',') FROM nums", "GROUPCONCAT"),
        ("SELECT list(id) FROM nums", "ARRAYAGG"),
        ("SELECT DISTINCT ON (p) id FROM nums", "DISTINCT ON"),
    ],
)
def test_order_dependent_aggregates_are_refused(sql: str, construct: str) -> None:
    assert construct in refusal(sql)


# --- lists, signs, macros, ASOF ----------------------------------------------------------------


def test_list_literal_index_is_one_based_on_both(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = "SELECT id, ['a', 'b', 'c'][p] FROM nums ORDER BY id"
    expected = duck(con, sql)
    assert expected[0][1] == "c"
    assert expected[1][1] is None
    assert "list indexes are 1-based" in refusal(
        "SELECT l[p] FROM (SELECT [n, d] AS l, p FROM nums)"
    )
    assert on_spark(spark, carried(sql)) == expected


def test_list_contains_answers_as_duckdb_for_lists_holding_null(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    """A rulebook condition such as ``NOT list_contains(order.affiliate_plans, 'x')``
    keeps its rows on Spark when the list holds a NULL and no 'x'."""
    sql = (
        "SELECT id, list_contains(plans, wanted), NOT list_contains(plans, 'designated'),"
        " list_contains(plans, 'colonel') FROM plans ORDER BY id"
    )
    expected = duck(con, sql)
    assert [r[1] for r in expected] == [True, False, True, None, False, None]
    assert [r[2] for r in expected] == [True, True, True, None, True, False]
    assert on_spark(spark, plain(sql))[1][1] is None  # the trap: Spark says NULL
    assert on_spark(spark, carried(sql)) == expected
    where = "SELECT id FROM plans WHERE NOT list_contains(plans, 'designated') ORDER BY id"
    assert [r[0] for r in on_spark(spark, carried(where))] == [1, 2, 3, 5]
    assert on_spark(spark, carried(where)) == duck(con, where)


def test_sign_stays_an_integer(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    sql = "SELECT id, sign(n) * 9007199254740993 FROM nums WHERE n IS NOT NULL ORDER BY id"
    expected = duck(con, sql)
    assert expected[0][1] == 9007199254740993  # 2^53 + 1: a DOUBLE would round it
    assert on_spark(spark, carried(sql)) == expected


def test_unknown_functions_and_macros_are_refused() -> None:
    message = refusal("SELECT ledger_leg('buyers', '', 1, 'r') FROM nums")
    assert "function ledger_leg: sqlglot has no translation" in message
    assert "list lambdas" in refusal("SELECT list_transform([1, 2], x -> x + 1)")


def test_asof_join_becomes_a_windowed_left_join(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = (
        "SELECT e.id, s.score_date, s.score FROM events AS e "
        "ASOF LEFT JOIN scores AS s ON s.shop_id = e.shop_id AND e.day >= s.score_date "
        "ORDER BY e.id"
    )
    expected = duck(con, sql)
    assert [r[2] for r in expected] == [None, 10, 10, 20, 20, 30, None]
    assert on_spark(spark, carried(sql)) == expected
    strict = sql.replace(">=", ">")
    assert on_spark(spark, carried(strict)) == duck(con, strict)
    assert "ASOF JOIN" in refusal(sql.replace("e.day >= s.score_date", "e.day <= s.score_date"))


def test_materialized_ctes_become_views_and_every_part_is_checked(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = (
        "WITH a AS (SELECT id, n FROM nums), m AS MATERIALIZED (SELECT id, n FROM a WHERE id > 1) "
        "SELECT count(*), sum(n) FROM m"
    )
    steps = spark_steps(sqlglot.parse_one(sql, read="duckdb"), "test")
    assert [s.name for s in steps] == ["m", None]
    for step in steps:
        frame = spark.sql(step.sql)
        if step.name:
            frame.createOrReplaceTempView(step.name)
        else:
            assert [tuple(r) for r in frame.collect()] == duck(con, sql)
    bad = sql.replace("SELECT id, n FROM a WHERE", "SELECT id, n / 2 AS n FROM a WHERE")
    with pytest.raises(UnportableSQL, match="DIV"):
        spark_steps(sqlglot.parse_one(bad, read="duckdb"), "test")


def test_tables_read_are_the_tables_no_cte_defines() -> None:
    tree = sqlglot.parse_one(
        "WITH a AS (SELECT * FROM orders), b AS MATERIALIZED (SELECT * FROM a JOIN shops USING (x))"
        " SELECT * FROM b LEFT JOIN (SELECT * FROM shop_score_indicators) AS s ON TRUE",
        read="duckdb",
    )
    assert tables_read(tree) == ("orders", "shop_score_indicators", "shops")


def test_parameters_are_bound_as_dates_and_a_missing_one_is_named() -> None:
    tree = sqlglot.parse_one(
        "SELECT * FROM events WHERE day BETWEEN $start AND $end", read="duckdb"
    )
    text = to_spark(tree, "test", {"start": date(2026, 3, 1), "end": date(2026, 3, 4)})
    assert "CAST('2026-03-01' AS DATE)" in text
    with pytest.raises(KeyError, match="end"):
        to_spark(tree, "test", {"start": date(2026, 3, 1)})


def test_concat_skips_nulls_on_both(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    """The project's ``concat`` (store.sql) treats NULL as empty, as DuckDB's does; Spark's
    ``concat`` would make the whole message NULL."""
    built = sqlglot.exp.select(
        sqlglot.exp.column("id"), concat(sqlglot.exp.column("n"), " / ", sqlglot.exp.column("p"))
    ).from_("nums")
    built = built.order_by("id")
    expected = duck(con, built.sql("duckdb"))
    assert expected[1][1] == "-7 / "  # p is NULL: dropped, not the whole text
    assert on_spark(spark, built.sql("spark"))[1][1] is None  # the trap
    assert on_spark(spark, to_spark(built, "test")) == expected


def test_the_ingest_checks_are_carried_but_first_values_checked_for_ties() -> None:
    """Every construct of ingest's checks is carried (docs/scale.md); the one left for the
    plain check, the sequence check's ``arg_min``, runs on Spark only after a query found
    no ties in the data (``merchantry.spark.ingest``, as for the score stage)."""
    found: set[str] = set()
    for table in TABLES:
        context = CheckContext(table=table, stage="stage", cand="cand")
        for check in (*ROW_CHECKS, *RELATION_CHECKS):
            for query in check(context):
                found |= {f"{check.__name__}: {p.construct}" for p in problems_of(rewrite(query))}
    assert found == {"check_sequence: ARGMIN"}


# --- the scoring stage's constructs -----------------------------------------------------


def test_a_date_series_over_constant_days_is_carried_as_its_rows(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    """The score grid's dates: DuckDB's exclusive ``range`` of days (across a month end),
    and ``generate_series`` through its end, as VALUES on Spark."""
    days = (
        "CAST(CAST('2026-03-30' AS DATE) AS TIMESTAMP), "
        "CAST(CAST('2026-04-02' AS DATE) AS TIMESTAMP), INTERVAL 1 DAY"
    )
    for fn, count in (("range", 3), ("generate_series", 4)):
        sql = f"SELECT CAST({fn} AS DATE) AS d FROM {fn}({days}) ORDER BY d"
        expected = duck(con, sql)
        assert len(expected) == count
        assert on_spark(spark, carried(sql)) == expected


def test_unpivot_of_a_union_by_name_is_carried(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    """The contributions' shape: branches with different measure columns, NULLs dropped."""
    sql = """
        SELECT k, m, v FROM (UNPIVOT (
          SELECT id AS k, n AS a, d AS b FROM nums
          UNION ALL BY NAME
          SELECT id AS k, p AS c FROM nums WHERE id > 2
        ) ON COLUMNS(* EXCLUDE (k)) INTO NAME m VALUE v)
        ORDER BY k, m, v
    """
    expected = duck(con, sql)
    assert len(expected) == 4 + 5 + 3  # n is NULL for id 4, and ids 1-2 have no c
    assert (4, "a") not in {r[:2] for r in expected}
    assert on_spark(spark, carried(sql)) == expected


def test_a_filtered_window_aggregate_and_to_hours_are_carried(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = (
        "SELECT id, avg(n) FILTER (WHERE p IS NOT NULL) OVER (PARTITION BY d > 0) AS m, "
        "count(*) FILTER (WHERE n > 0) OVER () AS c, "
        "TIMESTAMP '2026-03-01 20:00:00' + to_hours(CAST(d * 10 AS BIGINT)) AS t "
        "FROM nums ORDER BY id"
    )
    assert on_spark(spark, carried(sql)) == duck(con, sql)


def test_a_bound_list_is_membership(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    tree = sqlglot.parse_one(
        "SELECT id, list_contains($kinds, CAST(n AS VARCHAR)), list_contains($none, "
        "CAST(n AS VARCHAR)) FROM nums ORDER BY id",
        read="duckdb",
    )
    params = {"kinds": ["7", "-1"], "none": []}
    expected = duck(con, bind(tree, params).sql(dialect="duckdb"))
    assert [r[1] for r in expected] == [True, False, True, None, True]
    assert on_spark(spark, to_spark(tree, "test", params)) == expected


FIRSTS = """
SELECT g, arg_min(x, t) AS x_first, arg_max(x, t) AS x_last FROM (VALUES
  (1, NULL, 1), (1, 'b', 2), (1, 'c', 3), (1, 'd', NULL),
  (2, 'e', 5), (2, 'f', 5), (3, NULL, 1)
) AS v(g, x, t) GROUP BY g ORDER BY g
"""


def test_first_values_skip_nulls_as_duckdb_and_ties_are_counted(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    """DuckDB's arg_min skips a NULL value (group 1 gives 'b'); Spark's min_by would give
    the NULL. Group 2 is tied at its first and last ``t``: the check counts it, and the
    carried query agrees with DuckDB once the tie is gone."""
    tree = sqlglot.parse_one(FIRSTS, read="duckdb")
    assert "ARGMIN" in refusal(FIRSTS)
    checks = first_value_tie_checks(tree)
    assert len(checks) == 1
    assert duck(con, checks[0][1].sql(dialect="duckdb")) == [(1,)]  # group 2, tied at t = 5
    untied = sqlglot.parse_one(FIRSTS.replace("(2, 'f', 5)", "(2, 'f', 6)"), read="duckdb")
    assert duck(con, first_value_tie_checks(untied)[0][1].sql(dialect="duckdb")) == [(0,)]
    expected = duck(con, untied.sql(dialect="duckdb"))
    assert expected == [(1, "b", "c"), (2, "e", "f"), (3, None, None)]
    carried_sql = portable(mark_first_values(untied), "test").sql(dialect="spark")
    assert on_spark(spark, carried_sql) == expected


def test_iso_weekday_is_duckdbs_on_both(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    """``isodow`` (the business-day arithmetic of settlement delays): sqlglot alone writes
    ``DAYOFWEEK(d) % 7 + 1``, 2 for a Monday; the carried ``WEEKDAY(d) + 1`` is DuckDB's."""
    sql = "SELECT id, day, isodow(day) FROM events ORDER BY id"
    expected = duck(con, sql)
    assert {r[2] for r in expected} >= {1, 3, 7}  # a Monday, a Wednesday, a Sunday
    assert on_spark(spark, plain(sql)) != expected  # the trap
    assert on_spark(spark, carried(sql)) == expected
