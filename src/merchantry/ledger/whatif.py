"""What a rulebook's ledger rules mean for one period, without posting anything.

The simulator prices fee rules from fee lines; the ledger's own rules move money too:
settlement days decide how long merchants wait for their goods payment, and a
compensation reduction (减赔) moves part of each merchant-paid compensation to the
platform. :func:`ledger_terms` evaluates one rulebook's rules on the same fact
relation and with the same rule choice as a close (:mod:`merchantry.ledger.facts`),
so the figures are what a close under that rulebook would use, scores included:

* **settlement**: orders of the period that a ``settlement_days`` rule covers, their
  paid amount, and ``fen_days`` = Σ amount × settlement days (the amount-weighted
  mean wait is ``fen_days / amount``);
* **compensation**: approved, merchant-responsible cases with compensation on orders
  of the period, their compensation, and the part the reduction rule moves to the
  platform (rounded like the posting, :func:`merchantry.kit.money.apply_rate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb

from merchantry.kit.money import div_round
from merchantry.ledger.facts import ORDER_FACTS
from merchantry.ledger.postings import reduced_compensation_sql
from merchantry.ledger.settlement import select_order_rules
from merchantry.rulebook.model import Rulebook
from merchantry.store.sql import fill_sql, run_sql

TERMS_SQL: Final = """
WITH settled AS (
  SELECT count(*) AS orders, coalesce(sum(f.order_amount_paid_fen), 0) AS amount_fen,
         coalesce(sum(CAST(f.order_amount_paid_fen AS HUGEINT) * r.settle_days), 0) AS fen_days
  FROM ledger_facts AS f JOIN ledger_whatif_rules AS r USING (order_order_id)
  WHERE r.settle_days IS NOT NULL
), compensated AS (
  SELECT count(*) AS cases, coalesce(sum(a.compensation_fen), 0) AS compensation_fen,
         coalesce(sum(p_reduced), 0) AS borne_fen
  FROM after_sales AS a
  JOIN ledger_whatif_rules AS r ON r.order_order_id = a.order_id
  WHERE a.outcome = 'approved' AND a.compensation_fen > 0 AND a.responsible_party = 'merchant'
)
SELECT s.orders, s.amount_fen, CAST(s.fen_days AS BIGINT), c.cases, c.compensation_fen,
       c.borne_fen
FROM settled AS s, compensated AS c
"""


@dataclass(frozen=True, slots=True)
class LedgerTerms:
    """One rulebook's settlement and compensation terms over a period's orders."""

    rulebook: str
    settled_orders: int
    settled_amount_fen: int
    fen_days: int
    """Σ amount paid × settlement days, over the settled orders."""
    compensation_cases: int
    compensation_fen: int
    platform_borne_fen: int
    """Compensation the reduction rule moves from merchants to the platform."""

    @property
    def mean_days_hundredths(self) -> int | None:
        """Amount-weighted mean settlement wait in hundredths of a day (648 = 6.48 days)."""
        if self.settled_amount_fen <= 0:
            return None
        return div_round(self.fen_days * 100, self.settled_amount_fen)


def ledger_terms(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date
) -> LedgerTerms:
    """``book``'s settlement and compensation terms for orders paid ``start``..``end``."""
    run_sql(con, ORDER_FACTS, {"start": start, "end": end})
    select_order_rules(con, book, "ledger_whatif_rules")
    reduced = reduced_compensation_sql(rules="r")  # exactly as the posting rounds it
    sql = fill_sql(TERMS_SQL, p_reduced=reduced)
    row = con.execute(sql).fetchone()
    if row is None:  # an aggregate always returns a row
        raise RuntimeError("ledger terms query returned nothing")
    return LedgerTerms(book.name, *(int(v) for v in row))
