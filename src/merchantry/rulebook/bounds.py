"""The ranges of the parameters a stage reads by name, so that ``rulebook check`` refuses a
value no stage can use (an hour of 30, a review day of 0, model grades that fall) with the
file and line of the parameter, instead of the stage refusing it later.

A rule's own fields are held by their effect's field specs
(:mod:`merchantry.rulebook.effects`); the parameters below are read by stages directly
(the score's clocks and service hours, the deposit review day, the risk and reco
settings). Each stage reads its value through :meth:`Rulebook.bounded_parameter` or
:func:`parameter_problems`, so the stage and the checker hold one range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Bound:
    """A parameter's allowed values: ``low`` to ``high`` (``None``: no bound that side)."""

    low: int | None
    high: int | None
    what: str
    """What the number is, as the refusal says it (``an hour of the day``)."""

    def describe(self) -> str:
        if self.low is not None and self.high is not None:
            return f"{self.what} is {self.low} to {self.high}"
        if self.low is not None:
            return f"{self.what} is at least {self.low}"
        return f"{self.what} is at most {self.high}"

    def holds(self, value: int) -> bool:
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


@dataclass(frozen=True, slots=True)
class Order:
    """``lesser`` × ``times`` must be at most ``greater`` (below it when ``strict``)."""

    lesser: str
    greater: str
    strict: bool
    why: str
    times: int = 1

    def holds(self, small: int, large: int) -> bool:
        scaled = small * self.times
        return scaled < large if self.strict else scaled <= large


_HOUR: Final = Bound(0, 23, "an hour of the day")
_DURATION: Final = Bound(1, None, "a duration")
_COUNT: Final = Bound(0, None, "a count")
_POINTS: Final = Bound(0, None, "points")
_PER_MILLE: Final = Bound(1, 1000, "a similarity in per mille")
_SCORE: Final = Bound(0, 100, "an experience score")
_GRADE_BP: Final = Bound(1, 10_000, "a probability in basis points")

PARAMETER_BOUNDS: Final[Mapping[str, Bound]] = {
    # ledger (merchantry.ledger.deposits)
    "deposit_review_day": Bound(1, 28, "a deposit review day (a day every month has)"),
    # scores (merchantry.scoring.inputs)
    "delivery_standard_hours": _DURATION,
    "remote_extra_hours": Bound(0, None, "an extra allowance in hours"),
    "pickup_due_hours": _DURATION,
    "after_sales_standard_minutes": _DURATION,
    "unanswered_round_seconds": _DURATION,
    "reply_target_seconds": _DURATION,
    "low_price_max_fen": Bound(0, None, "a price in fen"),
    "pickup_clock_after_hour": _HOUR,
    "pickup_clock_start_hour": _HOUR,
    "review_clock_after_hour": _HOUR,
    "review_clock_start_hour": _HOUR,
    "service_first_hour": _HOUR,
    "service_last_hour": _HOUR,
    # risk (merchantry.risk.settings)
    "ring_identifier_max_buyers": Bound(2, None, "buyers an identifier may link"),
    "ring_flag_score": Bound(0, 100, "a behaviour score"),
    "ring_refund_points": _POINTS,
    "ring_refund_rate_full_bp": Bound(1, 10_000, "a refund-only rate in basis points"),
    "ring_reused_image_points": _POINTS,
    "ring_burst_points": _POINTS,
    "ring_burst_hours": _DURATION,
    "integrity_half_life_days": _DURATION,
    "integrity_instant_refund_window_days": _DURATION,
    "integrity_level_b_points": _POINTS,
    "integrity_level_c_points": _POINTS,
    "integrity_points_rejected_claim": _POINTS,
    "integrity_points_ring_member": _POINTS,
    "integrity_points_instant_refund_abuse": _POINTS,
    "integrity_instant_refunds_tolerated": _COUNT,
    "integrity_points_reused_image": _POINTS,
    **{f"model_grade_{g}_bp": _GRADE_BP for g in range(1, 5)},
    **{f"model_grade_{g}_points": _POINTS for g in range(1, 5)},
    "brushing_lookback_hours": _DURATION,
    "brushing_burst_buys": Bound(1, None, "purchases in a burst"),
    "brushing_burst_minutes": _DURATION,
    "brushing_min_buys": Bound(1, None, "purchases"),
    "brushing_blind_share_pct": Bound(0, 100, "a percentage"),
    # recommendations (merchantry.reco.settings)
    "title_shingle_chars": Bound(1, 5, "characters in a title shingle"),
    "minhash_permutations": Bound(16, 512, "MinHash permutations"),
    "lsh_threshold_pm": _PER_MILLE,
    "title_match_pm": _PER_MILLE,
    "variant_title_pm": _PER_MILLE,
    "image_title_pm": _PER_MILLE,
    "image_max_hamming": Bound(0, 32, "bits an image hash may differ by"),
    "price_band_pct": Bound(100, None, "a price band in percent of the lower price"),
    "pool_min_score": _SCORE,
    "tier_good_min_score": _SCORE,
    "tier_excellent_min_score": _SCORE,
    "boost_return_risk_pct": Bound(0, 100, "a percentage"),
    "boost_signal_cap_bp": Bound(0, None, "a boost cap in basis points"),
    "boost_total_cap_bp": Bound(0, 9_999, "a boost cap in basis points (a weight never reaches 0)"),
}
"""Every parameter a stage reads by name, with its range. The reco boosts' signed weights
(``boost_*_bp`` but the caps, ``boost_content_*``) are held by the caps instead."""

PREFIX_BOUNDS: Final[Mapping[str, Bound]] = {
    "window_days_": Bound(0, None, "a suppression window in days"),
}
"""Families of parameters (one per industry) and their range."""

ORDERS: Final[tuple[Order, ...]] = (
    Order(
        "service_first_hour",
        "service_last_hour",
        strict=False,
        why="the service hours run from the first to the last",
    ),
    Order(
        "integrity_level_b_points",
        "integrity_level_c_points",
        strict=True,
        why="level C takes more points than level B",
    ),
    *(
        Order(
            f"model_grade_{g}_bp",
            f"model_grade_{g + 1}_bp",
            strict=True,
            why="the model's grades rise with the probability",
        )
        for g in range(1, 4)
    ),
    Order(
        "pool_min_score",
        "tier_good_min_score",
        strict=False,
        why="a shop in the good tier is in the pool",
    ),
    Order(
        "tier_good_min_score",
        "tier_excellent_min_score",
        strict=True,
        why="the excellent tier starts above the good one",
    ),
    Order(
        "boost_signal_cap_bp",
        "boost_total_cap_bp",
        strict=False,
        times=2,
        why="no one signal may take more than half of the total cap",
    ),
)
"""Pairs of parameters whose values must keep an order."""


def bound_of(name: str) -> Bound | None:
    """The range of parameter ``name``, or ``None`` when no stage reads it by name."""
    if name in PARAMETER_BOUNDS:
        return PARAMETER_BOUNDS[name]
    return next((b for p, b in PREFIX_BOUNDS.items() if name.startswith(p)), None)


@dataclass(frozen=True, slots=True)
class Problem:
    """One parameter out of its range or order."""

    names: tuple[str, ...]
    """The parameter (or the pair) the problem is about; a checker reports it at the one a
    rulebook set last (a child that moves one of a pair is told in its own file)."""
    message: str
    hint: str


def parameter_problems(values: Mapping[str, object]) -> list[Problem]:
    """Every value in ``values`` outside its range, and every pair of :data:`ORDERS` whose
    values are both in range and out of order."""
    found: list[Problem] = []
    for name, value in values.items():
        bound = bound_of(name)
        if bound is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not bound.holds(value):
            message = f"parameter {name} is {value!r}: {bound.describe()}"
            found.append(Problem((name,), message, f"set {name} within that range"))
    wrong = {p.names[0] for p in found}
    for order in ORDERS:
        small, large = values.get(order.lesser), values.get(order.greater)
        if not (isinstance(small, int) and isinstance(large, int)):
            continue
        if order.lesser in wrong or order.greater in wrong or order.holds(small, large):
            continue
        scaled = f"{order.times} × " if order.times != 1 else ""
        relation = "below" if order.strict else "at most"
        message = (
            f"parameter {scaled}{order.lesser} ({scaled}{small}) must be {relation} "
            f"{order.greater} ({large}): {order.why}"
        )
        hint = f"change {order.lesser} or {order.greater}"
        found.append(Problem((order.lesser, order.greater), message, hint))
    return found
