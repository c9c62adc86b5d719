"""Fee quote for one order as it is placed: the fee stage's lines and the settlement rules.

:class:`FeeQuoter` takes the fee stage's own compiled steps
(:func:`merchantry.fees.query.rules_step` … :func:`~merchantry.fees.query.line_values`,
the trees :func:`~merchantry.fees.query.compile_fee_query` assembles into SQL) and
the close's own per-order settlement rule values
(:func:`merchantry.ledger.settlement.order_rule_values`), and
evaluates them on the order's fact row in Python
(:mod:`merchantry.service.online.evaluate`). The lines are therefore the fee
stage's lines for the same order, field for field, and the settlement numbers
the close's, rule for rule.

The expected payout date follows the settlement schedule
(:data:`merchantry.ledger.settlement.SCHEDULE`): receipt + the settlement days, then a
settlement delay's business days (cross-border).
Receipt is the ``receipt_confirmed`` event when the order has one, else its
``delivered`` event plus the auto-confirm days; for an order not yet delivered it
is estimated from the shop's usual payment-to-delivery days (then the platform's),
and the quote says it is an estimate. Holds by after-sales cases are not foreseen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final, Literal

from merchantry.fees.compiler import Compiler
from merchantry.fees.query import (
    LINE_COLUMNS,
    amounts_step,
    line_values,
    rates_step,
    refunds_step,
    rules_step,
    waived_step,
)
from merchantry.kit.businessdays import add_business_days
from merchantry.ledger.settlement import order_rule_values
from merchantry.rulebook.model import Rulebook
from merchantry.service.online.evaluate import Fn, compile_columns, compile_expr

ReceiptSource = Literal["confirmed", "auto", "estimated", "none"]
_CAST_TYPES: Final = dict(LINE_COLUMNS)
QUOTED_LEDGER: Final = frozenset(
    {
        "delay_days",
        "delay_weekdays",
        "settle_days",
        "settle_rule",
        "auto_days",
        "auto_rule",
        "comm_days",
        "comm_rule",
    }
)
"""The close's per-order rule values a quote's settlement dates read."""


@dataclass(frozen=True, slots=True)
class QuotedLine:
    """One fee line, as the fee stage would write it to ``fee_lines``."""

    fee_kind: str
    payer: str | None
    payee: str | None
    base_fen: int | None
    rate_bp: int | None
    amount_fen: int
    baseline_fen: int
    rule_id: str | None
    waiver_rule_id: str | None
    accrued_on: date | None

    @property
    def saved_fen(self) -> int:
        """What the waiver took off (baseline − charged)."""
        return self.baseline_fen - self.amount_fen


@dataclass(frozen=True, slots=True)
class Payout:
    """When the order's money becomes available to the merchant, and by which rules."""

    settlement_days: int | None
    settle_rule_id: str | None
    auto_confirm_days: int | None
    auto_confirm_rule_id: str | None
    commission_settlement_days: int | None
    commission_rule_id: str | None
    receipt_on: date | None
    receipt_source: ReceiptSource
    expected_payout_on: date | None
    commission_payout_on: date | None


@dataclass(frozen=True, slots=True)
class Quote:
    order_id: str
    shop_id: str
    rulebook: str
    lines: tuple[QuotedLine, ...]
    payout: Payout

    @property
    def total_fen(self) -> int:
        """What the merchant is charged, net (lines it pays minus lines paid to it)."""
        total = 0
        for line in self.lines:
            if line.payer == "merchant":
                total += line.amount_fen
            elif line.payee == "merchant":
                total -= line.amount_fen
        return total


@dataclass(frozen=True)
class _Kind:
    present: Fn
    values: tuple[tuple[str, Fn], ...]


class FeeQuoter:
    """One rulebook's fee steps and settlement rules, compiled for one-row evaluation."""

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        c = Compiler(rulebook)
        later = [rules_step(c), rates_step(c), waived_step(c), amounts_step(), refunds_step()]
        kinds = line_values(c)
        self._steps = [compile_columns(c.match_step()), *(compile_columns(s) for s in later)]
        self._kinds: list[_Kind] = []
        for values in kinds:
            present = compile_expr(values.pop("present"))
            self._kinds.append(
                _Kind(present, tuple((name, compile_expr(v)) for name, v in values.items()))
            )
        # the close's own per-order rule values (ledger.settlement), the ones a quote shows
        self._ledger = compile_columns(
            [(name, v) for name, v in order_rule_values(rulebook) if name in QUOTED_LEDGER]
        )

    def lines(self, facts: Mapping[str, Any]) -> tuple[QuotedLine, ...]:
        """The fee lines of the order whose fact row is ``facts``."""
        row = dict(facts)
        for step in self._steps:
            step(row)
        lines = []
        for kind in self._kinds:
            if kind.present(row) is not True:
                continue
            values = {name: fn(row) for name, fn in kind.values}
            if not (values["amount_fen"] != 0 or values["baseline_fen"] != 0):
                continue
            lines.append(QuotedLine(**values))
        return tuple(lines)

    def payout(
        self,
        facts: Mapping[str, Any],
        *,
        confirmed_on: date | None,
        delivered_on: date | None,
        usual_delivery_days: int | None,
    ) -> Payout:
        """The settlement schedule of the order (see the module note)."""
        row = dict(facts)
        self._ledger(row)
        settle, auto, comm = row["settle_days"], row["auto_days"], row["comm_days"]
        receipt: date | None = None
        source: ReceiptSource = "none"
        if confirmed_on is not None:
            receipt, source = confirmed_on, "confirmed"
        elif delivered_on is not None and auto is not None:
            receipt, source = delivered_on + timedelta(days=int(auto)), "auto"
        elif delivered_on is None and usual_delivery_days is not None and auto is not None:
            paid_on: date = row["order_paid_date"]
            receipt = paid_on + timedelta(days=usual_delivery_days + int(auto))
            source = "estimated"
        delay, weekdays = (
            int(row["delay_days"] or 0),
            int(1 if row["delay_weekdays"] is None else row["delay_weekdays"]),
        )

        def later(day: date) -> date:  # the settlement delay's business days (cross-border)
            return add_business_days(day, delay, weekdays_only=weekdays)

        payout = None
        if receipt and settle is not None:
            payout = later(receipt + timedelta(days=int(settle)))
        commission = None
        if row.get("order_creator_id") is not None and payout and comm is not None and receipt:
            commission = max(later(receipt + timedelta(days=int(comm))), payout)
        return Payout(
            settle,
            row["settle_rule"],
            auto,
            row["auto_rule"] if source in ("auto", "estimated") else None,
            comm,
            row["comm_rule"],
            receipt,
            source,
            payout,
            commission,
        )
