"""Replay: how exposure and expected returns shift between shop tiers under a boost.

The generator's (or a real warehouse's) orders become sessions: a buyer looking at a
category. Each session ranks a slate of that category's products by a relevance drawn
once per (session, product) from a seeded stream (the recommender's own score, which
Merchantry does not know), times the rerank weight of a rulebook; positions get
exposure ``1 / log2(position + 2)`` for the first ``shown`` places. The same sessions
and relevances run under the baseline and the candidate, so every difference is the
boost's. Expected returns are exposure times the buyer's return risk for the item.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from merchantry.reco.boost import BoostInput, boost
from merchantry.reco.settings import BoostSettings

TIERS = ("excellent", "good", "fair", "below_pool", "unscored")


@dataclass(frozen=True, slots=True)
class ReplayItem:
    sku_id: str
    shop_id: str
    category_id: str
    shop_score: int | None
    badge: bool
    return_bp: int
    """The item's return probability for an average buyer, bp."""
    content_quality: int | None


@dataclass(frozen=True, slots=True)
class Session:
    buyer_id: str
    category_id: str
    buyer_factor_pm: int
    """The buyer's return propensity relative to the average buyer, per mille."""


@dataclass(frozen=True, slots=True)
class TierShift:
    tier: str
    items: int
    baseline_exposure_pm: int
    """Share of all exposure, per mille."""
    candidate_exposure_pm: int
    baseline_returns_per_1000: float
    """Expected returns per 1,000 exposures of the tier's items."""
    candidate_returns_per_1000: float


@dataclass(frozen=True, slots=True)
class ReplayReport:
    baseline: str
    candidate: str
    sessions: int
    tiers: tuple[TierShift, ...]
    baseline_returns_per_1000: float
    candidate_returns_per_1000: float


def _risk(item: ReplayItem, session: Session) -> int:
    return min(10_000, item.return_bp * session.buyer_factor_pm // 1000)


def replay(
    items: Sequence[ReplayItem],
    sessions: Sequence[Session],
    baseline: tuple[str, BoostSettings],
    candidate: tuple[str, BoostSettings],
    *,
    seed: int = 0,
    slate: int = 30,
    shown: int = 10,
) -> ReplayReport:
    """Replay ``sessions`` under both rulebooks; exposure and returns by shop tier."""
    by_category: dict[str, list[ReplayItem]] = defaultdict(list)
    for item in items:
        by_category[item.category_id].append(item)
    tier_of_item = {
        i.sku_id: boost(BoostInput(i.sku_id, i.shop_score), candidate[1], candidate[0]).tier
        for i in items
    }
    position_weight = [1.0 / math.log2(p + 2) for p in range(shown)]
    exposure: dict[str, defaultdict[str, float]] = {
        "baseline": defaultdict(float),
        "candidate": defaultdict(float),
    }
    returns: dict[str, defaultdict[str, float]] = {
        "baseline": defaultdict(float),
        "candidate": defaultdict(float),
    }
    rng = np.random.default_rng(seed)
    used = 0
    for session in sessions:
        pool = by_category.get(session.category_id, [])
        if len(pool) < 2:
            continue
        used += 1
        chosen = rng.choice(len(pool), size=min(slate, len(pool)), replace=False)
        relevance = rng.lognormal(0.0, 0.5, size=chosen.size)
        for arm, (name, settings) in (("baseline", baseline), ("candidate", candidate)):
            scored = []
            for pos, k in enumerate(chosen.tolist()):
                item = pool[k]
                risk = _risk(item, session)
                weight = boost(
                    BoostInput(
                        item.sku_id, item.shop_score, item.badge, risk, item.content_quality
                    ),
                    settings,
                    name,
                ).weight_bp
                scored.append((-relevance[pos] * weight, item.sku_id, item, risk))
            scored.sort(key=lambda t: (t[0], t[1]))
            for place, (_, sku, _item, risk) in enumerate(scored[:shown]):
                tier = tier_of_item[sku]
                exposure[arm][tier] += position_weight[place]
                returns[arm][tier] += position_weight[place] * risk / 10_000
    counts: dict[str, int] = defaultdict(int)
    for tier in tier_of_item.values():
        counts[tier] += 1
    total = {arm: sum(v.values()) or 1.0 for arm, v in exposure.items()}
    shifts = tuple(
        TierShift(
            tier,
            counts[tier],
            round(exposure["baseline"][tier] * 1000 / total["baseline"]),
            round(exposure["candidate"][tier] * 1000 / total["candidate"]),
            _per_1000(returns["baseline"][tier], exposure["baseline"][tier]),
            _per_1000(returns["candidate"][tier], exposure["candidate"][tier]),
        )
        for tier in TIERS
        if counts[tier]
    )
    return ReplayReport(
        baseline[0],
        candidate[0],
        used,
        shifts,
        _per_1000(sum(returns["baseline"].values()), total["baseline"]),
        _per_1000(sum(returns["candidate"].values()), total["candidate"]),
    )


def _per_1000(returned: float, exposed: float) -> float:
    return round(returned * 1000 / exposed, 1) if exposed else 0.0


def buyer_factors(
    orders: Mapping[str, int], returns: Mapping[str, int], mean_rate: float
) -> dict[str, int]:
    """Each buyer's return propensity relative to the mean, per mille, shrunk to 1000
    with a prior of 10 orders (a buyer with 2 orders and 1 return is not a 50% returner)."""
    prior = 10
    result = {}
    for buyer, n in orders.items():
        rate = (returns.get(buyer, 0) + prior * mean_rate) / (n + prior)
        result[buyer] = round(1000 * rate / mean_rate) if mean_rate > 0 else 1000
    return result
