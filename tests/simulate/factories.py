"""Small factories for simulator tests: shops, orders and fee lines, with defaults.

Only the columns a test cares about are named; everything else gets a plain
default, so each test reads as the handful of facts it is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

import duckdb

from merchantry.model.outputs import FEE_LINES
from merchantry.model.schema import Table
from merchantry.model.tables import CATEGORIES, ORDERS, PRODUCTS, SHOPS


def _insert(con: duckdb.DuckDBPyConnection, table: Table, values: dict[str, object]) -> None:
    unknown = set(values) - set(table.column_names)
    assert not unknown, f"{table.name} has no columns {unknown}"
    con.table(table.name).insert([values.get(c) for c in table.column_names])


@dataclass
class Market:
    """Writes marketplace rows into one warehouse."""

    con: duckdb.DuckDBPyConnection

    def category(self, category_id: str, industry: str, *, after_sales_days: int = 7) -> str:
        _insert(
            self.con,
            CATEGORIES,
            {
                "category_id": category_id,
                "name": category_id,
                "industry": industry,
                "after_sales_days": after_sales_days,
            },
        )
        return category_id

    def product(
        self, sku_id: str, shop_id: str, category_id: str, *, price_fen: int = 10_000
    ) -> str:
        _insert(
            self.con,
            PRODUCTS,
            {
                "sku_id": sku_id,
                "shop_id": shop_id,
                "category_id": category_id,
                "title": sku_id,
                "price_fen": price_fen,
            },
        )
        return sku_id

    def shop(
        self,
        shop_id: str,
        *,
        opened: date = date(2024, 1, 1),
        industry: str = "apparel",
        store_type: str = "enterprise",
        name: str | None = None,
    ) -> str:
        _insert(
            self.con,
            SHOPS,
            {
                "shop_id": shop_id,
                "name": name or f"Shop {shop_id}",
                "industry": industry,
                "main_category_id": "cat",
                "store_type": store_type,
                "opened_date": opened,
                "region": "Zhejiang",
                "county_code": "330100",
                "tags": [],
                "entry_plan": "standard",
                "business_mode": "domestic",
            },
        )
        return shop_id

    def order(
        self,
        order_id: str,
        shop_id: str,
        *,
        paid: date = date(2026, 1, 15),
        paid_fen: int = 10_000,
        scene: str = "live",
        **extra: object,
    ) -> str:
        """An order; ``extra`` sets any other column (sku_id, entry_point, ad_cost_fen...)."""
        _insert(
            self.con,
            ORDERS,
            {
                "order_id": order_id,
                "shop_id": shop_id,
                "buyer_id": "buyer",
                "sku_id": "sku",
                "quantity": 1,
                "paid_at": datetime.combine(paid, time(12, 0)),
                "goods_fen": paid_fen,
                "shipping_fen": 0,
                "platform_coupon_fen": 0,
                "merchant_coupon_fen": 0,
                "amount_paid_fen": paid_fen,
                "scene": scene,
                "entry_point": "douyin_app",
                "ad_cost_fen": 0,
                "is_gift": False,
                "buyer_device_hash": "d",
                "buyer_phone_hash": "p",
                "buyer_address_hash": "a",
                "buyer_payment_hash": "y",
            }
            | extra,
        )
        return order_id

    def line(
        self,
        rulebook: str,
        order_id: str,
        fee_kind: str,
        amount_fen: int,
        *,
        payer: str = "merchant",
        payee: str = "platform",
        rule_id: str = "rule",
        waiver: str | None = None,
        baseline_fen: int | None = None,
        shop_id: str = "",
    ) -> None:
        _insert(
            self.con,
            FEE_LINES,
            {
                "rulebook": rulebook,
                "order_id": order_id,
                "shop_id": shop_id or "unused",
                "fee_kind": fee_kind,
                "payer": payer,
                "payee": payee,
                "amount_fen": amount_fen,
                "baseline_fen": amount_fen if baseline_fen is None else baseline_fen,
                "rule_id": rule_id,
                "waiver_rule_id": waiver,
                "accrued_on": date(2026, 1, 15),
            },
        )
