"""The SQL kit: placeholders filled through the tree, values never formatted into text."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sqlglot.expressions as exp
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.scoring.indicators import ORDERS_SQL, constant_parameters
from merchantry.scoring.inputs import PARAMETER_DEFAULTS
from merchantry.store.sql import (
    col,
    create_temp_as,
    element,
    fill,
    fill_sql,
    ident,
    insert_select,
    insert_values,
    is_in,
    lit,
    next_row_id,
    parse,
    records,
    run_sql,
    select_from,
    text,
    to_sql,
    with_ctes_of,
)

AWKWARD = ["it's", "O'Brien", "a;b", "x') OR TRUE --"]
"""Values that break SQL glued from text: quotes, a statement separator, an injection."""


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute("CREATE TABLE t (name VARCHAR, n INTEGER)")
    db.executemany("INSERT INTO t VALUES (?, ?)", [(v, i) for i, v in enumerate(AWKWARD)])
    db.execute("INSERT INTO t VALUES ('plain', 99)")
    return db


def names_where(con: duckdb.DuckDBPyConnection, condition: exp.Expr) -> list[str]:
    query = exp.select(col("name")).from_("t").where(condition).order_by(col("n"))
    return [r[0] for r in con.execute(to_sql(query)).fetchall()]


@pytest.mark.parametrize("value", AWKWARD)
def test_in_with_one_value_that_has_a_quote(con: duckdb.DuckDBPyConnection, value: str) -> None:
    assert names_where(con, is_in(col("name"), [value])) == [value]


def test_in_with_several_values_and_with_none(con: duckdb.DuckDBPyConnection) -> None:
    assert names_where(con, is_in(col("name"), ["plain", "it's"])) == ["it's", "plain"]
    assert names_where(con, is_in(col("n"), [99])) == ["plain"]
    assert names_where(con, is_in(col("name"), [])) == []


def test_fill_replaces_names_expressions_and_lists(con: duckdb.DuckDBPyConnection) -> None:
    template = "SELECT p_items FROM p_table WHERE p_test ORDER BY p_key"
    sql = fill_sql(
        template,
        p_table="t",
        p_items=[col("name"), exp.alias_(exp.Add(this=col("n"), expression=lit(1)), "m")],
        p_test=is_in(col("name"), ["O'Brien"]),
        p_key="n",
    )
    assert con.execute(sql).fetchall() == [("O'Brien", 2)]


def test_a_name_placeholder_cannot_change_the_statement(con: duckdb.DuckDBPyConnection) -> None:
    sql = fill_sql(
        "SELECT count(*) FROM t WHERE p_column IS NOT NULL", p_column="name; DROP TABLE t"
    )
    with pytest.raises(duckdb.BinderException, match="name; DROP TABLE t"):
        con.execute(sql)
    assert con.execute("SELECT count(*) FROM t").fetchone() == (5,)


def test_fill_names_what_is_missing_and_misplaced() -> None:
    with pytest.raises(KeyError, match="p_where"):
        fill("SELECT 1 FROM t WHERE p_where")
    shared = {"p_where": exp.true(), "p_other": "x"}  # one mapping may serve several templates
    assert to_sql(fill("SELECT 1 FROM t WHERE p_where", shared)) == "SELECT 1 FROM t WHERE TRUE"
    with pytest.raises(TypeError, match="needs a name"):
        fill("SELECT 1 FROM p_table", p_table=text("t"))
    with pytest.raises(TypeError, match="does not stand in one"):
        fill("SELECT 1 FROM t WHERE n = p_many", p_many=[lit(1), lit(2)])


def test_fill_leaves_its_template_tree_untouched() -> None:
    template = fill("SELECT p_x FROM t", p_x="n")  # a tree can be a template too
    again = fill(exp.select(col("p_y")).from_("t"), p_y="name")
    assert to_sql(template) == 'SELECT "n" FROM t'
    assert to_sql(again) == 'SELECT "name" FROM t'


def test_element_is_one_based_whatever_the_index(con: duckdb.DuckDBPyConnection) -> None:
    values = [text("a"), text("b"), text("c")]
    case = exp.Case().when(exp.true(), lit(1))  # sqlglot would shift a typed index unmarked
    for index, expected in ((lit(1), "a"), (case, "a"), (lit(3), "c"), (lit(4), None)):
        assert con.execute(f"SELECT {to_sql(element(values, index))}").fetchone() == (expected,)


def test_run_sql_passes_each_statement_only_its_parameters(
    con: duckdb.DuckDBPyConnection,
) -> None:
    run_sql(
        con,
        "INSERT INTO t VALUES ($name, 7); DELETE FROM t WHERE n = $n",
        {"name": "it's", "n": 99, "unused": 1},
    )
    assert records(con, "SELECT name, n FROM t WHERE n IN (0, 7) ORDER BY n") == [
        {"name": "it's", "n": 0},
        {"name": "it's", "n": 7},
    ]
    assert records(con, "SELECT name FROM t WHERE n = ?", [99]) == []
    with pytest.raises(KeyError, match="missing_one"):
        run_sql(con, "SELECT $missing_one")


def test_indicator_lists_are_bound_not_formatted(warehouse: duckdb.DuckDBPyConnection) -> None:
    """The scoring orders query with one-element lists holding quotes: values are parameters."""
    warehouse.execute("CREATE TEMP TABLE _sc_shopfacts AS SELECT 's1' AS shop_id")
    warehouse.execute(
        "INSERT INTO orders BY NAME SELECT * FROM (VALUES "
        "('o1', 's1', TIMESTAMP '2026-03-02 10:00:00', false, 'Côte d''Ivoire', 5000), "
        "('o2', 's1', TIMESTAMP '2026-03-02 11:00:00', false, '新疆', 5000)) "
        "AS v(order_id, shop_id, paid_at, is_gift, ship_to_region, amount_paid_fen)"
    )
    warehouse.execute(
        "INSERT INTO violations BY NAME SELECT 'v1' AS violation_id, 's1' AS shop_id, "
        "'o2' AS order_id, 'buyer''s complaint' AS kind, TIMESTAMP '2026-03-03 09:00:00' AS "
        "occurred_at"
    )
    params = {
        **constant_parameters(),
        "remote_regions": ["Côte d'Ivoire"],
        "abnormal_violations": ["buyer's complaint"],
        "since": date(2026, 3, 1),
        "last": date(2026, 3, 31),
        **PARAMETER_DEFAULTS,
        "low_price_max_fen": 100,
    }
    run_sql(warehouse, ORDERS_SQL, params)
    rows = records(warehouse, "SELECT order_id, is_remote, is_valid FROM _sc_orders ORDER BY 1")
    assert rows == [
        {"order_id": "o1", "is_remote": True, "is_valid": True},
        {"order_id": "o2", "is_remote": False, "is_valid": False},
    ]


def test_the_shipped_constants_bind_as_lists() -> None:
    params = constant_parameters()
    for name in ("quality_reasons", "abnormal_violations", "remote_regions"):
        assert isinstance(params[name], list)
        assert params[name]


def test_inserts_quote_names_and_bind_values(con: duckdb.DuckDBPyConnection) -> None:
    con.execute('CREATE TABLE "odd table" ("n" INTEGER, "a name" VARCHAR)')
    con.execute(insert_values("odd table", ["a name", "n"]), ["it's", 5])
    con.execute('CREATE TABLE copy ("n" INTEGER, "a name" VARCHAR, extra INTEGER)')
    con.execute(insert_select("copy", "odd table", ["n", "a name"]))
    assert records(con, "SELECT * FROM copy") == [{"n": 5, "a name": "it's", "extra": None}]


def test_a_table_placeholder_takes_a_query_as_a_subquery(con: duckdb.DuckDBPyConnection) -> None:
    """A shared sub-query goes in where a table stands, keeping its alias: no formatting."""
    plain = parse("SELECT name, n FROM t WHERE n < 2")
    sql = fill_sql("SELECT s.name FROM p_source AS s JOIN t USING (n) ORDER BY s.n", p_source=plain)
    assert con.execute(sql).fetchall() == [("it's",), ("O'Brien",)]
    inner = fill_sql("SELECT count(*) FROM t WHERE n IN (SELECT n FROM p_few)", p_few=plain)
    assert con.execute(inner).fetchone() == (2,)
    named = fill_sql("SELECT count(*) FROM p_source", p_source="t")  # a name stays a name
    assert named == 'SELECT COUNT(*) FROM "t"'


def test_create_temp_as_and_steps_shared_by_two_queries(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(create_temp_as("few", "SELECT name FROM t WHERE n >= $low"), {"low": 3})
    assert con.execute("SELECT count(*) FROM few").fetchone() == (2,)
    steps = (
        "WITH big AS (SELECT * FROM t WHERE n > 2), small AS (SELECT * FROM t WHERE n <= 2) "
        "SELECT 1"
    )
    assert con.execute(with_ctes_of(steps, "SELECT count(*) FROM big")).fetchone() == (2,)
    both = with_ctes_of(steps, "SELECT (SELECT count(*) FROM big), (SELECT count(*) FROM small)")
    assert con.execute(both).fetchone() == (2, 3)
    with pytest.raises(TypeError, match="WITH clause"):
        with_ctes_of("SELECT 1", "SELECT 2")


AWKWARD_TABLE = 'we"ird; name'


def test_ident_and_select_from_quote_awkward_names(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f'CREATE TABLE {ident(AWKWARD_TABLE)} ("a b" INTEGER)')
    con.execute(f"INSERT INTO {ident(AWKWARD_TABLE)} VALUES (7)")
    assert con.execute(select_from(AWKWARD_TABLE, ["a b"])).fetchall() == [(7,)]
    assert con.execute(select_from(AWKWARD_TABLE)).fetchall() == [(7,)]


_STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(0, 300_000)),
        st.tuples(st.just("delete"), st.integers(1, 9), st.integers(0, 8)),
        st.tuples(st.just("delete tail"), st.integers(0, 400_000)),
        st.tuples(st.just("begin")),
        st.tuples(st.just("commit")),
        st.tuples(st.just("rollback")),
        st.tuples(st.just("checkpoint")),
    ),
    max_size=8,
)


def _play(db: duckdb.DuckDBPyConnection, step: tuple[object, ...], open_: list[bool]) -> None:
    match step:
        case ("insert", int(n)):
            db.execute("INSERT INTO t SELECT range FROM range(?)", [n])
        case ("delete", int(every), int(rest)):
            db.execute("DELETE FROM t WHERE i % ? = ?", [every, rest % every])
        case ("delete tail", int(above)):
            db.execute("DELETE FROM t WHERE i >= ?", [above])
        case ("begin",) if not open_[0]:
            db.execute("BEGIN")
            open_[0] = True
        case ("commit" | "rollback",) if open_[0]:
            db.execute(str(step[0]).upper())
            open_[0] = False
        case ("checkpoint",) if not open_[0]:
            db.execute("CHECKPOINT")


@settings(max_examples=40, deadline=None)
@given(steps=_STEPS)
def test_next_row_id_is_one_past_the_largest_whatever_was_deleted(
    steps: list[tuple[object, ...]],
) -> None:
    """The mark a close or a fee run takes before writing (:func:`next_row_id`) equals one
    past the largest row id read from every row, after any appends, deletes (scattered, or
    of the newest rows), checkpoints and transactions (rows appended in an open transaction
    have ids of their own), and 0 for an empty table."""
    db = duckdb.connect()
    db.execute("CREATE TABLE t (i BIGINT)")
    open_ = [False]
    for step in [("insert", 250_000), *steps]:
        _play(db, step, open_)
        every_id = db.execute("SELECT coalesce(max(rowid) + 1, 0) FROM t").fetchone()
        assert db.execute(to_sql(next_row_id("t"))).fetchone() == every_id, step


def test_next_row_id_reads_the_last_row_group_not_the_table(tmp_path: Path) -> None:
    """It reads one row group of a 3-million-row table (25 groups), not every row id."""
    db = duckdb.connect()
    db.execute("CREATE TABLE t AS SELECT range AS i FROM range(3000000)")
    out = tmp_path / "profile.json"
    db.execute("SET enable_profiling = 'json'")
    db.execute(f"SET profiling_output = '{out}'")
    assert db.execute(to_sql(next_row_id("t"))).fetchall() == [(3_000_000,)]
    db.execute("RESET enable_profiling")
    scans: list[dict[str, object]] = []
    todo = list(json.loads(out.read_text())["operator"])
    while todo:
        node = todo.pop()
        todo += node.get("children", [])
        if node.get("type") == "TABLE_SCAN":
            scans.append(node)
    assert [(s["row_groups_scanned"], s["total_row_groups_to_scan"]) for s in scans] == [(1, 25)]
