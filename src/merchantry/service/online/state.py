"""One worker's online state: rebuilt from the warehouse, then moved forward by events.

Data flow::

    warehouse (snapshot) --rebuild--> OnlineState <--apply(seq, type, row)-- inbox (SQL)
                                          |
                     decide(request) -----+----- quote(order)

A decision or a quote reads memory only. Events reach every worker through the
inbox (:mod:`merchantry.service.inbox`): a worker applies the inbox rows it has
not seen, in sequence order, before it answers (``seq`` is the last one applied),
so two workers answer the same request the same way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

import duckdb

from merchantry.kit.errors import InputError, NotFound
from merchantry.risk.decisions import Decision, RiskRequest
from merchantry.risk.model import RiskModel
from merchantry.risk.rules import compile_risk_rules
from merchantry.risk.settings import DEFAULT_RULEBOOK, settings_from
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.service.online.facts import Reference, order_facts
from merchantry.service.online.quote import FeeQuoter, Quote
from merchantry.service.online.risk import RiskDecider, RiskState, UnknownOrder
from merchantry.service.online.rows import rows_of

DEFAULT_FEE_RULEBOOKS = ("douyin-2026",)


class EventType(StrEnum):
    """Events an integrator posts, named by the warehouse table they land in."""

    ORDERS = "orders"
    """An order as it is paid."""
    LOGISTICS_EVENTS = "logistics_events"
    """A parcel event: shipped, delivered, receipt confirmed …"""
    AFTER_SALES = "after_sales"
    """A refund, return or exchange request (售后申请)."""
    REVIEWS = "reviews"
    """A buyer's review of an order."""
    CS_SESSIONS = "cs_sessions"
    """A customer-service chat session."""


_EVENT_TYPES: Final = frozenset(t.value for t in EventType)


@dataclass
class Logistics:
    """Receipt and delivery dates per order, and the usual delivery days per shop."""

    confirmed: dict[str, date] = field(default_factory=dict)
    delivered: dict[str, date] = field(default_factory=dict)
    shop_days: dict[str, list[int]] = field(default_factory=dict)
    """Per shop: [sum of payment-to-delivery days, deliveries]."""
    all_days: list[int] = field(default_factory=lambda: [0, 0])

    def add(
        self, order_id: str, event: str, at: datetime, paid_at: datetime | None, shop: str
    ) -> None:
        day = at.date()
        if event == "receipt_confirmed":
            known = self.confirmed.get(order_id)
            self.confirmed[order_id] = day if known is None else max(known, day)
        elif event == "delivered":
            known = self.delivered.get(order_id)
            if known is None and paid_at is not None:
                lag = (day - paid_at.date()).days
                totals = self.shop_days.setdefault(shop, [0, 0])
                totals[0] += lag
                totals[1] += 1
                self.all_days[0] += lag
                self.all_days[1] += 1
            self.delivered[order_id] = day if known is None else max(known, day)

    def usual_days(self, shop_id: str) -> int | None:
        """Mean payment-to-delivery days of the shop (else the platform), rounded up."""
        for total, count in (self.shop_days.get(shop_id, (0, 0)), self.all_days):
            if count:
                return math.ceil(total / count)
        return None


@dataclass
class OnlineState:
    """Everything a decision and a quote read, in memory (see the module note)."""

    ref: Reference
    risk: RiskState
    logistics: Logistics
    decider: RiskDecider
    quoters: tuple[FeeQuoter, ...]
    seq: int = 0
    """The last inbox sequence number applied."""
    posted_orders: dict[str, list[tuple[str, str, datetime]]] = field(default_factory=dict)
    """buyer id -> (order id, SKU, paid at) of orders that arrived as events after the build
    (the post-purchase filter reads them: a purchase counts the moment it is posted)."""
    built_seconds: float = 0.0

    @classmethod
    def build(
        cls,
        con: duckdb.DuckDBPyConnection,
        *,
        risk_rulebook: str = DEFAULT_RULEBOOK,
        fee_rulebooks: Sequence[str] = DEFAULT_FEE_RULEBOOKS,
        model: RiskModel | None = None,
        seq: int = 0,
        rulebook_dirs: Sequence[Path] = (),
    ) -> OnlineState:
        """Rebuild from the warehouse behind ``con`` (read-only is enough)."""
        began = time.perf_counter()
        dirs = tuple(rulebook_dirs)
        book = load_rulebook(risk_rulebook, dirs)
        decider = RiskDecider.build(compile_risk_rules(book), settings_from(book), model)
        quoters = tuple(FeeQuoter(load_rulebook(name, dirs)) for name in fee_rulebooks)
        ref = Reference.load(con)
        risk = RiskState.load(con, ref)
        risk.finish_loading()
        logistics = Logistics()
        rows = rows_of(
            con.execute(
                "SELECT l.order_id, l.event, l.event_at, o.paid_at, o.shop_id "
                "FROM logistics_events AS l JOIN orders AS o USING (order_id) "
                "WHERE l.event IN ('delivered', 'receipt_confirmed') ORDER BY l.event_at"
            )
        )
        for order_id, event, at, paid_at, shop_id in rows:
            logistics.add(order_id, event, at, paid_at, shop_id)
        state = cls(ref, risk, logistics, decider, quoters, seq)
        state.built_seconds = time.perf_counter() - began
        return state

    # --- events --------------------------------------------------------------------------

    def apply(self, seq: int, kind: EventType | str, row: Mapping[str, Any]) -> None:
        """Move forward by one accepted event (typed values, as the warehouse holds them);
        an inbox notice that is no event (a listing governance notice) only moves ``seq``."""
        if kind not in _EVENT_TYPES:
            self.seq = max(self.seq, seq)
            return
        kind = EventType(kind)
        if kind is EventType.ORDERS:
            if self.risk.add_order(row):
                self.posted_orders.setdefault(str(row["buyer_id"]), []).append(
                    (str(row["order_id"]), str(row["sku_id"]), row["paid_at"])
                )
        elif kind is EventType.LOGISTICS_EVENTS:
            order = self.risk.orders.get(row["order_id"])
            self.risk.add_delivery(row["order_id"], row["event"], row["event_at"])
            self.logistics.add(
                row["order_id"],
                row["event"],
                row["event_at"],
                order[5] if order else None,
                order[1] if order else "",
            )
        elif kind is EventType.AFTER_SALES:
            images = row.get("evidence_images")
            self.risk.add_claim(
                row["case_id"],
                row["order_id"],
                row["requested_at"],
                row["type"],
                list(images) if images else None,
                row.get("outcome"),
                row.get("responsible_party"),
                row.get("closed_at"),
            )
        # reviews and service sessions feed scores, which the batch stage computes
        self.seq = max(self.seq, seq)

    # --- answers -------------------------------------------------------------------------

    def decide(self, request: RiskRequest) -> tuple[Decision, dict[str, Any]]:
        """The decision on one after-sales request, and the feature row it was made on."""
        try:
            features = self.risk.features(request, self.ref)
        except UnknownOrder as err:
            raise NotFound(str(err)) from None
        return self.decider.decide(request, features), features

    def rulebook_for(self, paid_on: date) -> Rulebook:
        return self.quoter_for(paid_on).rulebook

    def quoter_for(self, paid_on: date) -> FeeQuoter:
        """The fee rulebook in force on the payment date (the first configured one if none)."""
        for quoter in self.quoters:
            book = quoter.rulebook
            if book.in_force(paid_on):
                return quoter
        if not self.quoters:
            raise InputError("no fee rulebook is configured for quotes")
        return self.quoters[0]

    def quote(self, order: Mapping[str, Any], *, rulebook: str | None = None) -> Quote:
        """Fee lines and payout schedule of ``order`` (a mapping of ``orders`` columns)."""
        if order["shop_id"] not in self.ref.shops:
            raise NotFound(f"shop {order['shop_id']} is unknown")
        paid_on = order["paid_at"].date()
        if rulebook is None:
            quoter = self.quoter_for(paid_on)
        else:
            found = [q for q in self.quoters if q.rulebook.name == rulebook]
            if not found:
                names = ", ".join(q.rulebook.name for q in self.quoters)
                raise NotFound(f"fee rulebook {rulebook!r} is not in force here (have {names})")
            quoter = found[0]
        facts = order_facts(order, self.ref)
        order_id = order["order_id"]
        payout = quoter.payout(
            facts,
            confirmed_on=self.logistics.confirmed.get(order_id),
            delivered_on=self.logistics.delivered.get(order_id),
            usual_delivery_days=self.logistics.usual_days(order["shop_id"]),
        )
        return Quote(order_id, order["shop_id"], quoter.rulebook.name, quoter.lines(facts), payout)

    def reload_scores(self, con: duckdb.DuckDBPyConnection) -> None:
        """Re-read the score series in force (after a scoring run)."""
        self.ref.load_scores(con)
