"""What happens after payment: the after-sales cause and the parcel's journey.

Each order gets at most one after-sales cause, drawn from category habits,
the shop's quality, the SKU's sizing and whether the buyer belongs to a refund
ring. Orders cancelled before shipment have no logistics events. The others
move shipped → picked_up → delivered → receipt_confirmed, each step at or after
the one before; steps beyond the end of the data window are not written, so
recent parcels are still in transit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth.buyers import GRADE
from merchantry.synth.catalogue import ALL_INDUSTRIES
from merchantry.synth.geography import BULKY_CARRIERS, CARRIERS, PROVINCES
from merchantry.synth.orders import OrderBatch, timestamps
from merchantry.synth.population import Population
from merchantry.synth.vector import BoolArray, IntArray, pick

CAUSES: Final = (
    "instant",  # 秒退: refund asked within minutes of payment, before shipment
    "ring",  # a planted ring's refund-only claim
    "changed_mind",
    "quality",
    "not_as_described",
    "wrong_size",
    "damaged",
    "wrong_item",
    "late_delivery",
    "fake_product",
    "other",
    "abuse",  # a lone abuser's claim (careful or mimicking honest buyers)
)
"""After-sales causes, in the column order of the probability matrix."""
NONE: Final = len(CAUSES)
CAUSE: Final = {name: i for i, name in enumerate(CAUSES)}

INSTANT_RATE: Final = np.array([0.035, 0.015, 0.010, 0.010, 0.010])
"""Share of instant refunds by scene (live rooms see the most impulse buying)."""
RING_CLAIM_RATE: Final = 0.55
CAREFUL_CLAIM_RATE: Final = 0.25
"""A careful lone abuser claims on a quarter of its orders (honest buyers: ~5%)."""
MIMIC_CLAIM_RATE: Final = 0.07
"""A mimic claims barely more often than an honest buyer in a high-return category."""
HEAVY_RETURNER_BOOST: Final = 5.0
"""An honest heavy returner changes its mind and picks the wrong size this many times more."""
PRESHIP_CHANGED_MIND: Final = 0.15
"""Share of changed-mind cases asked before shipment (cancel, no parcel)."""
LATE_SHOP_PICKUP_HOURS: Final = 24.0
AUTO_CONFIRM_DAYS: Final = 7
BUYER_CONFIRM_SHARE: Final = 0.45

_CHANGED = np.array([ind.changed_mind for ind in ALL_INDUSTRIES])
_QUALITY = np.array([ind.quality for ind in ALL_INDUSTRIES])
_SIZING = np.array([ind.sizing for ind in ALL_INDUSTRIES])
_DAMAGE = np.array([ind.damage for ind in ALL_INDUSTRIES])
_BULKY = np.array([ind.bulky for ind in ALL_INDUSTRIES])
_EXTRA_TRANSIT = np.array([p.extra_transit_hours for p in PROVINCES], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Journey:
    """Per order: cause, milestone times (seconds; -1 when it does not happen)."""

    cause: IntArray
    shipped: IntArray
    picked_up: IntArray
    delivered: IntArray
    confirmed: IntArray
    auto_confirmed: BoolArray
    carrier: IntArray
    """Index into ``CARRIERS + BULKY_CARRIERS``."""


def draw_causes(rng: np.random.Generator, pop: Population, batch: OrderBatch) -> IntArray:
    """The after-sales cause of each order (``NONE`` for most)."""
    n = batch.size
    ind = batch.industry
    quality = pop.shop_quality[batch.shop]
    sizing = np.where(pop.sku_sizing[batch.sku], 6.0, 1.0)
    ring = pop.buyers.ring[batch.buyer] >= 0
    grade = pop.buyers.grade[batch.buyer]
    heavy = np.where(grade == GRADE["heavy_returner"], HEAVY_RETURNER_BOOST, 1.0)
    lone = np.select(
        [grade == GRADE["careful"], grade == GRADE["mimic"]],
        [CAREFUL_CLAIM_RATE, MIMIC_CLAIM_RATE],
        0.0,
    )
    late_shop = pop.shop_pickup_hours[batch.shop] > LATE_SHOP_PICKUP_HOURS
    p = np.empty((n, NONE))
    p[:, CAUSE["instant"]] = INSTANT_RATE[batch.scene]
    p[:, CAUSE["ring"]] = np.where(ring, RING_CLAIM_RATE, 0.0)
    p[:, CAUSE["changed_mind"]] = _CHANGED[ind] * heavy
    p[:, CAUSE["quality"]] = _QUALITY[ind] * quality
    p[:, CAUSE["not_as_described"]] = 0.3 * _QUALITY[ind] * quality
    p[:, CAUSE["wrong_size"]] = _SIZING[ind] * sizing * heavy
    p[:, CAUSE["damaged"]] = _DAMAGE[ind]
    p[:, CAUSE["wrong_item"]] = 0.003
    p[:, CAUSE["late_delivery"]] = np.where(late_shop, 0.04, 0.002)
    p[:, CAUSE["fake_product"]] = 0.001 * quality
    p[:, CAUSE["other"]] = 0.003
    p[:, CAUSE["abuse"]] = lone
    cumulative = np.cumsum(p, axis=1)
    cumulative /= np.maximum(cumulative[:, -1:] / 0.95, 1.0)  # never more than 95% in total
    u = rng.random(n)
    cause: IntArray = (u[:, None] >= cumulative).sum(axis=1).astype(np.int64)
    return cause


def draw_journey(
    rng: np.random.Generator, pop: Population, batch: OrderBatch, cause: IntArray
) -> Journey:
    """Milestone times of each order's parcel (not yet cut at the data window)."""
    n = batch.size
    hour = 3600.0
    cancelled = (cause == CAUSE["instant"]) | (
        (cause == CAUSE["changed_mind"]) & (rng.random(n) < PRESHIP_CHANGED_MIND)
    )
    ship_h = np.clip(rng.lognormal(np.log(pop.shop_ship_hours[batch.shop]), 0.6), 0.2, 120.0)
    pickup_h = np.clip(rng.lognormal(np.log(pop.shop_pickup_hours[batch.shop]), 0.4), 0.1, 200.0)
    bulky = _BULKY[batch.industry]
    other_province = pop.shop_province[batch.shop] != pop.buyers.province[batch.buyer]
    base_h = 20.0 + 20.0 * other_province + 24.0 * bulky
    transit_h = base_h * rng.lognormal(0.0, 0.35, n) + _EXTRA_TRANSIT[
        pop.buyers.province[batch.buyer]
    ] * rng.uniform(0.8, 1.2, n)
    shipped = batch.paid + (ship_h * hour).astype(np.int64)
    picked_up = shipped + (pickup_h * hour).astype(np.int64)
    delivered = picked_up + (transit_h * hour).astype(np.int64)
    by_buyer = rng.random(n) < BUYER_CONFIRM_SHARE
    buyer_delay = np.minimum(rng.exponential(30.0 * hour, n), 6.5 * 86_400).astype(np.int64)
    auto_delay = AUTO_CONFIRM_DAYS * 86_400 + rng.integers(0, 6 * 3600, n)
    confirmed = delivered + np.where(by_buyer, buyer_delay, auto_delay)

    own = pop.shop_carrier[batch.shop]
    carrier = np.where(rng.random(n) < 0.85, own, rng.integers(0, len(CARRIERS), n))
    carrier = np.where(bulky, len(CARRIERS) + rng.integers(0, len(BULKY_CARRIERS), n), carrier)
    gone = np.int64(-1)
    return Journey(
        cause=cause,
        shipped=np.where(cancelled, gone, shipped),
        picked_up=np.where(cancelled, gone, picked_up),
        delivered=np.where(cancelled, gone, delivered),
        confirmed=np.where(cancelled, gone, confirmed),
        auto_confirmed=~by_buyer,
        carrier=carrier.astype(np.int64),
    )


def build_logistics(batch: OrderBatch, journey: Journey, end: int) -> pa.Table:
    """The logistics_events rows: one per milestone reached before ``end``."""
    n = batch.size
    times = np.stack(
        [journey.shipped, journey.picked_up, journey.delivered, journey.confirmed], axis=1
    )
    keep = (times >= 0) & (times < end)
    order_index = np.repeat(np.arange(n, dtype=np.int64), 4).reshape(n, 4)[keep]
    event = np.tile(np.arange(4, dtype=np.int64), n).reshape(n, 4)[keep]
    at = times[keep]
    is_confirm = event == 3
    carrier = journey.carrier[order_index]
    return pa.table(
        {
            "order_id": batch.order_ids.take(pa.array(order_index)),
            "event": pick(("shipped", "picked_up", "delivered", "receipt_confirmed"), event),
            "event_at": timestamps(at),
            "auto_confirmed": pa.array(
                journey.auto_confirmed[order_index], pa.bool_(), mask=~is_confirm
            ),
            "carrier": pa.array(CARRIERS + BULKY_CARRIERS, pa.string()).take(
                pa.array(carrier, pa.int64(), mask=is_confirm)
            ),
        }
    )
