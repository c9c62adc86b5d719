"""The risk stage's numbers, read from a risk rulebook's parameters.

Every cut-off (ring identifier cap, integrity half-life and levels, model
weight) is a rulebook parameter with provenance, so an operator changes data,
not code. :func:`load_settings` turns a checked rulebook into one typed value.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Final

from merchantry.kit.errors import InputError
from merchantry.rulebook import Rulebook, load_rulebook

DEFAULT_RULEBOOK: Final = "risk-2026"


@dataclass(frozen=True, slots=True)
class RiskSettings:
    """Parameters of the risk stage (defaults equal the shipped ``risk-2026``)."""

    rulebook: str = DEFAULT_RULEBOOK
    ring_identifier_max_buyers: int = 10
    """An identifier shared by more buyers is public and links nobody."""
    ring_flag_score: int = 50
    """Behaviour score (0-100) from which a linked group is flagged as a ring."""
    ring_refund_points: int = 40
    ring_refund_rate_full_bp: int = 3000
    """A ring's score takes ``ring_refund_points`` × its refund-only rate / this rate
    (at most ``ring_refund_points``)."""
    ring_reused_image_points: int = 40
    """Points × the share of a ring's claims whose photo another claim used."""
    ring_burst_points: int = 20
    ring_burst_hours: int = 48
    """Points × the share of a ring's claims within this many hours of another member's."""
    integrity_half_life_days: int = 90
    integrity_level_b_points: int = 10
    integrity_level_c_points: int = 30
    integrity_points_rejected_claim: int = 10
    integrity_points_ring_member: int = 25
    integrity_points_instant_refund_abuse: int = 5
    integrity_instant_refunds_tolerated: int = 3
    integrity_instant_refund_window_days: int = 30
    """Instant refunds beyond the tolerated count within this many days cost points."""
    integrity_points_reused_image: int = 15
    model_grade_1_bp: int = 500
    """Probability (bp) from which the model's first grade applies (below it: no points)."""
    model_grade_1_points: int = 10
    model_grade_2_bp: int = 2000
    model_grade_2_points: int = 20
    model_grade_3_bp: int = 5000
    model_grade_3_points: int = 30
    model_grade_4_bp: int = 9000
    model_grade_4_points: int = 40
    """Points of the model's top grade (see :func:`merchantry.risk.decisions.model_grade`)."""
    brushing_lookback_hours: int = 24
    """A purchase is blind when the account did not view, favourite or cart the item in
    these hours before."""
    brushing_burst_buys: int = 3
    brushing_burst_minutes: int = 60
    """Blind purchases within this window that make a burst."""
    brushing_min_buys: int = 5
    brushing_blind_share_pct: int = 80
    """Percent of an account's purchases (at least ``brushing_min_buys``) that are blind."""


def settings_from(rulebook: Rulebook) -> RiskSettings:
    """Settings from a checked rulebook; refuses one that lacks a risk parameter."""
    values = rulebook.parameter_values
    names = [f.name for f in fields(RiskSettings) if f.name != "rulebook"]
    missing = [n for n in names if n not in values]
    if missing:
        raise InputError(
            f"rulebook {rulebook.name!r} is not a risk rulebook: no parameter " + ", ".join(missing)
        )
    settings = RiskSettings(rulebook.name, *(values[n] for n in names))
    rulebook.refuse_problems({n: values[n] for n in names})
    return settings


def load_settings(name: str = DEFAULT_RULEBOOK, dirs: tuple[Path, ...] = ()) -> RiskSettings:
    """Settings of the named risk rulebook (shipped or in ``dirs``)."""
    return settings_from(load_rulebook(name, dirs))
