"""Effect kinds the ledger applies: settlement and auto-confirm days, commission
settlement, reduced compensation (减赔), deposit tiers and deductions.

Registered on import (see :mod:`merchantry.rulebook.effects`).
"""

from __future__ import annotations

from collections.abc import Mapping

from merchantry.model.tables import VIOLATION_KINDS
from merchantry.rulebook.effects import (
    DESCRIBERS,
    EffectKind,
    EffectValue,
    FieldSpec,
    Stacking,
    bp_text,
    register,
)

S = Stacking


def _check_deposit(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    low, high = values.get("gmv_from_fen", 0), values.get("gmv_below_fen")
    if isinstance(low, int) and isinstance(high, int) and high <= low:
        return [("gmv_below_fen", f"tier is empty: gmv_below_fen {high} <= gmv_from_fen {low}")]
    return []


for _kind in (
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


DESCRIBERS.update(
    {
        "settlement_days": lambda e: f"settles {e.int('days')} days after confirmed receipt",
        "deposit_tier": lambda e: f"deposit {e.int('deposit_fen')} fen",
        "auto_confirm_days": lambda e: (
            f"receipt auto-confirmed {e.int('days')} days after delivery"
        ),
        "commission_settlement_days": lambda e: (
            f"commission settles {e.int('days')} days after receipt (not before the goods payment)"
        ),
        "compensation_reduction": lambda e: (
            f"{bp_text(e.int('share_bp'))} of the merchant's compensation borne by the platform"
        ),
        "deposit_deduction": lambda e: (
            f"{e.int('amount_fen')} fen deducted from the deposit"
            f" per {e.text('violation')} violation"
        ),
    }
)
