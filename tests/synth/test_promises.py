"""The generator's promises: platform-typical deadlines, and lateness planted against them."""

from __future__ import annotations

import duckdb

from merchantry.model.views import ORDER_FULFILMENT
from merchantry.store.warehouse import create_view_sql
from tests.synth.market import scalar


def _fulfilment(market: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    market.execute(create_view_sql(ORDER_FULFILMENT))
    return market


def test_every_order_must_be_picked_up_by_the_end_of_the_next_day(
    market: duckdb.DuckDBPyConnection,
) -> None:
    """Douyin's in-stock rule: 23:59:59 of the day after payment, for every order."""
    wrong = scalar(
        market,
        "SELECT count(*) FROM orders WHERE ship_by_at IS DISTINCT FROM "
        "CAST(CAST(paid_at AS DATE) + 2 AS TIMESTAMP) - INTERVAL 1 SECOND",
    )
    assert wrong == 0
    assert scalar(market, "SELECT count(*) FROM orders") > 10_000


def test_delivery_promises_grow_with_distance_and_bulk(market: duckdb.DuckDBPyConnection) -> None:
    days = dict(
        market.execute(
            """SELECT CASE WHEN o.ship_to_region IN ('新疆', '西藏', '青海') THEN 'remote'
                           WHEN o.ship_to_region = s.region THEN 'same' ELSE 'other' END,
                      avg(date_diff('day', CAST(o.paid_at AS DATE),
                                     CAST(o.promised_delivery_at AS DATE)))
               FROM orders o JOIN shops s USING (shop_id) GROUP BY 1"""
        ).fetchall()
    )
    assert 2 <= days["same"] < days["other"] < days["remote"]
    # Every promise lies after payment, and the end of a day.
    assert (
        scalar(
            market,
            "SELECT count(*) FROM orders WHERE promised_delivery_at <= ship_by_at "
            "OR strftime(promised_delivery_at, '%H:%M:%S') <> '23:59:59'",
        )
        == 0
    )


def test_planted_late_shippers_miss_the_promise_and_others_mostly_keep_it(
    market: duckdb.DuckDBPyConnection,
) -> None:
    con = _fulfilment(market)
    shares = dict(
        con.execute(
            """SELECT f.shop_id IN (SELECT shop_id FROM truth_late_shipping_shops),
                      avg(CAST(late_shipped AS INTEGER))
               FROM order_fulfilment f WHERE late_shipped IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )
    assert shares[True] > 0.5
    assert shares[False] < 0.12
    assert shares[False] > 0  # honest shops slip sometimes too


def test_late_shipping_makes_late_delivery_and_remote_regions_are_not_blamed(
    market: duckdb.DuckDBPyConnection,
) -> None:
    con = _fulfilment(market)
    late = dict(
        con.execute(
            """SELECT f.late_shipped, avg(CAST(f.late_delivered AS INTEGER))
               FROM order_fulfilment f WHERE f.late_delivered IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )
    assert late[True] > 3 * late[False]
    by_region = dict(
        con.execute(
            """SELECT o.ship_to_region IN ('新疆', '西藏', '青海'),
                      avg(CAST(f.late_delivered AS INTEGER))
               FROM order_fulfilment f JOIN orders o USING (order_id)
               WHERE f.late_delivered IS NOT NULL AND NOT f.late_shipped GROUP BY 1"""
        ).fetchall()
    )
    # The promise already allows for the remote regions' extra transit days.
    assert by_region[True] < 2 * by_region[False] + 0.05
