"""Readable rows for programme tests: a fresh warehouse, a few shops, orders and events."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import sqlglot.expressions as exp

from merchantry.programs import Programme, parse_programme
from merchantry.store.warehouse import connect, ensure_schema


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    ensure_schema(con)
    for cat, name, industry in (
        ("C1", "女装", "apparel"),
        ("C2", "零食", "food_snacks"),
        ("C3", "男包", "shoes_bags"),
    ):
        insert(con, "categories", category_id=cat, name=name, industry=industry)
    return con


def insert(con: duckdb.DuckDBPyConnection, table: str, **row: object) -> None:
    values = exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in row])])
    con.execute(
        exp.insert(values, table, columns=list(row)).sql(dialect="duckdb"), list(row.values())
    )


def shop(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    *,
    opened: date = date(2022, 5, 10),
    industry: str = "apparel",
    category: str = "C1",
    store_type: str = "enterprise",
    region: str = "浙江",
    county: str = "330106",
    tags: tuple[str, ...] = (),
    products: int = 1,
) -> None:
    insert(
        con,
        "shops",
        shop_id=shop_id,
        name=f"店铺{shop_id}",
        industry=industry,
        main_category_id=category,
        store_type=store_type,
        opened_date=opened,
        region=region,
        county_code=county,
        tags=list(tags),
        entry_plan="standard",
        business_mode="domestic",
    )
    for i in range(products):
        insert(con, "products", sku_id=f"{shop_id}-K{i}", shop_id=shop_id, price_fen=1000)


_serial = iter(range(10**9))


def order(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    paid_at: datetime,
    *,
    goods_fen: int = 1000,
    scene: str = "product_card",
    coupon_fen: int = 0,
    shipped_after_hours: float | None = None,
    refunded: bool = False,
    order_id: str | None = None,
) -> str:
    oid = order_id or f"O{next(_serial):08d}"
    insert(
        con,
        "orders",
        order_id=oid,
        shop_id=shop_id,
        buyer_id="B1",
        sku_id=f"{shop_id}-K0",
        quantity=1,
        paid_at=paid_at,
        goods_fen=goods_fen,
        platform_coupon_fen=coupon_fen,
        merchant_coupon_fen=0,
        amount_paid_fen=goods_fen - coupon_fen,
        scene=scene,
    )
    if shipped_after_hours is not None:
        insert(
            con,
            "logistics_events",
            order_id=oid,
            event="shipped",
            event_at=paid_at + timedelta(hours=shipped_after_hours),
        )
    if refunded:
        insert(
            con,
            "after_sales",
            case_id=f"AS-{oid}",
            order_id=oid,
            requested_at=paid_at + timedelta(days=1),
            type="refund_only",
            outcome="approved",
        )
    return oid


def orders(
    con: duckdb.DuckDBPyConnection, shop_id: str, day: date, n: int, **kw: object
) -> list[str]:
    start = datetime(day.year, day.month, day.day, 10)
    if kw:
        return [order(con, shop_id, start + timedelta(minutes=i), **kw) for i in range(n)]  # type: ignore[arg-type]
    first = next(_serial)
    for _ in range(n - 1):
        next(_serial)
    con.execute(
        "INSERT INTO orders (order_id, shop_id, buyer_id, sku_id, quantity, paid_at, goods_fen, "
        "platform_coupon_fen, merchant_coupon_fen, amount_paid_fen, scene) "
        "SELECT printf('O%08d', $first + i), $shop, 'B1', $sku, 1, "
        "$start + to_minutes(CAST(i AS BIGINT)), 1000, 0, 0, 1000, 'product_card' "
        "FROM range($n) AS t(i)",
        {"first": first, "shop": shop_id, "sku": f"{shop_id}-K0", "start": start, "n": n},
    )
    ids = [f"O{first + i:08d}" for i in range(n)]
    return ids


def score(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    day: date,
    score_cp: int,
    platform: str = "douyin",
) -> None:
    insert(
        con,
        "shop_scores",
        rulebook=f"r-{platform}",
        platform=platform,
        shop_id=shop_id,
        score_date=day,
        score_cp=score_cp,
    )


def programme(text: str, name: str = "test-programme") -> Programme:
    """A programme from YAML text (the test states only what matters)."""
    found, problems = parse_programme(text, f"{name}.yml")
    assert found is not None, "\n".join(map(str, problems))
    return found


def replace(p: Programme, **changes: object) -> Programme:
    return dataclasses.replace(p, **changes)  # type: ignore[arg-type]


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> list[tuple[object, ...]]:
    return con.execute(sql, list(params)).fetchall()


def signup(con: duckdb.DuckDBPyConnection, shop_id: str, program: str, day: date) -> None:
    insert(con, "program_signups", program=program, shop_id=shop_id, signed_up_on=day)
