"""What affiliate sales owe besides the creator's commission, and creators' confirmed violations.

Two input tables the fee stage and the ledger read (:mod:`merchantry.model.creators`):

- ``order_colonel_fees``: a colonel (团长) service-fee rate for each sale made under a colonel
  or hosted-colonel plan. Most rates leave room for the creator inside the 90% bound; a small
  share is set so that creator plus colonel passes it, which the fee stage must cut back.
- ``creator_violations``: a few confirmed creator violations a day, which freeze the creator's
  unwithdrawn commission under the ``commission_freeze`` rule.

Drawn on their own random stream (14), so the other tables do not move.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from merchantry.synth.orders import OrderBatch, timestamps
from merchantry.synth.population import Population
from merchantry.synth.vector import choose, ids

COLONEL_PLANS: Final = ("colonel", "hosted_colonel")
COLONEL_RATE_BP: Final = (500, 3_000)
"""Usual colonel service-fee rates (uniform between these, in 50 bp steps)."""
OVER_BOUND_SHARE: Final = 0.03
"""Share of colonel sales whose colonel rate, with the creator's, passes the 90% bound."""
BOUND_BP: Final = 9_000

CREATOR_VIOLATION_DAILY: Final = 0.002
"""Chance a creator has a violation confirmed on a given day."""
CREATOR_VIOLATION_KINDS: Final = ("false_promotion", "off_platform_trade", "fake_traffic")
CREATOR_VIOLATION_WEIGHTS: Final = (0.5, 0.3, 0.2)


def draw_colonel_fees(rng: np.random.Generator, batch: OrderBatch) -> pa.Table:
    """One row per sale of the day made under a colonel plan, with its colonel rate."""
    table = batch.table
    colonel = pa.array(
        [
            plans is not None and any(p in COLONEL_PLANS for p in plans)
            for plans in table.column("affiliate_plans").to_pylist()
        ],
        pa.bool_(),
    )
    picked = table.filter(colonel)
    n = picked.num_rows
    low, high = COLONEL_RATE_BP
    rate = rng.integers(low // 50, high // 50 + 1, n) * 50
    creator = np.asarray(
        pc.fill_null(picked.column("commission_rate_bp"), 0).to_numpy(zero_copy_only=False),
        dtype=np.int64,
    )
    over = rng.random(n) < OVER_BOUND_SHARE
    # Over the bound by 1..10 points, never above the column's own maximum.
    past = np.minimum(BOUND_BP - creator + rng.integers(1, 11, n) * 100, BOUND_BP)
    rate = np.where(over, np.maximum(past, rate), rate)
    return pa.table(
        {
            "order_id": picked.column("order_id"),
            "colonel_rate_bp": pa.array(rate.astype(np.int64), pa.int32()),
        }
    )


def draw_creator_violations(
    rng: np.random.Generator, pop: Population, tag: str, day_start: int
) -> pa.Table:
    """Creator violations confirmed this day (a few per thousand creators)."""
    creators = len(pop.creator_ids)
    hit = np.flatnonzero(rng.random(creators) < CREATOR_VIOLATION_DAILY)
    kind = choose(rng, CREATOR_VIOLATION_WEIGHTS, hit.size)
    at = day_start + rng.integers(9 * 3600, 21 * 3600, hit.size)
    return pa.table(
        {
            "violation_id": ids(f"VCR{tag}", np.arange(1, hit.size + 1), 5),
            "creator_id": pop.creator_ids.take(pa.array(hit, pa.int64())),
            "kind": pa.array([CREATOR_VIOLATION_KINDS[k] for k in kind.tolist()], pa.string()),
            "occurred_at": timestamps(at),
        }
    )
