"""Risk cases as use cases: open, list, show, move, appeal, and overturn with its money.

The risk stage owns the case state machine and records the journal entry an
overturned decision moved (``overturned_entries``); the ledger owns the reversal.
Overturning a case is both, in order, so it lives here where the two stages meet,
and every front end (CLI, API, console) gets the same behaviour and the same
account of what money moved back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import duckdb
from sqlalchemy import Engine

from merchantry.kit.money import format_fen
from merchantry.ledger import apply_overturns, overturn_reversals
from merchantry.risk.access import Scope
from merchantry.risk.cases import (
    AuditRecord,
    Case,
    CaseState,
    Evidence,
    appeal,
    audit_trail,
    evidence_of,
    get_case,
    list_cases,
    open_cases_from_decisions,
    overturn,
    record_reversal,
    transition,
)

__all__ = [
    "CaseMove",
    "CaseView",
    "Reversal",
    "appeal_case",
    "list_cases",
    "move_case",
    "open_cases",
    "overturn_case",
    "show_case",
]

REVERSAL_MONEY: Final = """
SELECT coalesce(sum(abs(amount_fen)) // 2, 0), count(*) FROM journal_postings WHERE entry_id = ?
"""
"""Money a reversal moved back: half the sum of its legs' absolute amounts (it balances)."""


@dataclass(frozen=True, slots=True)
class Reversal:
    """The journal entry that undid an overturned case's money."""

    reversed_entry_id: str
    """The entry the case's decision posted."""
    reversal_entry_id: str
    """The reversal the ledger posted for it."""
    amount_fen: int
    """Money moved back between accounts."""
    legs: int


@dataclass(frozen=True, slots=True)
class CaseMove:
    """A case after a move, and for an overturn what happened to its money."""

    case: Case
    reversal: Reversal | None = None
    money_note: str = ""
    """For an overturn: what money was reversed, or why there was none. Empty otherwise."""

    def lines(self) -> list[str]:
        """What a front end shows, one line each."""
        shown = [self.money_note] if self.money_note else []
        return [*shown, f"{self.case.case_id}: {self.case.state.value}"]


@dataclass(frozen=True, slots=True)
class CaseView:
    """A case with its audit trail and the evidence submitted for it."""

    case: Case
    audit: tuple[AuditRecord, ...]
    evidence: tuple[Evidence, ...]


def open_cases(
    engine: Engine, warehouse: duckdb.DuckDBPyConnection, scope: Scope, at: datetime
) -> int:
    """Open a case for every intercepted request in ``risk_decisions``; how many are new."""
    return open_cases_from_decisions(engine, warehouse, scope, at)


def show_case(engine: Engine, scope: Scope, case_id: str) -> CaseView:
    """A case, its audit trail and its evidence (a merchant: its own shop's cases only)."""
    case = get_case(engine, scope, case_id)
    return CaseView(
        case,
        tuple(audit_trail(engine, scope, case_id)),
        tuple(evidence_of(engine, scope, case_id)),
    )


def appeal_case(
    engine: Engine,
    scope: Scope,
    case_id: str,
    evidence_refs: Sequence[str],
    note: str,
    at: datetime,
) -> Case:
    """A merchant appeals its own shop's case with evidence; the case goes under review."""
    return appeal(engine, scope, case_id, evidence_refs, note, at)


def move_case(
    engine: Engine,
    scope: Scope,
    case_id: str,
    to: CaseState,
    note: str,
    at: datetime,
    warehouse: duckdb.DuckDBPyConnection | None = None,
) -> CaseMove:
    """Move a case (operators); ``overturned`` goes through :func:`overturn_case`."""
    if to is CaseState.OVERTURNED:
        return overturn_case(engine, scope, case_id, note, at, warehouse)
    return CaseMove(transition(engine, scope, case_id, to, at, note))


def overturn_case(
    engine: Engine,
    scope: Scope,
    case_id: str,
    note: str,
    at: datetime,
    warehouse: duckdb.DuckDBPyConnection | None = None,
) -> CaseMove:
    """Overturn a case under review and reverse the money its decision moved.

    Risk records the entry in ``overturned_entries`` and moves the case; the ledger
    then reverses the entry's live money event (idempotent); the reversal is noted
    on the case. A case whose decision moved money needs ``warehouse`` (risk refuses
    otherwise, naming the entry). Says what was reversed, or that nothing was.
    """
    case = overturn(engine, scope, case_id, at, note, warehouse)
    if case.ledger_entry_id is None:
        return CaseMove(case, None, f"case {case.case_id} moved no money: nothing to reverse")
    if warehouse is None:  # overturn() refuses this; kept for the type checker
        return CaseMove(case, None, f"entry {case.ledger_entry_id} not reversed: no warehouse")
    apply_overturns(warehouse)
    reversal_id = overturn_reversals(warehouse).get(case.case_id)
    if reversal_id is None:
        return CaseMove(
            case,
            None,
            f"journal entry {case.ledger_entry_id} has no live money event left to reverse "
            "(the journal already reversed it)",
        )
    case = record_reversal(engine, scope, case.case_id, reversal_id)
    row = warehouse.execute(REVERSAL_MONEY, [reversal_id]).fetchone()
    amount, legs = (int(row[0]), int(row[1])) if row else (0, 0)
    reversal = Reversal(case.ledger_entry_id or "", reversal_id, amount, legs)
    return CaseMove(
        case,
        reversal,
        f"journal entry {reversal.reversed_entry_id} reversed by {reversal_id}: "
        f"{format_fen(amount)} moved back ({legs} legs)",
    )
