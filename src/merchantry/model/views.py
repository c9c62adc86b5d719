"""Warehouse views: definitions every stage reads the same way.

``order_fulfilment`` is the one definition of **late shipped** (发货超时) and
**late delivered** (超时送达) against what the platform promised the buyer.
Both platforms measure against the promise: Douyin's pickup deadline (揽收) is
23:59:59 of the day after payment for in-stock goods and the promised time for
pre-sale goods; Taobao's 48-hour pickup rate uses the shop's declared ship time
where there is one. Hand-over is the carrier's pickup (``picked_up``); a source
that records only one hand-over time writes it as ``shipped`` (and Olist writes
both). ``docs/data-model.md`` lists the columns; ``docs/ingestion.md`` says how
a scoring stage uses them for a score date.

The view's text is fixed (no user input); the warehouse creates it with the
tables (``merchantry.store.warehouse.ensure_schema``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class View:
    """A view over the event tables: its name, what it means and its SQL."""

    name: str
    term_zh: str
    description: str
    columns: tuple[tuple[str, str], ...]
    """``(column, meaning)`` in select order, for the generated docs."""
    select: str


ORDER_FULFILMENT: Final = View(
    name="order_fulfilment",
    term_zh="订单履约时效",
    description=(
        "One row per order: its promises, when it was handed to the carrier and delivered, and "
        "whether each happened later than promised. A flag is empty when there was no promise "
        "or the event has not happened (yet); for a score date D, an order still awaiting its "
        "hand-over whose `ship_by_at` is before D is late too: "
        "`late_shipped OR (awaiting_hand_over AND ship_by_at < D)`."
    ),
    columns=(
        ("order_id", "Order (line)."),
        ("shop_id", "Selling shop."),
        (
            "placed_order_id",
            "The checkout as the buyer placed it: `coalesce(parent_order_id, order_id)`. Count "
            "these, distinct, for a shop's orders (an Olist order with two items of one seller "
            "is one order).",
        ),
        ("paid_at", "Payment time."),
        ("ship_by_at", "Promised ship-by time (承诺发货时间)."),
        ("handed_over_at", "First carrier pickup (揽收), or the first `shipped` event if none."),
        ("late_shipped", "`handed_over_at > ship_by_at` (发货超时); empty without both."),
        (
            "awaiting_hand_over",
            "Neither handed over nor delivered (yet). An order cancelled before shipment stays "
            "so: a scoring stage leaves such orders out as its rules say.",
        ),
        ("promised_delivery_at", "Promised or estimated delivery time (承诺/预计送达)."),
        ("delivered_at", "First `delivered` event (签收)."),
        (
            "late_delivered",
            "`delivered_at > promised_delivery_at` (超时送达); empty without both.",
        ),
    ),
    select="""
SELECT o.order_id, o.shop_id, coalesce(o.parent_order_id, o.order_id) AS placed_order_id,
  o.paid_at, o.ship_by_at,
  coalesce(e.picked_up_at, e.shipped_at) AS handed_over_at,
  coalesce(e.picked_up_at, e.shipped_at) > o.ship_by_at AS late_shipped,
  coalesce(e.picked_up_at, e.shipped_at, e.delivered_at) IS NULL AS awaiting_hand_over,
  o.promised_delivery_at, e.delivered_at,
  e.delivered_at > o.promised_delivery_at AS late_delivered
FROM orders AS o
LEFT JOIN (
  SELECT order_id,
    min(event_at) FILTER (WHERE event = 'shipped') AS shipped_at,
    min(event_at) FILTER (WHERE event = 'picked_up') AS picked_up_at,
    min(event_at) FILTER (WHERE event = 'delivered') AS delivered_at
  FROM logistics_events
  GROUP BY order_id
) AS e ON e.order_id = o.order_id
""",
)

VIEWS: Final[tuple[View, ...]] = (ORDER_FULFILMENT,)
"""Every view, created after the tables it reads."""
