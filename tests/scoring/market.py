"""A tiny marketplace written straight into a warehouse, for hand-checked score tests.

Defaults describe a *perfect* order: paid at 10:00, picked up two hours later,
delivered the next day, receipt confirmed, no after-sales case, no review. Tests
change only what they are about, so each one reads like its rule.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from merchantry.rulebook import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.scoring import score_shops
from merchantry.scoring.gates import write_gates, write_ranking
from merchantry.scoring.rules import ScoreRules

SCORE_DAY = date(2026, 6, 15)
"""Inside the 2026-05-07 text's window; the score window is 2026-05-16 .. 2026-06-14."""
WINDOW_START = SCORE_DAY - timedelta(days=30)


def at(day_offset: int, hour: int = 10, minute: int = 0) -> datetime:
    """A time ``day_offset`` days after the window starts."""
    start = datetime.combine(WINDOW_START, datetime.min.time())
    return start + timedelta(days=day_offset, hours=hour, minutes=minute)


@functools.lru_cache(maxsize=16)
def shipped(name: str) -> Rulebook:
    """A shipped rulebook, loaded once per test session (parsing the big ones takes seconds;
    the mutation harness clears this cache when it swaps a rulebook)."""
    return load_rulebook(name)


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    values = exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in columns])])
    return exp.insert(values, table, columns=list(columns)).sql(dialect="duckdb")


@dataclass
class Market:
    con: duckdb.DuckDBPyConnection
    ids: count[int] = field(default_factory=lambda: count(1))

    pending: dict[tuple[str, tuple[str, ...]], list[list[Any]]] | None = None

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Collect inserts and write each table's rows at once (hundreds of orders in a
        fraction of a second)."""
        self.pending = {}
        try:
            yield
            for (table, columns), rows in self.pending.items():
                data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})
                self.con.register("_market_batch", data)
                self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _market_batch")
                self.con.unregister("_market_batch")
        finally:
            self.pending = None

    def _insert(self, table: str, row: dict[str, Any]) -> None:
        if self.pending is not None:
            self.pending.setdefault((table, tuple(row)), []).append(list(row.values()))
            return
        self.con.execute(_insert_sql(table, tuple(row)), list(row.values()))

    def shop(
        self,
        shop_id: str = "S1",
        *,
        industry: str = "digital_3c",
        store_type: str = "enterprise",
        opened: date = date(2025, 1, 1),
        business_mode: str = "domestic",
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
             "business_mode": business_mode},
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
        paid_fen: int = 1000,
        ship_by_h: float | None = None,
        promised_h: float | None = None,
        qic: bool | None = None,
    ) -> str:
        n = next(self.ids)
        order_id = f"O{n:06d}"
        self._insert(
            "orders",
            {"order_id": order_id, "shop_id": shop, "buyer_id": f"B{n}", "sku_id": f"{shop}-sku",
             "quantity": 1, "paid_at": paid, "goods_fen": paid_fen, "shipping_fen": 0,
             "platform_coupon_fen": 0, "merchant_coupon_fen": 0, "amount_paid_fen": paid_fen,
             "scene": "live", "entry_point": "douyin_app", "ad_cost_fen": 0, "is_gift": gift,
             "buyer_device_hash": "d", "buyer_phone_hash": "p", "buyer_address_hash": "a",
             "buyer_payment_hash": "y", "ship_to_region": region,
             "ship_by_at": None if ship_by_h is None else paid + timedelta(hours=ship_by_h),
             "promised_delivery_at": (
                 None if promised_h is None else paid + timedelta(hours=promised_h)
             ), "qic_inspected": qic},
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
        """``n`` orders spread over the window, one every few hours (one transaction)."""
        with self.batch():
            return [
                self.order(
                    shop, at(1 + (i % 27), hour=9 + (i // 27) % 8, minute=(i // 216) % 60), **kw
                )
                for i in range(n)
            ]

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
        order_id: str | None = None,
    ) -> None:
        n = next(self.ids)
        self._insert(
            "cs_sessions",
            {"session_id": f"C{n}", "shop_id": shop, "buyer_id": f"B{n}", "started_at": started,
             "order_id": order_id,
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
        score_shops(self.con, shipped(rulebook), day)

    def scores(self, rulebook: str = "douyin-score-2026-05") -> dict[str, dict[str, Any]]:
        """Every shop's latest ``shop_scores`` row under ``rulebook``, by shop."""
        cursor = self.con.execute(
            "SELECT * FROM shop_scores WHERE rulebook = ? ORDER BY score_date", [rulebook]
        )
        names = [d[0] for d in cursor.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

    def indicators(
        self, indicator: str, rulebook: str = "douyin-score-2026-05"
    ) -> dict[str, dict[str, Any]]:
        """Every shop's latest row of one indicator, by shop."""
        cursor = self.con.execute(
            "SELECT * FROM shop_score_indicators WHERE rulebook = ? AND indicator = ?"
            " ORDER BY score_date",
            [rulebook, indicator],
        )
        names = [d[0] for d in cursor.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}

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

    def published(
        self,
        rulebook: str,
        shop: str,
        day: date,
        score_cp: int | None,
        *,
        stage: str = "formal",
        platform: str = "douyin",
        industry: str | None = None,
        services: int = 0,
        **dims: int | None,
    ) -> None:
        """A hand-made ``shop_scores`` row: a score as the stage would have published it
        (gates and the ranking read the series, so their boundaries can be hit exactly)."""
        if industry is None:
            found = self.con.execute(
                "SELECT industry FROM shops WHERE shop_id = ?", [shop]
            ).fetchone()
            industry = str(found[0]) if found else "digital_3c"
        row: dict[str, Any] = {
            "rulebook": rulebook, "shop_id": shop, "score_date": day, "platform": platform,
            "version_from": date(2026, 1, 1), "industry": industry, "stage": stage,
            "valid_orders": 100, "score_cp": score_cp,
            "score_7d_avg_cp": dims.pop("avg7_cp", score_cp),
            "special_services": services,
        }  # fmt: skip
        row.update(dims)
        self._insert("shop_scores", row)

    def gates(self, rulebook: str, day: date, gate: str) -> dict[str, tuple[bool, str | None]]:
        """Run the gate step of the stage over the published series for ``day``."""
        self.con.execute("DELETE FROM shop_gates WHERE rulebook = ?", [rulebook])
        write_gates(self.con, ScoreRules(shipped(rulebook)), rulebook, day, day)
        rows = self.con.execute(
            "SELECT shop_id, passed, rule_id FROM shop_gates WHERE gate = ? AND score_date = ?",
            [gate, day],
        ).fetchall()
        return {str(s): (bool(p), r) for s, p, r in rows}

    def ranking(self, rulebook: str, day: date) -> list[tuple[str, int, str]]:
        """Run the ranking step over the published series: (industry, rank, shop)."""
        self.con.execute("DELETE FROM service_rankings WHERE rulebook = ?", [rulebook])
        write_ranking(self.con, ScoreRules(shipped(rulebook)), rulebook, day, day)
        rows = self.con.execute(
            "SELECT industry, rank, shop_id FROM service_rankings WHERE rulebook = ?"
            " ORDER BY industry, rank",
            [rulebook],
        ).fetchall()
        return [(str(i), int(r), str(s)) for i, r, s in rows]
