"""Merchants' purchases and bills payable with programme coupons (``coupon_spends``).

Each shop, each day, may buy a 随心推 promotion or traffic, or be billed commission or fees,
and so offer coupons of that kind for payment. Busier shops (higher ``shop_weight``) spend
more often. The generator cannot know which shops will hold coupons (the programme stage
grants them after ingestion), so every shop spends; the ledger pays each spend from the
coupons the shop holds that day and leaves the rest to the merchant (``ledger/coupons.py``).
Drawn on their own random stream (13), so the other tables do not move.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.model.coupons import COUPON_KINDS
from merchantry.synth.orders import timestamps
from merchantry.synth.population import Population
from merchantry.synth.vector import choose, ids

DAILY_CHANCE: Final = 0.25
"""Chance a shop of average weight spends on a given day (capped at 0.9 for busy shops)."""
KIND_WEIGHTS: Final = (0.35, 0.45, 0.1, 0.1)
"""Traffic, 随心推 ad, commission and fee spends, in :data:`COUPON_KINDS` order."""
MEDIAN_FEN: Final = 12_000
"""Median spend: ¥120 (log-normal, sigma 0.8), at least ¥1."""


def draw_coupon_spends(
    rng: np.random.Generator, pop: Population, tag: str, day_start: int
) -> pa.Table:
    """The day's coupon-payable spends, one row each, in shop order."""
    chance = np.minimum(DAILY_CHANCE * pop.shop_weight, 0.9)
    shop = np.flatnonzero(rng.random(pop.shop_count) < chance)
    kind = choose(rng, KIND_WEIGHTS, shop.size)
    amount = np.maximum(np.rint(rng.lognormal(np.log(MEDIAN_FEN), 0.8, shop.size)), 100)
    at = day_start + rng.integers(8 * 3600, 23 * 3600, shop.size)
    return pa.table(
        {
            "spend_id": ids(f"CS{tag}", np.arange(1, shop.size + 1), 6),
            "shop_id": pop.shop_ids.take(pa.array(shop, pa.int64())),
            "coupon_kind": pa.array([COUPON_KINDS[k] for k in kind.tolist()], pa.string()),
            "spent_at": timestamps(at),
            "amount_fen": pa.array(amount.astype(np.int64), pa.int64()),
        }
    )
