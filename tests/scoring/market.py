"""A tiny marketplace written straight into a warehouse, for hand-checked score tests.

Defaults describe a *perfect* order: paid at 10:00, picked up two hours later,
delivered the next day, receipt confirmed, no after-sales case, no review. Tests
change only what they are about, so each one reads like its rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

import duckdb
import sqlglot.expressions as exp

from merchantry.scoring import score_shops

SCORE_DAY = date(2026, 6, 15)
"""Inside the 2026-05-07 text's window; the score window is 2026-05-16 .. 2026-06-14."""
WINDOW_START = SCORE_DAY - timedelta(days=30)


def at(day_offset: int, hour: int = 10, minute: int = 0) -> datetime:
    """A time ``day_offset`` days after the window starts."""
    start = datetime.combine(WINDOW_START, datetime.min.time())
    return start + timedelta(days=day_offset, hours=hour, minutes=minute)


@dataclass
class Market:
    con: duckdb.DuckDBPyConnection
    ids: count[int] = field(default_factory=lambda: count(1))

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        values = exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in row])])
        insert = exp.insert(values, table, columns=list(row))
        self.con.execute(insert.sql(dialect="duckdb"), list(row.values()))

    def shop(
        self,
        shop_id: str = "S1",
        *,
        industry: str = "digital_3c",
        store_type: str = "enterprise",
        opened: date = date(2025, 1, 1),
    ) -> str:
        if not self.con.execute(
            "SELECT count(*) FROM categories WHERE category_id = ?", [industry]
        ).fetchone()[0]:
            self._insert(
                "categories",
                {"category_id": industry, "name": industry, "industry": industry,
                 "after_sales_days": 7},
            )  # fmt: skip
        self._insert(
            "shops",
            {"shop_id": shop_id, "name": shop_id, "industry": industry,
             "main_category_id": industry, "store_type": store_type, "opened_date": opened,
             "region": "浙江", "county_code": "330100", "tags": [], "entry_plan": "standard",
             "business_mode": "domestic"},
        )  # fmt: skip
        self._insert(
            "products",
            {"sku_id": f"{shop_id}-sku", "shop_id": shop_id, "category_id": industry,
             "title": "x", "price_fen": 1000},
        )  # fmt: skip
        return shop_id

    def order(
        self,
        shop: str,
        paid: datetime,
        *,
        picked_after_h: float | None = 2,
        delivered_after_h: float | None = 26,
        rating: int | None = None,
        case: dict[str, Any] | None = None,
        gift: bool = False,
        region: str = "浙江",
    ) -> str:
        n = next(self.ids)
        order_id = f"O{n:06d}"
        self._insert(
            "orders",
            {"order_id": order_id, "shop_id": shop, "buyer_id": f"B{n}", "sku_id": f"{shop}-sku",
             "quantity": 1, "paid_at": paid, "goods_fen": 1000, "shipping_fen": 0,
             "platform_coupon_fen": 0, "merchant_coupon_fen": 0, "amount_paid_fen": 1000,
             "scene": "live", "entry_point": "douyin_app", "ad_cost_fen": 0, "is_gift": gift,
             "buyer_device_hash": "d", "buyer_phone_hash": "p", "buyer_address_hash": "a",
             "buyer_payment_hash": "y", "ship_to_region": region},
        )  # fmt: skip
        events = []
        if picked_after_h is not None:
            picked = paid + timedelta(hours=picked_after_h)
            events += [("shipped", picked), ("picked_up", picked)]
            if delivered_after_h is not None:
                delivered = paid + timedelta(hours=delivered_after_h)
                events += [("delivered", delivered), ("receipt_confirmed", delivered)]
        for event, when in events:
            self._insert(
                "logistics_events", {"order_id": order_id, "event": event, "event_at": when}
            )
        if rating is not None:
            written = paid + timedelta(hours=(delivered_after_h or 0) + 5)
            self._insert(
                "reviews",
                {"review_id": f"R{n}", "order_id": order_id, "rating": rating,
                 "logistics_rating": 5, "created_at": written},
            )  # fmt: skip
        if case is not None:
            self.case(order_id, paid, **case)
        return order_id

    def case(
        self,
        order_id: str,
        paid: datetime,
        *,
        reason: str = "quality",
        type: str = "return_refund",
        outcome: str = "approved",
        asked_after_h: float = 30,
        closed_after_h: float = 31,
        escalated: bool = False,
        party: str = "merchant",
        amount_fen: int = 1000,
        compensation_fen: int = 0,
    ) -> None:
        self._insert(
            "after_sales",
            {"case_id": f"A{order_id}", "order_id": order_id,
             "requested_at": paid + timedelta(hours=asked_after_h), "type": type,
             "reason_code": reason, "amount_fen": amount_fen, "compensation_fen": compensation_fen,
             "outcome": outcome, "responsible_party": party,
             "closed_at": paid + timedelta(hours=closed_after_h), "escalated": escalated},
        )  # fmt: skip

    def orders(self, shop: str, n: int, **kw: Any) -> list[str]:
        """``n`` orders spread over the window, one every few hours."""
        return [self.order(shop, at(1 + (i % 27), hour=9 + (i // 27) % 8), **kw) for i in range(n)]

    def session(
        self,
        shop: str,
        started: datetime,
        *,
        rounds: int = 1,
        unanswered: int = 0,
        total_seconds: int = 20,
        rating: int | None = None,
        agent: str | None = "kf1",
        escalated: bool = False,
    ) -> None:
        n = next(self.ids)
        self._insert(
            "cs_sessions",
            {"session_id": f"C{n}", "shop_id": shop, "buyer_id": f"B{n}", "started_at": started,
             "first_response_seconds": None if unanswered == rounds else 10, "rounds": rounds,
             "unanswered_rounds": unanswered, "total_response_seconds": total_seconds,
             "agent_id": agent, "rating": rating, "escalated": escalated},
        )  # fmt: skip

    def violation(self, shop: str, kind: str, when: datetime, order_id: str | None = None) -> None:
        n = next(self.ids)
        self._insert(
            "violations",
            {"violation_id": f"V{n}", "shop_id": shop, "kind": kind, "occurred_at": when,
             "order_id": order_id},
        )  # fmt: skip

    def service(self, shop: str, service: str, since: date = date(2026, 1, 1)) -> None:
        self._insert("shop_services", {"shop_id": shop, "service": service, "enabled_from": since})

    def score(self, rulebook: str = "douyin-score-2026-05", day: date = SCORE_DAY) -> None:
        score_shops(self.con, rulebook, day)

    def row(self, shop: str, rulebook: str = "douyin-score-2026-05") -> dict[str, Any]:
        cursor = self.con.execute(
            "SELECT * FROM shop_scores WHERE shop_id = ? AND rulebook = ? ORDER BY score_date DESC",
            [shop, rulebook],
        )
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        assert found is not None, f"{shop} has no score under {rulebook}"
        return dict(zip(names, found, strict=True))

    def indicator(
        self, shop: str, indicator: str, rulebook: str = "douyin-score-2026-05"
    ) -> dict[str, Any]:
        cursor = self.con.execute(
            "SELECT * FROM shop_score_indicators WHERE shop_id = ? AND indicator = ? "
            "AND rulebook = ? ORDER BY score_date DESC",
            [shop, indicator, rulebook],
        )
        names = [d[0] for d in cursor.description]
        found = cursor.fetchone()
        assert found is not None
        return dict(zip(names, found, strict=True))

    def adjustments(self, shop: str, rulebook: str = "douyin-score-2026-05") -> dict[str, int]:
        rows = self.con.execute(
            "SELECT rule_id || ':' || kind, points_cp FROM shop_score_adjustments "
            "WHERE shop_id = ? AND rulebook = ?",
            [shop, rulebook],
        ).fetchall()
        return {str(k): int(v) for k, v in rows}
