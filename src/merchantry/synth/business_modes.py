"""Promise times and parcels of instant-retail and cross-border shops.

The core generator promises every order the same way (ship by the end of the day after
payment; delivery in two to five days by distance) and moves every parcel by courier. Two
business modes work otherwise, and the rules that read promises treat them apart:

- **instant retail** (即时零售, 小时达): a rider collects the order within the hour and delivers
  it within hours; the promise is :data:`INSTANT_SHIP_MINUTES` to hand over and
  :data:`INSTANT_DELIVERY_HOURS` to the door;
- **cross-border** (全球购): the parcel leaves a bonded or overseas warehouse and clears
  customs; the ship-by promise is :data:`CROSS_BORDER_SHIP_DAYS` days, the delivery promise
  :data:`CROSS_BORDER_DELIVERY_DAYS` days (plus the remote provinces' extra days), and the
  parcel spends :data:`CROSS_BORDER_EXTRA_TRANSIT_DAYS` more days on the way.

The times drawn here come from a stream of their own (9, sub-stream 2, then the day), so no
other stream's draws move. A cross-border parcel keeps its drawn shipping and pickup (a
planted late shipper stays late) and only travels longer. The figures are modelling choices:
the platforms publish none for these modes (``docs/synthetic-data.md``).
"""

from __future__ import annotations

import dataclasses
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from merchantry.synth.fulfilment import Journey
from merchantry.synth.orders import OrderBatch, timestamps
from merchantry.synth.population import Population
from merchantry.synth.vector import IntArray

DOMESTIC, CROSS_BORDER, INSTANT_RETAIL = 0, 1, 2
MODES: Final = ("domestic", "cross_border", "instant_retail")
"""``shops.business_mode`` values, in the order of the codes above."""

INSTANT_SHIP_MINUTES: Final = 60
"""Instant retail: the order is handed to a rider within this long of payment."""
INSTANT_DELIVERY_HOURS: Final = 3
"""Instant retail: promised at the door within this long of payment (小时达)."""
CROSS_BORDER_SHIP_DAYS: Final = 3
"""Cross-border: shipped by the end of the third day after payment."""
CROSS_BORDER_DELIVERY_DAYS: Final = 10
"""Cross-border: delivered by the end of the tenth day after payment (before remote extras)."""
CROSS_BORDER_EXTRA_TRANSIT_DAYS: Final = (3.0, 7.0)
"""Customs clearance and the international leg add this many days (uniform) to transit."""

_DAY: Final = 86_400
_HOUR: Final = 3_600


def shop_modes(pop: Population) -> IntArray:
    """The business mode code of every shop (from ``shops.business_mode``)."""
    values = pop.tables["shops"].column("business_mode").to_pylist()
    return np.array([MODES.index(str(v)) for v in values], dtype=np.int64)


def _end_of_day(seconds: IntArray, days_after: int | IntArray) -> IntArray:
    end: IntArray = (seconds // _DAY + days_after + 1) * _DAY - 1
    return end


def promise_by_mode(
    modes: IntArray, batch: OrderBatch, extra_transit_days: npt.NDArray[np.int64]
) -> OrderBatch:
    """The batch with instant-retail and cross-border orders' promises set by their mode.

    ``extra_transit_days``: the remote-province extra days of each order's destination.
    """
    mode = modes[batch.shop]
    if not (mode != DOMESTIC).any():
        return batch
    table = batch.table
    ship_by = table.column("ship_by_at").cast(pa.int64()).to_numpy() // 1_000_000
    promised = table.column("promised_delivery_at").cast(pa.int64()).to_numpy() // 1_000_000
    instant, cross = mode == INSTANT_RETAIL, mode == CROSS_BORDER
    ship_by = np.where(instant, batch.paid + INSTANT_SHIP_MINUTES * 60, ship_by)
    ship_by = np.where(cross, _end_of_day(batch.paid, CROSS_BORDER_SHIP_DAYS), ship_by)
    promised = np.where(instant, batch.paid + INSTANT_DELIVERY_HOURS * _HOUR, promised)
    promised = np.where(
        cross,
        _end_of_day(batch.paid, CROSS_BORDER_DELIVERY_DAYS + extra_transit_days),
        promised,
    )
    for name, values in (("ship_by_at", ship_by), ("promised_delivery_at", promised)):
        table = table.set_column(
            table.schema.get_field_index(name), name, timestamps(values.astype(np.int64))
        )
    return dataclasses.replace(batch, table=table)


def travel_by_mode(
    rng: np.random.Generator, modes: IntArray, batch: OrderBatch, journey: Journey
) -> Journey:
    """The journey with instant-retail parcels carried by riders within hours and
    cross-border parcels held up by customs (milestones that did not happen stay -1)."""
    n = batch.size
    mode = modes[batch.shop]
    # every draw is made for every order, so the stream does not depend on the mix
    hand_over = (rng.uniform(10.0, 70.0, n) * 60).astype(np.int64)
    ride = (rng.lognormal(np.log(70.0), 0.35, n) * 60).astype(np.int64)
    customs = (rng.uniform(*CROSS_BORDER_EXTRA_TRANSIT_DAYS, n) * _DAY).astype(np.int64)
    happened = journey.delivered >= 0
    instant = (mode == INSTANT_RETAIL) & happened & (journey.shipped >= 0)
    cross = (mode == CROSS_BORDER) & happened
    shipped = np.where(instant, batch.paid + hand_over, journey.shipped)
    picked_up = np.where(instant & (journey.picked_up >= 0), shipped, journey.picked_up)
    delivered = np.where(instant, shipped + ride, journey.delivered)
    delivered = np.where(cross, delivered + customs, delivered)
    after = np.where(journey.confirmed >= 0, journey.confirmed - journey.delivered, 0)
    confirmed = np.where(
        (instant | cross) & (journey.confirmed >= 0), delivered + after, journey.confirmed
    )
    return dataclasses.replace(
        journey, shipped=shipped, picked_up=picked_up, delivered=delivered, confirmed=confirmed
    )
