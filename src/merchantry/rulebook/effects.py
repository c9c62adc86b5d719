"""Effect kinds: what a rule does when its condition holds.

Each kind is one small :class:`EffectKind` value in :data:`EFFECT_KINDS` (an
extensible registry: add a kind with :func:`register`). A kind declares its
typed fields, the stacking modes it allows, and the fee kind it feeds. The
checker validates a rule's ``effect`` mapping against it; the fee stage's query
builder reads the checked :class:`Effect`.

Stacking (see ``docs/rulebooks.md``): when several rules of the same effect kind
match one order,

* ``first`` - the first in precedence order (``priority`` ascending, then the
  order rules appear in the resolved rulebook) decides; the others are ignored;
* ``add`` - every matching ``add`` rule adds its rate on top of the ``first`` one;
* ``best`` - only the most favourable waiver applies (Douyin: "only one waiver
  per order: the largest");
* ``stack`` - the waiver applies on top of the earlier ones, in precedence order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

from merchantry.model.tables import VIOLATION_KINDS


class Stacking(StrEnum):
    """How rules of one effect kind combine on the same order."""

    FIRST = "first"
    """The first matching rule by precedence wins; later matches are ignored."""
    ADD = "add"
    """The rule's rate is added on top of whatever else matched."""
    BEST = "best"
    """Only the largest waiver among matching ``best`` rules applies."""
    STACK = "stack"
    """The waiver applies on top of the earlier ones, in precedence order."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of an effect."""

    name: str
    description: str
    choices: tuple[str, ...] = ()
    """For a text field: the legal values. Empty means an integer field."""
    minimum: int = 0
    maximum: int | None = None
    required: bool = True
    default: int | str | None = None

    @property
    def is_text(self) -> bool:
        return bool(self.choices)


EffectValue = int | str
Check = Callable[[Mapping[str, EffectValue]], list[tuple[str, str]]]


def _no_check(_values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    return []


@dataclass(frozen=True, slots=True)
class EffectKind:
    """A kind of effect: its fields, stacking and the fee line it feeds."""

    name: str
    summary: str
    fields: tuple[FieldSpec, ...]
    stackings: tuple[Stacking, ...]
    fee_kind: str | None = None
    """The ``fee_lines.fee_kind`` it produces or changes; ``None`` for declared-only kinds."""
    applied_by_fee_stage: bool = True
    """False for kinds declared and checked now but applied by a later stage (ledger)."""
    check: Check = field(default=_no_check)
    """Cross-field check: returns ``(field, message)`` pairs."""

    @property
    def default_stacking(self) -> Stacking:
        return self.stackings[0]

    def field_spec(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


@dataclass(frozen=True, slots=True)
class Effect:
    """A checked effect: its kind and every field's value (defaults filled in)."""

    kind: str
    values: tuple[tuple[str, EffectValue], ...]

    def get(self, name: str) -> EffectValue:
        for key, value in self.values:
            if key == name:
                return value
        raise KeyError(f"effect {self.kind!r} has no field {name!r}")

    def int(self, name: str) -> int:
        value = self.get(name)
        if not isinstance(value, int):
            raise TypeError(f"effect {self.kind!r} field {name!r} is not a number")
        return value

    def text(self, name: str) -> str:
        return str(self.get(name))

    def describe(self) -> str:
        """The effect in plain words, for ``rulebook explain``."""
        return DESCRIBERS.get(self.kind, _describe_plain)(self)


EFFECT_KINDS: dict[str, EffectKind] = {}


def register(kind: EffectKind) -> EffectKind:
    """Add an effect kind to the registry (names are unique)."""
    if kind.name in EFFECT_KINDS:
        raise ValueError(f"effect kind {kind.name!r} is already registered")
    EFFECT_KINDS[kind.name] = kind
    return kind


def _rate(description: str = "Rate in basis points (100 bp = 1%).") -> FieldSpec:
    return FieldSpec("rate_bp", description, maximum=10_000)


def _share(description: str) -> FieldSpec:
    return FieldSpec("share_bp", description, maximum=10_000, required=False, default=10_000)


def _check_waiver(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    mode = values.get("mode")
    if mode == "floor" and "rate_bp" not in values:
        return [("rate_bp", "a floor waiver needs rate_bp (the rate it lowers the fee to)")]
    if mode == "multiply" and "factor_bp" not in values:
        return [("factor_bp", "a multiply waiver needs factor_bp (e.g. 9000 for ×0.9)")]
    return []


def _check_commission(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    if values.get("rate") == "fixed" and "rate_bp" not in values:
        return [("rate_bp", "rate: fixed needs rate_bp")]
    return []


def _check_deposit(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    low, high = values.get("gmv_from_fen", 0), values.get("gmv_below_fen")
    if isinstance(low, int) and isinstance(high, int) and high <= low:
        return [("gmv_below_fen", f"tier is empty: gmv_below_fen {high} <= gmv_from_fen {low}")]
    return []


FEE_BASES: Final = ("with_shipping", "without_shipping")
S = Stacking

for _kind in (
    EffectKind(
        "base_rate",
        "Technical service fee base rate (技术服务费基础费率).",
        (
            _rate(),
            FieldSpec(
                "fee_base",
                "with_shipping: paid amount incl. shipping + platform coupons "
                "(Douyin §3.1); without_shipping: goods value after merchant coupons "
                "(Tmall software fee).",
                choices=FEE_BASES,
                required=False,
                default="with_shipping",
            ),
        ),
        (S.FIRST,),
        fee_kind="technical_service_fee",
    ),
    EffectKind(
        "channel_supplement",
        "Channel supplement added to the base rate (渠道附加费率), e.g. Douyin Mall app orders.",
        (_rate(),),
        (S.FIRST, S.ADD),
        fee_kind="technical_service_fee",
    ),
    EffectKind(
        "fee_waiver",
        "Lowers the technical service fee rate (免佣): floor to a rate, or multiply it. "
        "Never raises it.",
        (
            FieldSpec(
                "mode",
                "floor: rate becomes min(rate, rate_bp); multiply: rate × "
                "factor_bp / 10,000, never below min_rate_bp.",
                choices=("floor", "multiply"),
            ),
            FieldSpec(
                "rate_bp",
                "Floor mode: the rate the fee is lowered to.",
                maximum=10_000,
                required=False,
            ),
            FieldSpec(
                "factor_bp",
                "Multiply mode: factor in bp (9,000 = ×0.9).",
                maximum=10_000,
                required=False,
            ),
            FieldSpec(
                "min_rate_bp",
                "Multiply mode: rates at or below this are not cut, and no rate is cut below it.",
                maximum=10_000,
                required=False,
                default=0,
            ),
        ),
        (S.BEST, S.STACK),
        fee_kind="technical_service_fee",
        check=_check_waiver,
    ),
    EffectKind(
        "affiliate_commission",
        "Affiliate (精选联盟) commission the merchant pays the creator; base excludes shipping.",
        (
            FieldSpec(
                "rate",
                "daily: the order's daily rate; ad_period: the ad-period rate "
                "(dual commission, falls back to daily); fixed: rate_bp.",
                choices=("daily", "ad_period", "fixed"),
            ),
            FieldSpec(
                "rate_bp", "Fixed rate, bp (rate: fixed only).", maximum=10_000, required=False
            ),
        ),
        (S.FIRST,),
        fee_kind="affiliate_commission",
        check=_check_commission,
    ),
    EffectKind(
        "creator_service_fee",
        "Creator-side technical service fee: commission × tier rate, paid by the creator.",
        (_rate(),),
        (S.FIRST,),
        fee_kind="creator_service_fee",
    ),
    EffectKind(
        "promotion_fee",
        "Promotion (ad) fee billing: gross bills every order's ad cost; net_deal (净成交) "
        "drops instant-refund orders' ad cost.",
        (FieldSpec("billing", "gross or net_deal.", choices=("gross", "net_deal")),),
        (S.FIRST,),
        fee_kind="promotion_fee",
    ),
    EffectKind(
        "promotion_fee_waiver",
        "Waives a share of the promotion fee directly on qualifying orders (2026).",
        (_share("Share of the promotion fee waived, bp (10,000 = all)."),),
        (S.BEST, S.STACK),
        fee_kind="promotion_fee",
    ),
    EffectKind(
        "promotion_fee_refund",
        "Refunds a share of the promotion fee charged, pro rata to the refunded amount (2025).",
        (_share("Share of the refunded part of the promotion fee given back, bp."),),
        (S.FIRST,),
        fee_kind="promotion_fee_refund",
    ),
    EffectKind(
        "insurance_premium",
        "Return-shipping insurance (运费险) premium per insured order; payer is insured_by.",
        (FieldSpec("premium_fen", "Premium per order, fen.", maximum=100_000),),
        (S.FIRST,),
        fee_kind="insurance_premium",
    ),
    EffectKind(
        "coupon_subsidy",
        "Platform-funded coupon credited to the merchant (平台券补贴).",
        (_share("Share of the platform coupon credited, bp."),),
        (S.FIRST,),
        fee_kind="coupon_subsidy",
    ),
    EffectKind(
        "fee_refund",
        "Refunds the technical service fee pro rata to the refunded amount.",
        (
            FieldSpec(
                "basis",
                "in_period: only refunds inside the after-sales period count; "
                "any: every approved refund counts.",
                choices=("in_period", "any"),
                required=False,
                default="in_period",
            ),
        ),
        (S.FIRST,),
        fee_kind="fee_refund",
    ),
    EffectKind(
        "settlement_days",
        "Days after confirmed receipt until goods payment settles (账期). Ledger stage.",
        (FieldSpec("days", "Days after confirmed receipt.", maximum=365),),
        (S.FIRST,),
        applied_by_fee_stage=False,
    ),
    EffectKind(
        "deposit_tier",
        "Base deposit (保证金) by last month's paid GMV. Ledger stage.",
        (
            FieldSpec("deposit_fen", "Deposit owed, fen."),
            FieldSpec(
                "gmv_from_fen",
                "Tier applies from this monthly GMV (inclusive), fen.",
                required=False,
                default=0,
            ),
            FieldSpec(
                "gmv_below_fen",
                "Tier applies below this monthly GMV; open when absent.",
                required=False,
            ),
        ),
        (S.FIRST,),
        applied_by_fee_stage=False,
        check=_check_deposit,
    ),
    EffectKind(
        "auto_confirm_days",
        "Receipt is confirmed automatically this many days after delivery when the buyer does "
        "not confirm (自动确认收货). Ledger stage.",
        (FieldSpec("days", "Days after the delivered event.", maximum=365),),
        (S.FIRST,),
        applied_by_fee_stage=False,
    ),
    EffectKind(
        "commission_settlement_days",
        "Affiliate commission settles this many days after receipt, never before the goods "
        "payment (§3.7). Ledger stage.",
        (FieldSpec("days", "Days after confirmed receipt.", maximum=365),),
        (S.FIRST,),
        applied_by_fee_stage=False,
    ),
    EffectKind(
        "compensation_reduction",
        "Lowers the compensation a merchant pays on an after-sales case (减赔); the platform "
        "bears the waived share. Ledger stage.",
        (FieldSpec("share_bp", "Share of the compensation waived, bp.", maximum=10_000),),
        (S.FIRST,),
        applied_by_fee_stage=False,
    ),
    EffectKind(
        "deposit_deduction",
        "Deducts a fixed amount from the shop's deposit for a confirmed violation "
        "(保证金扣除). Ledger stage.",
        (
            FieldSpec(
                "violation",
                "Violation kind it applies to, or any.",
                choices=(*VIOLATION_KINDS, "any"),
            ),
            FieldSpec("amount_fen", "Amount deducted per violation, fen."),
        ),
        (S.FIRST,),
        applied_by_fee_stage=False,
    ),
):
    register(_kind)


# --- Risk stage (after-sales pre-identification): declared here, applied by merchantry.risk.

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


for _kind in (
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
        applied_by_fee_stage=False,
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
        applied_by_fee_stage=False,
        check=_check_band,
    ),
):
    register(_kind)


def _bp(value: int) -> str:
    whole, part = divmod(value, 100)
    return f"{whole}%" if part == 0 else f"{whole}.{part:02d}".rstrip("0") + "%"


def _describe_plain(effect: Effect) -> str:
    fields = ", ".join(f"{k}={v}" for k, v in effect.values)
    return f"{effect.kind} ({fields})"


def _describe_waiver(effect: Effect) -> str:
    if effect.text("mode") == "floor":
        return f"technical service fee lowered to {_bp(effect.int('rate_bp'))}"
    floor = effect.int("min_rate_bp")
    text = f"technical service fee rate × {effect.int('factor_bp') / 10_000:g}"
    return text + (f", not below {_bp(floor)}" if floor else "")


def _describe_commission(effect: Effect) -> str:
    rate = effect.text("rate")
    if rate == "fixed":
        return f"affiliate commission at {_bp(effect.int('rate_bp'))}"
    return {
        "daily": "affiliate commission at the order's daily rate",
        "ad_period": "affiliate commission at the lower ad-period rate (dual commission)",
    }[rate]


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


DESCRIBERS: Final[dict[str, Callable[[Effect], str]]] = {
    "base_rate": lambda e: (
        f"technical service fee base rate {_bp(e.int('rate_bp'))}"
        + (" (base excludes shipping)" if e.text("fee_base") == "without_shipping" else "")
    ),
    "channel_supplement": lambda e: f"channel supplement +{_bp(e.int('rate_bp'))}",
    "fee_waiver": _describe_waiver,
    "affiliate_commission": _describe_commission,
    "creator_service_fee": lambda e: f"creator service fee {_bp(e.int('rate_bp'))} of commission",
    "promotion_fee": lambda e: (
        "promotion fee billed on net deals (instant refunds dropped)"
        if e.text("billing") == "net_deal"
        else "promotion fee billed on every order"
    ),
    "promotion_fee_waiver": lambda e: f"{_bp(e.int('share_bp'))} of the promotion fee waived",
    "promotion_fee_refund": lambda e: (
        f"{_bp(e.int('share_bp'))} of the refunded share of the promotion fee given back"
    ),
    "insurance_premium": lambda e: f"insurance premium {e.int('premium_fen')} fen",
    "coupon_subsidy": lambda e: f"{_bp(e.int('share_bp'))} of the platform coupon credited",
    "fee_refund": lambda e: (
        "technical service fee refunded pro rata"
        + (" (refunds inside the after-sales period)" if e.text("basis") == "in_period" else "")
    ),
    "settlement_days": lambda e: f"settles {e.int('days')} days after confirmed receipt",
    "deposit_tier": lambda e: f"deposit {e.int('deposit_fen')} fen",
    "auto_confirm_days": lambda e: f"receipt auto-confirmed {e.int('days')} days after delivery",
    "commission_settlement_days": lambda e: (
        f"commission settles {e.int('days')} days after receipt (not before the goods payment)"
    ),
    "compensation_reduction": lambda e: (
        f"{_bp(e.int('share_bp'))} of the merchant's compensation borne by the platform"
    ),
    "deposit_deduction": lambda e: (
        f"{e.int('amount_fen')} fen deducted from the deposit per {e.text('violation')} violation"
    ),
    "risk_signal": lambda e: _describe_signal(e),
    "risk_threshold": lambda e: _describe_band(e),
}

# The scoring stage's kinds (score_scale, score_tier, ...) register themselves on import.
from merchantry.rulebook import score_effects as _score_effects  # noqa: E402, F401
