"""Per-shop fee statements: sums of fee lines, never stored figures.

A statement covers lines *accrued* in the period (payment date for charges,
refund date for refunds), so a refund of an order paid last month shows on this
month's statement, as a merchant expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb

from merchantry.model.outputs import FEE_KINDS

STATEMENT_SQL: Final = """
SELECT fee_kind, payer, payee, count(*), sum(amount_fen), sum(baseline_fen)
FROM fee_lines
WHERE rulebook = $rulebook AND shop_id = $shop AND accrued_on BETWEEN $start AND $end
GROUP BY fee_kind, payer, payee
"""


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One fee kind on a statement (per payer and payee)."""

    fee_kind: str
    payer: str
    payee: str
    lines: int
    amount_fen: int
    baseline_fen: int


@dataclass(frozen=True, slots=True)
class FeeStatement:
    """What a shop's fees were in a period under a rulebook."""

    rulebook: str
    shop_id: str
    start: date
    end: date
    lines: tuple[StatementLine, ...]

    @property
    def merchant_net_fen(self) -> int:
        """What the merchant pays, net: its charges minus what is paid to it."""
        paid = sum(x.amount_fen for x in self.lines if x.payer == "merchant")
        received = sum(x.amount_fen for x in self.lines if x.payee == "merchant")
        return paid - received

    @property
    def total_fen(self) -> int:
        """Sum of every line's amount (whoever pays)."""
        return sum(x.amount_fen for x in self.lines)

    @property
    def saved_fen(self) -> int:
        """What waivers saved: baseline minus charged, over every line."""
        return sum(x.baseline_fen - x.amount_fen for x in self.lines)


def fee_statement(
    con: duckdb.DuckDBPyConnection, rulebook: str, shop: str, start: date, end: date
) -> FeeStatement:
    """The statement of ``shop`` for lines accrued ``start``..``end`` (inclusive)."""
    rows = con.execute(
        STATEMENT_SQL, {"rulebook": rulebook, "shop": shop, "start": start, "end": end}
    ).fetchall()
    order = {k: i for i, k in enumerate(FEE_KINDS)}
    lines = sorted(
        (StatementLine(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5])) for r in rows),
        key=lambda x: (order.get(x.fee_kind, 99), x.payer, x.payee),
    )
    return FeeStatement(rulebook, shop, start, end, tuple(lines))
