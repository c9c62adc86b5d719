"""Effect kinds of the risk stage (after-sales pre-identification): signals with points
and decision bands. Declared here, applied by :mod:`merchantry.risk`.

Assembled with the other stages' kinds by :mod:`merchantry.rulebook.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from merchantry.rulebook.effects import (
    Describer,
    Effect,
    EffectKind,
    EffectValue,
    FieldSpec,
    Stacking,
    Stage,
)

S = Stacking


RISK_FEATURES: Final = (
    "buyer_prior_orders",
    "buyer_prior_claims",
    "buyer_refund_only_rate_bp",
    "buyer_instant_refunds",
    "buyer_rejected_claims",
    "buyer_photo_claims",
    "ring_size",
    "ring_flagged",
    "evidence_images",
    "reused_images",
    "listing_images",
    "image_flags",
    "request_amount_fen",
    "minutes_since_payment",
    "hours_since_delivery",
    "before_delivery",
    "fault_claim_before_delivery",
    "refund_only",
    "merchant_fault_reason",
    "shop_prior_orders",
    "shop_claim_rate_bp",
)
"""Request-time features a ``risk_signal`` rule may test (defined in ``docs/risk.md``)."""

RISK_DECISIONS: Final = ("fast_approve", "review", "intercept")
"""Decision bands a ``risk_threshold`` rule may set (``normal`` is what no band claims)."""

_POINTS_LIMIT: Final = 1_000


def _check_signal(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    low, high = values.get("at_least"), values.get("at_most")
    if low is None and high is None:
        return [("feature", "a risk signal needs at_least or at_most (the feature's bounds)")]
    if isinstance(low, int) and isinstance(high, int) and high < low:
        return [("at_most", f"bounds are empty: at_most {high} < at_least {low}")]
    return []


def _check_band(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    decision = values.get("decision")
    if decision == "fast_approve" and "max_points" not in values:
        return [("max_points", "fast_approve needs max_points (approve at or below it)")]
    if decision in ("review", "intercept") and "min_points" not in values:
        return [("min_points", f"{decision} needs min_points (at or above it)")]
    return []


RISK_EFFECT_KINDS: Final[tuple[EffectKind, ...]] = (
    EffectKind(
        "risk_signal",
        "Adds points to an after-sales request's risk score when a request-time feature is "
        "within bounds (风控信号); negative points mark trust. Risk stage.",
        (
            FieldSpec("feature", "Request-time feature tested.", choices=RISK_FEATURES),
            FieldSpec(
                "at_least",
                "Matches when the feature is at least this.",
                minimum=-(2**62),
                maximum=2**62,
                required=False,
            ),
            FieldSpec(
                "at_most",
                "Matches when the feature is at most this.",
                minimum=-(2**62),
                maximum=2**62,
                required=False,
            ),
            FieldSpec(
                "points",
                "Points added (negative: trust).",
                minimum=-_POINTS_LIMIT,
                maximum=_POINTS_LIMIT,
            ),
        ),
        (S.ADD,),
        stage=Stage.RISK,
        check=_check_signal,
    ),
    EffectKind(
        "risk_threshold",
        "Decision band of the risk score: fast_approve at or below max_points; review and "
        "intercept at or above min_points (the highest band wins). Risk stage.",
        (
            FieldSpec("decision", "Decision of the band.", choices=RISK_DECISIONS),
            FieldSpec(
                "min_points",
                "review / intercept: score at or above this.",
                minimum=-_POINTS_LIMIT,
                maximum=_POINTS_LIMIT,
                required=False,
            ),
            FieldSpec(
                "max_points",
                "fast_approve: score at or below this.",
                minimum=-_POINTS_LIMIT,
                maximum=_POINTS_LIMIT,
                required=False,
            ),
        ),
        (S.FIRST,),
        stage=Stage.RISK,
        check=_check_band,
    ),
)


def _describe_signal(effect: Effect) -> str:
    values = dict(effect.values)
    bounds = []
    if "at_least" in values:
        bounds.append(f">= {values['at_least']}")
    if "at_most" in values:
        bounds.append(f"<= {values['at_most']}")
    points = effect.int("points")
    return f"{points:+d} risk points when {effect.text('feature')} {' and '.join(bounds)}"


def _describe_band(effect: Effect) -> str:
    values = dict(effect.values)
    if "max_points" in values:
        return f"{effect.text('decision')} at or below {values['max_points']} points"
    return f"{effect.text('decision')} at or above {values['min_points']} points"


RISK_DESCRIBERS: Final[Mapping[str, Describer]] = {
    "risk_signal": lambda e: _describe_signal(e),
    "risk_threshold": lambda e: _describe_band(e),
}
"""Plain words for each kind above (``rulebook explain``); the registry checks that every
kind has one."""
