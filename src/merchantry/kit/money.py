"""Money is integer fen; rates are integer basis points.

This module is the one place that turns a rate into money. Every fee, refund
share and premium in Merchantry goes through :func:`apply_rate` (in Python) or
:func:`apply_rate_sql` (in the warehouse), so the two can never disagree.

Rounding rule (documented in ``docs/money.md``): a line amount is rounded once,
at line level, **half away from zero** to a whole fen. ``apply_rate(5, 5000)``
(half of 5 fen) is 3 fen; ``apply_rate(-5, 5000)`` is -3 fen. No float is ever
involved: the arithmetic is integer all the way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Final

import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.kit.settings import Currency, active_marketplace

BP_PER_UNIT: Final = 10_000
"""Basis points in a whole: 10,000 bp = 100%."""

FEN_PER_YUAN: Final = 100


def div_round(numerator: int, denominator: int) -> int:
    """Integer division rounded half away from zero. ``denominator`` must be positive."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, got {denominator}")
    magnitude = (abs(numerator) * 2 + denominator) // (2 * denominator)
    return magnitude if numerator >= 0 else -magnitude


def apply_rate(amount_fen: int, rate_bp: int) -> int:
    """``amount_fen × rate_bp / 10,000``, rounded half away from zero to a fen."""
    return div_round(amount_fen * rate_bp, BP_PER_UNIT)


def pro_rata(amount_fen: int, part_fen: int, whole_fen: int) -> int:
    """The share ``part / whole`` of ``amount_fen``; zero when ``whole_fen`` is zero."""
    if whole_fen == 0:
        return 0
    return div_round(amount_fen * part_fen, whole_fen)


def yuan_to_fen(yuan: str | int | Decimal) -> int:
    """Parse a yuan amount written as text or Decimal (``"12.34"``) into fen, exactly.

    Raises :class:`~merchantry.kit.errors.InputError` (a ``ValueError``) when the text is not
    a number or the amount has more than two decimals, so that a mistyped price is refused
    rather than silently rounded.
    """
    fen = _decimal(yuan, "an amount in yuan") * FEN_PER_YUAN
    if fen != fen.to_integral_value():
        raise InputError(f"{yuan!r} has a fraction of a fen")
    return int(fen)


def percent_to_bp(percent: str | int | Decimal) -> int:
    """``"0.6"`` (%) -> 60 bp. Refuses (:class:`~merchantry.kit.errors.InputError`) text that
    is not a number and a value finer than a basis point."""
    value = _decimal(percent, "a percentage") * 100
    if value != value.to_integral_value():
        raise InputError(f"{percent!r}% is finer than one basis point")
    return int(value)


def _decimal(value: str | int | Decimal, what: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError:
        raise InputError(f"{value!r} is not {what}") from None
    if not number.is_finite():
        raise InputError(f"{value!r} is not {what}")
    return number


def format_fen(fen: int, currency: Currency | None = None) -> str:
    """``123456`` -> ``"¥1,234.56"``; negative amounts keep their sign.

    The amount is in minor units of ``currency``, by default the currency of the
    marketplace being shown (:func:`merchantry.kit.settings.active_marketplace`):
    an Olist warehouse's ``123456`` is ``"R$1,234.56"``.
    """
    return (currency or active_marketplace().currency).format(fen)


def currency_symbol() -> str:
    """The symbol of the marketplace being shown (``¥``, ``R$``), for axis and column titles."""
    return active_marketplace().currency.symbol


def format_bp(bp: int) -> str:
    """``60`` -> ``"0.6%"``."""
    value = (Decimal(bp) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return f"{value:f}%"


# --- the same rule in SQL -------------------------------------------------------------


def div_round_sql(numerator: exp.Expr, denominator: exp.Expr) -> exp.Expr:
    """SQL twin of :func:`div_round`: integer-only, half away from zero.

    ``sign(n) * ((abs(n) * 2 + d) // (2 * d))``. DuckDB's ``//`` is integer
    division; ``/`` would produce a DOUBLE and is never used for money.
    """
    abs_n = exp.func("abs", numerator.copy())
    two = exp.Literal.number(2)
    magnitude = exp.IntDiv(
        this=exp.paren(
            exp.Add(this=exp.Mul(this=abs_n, expression=two), expression=denominator.copy())
        ),
        expression=exp.paren(exp.Mul(this=two.copy(), expression=denominator.copy())),
    )
    return exp.Mul(this=exp.func("sign", numerator.copy()), expression=exp.paren(magnitude))


def apply_rate_sql(amount: exp.Expr, rate_bp: exp.Expr) -> exp.Expr:
    """SQL twin of :func:`apply_rate` over BIGINT expressions."""
    product = exp.Mul(
        this=exp.cast(amount.copy(), "BIGINT"), expression=exp.cast(rate_bp.copy(), "BIGINT")
    )
    return div_round_sql(product, exp.Literal.number(BP_PER_UNIT))


def pro_rata_sql(amount: exp.Expr, part: exp.Expr, whole: exp.Expr) -> exp.Expr:
    """SQL twin of :func:`pro_rata`: zero when ``whole`` is zero."""
    product = exp.Mul(
        this=exp.cast(amount.copy(), "BIGINT"), expression=exp.cast(part.copy(), "BIGINT")
    )
    guarded = exp.func("greatest", whole.copy(), exp.Literal.number(1))
    return (
        exp.case()
        .when(exp.EQ(this=whole.copy(), expression=exp.Literal.number(0)), exp.Literal.number(0))
        .else_(div_round_sql(product, guarded))
    )
