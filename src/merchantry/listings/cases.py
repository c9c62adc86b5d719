"""Listing outcomes become cases the merchant can appeal; an overturn reverses their money.

Every live outcome stored in ``listing_violations`` (a take-down or a warning) opens one case
of subject ``listing_violation`` (:class:`merchantry.risk.cases.CaseSubject`), keyed by the
``violations`` id the take-down recorded. When the close has already deducted the deposit for
that violation, the case names the deduction's journal entry and amount: overturning the case
(:func:`merchantry.service.cases.overturn_case`) then has the ledger reverse it, as for any
penalty. Opening is idempotent (one case per subject).
"""

from __future__ import annotations

from datetime import datetime

import duckdb
from sqlalchemy import Engine

from merchantry.ledger import entry_id, logical_key
from merchantry.listings.warehouse import violation_id
from merchantry.risk.access import Scope
from merchantry.risk.cases import CaseSubject, open_case
from merchantry.store.warehouse import table_exists

_OUTCOMES = """
SELECT sku_id, shop_id, kind, rule_id, outcome, points, violation_kind, evidence
FROM listing_violations
WHERE rulebook = $rulebook AND outcome IN ('take_down', 'warn')
ORDER BY sku_id, rule_id
"""

_DEDUCTION = """
SELECT e.entry_id, coalesce(sum(p.amount_fen) FILTER (WHERE p.amount_fen > 0), 0)
FROM journal_entries AS e JOIN journal_postings AS p USING (entry_id)
WHERE e.entry_id = $entry
GROUP BY e.entry_id
"""


def open_listing_cases(
    engine: Engine,
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    rulebook: str,
    at: datetime,
) -> int:
    """Open a case for every live listing outcome of ``rulebook``; how many cases exist now."""
    if not table_exists(con, "listing_violations"):
        return 0
    has_journal = table_exists(con, "journal_entries")
    opened = 0
    for row in con.execute(_OUTCOMES, {"rulebook": rulebook}).fetchall():
        sku, shop, kind, rule_id, outcome, points, violation, evidence = row
        subject = violation_id(rulebook, str(sku), str(rule_id))
        entry, amount = None, 0
        if violation is not None and has_journal:
            found = con.execute(
                _DEDUCTION, {"entry": entry_id(logical_key("deposit_deduction", subject))}
            ).fetchone()
            if found is not None:
                entry, amount = str(found[0]), int(found[1])
        open_case(
            engine,
            scope,
            CaseSubject.LISTING_VIOLATION,
            subject,
            str(shop),
            decision=f"{outcome} {sku} ({rule_id})",
            reasons=[str(evidence), f"{kind}: {points} point(s)"],
            amount_fen=amount,
            at=at,
            ledger_entry_id=entry,
        )
        opened += 1
    return opened
