"""Effect kinds of the fee stage: rates, waivers, commissions, promotion fees, premiums,
coupon subsidies and fee refunds. Each feeds a ``fee_lines.fee_kind``.

Assembled with the other stages' kinds by :mod:`merchantry.rulebook.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from merchantry.rulebook.effect_fields import bp_field, days_field, fen_field, first_rule_kind
from merchantry.rulebook.effects import (
    Check,
    Describer,
    Effect,
    EffectKind,
    EffectValue,
    FieldSpec,
    Stacking,
    Stage,
    bp_text,
)


def _rate(description: str = "Rate in basis points (100 bp = 1%).") -> FieldSpec:
    return bp_field("rate_bp", description)


def _share(description: str) -> FieldSpec:
    return bp_field("share_bp", description, required=False, default=10_000)


def _fee_line(name: str, summary: str, *fields: FieldSpec) -> EffectKind:
    """A first-rule kind that feeds the fee line of its own name."""
    return first_rule_kind(name, summary, *fields, stage=Stage.FEES, fee_kind=name)


def _fees_applied(
    name: str, summary: str, *fields: FieldSpec, check: Check | None = None
) -> EffectKind:
    """A first-rule kind the fee stage's modules apply outside fee lines."""
    return first_rule_kind(name, summary, *fields, stage=Stage.FEES, check=check)


def _check_insurance_window(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    start, end = values["window_from_days"], values["window_to_days"]  # defaults filled in
    if isinstance(start, int) and isinstance(end, int) and start <= end:
        return [
            (
                "window_to_days",
                f"the eligibility window runs from {start} to {end} days before joining: "
                "window_from_days must be more than window_to_days",
            )
        ]
    return []


def _check_waiver(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    mode = values.get("mode")
    if mode == "floor" and "rate_bp" not in values:
        return [("rate_bp", "a floor waiver needs rate_bp (the rate it lowers the fee to)")]
    if mode == "multiply" and "factor_bp" not in values:
        return [("factor_bp", "a multiply waiver needs factor_bp (e.g. 9000 for ×0.9)")]
    if mode == "subtract" and "rate_bp" not in values:
        return [("rate_bp", "a subtract waiver needs rate_bp (the rebate taken off the rate)")]
    return []


def _check_business_day(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    opens, closes = values.get("opens_hour"), values.get("closes_hour")
    if isinstance(opens, int) and isinstance(closes, int) and closes <= opens:
        return [
            ("closes_hour", f"business day is empty: closes_hour {closes} <= opens_hour {opens}")
        ]
    return []


def _check_commission(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    if values.get("rate") == "fixed" and "rate_bp" not in values:
        return [("rate_bp", "rate: fixed needs rate_bp")]
    low, high = values.get("min_rate_bp", 0), values.get("max_rate_bp")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        return [("max_rate_bp", f"empty range: max_rate_bp {high} < min_rate_bp {low}")]
    return []


FEE_BASES: Final = ("with_shipping", "without_shipping")
S = Stacking

FEE_EFFECT_KINDS: Final[tuple[EffectKind, ...]] = (
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
        "Lowers the technical service fee rate (免佣): floor to a rate, multiply it, or take "
        "a rebate off it. Never raises it.",
        (
            FieldSpec(
                "mode",
                "floor: rate becomes min(rate, rate_bp); multiply: rate × "
                "factor_bp / 10,000, never below min_rate_bp; subtract: rate − rate_bp "
                "(a fee rebate, 返佣), never below min_rate_bp.",
                choices=("floor", "multiply", "subtract"),
            ),
            FieldSpec(
                "rate_bp",
                "Floor mode: the rate the fee is lowered to; subtract mode: the rebate.",
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
                "Multiply and subtract modes: rates at or below this are not cut, and no rate "
                "is cut below it.",
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
            FieldSpec(
                "min_rate_bp",
                "Lowest rate the plan allows, bp: an offered rate below it is raised to it.",
                maximum=10_000,
                required=False,
                default=0,
            ),
            FieldSpec(
                "max_rate_bp",
                "Highest rate the plan allows, bp: an offered rate above it is cut to it.",
                maximum=10_000,
                required=False,
                default=10_000,
            ),
            FieldSpec(
                "with_colonel_max_bp",
                "Highest creator rate plus colonel (团长) service-fee rate "
                "(order.colonel_rate_bp), bp: the creator's rate is cut so the two stay within "
                "it, even below min_rate_bp (the fee run warns about each such order).",
                maximum=10_000,
                required=False,
            ),
        ),
        (S.FIRST,),
        fee_kind="affiliate_commission",
        check=_check_commission,
    ),
    _fee_line(
        "creator_service_fee",
        "Creator-side technical service fee: commission × tier rate, paid by the creator.",
        _rate(),
    ),
    _fee_line(
        "colonel_service_fee",
        "Colonel (团长) service fee of a sale made through a colonel plan: the merchant pays "
        "the colonel the order's colonel rate (order.colonel_rate_bp) of the commission base "
        "(goods after merchant coupons, no shipping), and the colonel pays the platform "
        "``platform_rate_bp`` of that fee as its technical service fee. Two fee lines: "
        "colonel_service_fee and colonel_technical_fee.",
        bp_field(
            "platform_rate_bp",
            "Technical service fee the colonel pays the platform, bp of the colonel fee.",
        ),
    ),
    _fee_line(
        "promotion_fee",
        "Promotion (ad) fee billing: gross bills every order's ad cost; net_deal (净成交) "
        "drops instant-refund orders' ad cost.",
        FieldSpec("billing", "gross or net_deal.", choices=("gross", "net_deal")),
    ),
    EffectKind(
        "promotion_fee_waiver",
        "Waives a share of the promotion fee directly on qualifying orders (2026).",
        (_share("Share of the promotion fee waived, bp (10,000 = all)."),),
        (S.BEST, S.STACK),
        fee_kind="promotion_fee",
    ),
    _fee_line(
        "promotion_fee_refund",
        "Refunds a share of the promotion fee charged, pro rata to the refunded amount (2025).",
        _share("Share of the refunded part of the promotion fee given back, bp."),
    ),
    _fee_line(
        "insurance_premium",
        "Return-shipping insurance (运费险) premium per insured order; payer is insured_by.",
        FieldSpec("premium_fen", "Premium per order, fen.", maximum=100_000),
    ),
    _fees_applied(
        "insurance_terms",
        "Return-shipping insurance (运费险) cover: the most a claim pays, how long after shipment "
        "a return may be asked, and the merchant's highest return rate to join. Applied by "
        "claim quotes and eligibility checks (``fees.insurance``), not by fee lines.",
        fen_field("claim_cap_fen", "Most one claim pays, fen.", minimum=1),
        days_field(
            "claim_days",
            "A return or exchange asked within this many days of shipment is covered.",
            minimum=1,
            maximum=3_650,
        ),
        FieldSpec(
            "max_return_rate_pct",
            "Merchant eligibility: highest return/exchange rate of shipped orders in the "
            "window before joining, percent (the rule states whole percents).",
            maximum=100,
        ),
        days_field(
            "window_from_days",
            "Merchant eligibility: the window of shipped orders starts this many days before "
            "joining (Douyin: 45).",
            minimum=1,
            default=45,
        ),
        days_field(
            "window_to_days",
            "... and ends this many days before joining, that day excluded (Douyin: 15).",
            default=15,
        ),
        check=_check_insurance_window,
    ),
    _fees_applied(
        "refund_response",
        "How soon a merchant must answer a refund request (退款响应时效): within "
        "``business_hours`` of business time, counted on a business-day calendar (business "
        "days Monday to Friday when ``weekdays_only`` is 1, every day when 0, China's working "
        "days when 2; open "
        "``opens_hour``..``closes_hour``). Applied by ``fees.obligations`` (due time and "
        "whether the answer was late), not by fee lines.",
        FieldSpec(
            "business_hours", "Business hours allowed for the answer.", minimum=1, maximum=1_000
        ),
        FieldSpec("opens_hour", "Hour business time starts each business day.", maximum=23),
        FieldSpec(
            "closes_hour", "Hour business time ends each business day.", minimum=1, maximum=24
        ),
        FieldSpec(
            "weekdays_only",
            "1: business days are Monday to Friday; 0: every day; 2: China's working days.",
            maximum=2,
        ),
        check=_check_business_day,
    ),
    _fees_applied(
        "installation_hold",
        "Goods payment held back on orders with a promised installation (安装冻结): a share "
        "of the payment from settlement until the after-sales period ends, and a share "
        "(capped) from shipment until the installation is done, the order is refunded, or "
        "the hold has lasted its longest. Applied by ``fees.holds``, not by fee lines.",
        bp_field(
            "settle_share_bp",
            "Share of the goods payment held from settlement to the end of the after-sales "
            "period, bp.",
        ),
        bp_field(
            "ship_share_bp", "Share of the order amount held from shipment until installation, bp."
        ),
        fen_field("ship_cap_fen", "Most the shipment hold takes, fen.", minimum=1),
        days_field(
            "ship_hold_days",
            "The shipment hold is released at the latest this many days after shipment.",
            minimum=1,
            maximum=3_650,
        ),
    ),
    _fee_line(
        "coupon_subsidy",
        "Platform-funded coupon credited to the merchant (平台券补贴).",
        _share("Share of the platform coupon credited, bp."),
    ),
    _fee_line(
        "fee_refund",
        "Refunds the technical service fee pro rata to the refunded amount.",
        FieldSpec(
            "basis",
            "in_period: only refunds inside the after-sales period count; "
            "any: every approved refund counts.",
            choices=("in_period", "any"),
            required=False,
            default="in_period",
        ),
    ),
)


def _describe_waiver(effect: Effect) -> str:
    if effect.text("mode") == "floor":
        return f"technical service fee lowered to {bp_text(effect.int('rate_bp'))}"
    floor = effect.int("min_rate_bp")
    if effect.text("mode") == "subtract":
        text = f"technical service fee rate − {bp_text(effect.int('rate_bp'))} (rebate)"
        return text + (f", not below {bp_text(floor)}" if floor else "")
    text = f"technical service fee rate × {effect.int('factor_bp') / 10_000:g}"
    return text + (f", not below {bp_text(floor)}" if floor else "")


def _describe_commission(effect: Effect) -> str:
    rate = effect.text("rate")
    if rate == "fixed":
        return f"affiliate commission at {bp_text(effect.int('rate_bp'))}"
    text = {
        "daily": "affiliate commission at the order's daily rate",
        "ad_period": "affiliate commission at the lower ad-period rate (dual commission)",
    }[rate]
    low, high = effect.int("min_rate_bp"), effect.int("max_rate_bp")
    if low or high < 10_000:
        text += f", held inside {bp_text(low)}..{bp_text(high)}"
    if "with_colonel_max_bp" in {k for k, _ in effect.values}:
        text += f", with the colonel fee at most {bp_text(effect.int('with_colonel_max_bp'))}"
    return text


FEE_DESCRIBERS: Final[Mapping[str, Describer]] = {
    "base_rate": lambda e: (
        f"technical service fee base rate {bp_text(e.int('rate_bp'))}"
        + (" (base excludes shipping)" if e.text("fee_base") == "without_shipping" else "")
    ),
    "channel_supplement": lambda e: f"channel supplement +{bp_text(e.int('rate_bp'))}",
    "fee_waiver": _describe_waiver,
    "affiliate_commission": _describe_commission,
    "refund_response": lambda e: (
        f"refund requests answered within {e.int('business_hours')} business hours "
        f"({e.int('opens_hour')}:00-{e.int('closes_hour')}:00, "
        + ("every day)", "Monday to Friday)", "China's working days)")[e.int("weekdays_only")]
    ),
    "creator_service_fee": lambda e: (
        f"creator service fee {bp_text(e.int('rate_bp'))} of commission"
    ),
    "colonel_service_fee": lambda e: (
        "colonel service fee at the order's colonel rate of the commission base; the colonel "
        f"pays the platform {bp_text(e.int('platform_rate_bp'))} of it"
    ),
    "promotion_fee": lambda e: (
        "promotion fee billed on net deals (instant refunds dropped)"
        if e.text("billing") == "net_deal"
        else "promotion fee billed on every order"
    ),
    "promotion_fee_waiver": lambda e: f"{bp_text(e.int('share_bp'))} of the promotion fee waived",
    "promotion_fee_refund": lambda e: (
        f"{bp_text(e.int('share_bp'))} of the refunded share of the promotion fee given back"
    ),
    "insurance_premium": lambda e: f"insurance premium {e.int('premium_fen')} fen",
    "insurance_terms": lambda e: (
        f"claims pay up to {e.int('claim_cap_fen')} fen on returns asked within "
        f"{e.int('claim_days')} days of shipment; merchants join at a return rate up to "
        f"{e.int('max_return_rate_pct')}% of the orders shipped {e.int('window_from_days')} "
        f"to {e.int('window_to_days')} days before joining"
    ),
    "installation_hold": lambda e: (
        f"{bp_text(e.int('settle_share_bp'))} of the goods payment held until after-sales "
        f"ends; {bp_text(e.int('ship_share_bp'))} (at most {e.int('ship_cap_fen')} fen) "
        f"held from shipment until installed, at most {e.int('ship_hold_days')} days"
    ),
    "coupon_subsidy": lambda e: f"{bp_text(e.int('share_bp'))} of the platform coupon credited",
    "fee_refund": lambda e: (
        "technical service fee refunded pro rata"
        + (" (refunds inside the after-sales period)" if e.text("basis") == "in_period" else "")
    ),
}
"""Plain words for each kind above (``rulebook explain``); the registry checks that every
kind has one."""
