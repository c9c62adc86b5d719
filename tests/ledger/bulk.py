"""Many orders at once, made in DuckDB (for the crash test and the benchmark's shape)."""

from __future__ import annotations

from typing import Final

import duckdb

BULK: Final = (
    """
    INSERT INTO categories (category_id, name, industry, after_sales_days)
    VALUES ('C1', '服装', 'apparel', 7)
    """,
    """
    INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, region,
                       county_code, entry_plan, business_mode)
    SELECT 'S' || i, '店铺', 'apparel', 'C1',
           CASE WHEN i % 5 = 0 THEN 'flagship' ELSE 'enterprise' END, DATE '2024-01-01', '浙江',
           '330106', CASE WHEN i % 7 = 0 THEN 'zero_deposit' ELSE 'standard' END, 'domestic'
    FROM range($shops) t(i)
    """,
    """
    INSERT INTO products (sku_id, shop_id, category_id, title, price_fen)
    SELECT 'K' || i, 'S' || i, 'C1', 'T恤', 10000 FROM range($shops) t(i)
    """,
    """
    INSERT INTO orders (order_id, shop_id, buyer_id, sku_id, quantity, paid_at, goods_fen,
                        shipping_fen, platform_coupon_fen, merchant_coupon_fen, amount_paid_fen,
                        scene, entry_point, ad_cost_fen, is_gift)
    SELECT 'O' || i, 'S' || (i % $shops), 'B' || i, 'K' || (i % $shops), 1,
           TIMESTAMP '2026-03-01 08:00:00' + to_minutes(CAST(i * 37 % 40000 AS BIGINT)),
           1000 + i % 9000, 0, (i % 10) * 10, 0, 1000 + i % 9000 - (i % 10) * 10,
           'live', 'douyin_app', CASE WHEN i % 4 = 0 THEN 300 ELSE 0 END, false
    FROM range($orders) t(i)
    """,
    """
    INSERT INTO logistics_events (order_id, event, event_at)
    SELECT order_id, e.event, paid_at + to_hours(e.h)
    FROM orders, (VALUES ('shipped', 6), ('delivered', 60), ('receipt_confirmed', 90)) e(event, h)
    WHERE e.event <> 'receipt_confirmed' OR hash(order_id) % 3 <> 0
    """,
    """
    INSERT INTO after_sales (case_id, order_id, requested_at, type, reason_code, amount_fen,
                             compensation_fen, outcome, responsible_party, closed_at, escalated)
    SELECT 'A' || order_id, order_id, paid_at + to_hours(70), 'refund_only', 'quality',
           amount_paid_fen // 2, CASE WHEN hash(order_id) % 5 = 0 THEN 300 ELSE 0 END,
           CASE WHEN hash(order_id) % 11 = 0 THEN 'open' ELSE 'approved' END, 'merchant',
           CASE WHEN hash(order_id) % 11 = 0 THEN NULL ELSE paid_at + to_hours(100) END, false
    FROM orders WHERE hash(order_id) % 8 = 0
    """,
    """
    INSERT INTO violations (violation_id, shop_id, kind, occurred_at)
    SELECT 'V' || i, 'S' || i, 'brushing', TIMESTAMP '2026-03-03 10:00:00'
    FROM range($shops) t(i) WHERE i % 9 = 0
    """,
)


def fill(con: duckdb.DuckDBPyConnection, *, orders: int, shops: int) -> None:
    """Write ``orders`` March-2026 orders over ``shops`` shops, with parcels and refunds."""
    for sql in BULK:
        params = {k: v for k, v in (("orders", orders), ("shops", shops)) if f"${k}" in sql}
        con.execute(sql, params) if params else con.execute(sql)
