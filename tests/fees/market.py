"""A tiny marketplace factory for fee tests: rows go straight into a fresh warehouse.

Every order gets sensible defaults (a ¥100 apparel order bought in a livestream
from the Douyin app), so each test states only what matters to it.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import sqlglot.expressions as exp

PAID_AT = datetime(2026, 3, 10, 12, 0)
"""Default payment time: inside every 2026 rulebook's window."""


def insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, Any]) -> None:
    """Insert one row by column name (SQL built with sqlglot)."""
    values = exp.Tuple(expressions=[exp.Placeholder() for _ in row])
    statement = exp.insert(exp.Values(expressions=[values]), table, columns=list(row))
    con.execute(statement.sql(dialect="duckdb"), list(row.values()))


class Market:
    """Creates shops, categories, creators, orders and refunds with defaults."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._ids = itertools.count(1)
        self._categories: dict[tuple[str, int], str] = {}
        self._products: dict[tuple[str, str], str] = {}

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids)}"

    def category(self, industry: str = "apparel", after_sales_days: int = 7) -> str:
        key = (industry, after_sales_days)
        if key not in self._categories:
            cid = self._next("c")
            insert(
                self.con,
                "categories",
                {
                    "category_id": cid,
                    "name": industry,
                    "industry": industry,
                    "parent_id": None,
                    "after_sales_days": after_sales_days,
                },
            )
            self._categories[key] = cid
        return self._categories[key]

    def shop(
        self,
        *,
        industry: str = "apparel",
        store_type: str = "enterprise",
        entry_plan: str = "standard",
        business_mode: str = "domestic",
        opened: date = date(2024, 1, 1),
        tags: list[str] | None = None,
        store_subtype: str | None = None,
    ) -> str:
        sid = self._next("s")
        insert(
            self.con,
            "shops",
            {
                "shop_id": sid,
                "name": sid,
                "industry": industry,
                "main_category_id": self.category(industry),
                "store_type": store_type,
                "opened_date": opened,
                "region": "浙江",
                "county_code": "330782",
                "tags": tags,
                "entry_plan": entry_plan,
                "business_mode": business_mode,
                "store_subtype": store_subtype,
            },
        )
        return sid

    def creator(self, tier: str = "A") -> str:
        cid = self._next("cr")
        insert(
            self.con,
            "creators",
            {"creator_id": cid, "name": cid, "tier": tier, "followers": 10_000},
        )
        return cid

    def order(
        self,
        shop: str | None = None,
        *,
        industry: str = "apparel",
        after_sales_days: int = 7,
        goods: int = 10_000,
        shipping: int = 0,
        platform_coupon: int = 0,
        merchant_coupon: int = 0,
        scene: str = "live",
        entry_point: str = "douyin_app",
        ad_product: str | None = None,
        ad_cost: int = 0,
        creator: str | None = None,
        commission_bp: int | None = None,
        ad_commission_bp: int | None = None,
        colonel_bp: int | None = None,
        insurance: str | None = None,
        insured_by: str | None = None,
        is_gift: bool = False,
        paid_at: datetime = PAID_AT,
        plans: list[str] | None = None,
        installation: str | None = None,
    ) -> str:
        shop = shop or self.shop(industry=industry)
        category = self.category(industry, after_sales_days)
        sku = self._products.get((shop, category))
        if sku is None:
            sku = self._next("sku")
            insert(
                self.con,
                "products",
                {
                    "sku_id": sku,
                    "shop_id": shop,
                    "category_id": category,
                    "title": sku,
                    "price_fen": goods,
                    "image_refs": None,
                },
            )
            self._products[(shop, category)] = sku
        oid = self._next("o")
        insert(
            self.con,
            "orders",
            {
                "order_id": oid,
                "shop_id": shop,
                "buyer_id": "b1",
                "sku_id": sku,
                "quantity": 1,
                "paid_at": paid_at,
                "goods_fen": goods,
                "shipping_fen": shipping,
                "platform_coupon_fen": platform_coupon,
                "merchant_coupon_fen": merchant_coupon,
                "amount_paid_fen": goods + shipping - platform_coupon - merchant_coupon,
                "scene": scene,
                "entry_point": entry_point,
                "ad_product": ad_product,
                "ad_cost_fen": ad_cost,
                "creator_id": creator,
                "commission_rate_bp": commission_bp,
                "ad_commission_rate_bp": ad_commission_bp,
                "insurance_type": insurance,
                "insured_by": insured_by,
                "is_gift": is_gift,
                "affiliate_plans": plans,
                "installation": installation,
                "buyer_device_hash": "d",
                "buyer_phone_hash": "p",
                "buyer_address_hash": "a",
                "buyer_payment_hash": "y",
            },
        )
        if colonel_bp is not None:
            insert(self.con, "order_colonel_fees", {"order_id": oid, "colonel_rate_bp": colonel_bp})
        return oid

    def refund(
        self,
        order: str,
        amount: int,
        *,
        after: timedelta = timedelta(days=2),
        outcome: str = "approved",
        kind: str = "refund_only",
    ) -> str:
        paid = self.paid_at(order)
        case = self._next("as")
        insert(
            self.con,
            "after_sales",
            {
                "case_id": case,
                "order_id": order,
                "requested_at": paid + after,
                "type": kind,
                "reason_code": "quality",
                "reason_text": None,
                "evidence_images": None,
                "amount_fen": amount,
                "compensation_fen": 0,
                "outcome": outcome,
                "responsible_party": "merchant",
                "closed_at": None if outcome == "open" else paid + after + timedelta(hours=5),
                "escalated": False,
            },
        )
        return case

    def confirm_receipt(self, order: str, *, after: timedelta) -> None:
        insert(
            self.con,
            "logistics_events",
            {
                "order_id": order,
                "event": "receipt_confirmed",
                "event_at": self.paid_at(order) + after,
                "auto_confirmed": False,
                "carrier": None,
            },
        )

    def paid_at(self, order: str) -> datetime:
        row = self.con.execute("SELECT paid_at FROM orders WHERE order_id = ?", [order])
        found = row.fetchone()
        assert found is not None
        value: datetime = found[0]
        return value
