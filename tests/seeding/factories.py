"""A tiny marketplace for seeding tests: a buyer, videos, views, searches, orders, refunds.

Each helper writes one readable row with only the columns attribution reads; times are
given as ``datetime`` so a test states the edge it checks to the second.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import sqlglot.expressions as exp

from merchantry.seeding import SeedingRules, attribute, load_rules
from merchantry.seeding.attribution import AttributionSummary
from merchantry.store.sql import records
from merchantry.store.warehouse import connect, ensure_schema
from tests.programs import factories as programme_factories

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


def two_shop_market(db: Path) -> None:
    """S1: O1 (¥100, CR1's video), O2 (¥40, CR1's other video, refunded before the payout),
    O3 (¥200, watched two videos of CR1 and CR2: last touch CR2). S2: O4 (¥100, CR3)."""
    programme_factories.open_warehouse(db).close()
    con = connect(db)
    try:
        programme_factories.shop(con, "S1", products=0)
        programme_factories.shop(con, "S2", products=0)
        m = Market(con)
        m.video("V1", "CR1", "S1-a")
        m.video("V2", "CR1", "S1-b")
        m.video("V3", "CR2", "S1-a")
        m.video("V4", "CR3", "S2-a")
        m.view("V1", ago(hours=3), buyer="B1")
        m.search(ago(hours=1), "S1-a", buyer="B1")
        m.order("O1", T0, gmv_fen=10_000, buyer="B1")
        m.view("V2", ago(hours=3), buyer="B2")
        m.search(ago(hours=1), "S1-b", buyer="B2")
        m.order("O2", T0, gmv_fen=4_000, sku="S1-b", buyer="B2")
        m.refund("O2", T0 + timedelta(days=2), amount_fen=4_000)
        m.view("V1", ago(hours=5), buyer="B3")
        m.view("V3", ago(hours=4), buyer="B3")
        m.search(ago(hours=1), "S1-a", buyer="B3")
        m.order("O3", T0, gmv_fen=20_000, buyer="B3")
        m.view("V4", ago(hours=3), buyer="B4")
        m.search(ago(hours=1), "S2-a", buyer="B4")
        m.order("O4", T0, gmv_fen=10_000, sku="S2-a", buyer="B4")
        m.run()
    finally:
        con.close()
