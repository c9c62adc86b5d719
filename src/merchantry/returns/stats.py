"""Rates against a baseline, flagged only when the difference is statistically meaningful.

Each unit (a SKU, a shop, a carrier; or a unit and one cause) has ``events`` out of
``trials`` orders, and belongs to a group (its category) whose rate, leaving the unit itself
out, is the baseline. Two views of the same numbers:

* an **exact binomial test** of "the unit's rate is above the baseline" (one-sided), with the
  Benjamini–Hochberg procedure over every unit tested together, so at most a share
  :data:`FDR` of the flags are expected to be false however many SKUs are looked at;
* **empirical-Bayes shrinkage**: a beta prior fitted to the group's units by the method of
  moments (its weight capped at :data:`MAX_PRIOR_ORDERS` orders), the posterior rate and its
  90% interval. Five orders barely move it; two hundred do.

A unit is flagged when its BH-adjusted p-value is at most :data:`FDR`, the posterior's
lower 5% bound is above the baseline, and it has at least :data:`MIN_EVENTS` events; both are
shown with the raw rate's exact 95% interval.
Rates are floats: they are statistics, never money.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np

FDR: Final = 0.05
"""False-discovery rate held across the units tested together."""
MAX_PRIOR_ORDERS: Final = 100.0
"""The fitted prior never weighs more than this many orders (a homogeneous category would
otherwise pull every unit onto its rate whatever its own orders say)."""
MIN_PRIOR_ORDERS: Final = 2.0
EXPECTED_SCALE: Final = 1_000_000
MIN_EVENTS: Final = 3
"""Never flag a unit on fewer events than this, whatever the test says (one odd case at a SKU
whose category never sees that cause is not a pattern)."""


@dataclass(frozen=True, slots=True)
class Unit:
    """Counts of one unit: ``events`` (refunds, returns, cases of a cause) of ``trials``."""

    key: str
    group: str
    events: int
    trials: int
    expected: float | None = None
    """A baseline rate given instead of the group's: a shop's rate expected from its own mix
    of categories (kept as a ratio over :data:`EXPECTED_SCALE`)."""


@dataclass(frozen=True, slots=True)
class RateFinding:
    """One unit's rate against its group's, with the test, the shrunk rate and the flag."""

    key: str
    group: str
    events: int
    trials: int
    rate: float
    rate_low: float
    rate_high: float
    """Exact (Clopper–Pearson) 95% interval of the raw rate."""
    baseline: float
    """The group's rate without this unit (the whole group's when the unit is all of it)."""
    base_events: int
    base_trials: int
    """The baseline as a ratio of integers, for money arithmetic with no float."""
    p_value: float
    q_value: float
    """Benjamini–Hochberg adjusted p-value over the units tested together."""
    shrunk: float
    shrunk_low: float
    shrunk_high: float
    """Posterior mean and 90% interval under the group's fitted beta prior."""
    flagged: bool

    @property
    def ratio(self) -> float:
        """Rate over baseline (inf when the baseline is zero and the rate is not)."""
        if self.baseline == 0:
            return float("inf") if self.rate > 0 else 1.0
        return self.rate / self.baseline

    @property
    def excess_share(self) -> tuple[int, int]:
        """The share of this unit's events above what the baseline rate would give on the same
        trials, as an integer ratio (0, 1) when there is no excess: ``(events × base_trials −
        trials × base_events) / (events × base_trials)``."""
        whole = self.events * self.base_trials
        part = whole - self.trials * self.base_events
        if whole <= 0 or part <= 0:
            return 0, 1
        return part, whole


def fit_prior(events: Sequence[int], trials: Sequence[int]) -> tuple[float, float]:
    """Beta(a, b) by the method of moments over units with orders; weight a+b is clamped to
    [:data:`MIN_PRIOR_ORDERS`, :data:`MAX_PRIOR_ORDERS`] and neither shape is below 0.5."""
    k = np.asarray(events, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    keep = n > 0
    k, n = k[keep], n[keep]
    if n.sum() == 0:
        return 1.0, 1.0
    mean = float(k.sum() / n.sum())
    mean = min(max(mean, 1e-6), 1 - 1e-6)
    rates = k / n
    # Between-unit variance of true rates: observed weighted variance minus binomial noise.
    observed = float(np.average((rates - mean) ** 2, weights=n))
    noise = float(mean * (1 - mean) * np.mean(1.0 / n)) if n.size else 0.0
    between = observed - noise
    homogeneous = between <= 0 or n.size < 3
    strength = MAX_PRIOR_ORDERS if homogeneous else mean * (1 - mean) / between - 1
    strength = float(min(max(strength, MIN_PRIOR_ORDERS), MAX_PRIOR_ORDERS))
    # Neither shape below a half (Jeffreys'), so a category with no events at all still
    # gives a proper, well-behaved prior.
    return max(mean * strength, 0.5), max((1 - mean) * strength, 0.5)


def bh_adjust(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (scipy's ``false_discovery_control``)."""
    from scipy import stats  # SciPy loads only when testing rates

    if len(p_values) == 0:
        return np.zeros(0)
    return np.asarray(stats.false_discovery_control(np.asarray(p_values), method="bh"))


def assess(
    units: Sequence[Unit], *, tested: set[str] | None = None, fdr: float = FDR
) -> list[RateFinding]:
    """Test the units whose key is in ``tested`` (default: all) against their groups.

    Baselines and priors come from every unit given, so a shop's SKUs are judged against the
    whole category; the false-discovery rate is held over the tested units together.
    """
    from scipy import stats  # SciPy loads only when testing rates

    by_group: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_group[unit.group].append(unit)
    totals = {
        g: (sum(u.events for u in us), sum(u.trials for u in us)) for g, us in by_group.items()
    }
    priors = {
        g: fit_prior([u.events for u in us], [u.trials for u in us]) for g, us in by_group.items()
    }
    chosen = [u for u in units if u.trials > 0 and (tested is None or u.key in tested)]
    if not chosen:
        return []
    k = np.array([u.events for u in chosen], dtype=np.float64)
    n = np.array([u.trials for u in chosen], dtype=np.float64)
    base = []
    for unit in chosen:
        events, trials = totals[unit.group]
        rest_events, rest_trials = events - unit.events, trials - unit.trials
        if unit.expected is not None:
            rest_events, rest_trials = round(unit.expected * EXPECTED_SCALE), EXPECTED_SCALE
        elif rest_trials <= 0:
            rest_events, rest_trials = events, trials
        base.append((rest_events, rest_trials))
    base_k = np.array([b[0] for b in base], dtype=np.float64)
    base_n = np.array([b[1] for b in base], dtype=np.float64)
    baseline = np.where(base_n > 0, base_k / np.maximum(base_n, 1), 0.0)
    # Half an event added to the baseline, so a cause the category never saw is not
    # "infinitely" significant at its first case.
    tested_rate = np.minimum((base_k + 0.5) / (base_n + 1), 1.0)
    p = stats.binom.sf(k - 1, n, tested_rate)  # P(X >= k): one-sided exact test
    q = bh_adjust(list(p))
    # Clopper-Pearson 95% interval of the raw rate.
    low = np.where(k > 0, stats.beta.ppf(0.025, np.maximum(k, 1e-9), n - k + 1), 0.0)
    high = np.where(k < n, stats.beta.ppf(0.975, k + 1, np.maximum(n - k, 1e-9)), 1.0)
    prior = np.array(
        [
            (b * MAX_PRIOR_ORDERS, (1 - b) * MAX_PRIOR_ORDERS)
            if u.expected is not None
            else priors[u.group]
            for u, b in zip(chosen, baseline, strict=True)
        ]
    )
    post_a, post_b = prior[:, 0] + k, prior[:, 1] + n - k
    shrunk = post_a / (post_a + post_b)
    s_low = stats.beta.ppf(0.05, post_a, post_b)
    s_high = stats.beta.ppf(0.95, post_a, post_b)
    findings = []
    for i, unit in enumerate(chosen):
        findings.append(
            RateFinding(
                key=unit.key,
                group=unit.group,
                events=unit.events,
                trials=unit.trials,
                rate=unit.events / unit.trials,
                rate_low=float(low[i]),
                rate_high=float(high[i]),
                baseline=float(baseline[i]),
                base_events=int(base[i][0]),
                base_trials=int(base[i][1]),
                p_value=float(min(p[i], 1.0)),
                q_value=float(q[i]),
                shrunk=float(shrunk[i]),
                shrunk_low=float(min(s_low[i], shrunk[i])),
                shrunk_high=float(max(s_high[i], shrunk[i])),
                flagged=bool(q[i] <= fdr and s_low[i] > baseline[i] and unit.events >= MIN_EVENTS),
            )
        )
    return findings


def to_bp(rate: float) -> int:
    """A rate as whole basis points for display (rounded half up)."""
    return int(np.floor(rate * 10_000 + 0.5))
