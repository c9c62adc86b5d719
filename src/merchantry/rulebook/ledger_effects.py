"""Effect kinds the ledger applies: settlement and auto-confirm days, commission
settlement, reduced compensation (减赔), deposit tiers and deductions.

Assembled with the other stages' kinds by :mod:`merchantry.rulebook.registry`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from merchantry.model.tables import VIOLATION_KINDS
from merchantry.rulebook.effect_fields import bp_field, days_field, fen_field, first_rule_kind
from merchantry.rulebook.effects import (
    Check,
    Describer,
    EffectKind,
    EffectValue,
    FieldSpec,
    Stage,
    bp_text,
)


def _ledger(name: str, summary: str, *fields: FieldSpec, check: Check | None = None) -> EffectKind:
    return first_rule_kind(name, summary, *fields, stage=Stage.LEDGER, check=check)


def _clean_days(description: str) -> FieldSpec:
    return days_field("clean_days", description, minimum=1, default=30)


def _check_deposit(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    low, high = values.get("gmv_from_fen", 0), values.get("gmv_below_fen")
    if isinstance(low, int) and isinstance(high, int) and high <= low:
        return [("gmv_below_fen", f"tier is empty: gmv_below_fen {high} <= gmv_from_fen {low}")]
    return []


LEDGER_EFFECT_KINDS: Final[tuple[EffectKind, ...]] = (
    _ledger(
        "settlement_days",
        "Days after confirmed receipt until goods payment settles (账期). Ledger stage.",
        days_field("days", "Days after confirmed receipt."),
    ),
    _ledger(
        "settlement_delay",
        "Business days added after the settlement date, to the goods payment and to the "
        "affiliate commission and colonel fee (e.g. cross-border goods: 2 working days for "
        "the money to leave the country). Counted on the business-day calendar "
        "(``merchantry.kit.businessdays``: Monday to Friday when ``weekdays_only`` is 1, "
        "every day when 0, China's working days with statutory holidays and make-up days when "
        "2). Ledger stage.",
        FieldSpec("business_days", "Business days added.", minimum=1, maximum=60),
        FieldSpec(
            "weekdays_only",
            "1: business days are Monday to Friday; 0: every day; 2: China's working days "
            "(statutory holidays off, make-up weekend days worked).",
            maximum=2,
            required=False,
            default=1,
        ),
    ),
    _ledger(
        "deposit_tier",
        "Base deposit (保证金) by last month's paid GMV. Ledger stage.",
        fen_field("deposit_fen", "Deposit owed, fen."),
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
        check=_check_deposit,
    ),
    _ledger(
        "experience_deposit",
        "Experience deposit (体验保证金) owed on top of the base deposit when a shop sells "
        "in the rule's categories: any order matching the condition raises the amount in "
        "force from its payment day until ``clean_days`` pass with no such order (the highest "
        "amount of the matching orders in the window applies). Ledger stage.",
        fen_field("amount_fen", "Experience deposit owed, fen.", minimum=1),
        _clean_days("Days without a matching order after which the amount is no longer owed."),
    ),
    _ledger(
        "advance_deposit",
        "Experience deposit (体验保证金) of after-sales-risk merchants: when the platform "
        "advances (先行垫付) refunds or compensation the shop's goods payments cannot cover, "
        "and the advance exceeds the lower of the deposit balance and the base amount due, "
        "the shop owes ``multiple_bp`` of a counted base on top of its base deposit, until "
        "``clean_days`` pass without such an advance. A special-category experience deposit, "
        "when one is owed, applies instead (they do not add up). Ledger stage.",
        FieldSpec(
            "multiple_bp",
            "Amount owed as a multiple of the counted base, bp (20,000 = 2x).",
            minimum=1,
            maximum=1_000_000,
        ),
        FieldSpec(
            "base_fen",
            "Base counted, fen; 0 counts the shop's base amount due (deposit_tier).",
            required=False,
            default=0,
        ),
        _clean_days("Days without an advance past the bound after which it is no longer owed."),
    ),
    _ledger(
        "deposit_terms",
        "How a deposit is kept (保证金补缴与提现): a shortfall is topped up from the shop's "
        "goods payments; a balance below zero for this many hours brings trading limits; "
        "the excess is withdrawn only on the merchant's request, at most this many times a "
        "week per deposit type. Ledger stage.",
        FieldSpec(
            "negative_grace_hours",
            "Hours a balance may stay below zero before trading limits apply.",
            maximum=8_760,
        ),
        FieldSpec(
            "withdrawals_per_week",
            "Withdrawal requests allowed per calendar week (Monday-Sunday) per deposit type.",
            minimum=1,
            maximum=100,
        ),
    ),
    _ledger(
        "auto_confirm_days",
        "Receipt is confirmed automatically this many days after delivery when the buyer does "
        "not confirm (自动确认收货). Ledger stage.",
        days_field("days", "Days after the delivered event."),
    ),
    _ledger(
        "commission_settlement_days",
        "Affiliate commission settles this many days after receipt, never before the goods "
        "payment (§3.7). Ledger stage.",
        days_field("days", "Days after confirmed receipt."),
    ),
    _ledger(
        "commission_reserve",
        "Affiliate commission reserve (账户预留金): when a creator's commission settles, this "
        "share of it is held in the creator's reserve for ``hold_days`` and then released to "
        "the creator's available balance, so the reserve always holds the share of the last "
        "``hold_days`` days' settled commission. Ledger stage.",
        bp_field("share_bp", "Share of settled commission held back, bp."),
        days_field(
            "hold_days",
            "Days the share stays in the reserve after the commission settles.",
            minimum=1,
        ),
    ),
    _ledger(
        "commission_freeze",
        "Freeze of a creator's commission after a confirmed creator violation (违规冻结): the "
        "creator's settled, unwithdrawn commission on the violation's day is frozen for "
        "``freeze_days`` and then released. The rule's condition is evaluated on the "
        "violation's creator (``creator.*``). Ledger stage.",
        days_field(
            "freeze_days",
            "Days the commission stays frozen (the rule's longest period).",
            minimum=1,
            maximum=3_660,
        ),
    ),
    _ledger(
        "compensation_reduction",
        "Lowers the compensation a merchant pays on an after-sales case (减赔); the platform "
        "bears the waived share. Ledger stage.",
        bp_field("share_bp", "Share of the compensation waived, bp."),
    ),
    _ledger(
        "annual_fee",
        "A yearly charge (年费) for the shops the rule's condition picks, booked on 1 January "
        "(or the opening day) of each year. Ledger stage.",
        fen_field("amount_fen", "Annual fee, fen.", minimum=1),
    ),
    _ledger(
        "deposit_deduction",
        "Deducts a fixed amount from the shop's deposit for a confirmed violation "
        "(保证金扣除). Ledger stage.",
        FieldSpec(
            "violation",
            "Violation kind it applies to, or any.",
            choices=(*VIOLATION_KINDS, "any"),
        ),
        fen_field("amount_fen", "Amount deducted per violation, fen."),
    ),
)


LEDGER_DESCRIBERS: Final[Mapping[str, Describer]] = {
    "settlement_days": lambda e: f"settles {e.int('days')} days after confirmed receipt",
    "settlement_delay": lambda e: (
        f"settles {e.int('business_days')} "
        + ("days", "working days (Monday to Friday)", "working days (China, holidays off)")[
            e.int("weekdays_only")
        ]
        + " later"
    ),
    "deposit_tier": lambda e: f"deposit {e.int('deposit_fen')} fen",
    "experience_deposit": lambda e: (
        f"experience deposit {e.int('amount_fen')} fen until "
        f"{e.int('clean_days')} days pass without such an order"
    ),
    "advance_deposit": lambda e: (
        f"after an uncovered platform advance: {e.int('multiple_bp') / 10_000:g}x "
        + (f"{e.int('base_fen')} fen" if e.int("base_fen") else "the base amount due")
        + f" owed until {e.int('clean_days')} days pass without one"
    ),
    "deposit_terms": lambda e: (
        f"shortfall topped up from goods payments; below zero for "
        f"{e.int('negative_grace_hours')} h brings trading limits; excess withdrawn on "
        f"request, {e.int('withdrawals_per_week')} a week per deposit type"
    ),
    "auto_confirm_days": lambda e: f"receipt auto-confirmed {e.int('days')} days after delivery",
    "commission_settlement_days": lambda e: (
        f"commission settles {e.int('days')} days after receipt (not before the goods payment)"
    ),
    "commission_reserve": lambda e: (
        f"{bp_text(e.int('share_bp'))} of settled commission held {e.int('hold_days')} days"
    ),
    "commission_freeze": lambda e: (
        f"creator's unwithdrawn commission frozen {e.int('freeze_days')} days"
    ),
    "compensation_reduction": lambda e: (
        f"{bp_text(e.int('share_bp'))} of the merchant's compensation borne by the platform"
    ),
    "annual_fee": lambda e: f"annual fee {e.int('amount_fen')} fen",
    "deposit_deduction": lambda e: (
        f"{e.int('amount_fen')} fen deducted from the deposit per {e.text('violation')} violation"
    ),
}
"""Plain words for each kind above (``rulebook explain``); the registry checks that every
kind has one."""
