"""Quality-aware boost: a rerank weight per item, explained signal by signal.

The weight is in basis points, 10000 neutral; the recommender multiplies its own
relevance by ``weight / 10000``. Four signals, each a rulebook parameter:

- the shop's experience-score tier (excellent, good, fair; below the recommendation
  pool's score floor the shop is demoted);
- the good-service badge (好服务);
- the buyer's return risk for the item (a probability; a share of it is taken off);
- the listing's content quality (0-100, around a neutral score).

Each signal's contribution is capped at ``boost_signal_cap_bp`` either way and the sum
at ``boost_total_cap_bp``; the signal cap is at most half the total cap (checked when
the rulebook is read), so no single signal can dominate the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from merchantry.reco.settings import BoostSettings

NEUTRAL_BP = 10_000


@dataclass(frozen=True, slots=True)
class BoostInput:
    """What is known about one item for one buyer."""

    sku_id: str
    shop_score: int | None
    """Shop's experience score in points (50-100 on Douyin); ``None``: not scored."""
    good_service_badge: bool = False
    return_risk_bp: int | None = None
    """The buyer's probability of returning the item, in bp (0-10000)."""
    content_quality: int | None = None
    """0-100."""


@dataclass(frozen=True, slots=True)
class Contribution:
    """One signal's part of a weight: which rule, how much (after its cap)."""

    signal: str
    rule_id: str
    raw_bp: int
    bp: int
    """After the signal cap."""
    capped: bool
    text: str


@dataclass(frozen=True, slots=True)
class Boost:
    sku_id: str
    weight_bp: int
    tier: str
    contributions: tuple[Contribution, ...]
    total_capped: bool

    def explain(self) -> str:
        parts = [
            f"{c.signal} {c.bp:+d} bp ({c.rule_id}{', capped' if c.capped else ''})"
            for c in self.contributions
        ]
        cap = "; total capped" if self.total_capped else ""
        return f"{self.sku_id}: weight {self.weight_bp} bp = 10000 " + ", ".join(parts) + cap


def tier_of(score: int | None, s: BoostSettings) -> str:
    """``excellent``, ``good``, ``fair``, ``below_pool`` or ``unscored``."""
    if score is None:
        return "unscored"
    if score < s.pool_min_score:
        return "below_pool"
    if score >= s.tier_excellent_min_score:
        return "excellent"
    if score >= s.tier_good_min_score:
        return "good"
    return "fair"


_TIER_RULE = {
    "excellent": "boost_tier_excellent_bp",
    "good": "boost_tier_good_bp",
    "fair": "boost_tier_fair_bp",
    "below_pool": "boost_below_pool_bp",
}


def _cap(value: int, cap: int) -> int:
    return max(-cap, min(cap, value))


def boost(item: BoostInput, s: BoostSettings, rulebook: str) -> Boost:
    """The rerank weight of ``item`` and each signal's capped part of it."""
    raw: list[tuple[str, str, int, str]] = []
    tier = tier_of(item.shop_score, s)
    if tier != "unscored":
        rule = _TIER_RULE[tier]
        raw.append(
            ("shop_tier", rule, int(getattr(s, rule)), f"shop score {item.shop_score}: {tier}")
        )
    if item.good_service_badge:
        raw.append(("good_service_badge", "boost_badge_bp", s.boost_badge_bp, "good-service badge"))
    if item.return_risk_bp is not None:
        risk = max(0, min(NEUTRAL_BP, item.return_risk_bp))
        raw.append(
            (
                "return_risk",
                "boost_return_risk_pct",
                -(risk * s.boost_return_risk_pct // 100),
                f"return risk {risk / 100:.1f}%",
            )
        )
    if item.content_quality is not None:
        quality = max(0, min(100, item.content_quality))
        raw.append(
            (
                "content_quality",
                "boost_content_bp_per_point",
                (quality - s.boost_content_neutral) * s.boost_content_bp_per_point,
                f"content quality {quality}",
            )
        )
    parts = tuple(
        Contribution(
            signal,
            f"{rulebook}:{rule}",
            value,
            _cap(value, s.boost_signal_cap_bp),
            abs(value) > s.boost_signal_cap_bp,
            text,
        )
        for signal, rule, value, text in raw
    )
    total = sum(c.bp for c in parts)
    capped_total = _cap(total, s.boost_total_cap_bp)
    return Boost(item.sku_id, NEUTRAL_BP + capped_total, tier, parts, capped_total != total)
