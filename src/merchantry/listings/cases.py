"""Listing outcomes become cases the merchant can appeal; an overturn reverses their money.

Every live outcome stored in ``listing_violations`` (a take-down or a warning) opens one case
of subject ``listing_violation`` (:class:`merchantry.risk.cases.CaseSubject`), keyed by the
``violations`` id the take-down recorded. When the close has already deducted the deposit for
that violation, the case names the deduction's journal entry and amount: overturning the case
(:func:`merchantry.service.cases.overturn_case`) then has the ledger reverse it, as for any
penalty. Opening is idempotent (one case per subject).

An overturn also withdraws the violation (:func:`withdraw_violation`, called by the overturn use
case): a ``withdrawn_violations`` row that the score deductions and the deposit deductions
leave out, so the next score no longer counts it and no close deducts for it. When the close
deducted after the case was opened (the case names no entry), the withdrawal records that
deduction for reversal too, so the money comes back either way.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
from sqlalchemy import Engine

from merchantry.ledger import apply_overturns, entry_id, logical_key
from merchantry.listings.creators import recorded_for
from merchantry.listings.rulebook import load_listing_rulebook, shipped_listing_dir
from merchantry.listings.usecases import refresh_measures
from merchantry.listings.warehouse import violation_id
from merchantry.risk.access import Scope
from merchantry.risk.cases import Case, CaseSubject, open_case, record_overturn
from merchantry.store.warehouse import ensure_schema, table_exists, transaction

_OUTCOMES = """
SELECT sku_id, shop_id, kind, rule_id, outcome, points, violation_kind, evidence
FROM listing_violations
WHERE rulebook = $rulebook AND outcome IN ('take_down', 'ban', 'warn')
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


_WITHDRAW = """
INSERT INTO withdrawn_violations (violation_id, case_id, withdrawn_on, reason)
VALUES ($violation, $case, $on, $reason)
ON CONFLICT DO NOTHING
"""


def deduction_entry(con: duckdb.DuckDBPyConnection, violation: str) -> str | None:
    """The journal entry of the violation's deposit deduction, if the close posted one."""
    if not table_exists(con, "journal_entries"):
        return None
    wanted = entry_id(logical_key("deposit_deduction", violation))
    row = con.execute(
        "SELECT entry_id FROM journal_entries WHERE entry_id = ?", [wanted]
    ).fetchone()
    return None if row is None else str(row[0])


def withdraw_violation(
    con: duckdb.DuckDBPyConnection, case: Case, on: date, reason: str
) -> str | None:
    """Withdraw the violation an overturned listing case was about (idempotent).

    Returns the deduction entry recorded for reversal here (the close posted it after the
    case was opened, so the case names none), or for a caption case the creator's
    commission freeze reversed here, or ``None`` when the case names its own entry (the
    overturn already records that one) or no money moved.
    """
    if case.subject is not CaseSubject.LISTING_VIOLATION:
        raise ValueError(f"case {case.case_id} is about a {case.subject.value}, not a listing")
    ensure_schema(con)
    params = {"violation": case.subject_id, "case": case.case_id, "on": on, "reason": reason}
    with transaction(con):
        con.execute(_WITHDRAW, params)
    late = None if case.ledger_entry_id else deduction_entry(con, case.subject_id)
    if late is not None:
        record_overturn(con, case.case_id, late, on, reason)
        apply_overturns(con)
    _lift_measures(con, case.subject_id, on)
    if late is None and case.ledger_entry_id is None:
        late = _withdraw_creators(con, case, on, reason)
    return late


_CAPTION_FINDINGS = """
SELECT DISTINCT rulebook, sku_id, rule_id FROM listing_violations WHERE kind = 'caption_claim'
"""

_STANDING_SAME_DAY = """
SELECT count(*) FROM creator_violations
WHERE creator_id = ? AND CAST(occurred_at AS DATE) = ?
  AND violation_id NOT IN (SELECT violation_id FROM withdrawn_violations)
"""


def _withdraw_creators(
    con: duckdb.DuckDBPyConnection, case: Case, on: date, reason: str
) -> str | None:
    """Withdraw the creator violations a caption case's finding recorded; reverse (through
    the case) the commission freeze of the first creator left with no standing violation
    that day. Other such freezes are reversed by the next close of their day (the freeze
    stage re-derives its entries from the violations standing)."""
    rows = con.execute(_CAPTION_FINDINGS).fetchall()
    subject = next(
        (r for r in rows if violation_id(str(r[0]), str(r[1]), str(r[2])) == case.subject_id),
        None,
    )
    if subject is None:
        return None
    recorded = recorded_for(con, str(subject[0]), str(subject[2]), str(subject[1]))
    with transaction(con):
        for violation, _, _ in recorded:
            con.execute(
                _WITHDRAW,
                {"violation": violation, "case": case.case_id, "on": on, "reason": reason},
            )
    for _, creator, day in recorded:
        left = con.execute(_STANDING_SAME_DAY, [creator, day]).fetchone()
        if left and left[0]:
            continue
        freeze = entry_id(logical_key("commission_freeze", f"{creator}|{day.isoformat()}"))
        if table_exists(con, "journal_entries") and con.execute(
            "SELECT count(*) FROM journal_entries WHERE logical_key = ?",
            [logical_key("commission_freeze", f"{creator}|{day.isoformat()}")],
        ).fetchone() != (0,):
            record_overturn(con, case.case_id, freeze, on, reason)
            apply_overturns(con)
            return freeze
    return None


def _lift_measures(con: duckdb.DuckDBPyConnection, violation: str, on: date) -> None:
    """Re-derive the escalation measures of the violation's rulebook without it: its shop
    restrictions lift, its penalty is reversed (booked ``on``), later offences renumber."""
    row = con.execute(
        "SELECT rulebook FROM listing_offences WHERE violation_id = ?", [violation]
    ).fetchone()
    if row is None:
        return  # no recorded offence (a warning): no measures
    name = str(row[0])
    if (shipped_listing_dir() / f"{name}.yaml").is_file():
        refresh_measures(con, load_listing_rulebook(name), on)
