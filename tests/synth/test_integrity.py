"""Every generated row obeys the data model: keys, references, enums, ranges, time order.

The checks are driven by the model's own declarations, so a column added to
``model/tables.py`` is checked here without editing this file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot.expressions as exp

from merchantry.model.schema import ColumnType, Table
from merchantry.model.tables import TABLES, table
from merchantry.store.warehouse import connect, row_count
from merchantry.synth import GenerateSummary
from tests.synth.market import scalar

ALL = [pytest.param(t, id=t.name) for t in TABLES]


def count_where(con: duckdb.DuckDBPyConnection, source: str, condition: exp.Expr) -> int:
    query = exp.select(exp.func("count", exp.Star())).from_(source).where(condition)
    return int(scalar(con, query.sql(dialect="duckdb")))


def col(name: str, tbl: str | None = None) -> exp.Column:
    return exp.column(name, table=tbl, quoted=True)


@pytest.mark.parametrize("tbl", ALL)
def test_every_table_has_rows_and_the_model_columns(
    small: duckdb.DuckDBPyConnection, small_market: GenerateSummary, tbl: Table
) -> None:
    assert tuple(small.table(tbl.name).columns) == tbl.column_names
    if tbl.name != "violations":  # a few a month: a 5-day market may have none
        assert small_market.rows[tbl.name] > 0


@pytest.mark.parametrize("tbl", ALL)
def test_primary_keys_are_unique_and_not_null(
    market: duckdb.DuckDBPyConnection, tbl: Table
) -> None:
    key = exp.Tuple(expressions=[col(k) for k in tbl.primary_key])
    total = count_where(market, tbl.name, exp.true())
    distinct = exp.select(exp.func("count", exp.Distinct(expressions=[key]))).from_(tbl.name)

    assert scalar(market, distinct.sql(dialect="duckdb")) == total


@pytest.mark.parametrize("tbl", ALL)
def test_required_enums_and_ranges_hold(market: duckdb.DuckDBPyConnection, tbl: Table) -> None:
    for column in tbl.columns:
        c = col(column.name)
        if not column.nullable:
            assert count_where(market, tbl.name, c.is_(exp.null())) == 0, column.name
        if column.choices:
            allowed = [exp.Literal.string(v) for v in column.choices]
            if column.type is ColumnType.TEXT_LIST:
                items = exp.func("unnest", c)
                inner = exp.select(items.as_("v")).from_(tbl.name)
                bad = (
                    exp.select(exp.func("count", exp.Star()))
                    .from_(inner.subquery("t"))
                    .where(exp.not_(exp.column("v").isin(*allowed)))
                )
                assert scalar(market, bad.sql(dialect="duckdb")) == 0, column.name
            else:
                assert count_where(market, tbl.name, exp.not_(c.isin(*allowed))) == 0, column.name
        if column.minimum is not None:
            assert count_where(market, tbl.name, c < column.minimum) == 0, column.name
        if column.maximum is not None:
            assert count_where(market, tbl.name, c > column.maximum) == 0, column.name


REFERENCES = [
    pytest.param(t, c.name, c.references, id=f"{t.name}.{c.name}")
    for t in TABLES
    for c in t.columns
    if c.references
] + [
    pytest.param(table("cs_sessions"), "order_id", "orders.order_id", id="cs_sessions.order_id"),
    pytest.param(table("violations"), "order_id", "orders.order_id", id="violations.order_id"),
]


@pytest.mark.parametrize(("tbl", "column", "target"), REFERENCES)
def test_every_reference_exists(
    market: duckdb.DuckDBPyConnection, tbl: Table, column: str, target: str
) -> None:
    other, key = target.split(".")
    exists = exp.Exists(
        this=exp.select("1")
        .from_(exp.to_table(other, alias="r"))
        .where(col(key, "r").eq(col(column, "s")))
    )
    dangling = (
        exp.select(exp.func("count", exp.Star()))
        .from_(exp.to_table(tbl.name, alias="s"))
        .where(exp.and_(col(column, "s").is_(exp.null()).not_(), exp.not_(exists)))
    )
    assert scalar(market, dangling.sql(dialect="duckdb")) == 0


@pytest.mark.parametrize("tbl", ALL)
def test_row_checks_of_the_model_hold(market: duckdb.DuckDBPyConnection, tbl: Table) -> None:
    for check in tbl.row_checks:
        condition = exp.not_(exp.maybe_parse(check.sql, dialect="duckdb"))
        assert count_where(market, tbl.name, condition) == 0, check.name


def test_amounts_add_up_and_are_never_negative(market: duckdb.DuckDBPyConnection) -> None:
    broken = scalar(
        market,
        """SELECT count(*) FROM orders WHERE amount_paid_fen <> goods_fen + shipping_fen
           - platform_coupon_fen - merchant_coupon_fen OR amount_paid_fen < 0
           OR ad_cost_fen > amount_paid_fen""",
    )
    assert broken == 0


def test_events_never_precede_the_payment_and_follow_each_other(
    market: duckdb.DuckDBPyConnection,
) -> None:
    out_of_order = scalar(
        market,
        """WITH e AS (
             SELECT order_id,
                    max(event_at) FILTER (WHERE event = 'shipped') AS shipped,
                    max(event_at) FILTER (WHERE event = 'picked_up') AS picked_up,
                    max(event_at) FILTER (WHERE event = 'delivered') AS delivered,
                    max(event_at) FILTER (WHERE event = 'receipt_confirmed') AS confirmed
             FROM logistics_events GROUP BY order_id)
           SELECT count(*) FROM e JOIN orders o USING (order_id)
           WHERE NOT (o.paid_at <= shipped AND shipped <= coalesce(picked_up, shipped)
                      AND coalesce(picked_up, shipped) <= coalesce(delivered, picked_up, shipped)
                      AND coalesce(delivered, picked_up, shipped)
                          <= coalesce(confirmed, delivered, picked_up, shipped))
              OR (picked_up IS NOT NULL AND shipped IS NULL)
              OR (delivered IS NOT NULL AND picked_up IS NULL)
              OR (confirmed IS NOT NULL AND delivered IS NULL)""",
    )
    assert out_of_order == 0


@pytest.mark.parametrize(
    ("sql", "what"),
    [
        (
            "SELECT count(*) FROM after_sales a JOIN orders o USING (order_id) "
            "WHERE a.requested_at < o.paid_at OR a.closed_at < a.requested_at",
            "after-sales",
        ),
        (
            "SELECT count(*) FROM reviews r JOIN orders o USING (order_id) "
            "WHERE r.created_at < o.paid_at",
            "reviews",
        ),
        (
            "SELECT count(*) FROM video_views v JOIN creator_videos c USING (video_id) "
            "WHERE v.viewed_at < c.published_at",
            "video views",
        ),
        (
            "SELECT count(*) FROM cs_sessions s JOIN orders o USING (order_id) "
            "WHERE s.started_at < o.paid_at OR s.buyer_id <> o.buyer_id",
            "sessions",
        ),
    ],
)
def test_later_things_come_later(market: duckdb.DuckDBPyConnection, sql: str, what: str) -> None:
    assert scalar(market, sql) == 0, what


def test_nothing_happens_after_the_data_window(
    market: duckdb.DuckDBPyConnection, realistic_market: GenerateSummary
) -> None:
    end = exp.Add(
        this=exp.cast(exp.Literal.string(realistic_market.start.isoformat()), "DATE"),
        expression=exp.Literal.number(realistic_market.days),
    )
    for source, column in (
        ("orders", "paid_at"),
        ("logistics_events", "event_at"),
        ("after_sales", "requested_at"),
        ("after_sales", "closed_at"),
        ("reviews", "created_at"),
    ):
        latest = exp.select(exp.func("max", col(column)) < end).from_(source)
        assert scalar(market, latest.sql(dialect="duckdb")), source


def test_the_files_load_into_the_warehouse(tmp_path: Path, small_market: GenerateSummary) -> None:
    """The warehouse DDL (types, primary keys) accepts every generated table as is."""
    con = connect(tmp_path / "w.duckdb")
    for tbl in TABLES:
        source = exp.select("*").from_(exp.func("read_parquet", exp.Placeholder()))
        insert = exp.insert(source, exp.to_table(tbl.name))
        con.execute(insert.sql(dialect="duckdb"), [str(small_market.out / f"{tbl.name}.parquet")])
        assert row_count(con, tbl.name) == small_market.rows[tbl.name]
    con.close()
