"""A tiny marketplace for seeding tests: a buyer, videos, views, searches, orders, refunds.

Each helper writes one readable row with only the columns attribution reads; times are
given as ``datetime`` so a test states the edge it checks to the second.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from typing import Any, Final

import duckdb
import sqlglot.expressions as exp

from merchantry.seeding import SeedingRules, attribute, load_rules
from merchantry.seeding.attribution import AttributionSummary
from merchantry.store.sql import records
from merchantry.store.warehouse import ensure_schema

T0: Final = datetime(2026, 10, 10, 12, 0, 0)
"""Payment time of the default order."""
DAY: Final = date(2026, 10, 10)


def rules(**changes: Any) -> SeedingRules:
    """The shipped rulebook with some settings changed (a test names what it relies on)."""
    return dataclasses.replace(load_rules(), **changes)


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, object]) -> None:
    values = exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in row])])
    con.execute(
        exp.insert(values, table, columns=list(row)).sql(dialect="duckdb"), list(row.values())
    )


class Market:
    """Writes rows into a fresh warehouse; ``run`` attributes and returns the rows."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        ensure_schema(con)
        self._n = 0
        for shop in ("S1", "S2"):
            for sku in ("a", "b"):
                _insert(
                    con,
                    "products",
                    {"sku_id": f"{shop}-{sku}", "shop_id": shop, "price_fen": 10_000},
                )

    def _id(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}{self._n}"

    def video(self, video_id: str, creator: str = "CR1", sku: str = "S1-a") -> str:
        _insert(
            self.con,
            "creator_videos",
            {
                "video_id": video_id,
                "creator_id": creator,
                "shop_id": sku.split("-")[0],
                "sku_id": sku,
                "published_at": datetime(2026, 9, 1),
            },
        )
        return video_id

    def view(self, video_id: str, at: datetime, buyer: str = "B1") -> None:
        _insert(
            self.con,
            "video_views",
            {"view_id": self._id("VV"), "video_id": video_id, "buyer_id": buyer, "viewed_at": at},
        )

    def search(self, at: datetime, sku: str | None = "S1-a", buyer: str = "B1") -> None:
        _insert(
            self.con,
            "searches",
            {
                "search_id": self._id("SE"),
                "buyer_id": buyer,
                "query": "连衣裙",
                "searched_at": at,
                "clicked_sku_id": sku,
            },
        )

    def order(
        self,
        order_id: str,
        at: datetime = T0,
        *,
        gmv_fen: int = 10_000,
        shipping_fen: int = 500,
        sku: str = "S1-a",
        buyer: str = "B1",
        is_gift: bool = False,
    ) -> None:
        _insert(
            self.con,
            "orders",
            {
                "order_id": order_id,
                "shop_id": sku.split("-")[0],
                "buyer_id": buyer,
                "sku_id": sku,
                "quantity": 1,
                "paid_at": at,
                "goods_fen": gmv_fen,
                "shipping_fen": shipping_fen,
                "amount_paid_fen": gmv_fen + shipping_fen,
                "platform_coupon_fen": 0,
                "merchant_coupon_fen": 0,
                "is_gift": is_gift,
            },
        )

    def refund(
        self,
        order_id: str,
        closed_at: datetime,
        amount_fen: int = 100,
        outcome: str = "approved",
        kind: str = "refund_only",
    ) -> None:
        _insert(
            self.con,
            "after_sales",
            {
                "case_id": self._id("AS"),
                "order_id": order_id,
                "type": kind,
                "requested_at": closed_at,
                "closed_at": closed_at,
                "amount_fen": amount_fen,
                "outcome": outcome,
                "reason_code": "quality",
            },
        )

    def run(
        self, book: SeedingRules | None = None, start: date = DAY, end: date = DAY
    ) -> AttributionSummary:
        return attribute(self.con, book or rules(), start, end, schema=False)  # made in __init__

    def rows(self) -> list[dict[str, Any]]:
        return records(self.con, "SELECT * FROM seeding_attributions ORDER BY order_id, video_id")

    def table(self, name: str) -> list[dict[str, Any]]:
        sql = {
            "payouts": "SELECT * FROM seeding_payouts ORDER BY creator_id, pay_on",
            "clawbacks": "SELECT * FROM seeding_clawbacks ORDER BY order_id, video_id",
        }[name]
        return records(self.con, sql)


def ago(**delta: float) -> datetime:
    """``T0`` minus a time span: ``ago(days=7)``."""
    return T0 - timedelta(**delta)
