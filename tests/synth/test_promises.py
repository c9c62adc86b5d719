"""The generator's promises: platform-typical deadlines, and lateness planted against them."""

from __future__ import annotations

import duckdb

from merchantry.model.views import ORDER_FULFILMENT
from merchantry.store.warehouse import create_view_sql
from tests.synth.market import scalar


def _fulfilment(market: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    market.execute(create_view_sql(ORDER_FULFILMENT))
    return market


def test_every_ordinary_order_must_be_picked_up_by_the_end_of_the_next_day(
    market: duckdb.DuckDBPyConnection,
) -> None:
    """Douyin's in-stock rule: 23:59:59 of the day after payment, for every domestic
    shop's order (instant retail and cross-border have promises of their own)."""
    wrong = scalar(
        market,
        "SELECT count(*) FROM orders JOIN shops USING (shop_id) "
        "WHERE business_mode = 'domestic' AND ship_by_at IS DISTINCT FROM "
        "CAST(CAST(paid_at AS DATE) + 2 AS TIMESTAMP) - INTERVAL 1 SECOND",
    )
    assert wrong == 0
    assert scalar(market, "SELECT count(*) FROM orders") > 10_000


def test_instant_retail_promises_hours_and_cross_border_more_days(
    market: duckdb.DuckDBPyConnection,
) -> None:
    """Each business mode has its own promises, and its parcels mostly keep them."""
    rows = market.execute(
        """SELECT s.business_mode, count(*),
                  max(date_diff('minute', o.paid_at, o.ship_by_at)),
                  max(date_diff('minute', o.paid_at, o.promised_delivery_at)),
                  min(date_diff('minute', o.paid_at, o.ship_by_at)),
                  min(date_diff('minute', o.paid_at, o.promised_delivery_at)),
                  avg(CAST(d.delivered_at <= o.promised_delivery_at AS INTEGER)),
                  avg(date_diff('minute', o.paid_at, d.delivered_at))
           FROM orders o JOIN shops s USING (shop_id)
           LEFT JOIN (SELECT order_id, min(event_at) AS delivered_at FROM logistics_events
                      WHERE event = 'delivered' GROUP BY 1) d USING (order_id)
           GROUP BY 1"""
    ).fetchall()
    mode = {r[0]: r[1:] for r in rows}
    assert set(mode) == {"domestic", "instant_retail", "cross_border"}
    assert all(m[0] > 50 for m in mode.values())  # every mode sells
    instant, cross, domestic = mode["instant_retail"], mode["cross_border"], mode["domestic"]
    # instant retail: handed over within the hour, at the door within hours
    assert instant[1] <= 60
    assert instant[2] <= 4 * 60
    assert instant[6] < 4 * 60
    assert instant[5] > 0.8
    # cross-border: both promises later than any domestic order's, and mostly kept
    assert cross[3] > domestic[1]
    assert cross[4] > domestic[2]
    assert cross[6] > 2 * domestic[6]
    assert cross[5] > 0.8


def test_delivery_promises_grow_with_distance_and_bulk(market: duckdb.DuckDBPyConnection) -> None:
    days = dict(
        market.execute(
            """SELECT CASE WHEN o.ship_to_region IN ('新疆', '西藏', '青海') THEN 'remote'
                           WHEN o.ship_to_region = s.region THEN 'same' ELSE 'other' END,
                      avg(date_diff('day', CAST(o.paid_at AS DATE),
                                     CAST(o.promised_delivery_at AS DATE)))
               FROM orders o JOIN shops s USING (shop_id)
               WHERE s.business_mode = 'domestic' GROUP BY 1"""
        ).fetchall()
    )
    assert 2 <= days["same"] < days["other"] < days["remote"]
    # Every promise lies after payment, and the end of a day.
    assert (
        scalar(
            market,
            "SELECT count(*) FROM orders JOIN shops USING (shop_id) "
            "WHERE promised_delivery_at <= ship_by_at OR (business_mode <> 'instant_retail' "
            "AND strftime(promised_delivery_at, '%H:%M:%S') <> '23:59:59')",
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
