"""Enough lone abusers and heavy returners to measure, however small the market.

The buyer pool plants ``careful`` and ``mimic`` lone abusers and ``heavy_returner`` decoys
at 4% of the shop count each (``synth/buyers.py``), at least five. A small market then holds
five of each, who place a handful of orders and two or three claims in a few weeks: too few
requests for a per-grade figure to mean anything, and too few for a learned model to see any
buyer it cannot place with certainty (every probability ends near 0 or near 1, so the
model's graded points collapse to nothing or the top grade).

This module, on its own random stream (9, so no other stream's draws move), tops each of those
grades up to :data:`MIN_PER_GRADE` buyers, recruited among the active honest buyers outside
rings and decoys. A market large enough to plant that many already (from 500 shops) is left
exactly as it was. The truth (``refund_abusers``) lists the recruits with their grade.
"""

from __future__ import annotations

import dataclasses
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth.buyers import ABUSIVE_GRADES, BUYER_ID_WIDTH, GRADE, GRADES
from merchantry.synth.population import Population

MIN_PER_GRADE: Final = 20
"""Buyers of each lone grade (careful, mimic, heavy returner) in any market."""
LONE_GRADES: Final = ("careful", "mimic", "heavy_returner")


def top_up_lone_abusers(rng: np.random.Generator, pop: Population) -> Population:
    """The population with each lone grade holding at least :data:`MIN_PER_GRADE` buyers."""
    buyers = pop.buyers
    short = {name: MIN_PER_GRADE - int((buyers.grade == GRADE[name]).sum()) for name in LONE_GRADES}
    if all(n <= 0 for n in short.values()):
        return pop
    own = np.arange(buyers.count, dtype=np.int64)
    active = own < max(buyers.count // 5, 100)
    shares_nothing = (
        (buyers.device == own)
        & (buyers.phone == own)
        & (buyers.address == own)
        & (buyers.payment == own)
    )
    free = np.flatnonzero(active & (buyers.grade == 0) & (buyers.ring < 0) & shares_nothing)
    free = rng.permutation(free)
    grade = buyers.grade.copy()
    cursor = 0
    for name in LONE_GRADES:
        take = max(short[name], 0)
        grade[free[cursor : cursor + take]] = GRADE[name]
        cursor += take
    added = np.sort(free[:cursor])
    ring_of = dict(
        zip(
            buyers.truth_abusers.column("buyer_id").to_pylist(),
            buyers.truth_abusers.column("ring_id").to_pylist(),
            strict=True,
        )
    )
    graded = np.flatnonzero(grade > 0)
    ids = [f"B{b:0{BUYER_ID_WIDTH}d}" for b in graded.tolist()]
    truth = pa.table(
        {
            "buyer_id": ids,
            "grade": [GRADES[g] for g in grade[graded].tolist()],
            "abusive": pa.array(
                [GRADES[g] in ABUSIVE_GRADES for g in grade[graded].tolist()], pa.bool_()
            ),
            "ring_id": pa.array([ring_of.get(b) for b in ids], pa.string()),
        },
        schema=buyers.truth_abusers.schema,
    )
    assert added.size == cursor
    new_buyers = dataclasses.replace(buyers, grade=grade, truth_abusers=truth)
    return dataclasses.replace(pop, buyers=new_buyers, truth=pop.truth | {"refund_abusers": truth})
