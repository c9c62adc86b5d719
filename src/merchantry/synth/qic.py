"""QIC-inspected orders (QIC质检订单): which orders pass the platform's inspection centre.

Douyin routes orders of some high-value categories (jewellery and jade, watches, luxury and
second-hand goods) through a QIC inspection before delivery, and its experience score then
allows 48 hours from payment for the pickup instead of 23:59:59 of the day after (rule 103956,
the missed-pickup count). The generator marks a share of the orders of those industries as
inspected and every other order as not, drawing from its own stream (18) so that no other
stream's draws move. The industries and the share are the generator's choice (the platform
publishes no list of inspected categories); they only need to exercise the rule.
"""

from __future__ import annotations

import dataclasses
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth.catalogue import ALL_INDUSTRIES
from merchantry.synth.orders import OrderBatch

QIC_INDUSTRIES: Final = (
    "gold_jewellery",
    "jade",
    "custom_jewellery",
    "watches",
    "second_hand_luxury",
    "second_hand_digital",
    "luxury_beauty",
)
"""Industries whose orders may go through QIC inspection."""

QIC_SHARE: Final = 0.4
"""Share of those industries' orders that are inspected."""

_ELIGIBLE: Final = np.array([i.code in QIC_INDUSTRIES for i in ALL_INDUSTRIES], dtype=np.bool_)
"""Per industry index (core industries, then the special ones), as ``OrderBatch.industry``."""


def mark_qic(rng: np.random.Generator, batch: OrderBatch) -> OrderBatch:
    """The day's orders with ``qic_inspected`` set: one draw per order, always taken."""
    draws = rng.random(batch.size)
    inspected = _ELIGIBLE[batch.industry] & (draws < QIC_SHARE)
    table = batch.table.set_column(
        batch.table.schema.get_field_index("qic_inspected"),
        "qic_inspected",
        pa.array(inspected, pa.bool_()),
    )
    return dataclasses.replace(batch, table=table)
