"""Risk cases as use cases: open, list, show, move, appeal, and overturn with its money.

The risk stage owns the case state machine and records the journal entry an
overturned decision moved (``overturned_entries``); the ledger owns the reversal.
Overturning a case is both, in order, so it lives here where the two stages meet,
and every front end (CLI, API, console) gets the same behaviour and the same
account of what money moved back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

import duckdb
from sqlalchemy import Engine

from merchantry.kit.errors import InputError
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
    "CasePage",
    "CaseSort",
    "CaseView",
    "Reversal",
    "appeal_case",
    "list_cases",
    "move_case",
    "open_cases",
    "overturn_case",
    "page_cases",
    "risk_score",
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


class CaseSort(StrEnum):
    """How a case queue is ordered (ties broken by case id, so pages never overlap)."""

    RISK = "risk"
    """Highest risk score first; cases without a score (penalties) last."""
    AMOUNT = "amount"
    """Most money first."""
    AGE = "age"
    """Oldest opened first (waiting longest)."""


SCORE_IN_DECISION: Final = re.compile(r"\(score (-?\d+)\)")
"""Where an intercept decision states its score: ``intercept (score 87)``."""


def risk_score(case: Case) -> int | None:
    """The risk score the case's decision states, or None (a penalty has none)."""
    found = SCORE_IN_DECISION.search(case.decision)
    return int(found.group(1)) if found else None


def _sort_key(sort: CaseSort) -> Callable[[Case], tuple[object, ...]]:
    if sort is CaseSort.RISK:

        def by_risk(c: Case) -> tuple[object, ...]:
            score = risk_score(c)
            return (score is None, -(score or 0), c.case_id)

        return by_risk
    if sort is CaseSort.AMOUNT:
        return lambda c: (-c.amount_fen, c.case_id)
    return lambda c: (c.opened_at, c.case_id)


@dataclass(frozen=True, slots=True)
class CasePage:
    """One page of a sorted case queue and where it sits in the whole."""

    cases: tuple[Case, ...]
    total: int
    """Cases the scope may see under the filter, on every page."""
    page: int
    per_page: int
    sort: CaseSort

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """1-based position of the page's first case (0 when there are none)."""
        return (self.page - 1) * self.per_page + 1 if self.cases else 0

    @property
    def last(self) -> int:
        return self.first + len(self.cases) - 1 if self.cases else 0


def page_cases(
    engine: Engine,
    scope: Scope,
    *,
    state: CaseState | None = None,
    sort: CaseSort = CaseSort.RISK,
    page: int = 1,
    per_page: int = 20,
) -> CasePage:
    """A page of the case queue the scope may see (a merchant: its shop's), sorted.

    The order is total (ties broken by case id), so consecutive pages neither
    repeat nor skip a case. A page past the last is refused, naming how many there are.
    """
    if page < 1:
        raise InputError(f"--page must be 1 or more, not {page}")
    if per_page < 1:
        raise InputError(f"--per-page must be 1 or more, not {per_page}")
    found = sorted(list_cases(engine, scope, state), key=_sort_key(sort))
    result = CasePage(
        tuple(found[(page - 1) * per_page : page * per_page]), len(found), page, per_page, sort
    )
    if page > result.pages:
        raise InputError(
            f"page {page} is past the last: {result.total:,} cases make {result.pages} "
            f"page(s) of {per_page}"
        )
    return result


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
