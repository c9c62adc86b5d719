"""Field and kind builders shared by the stages' effect-kind tables.

The fee and ledger tables declare many fields of the same few shapes (a rate or share in
basis points, a count of days, an amount in fen) and many kinds that take only the first
matching rule. These builders give each shape its bounds once, so that two kinds meaning
the same thing cannot drift apart (one share capped at 10,000 bp, another not).
"""

from __future__ import annotations

from merchantry.rulebook.effects import Check, EffectKind, FieldSpec, Stacking, Stage

BP_WHOLE = 10_000
"""Basis points of a whole (100%)."""

DAYS_A_YEAR = 365
"""Longest a ``*_days`` period of a settlement-like effect runs."""


def bp_field(
    name: str,
    description: str,
    *,
    minimum: int = 0,
    required: bool = True,
    default: int | None = None,
) -> FieldSpec:
    """A rate or share in basis points, at most the whole (10,000 bp)."""
    return FieldSpec(
        name, description, minimum=minimum, maximum=BP_WHOLE, required=required, default=default
    )


def days_field(
    name: str,
    description: str,
    *,
    minimum: int = 0,
    maximum: int = DAYS_A_YEAR,
    default: int | None = None,
) -> FieldSpec:
    """A number of days; optional when it has a default."""
    return FieldSpec(
        name,
        description,
        minimum=minimum,
        maximum=maximum,
        required=default is None,
        default=default,
    )


def fen_field(name: str, description: str, *, minimum: int = 0) -> FieldSpec:
    """An amount of money in fen (bounded by the effect checker's money limit)."""
    return FieldSpec(name, description, minimum=minimum)


def first_rule_kind(
    name: str,
    summary: str,
    *fields: FieldSpec,
    stage: Stage,
    fee_kind: str | None = None,
    check: Check | None = None,
) -> EffectKind:
    """A kind where the first matching rule wins (most kinds that are not rates)."""
    if check is None:
        return EffectKind(name, summary, fields, (Stacking.FIRST,), fee_kind=fee_kind, stage=stage)
    return EffectKind(
        name, summary, fields, (Stacking.FIRST,), fee_kind=fee_kind, stage=stage, check=check
    )
