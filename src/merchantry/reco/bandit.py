"""Thompson sampling between creative variants, and a simulation that judges it.

Each variant keeps its impressions, clicks and conversions; the reward is a conversion
per impression (a click without a purchase earns nothing), with a Beta(1, 1) prior. To
serve an impression the bandit draws one conversion rate per variant from its Beta
posterior and shows the variant with the highest draw, so traffic drifts to the variant
that converts while the others keep a chance in proportion to how unsure we are.

:func:`simulate` replays a known world (each variant's click and conversion rates)
under Thompson sampling and under equal allocation with the same random stream, and
reports the expected regret (conversions lost against always showing the best variant)
and the uplift in conversions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from merchantry.kit.errors import InputError


@dataclass(slots=True)
class ArmStats:
    impressions: int = 0
    clicks: int = 0
    conversions: int = 0


@dataclass(slots=True)
class ThompsonBandit:
    """Allocates impressions between ``arms`` from clicks and conversions."""

    arms: Sequence[str]
    rng: np.random.Generator
    prior_alpha: float = 1.0
    prior_beta: float = 1.0
    stats: dict[str, ArmStats] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.arms:
            raise InputError("a bandit needs at least one variant")
        if len(set(self.arms)) != len(self.arms):
            raise InputError("variant ids must be distinct")
        for arm in self.arms:
            self.stats.setdefault(arm, ArmStats())

    def choose(self) -> str:
        """The variant to show next (one posterior draw per variant)."""
        alpha = np.array([self.prior_alpha + self.stats[a].conversions for a in self.arms])
        beta = np.array(
            [
                self.prior_beta + self.stats[a].impressions - self.stats[a].conversions
                for a in self.arms
            ]
        )
        return self.arms[int(np.argmax(self.rng.beta(alpha, beta)))]

    def record(self, arm: str, *, clicked: bool, converted: bool) -> None:
        """One impression's outcome (a conversion implies a click)."""
        if arm not in self.stats:
            raise InputError(f"unknown variant {arm!r}")
        s = self.stats[arm]
        s.impressions += 1
        s.clicks += int(clicked or converted)
        s.conversions += int(converted)

    def shares(self) -> dict[str, float]:
        total = sum(s.impressions for s in self.stats.values()) or 1
        return {a: self.stats[a].impressions / total for a in self.arms}


@dataclass(frozen=True, slots=True)
class ArmRates:
    click_rate: float
    conversion_rate: float
    """Conversions per click."""

    @property
    def per_impression(self) -> float:
        return self.click_rate * self.conversion_rate


@dataclass(frozen=True, slots=True)
class SimulationResult:
    impressions: int
    thompson_conversions: int
    equal_conversions: int
    thompson_regret: float
    """Expected conversions lost against always showing the best variant."""
    equal_regret: float
    uplift_pct: float
    """Thompson's conversions over equal allocation's, percent more."""
    shares: dict[str, float]
    """Thompson's share of impressions per variant."""
    last_tenth_best_share: float
    """Share of the best variant in the last tenth of impressions."""


def simulate(rates: Mapping[str, ArmRates], impressions: int, seed: int) -> SimulationResult:
    """Thompson sampling against equal allocation in a world of known rates."""
    if impressions < 1:
        raise InputError("impressions must be at least 1")
    for arm, r in rates.items():
        if not (0 <= r.click_rate <= 1 and 0 <= r.conversion_rate <= 1):
            raise InputError(f"variant {arm!r}: rates must be between 0 and 1")
    arms = list(rates)
    best = max(r.per_impression for r in rates.values())
    best_arm = max(arms, key=lambda a: rates[a].per_impression)
    bandit = ThompsonBandit(arms, np.random.default_rng([seed, 1]))
    outcomes = np.random.default_rng([seed, 2])
    u_click = outcomes.random(impressions)
    u_convert = outcomes.random(impressions)
    ts_conv = eq_conv = 0
    ts_regret = eq_regret = 0.0
    tail_start = impressions - max(1, impressions // 10)
    tail_best = 0
    for t in range(impressions):
        arm = bandit.choose()
        r = rates[arm]
        clicked = bool(u_click[t] < r.click_rate)
        converted = clicked and bool(u_convert[t] < r.conversion_rate)
        bandit.record(arm, clicked=clicked, converted=converted)
        ts_conv += converted
        ts_regret += best - r.per_impression
        if t >= tail_start and arm == best_arm:
            tail_best += 1
        equal = rates[arms[t % len(arms)]]
        eq_click = bool(u_click[t] < equal.click_rate)
        eq_conv += eq_click and bool(u_convert[t] < equal.conversion_rate)
        eq_regret += best - equal.per_impression
    return SimulationResult(
        impressions=impressions,
        thompson_conversions=ts_conv,
        equal_conversions=eq_conv,
        thompson_regret=round(ts_regret, 1),
        equal_regret=round(eq_regret, 1),
        uplift_pct=round(100.0 * (ts_conv - eq_conv) / eq_conv, 1) if eq_conv else 0.0,
        shares={a: round(s, 4) for a, s in bandit.shares().items()},
        last_tenth_best_share=round(tail_best / (impressions - tail_start), 4),
    )
