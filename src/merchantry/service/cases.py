"""Risk cases as use cases: open, list, show, move, appeal, and overturn with its money.

The risk stage owns the case state machine and records the journal entry an
overturned decision moved (``overturned_entries``); the ledger owns the reversal.
Overturning a case is both, in order, so it lives here where the two stages meet,
and every front end (CLI, API, console) gets the same behaviour and the same
account of what money moved back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

import duckdb
from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import Connection

from merchantry.kit.errors import InputError, NotFound
from merchantry.kit.money import format_fen
from merchantry.kit.paging import Page, PastLast, numbered, settle_page, window
from merchantry.ledger import apply_overturns, overturn_reversals
from merchantry.listings.cases import withdraw_violation
from merchantry.ops.keys import KeyRole
from merchantry.ops.tables import api_keys
from merchantry.ops.webhooks import enqueue
from merchantry.report.names import Vocabulary, label
from merchantry.risk.access import Scope
from merchantry.risk.cases import (
    AuditRecord,
    Case,
    CaseState,
    CaseSubject,
    Evidence,
    InvalidTransition,
    _to_case,
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
from merchantry.risk.store import risk_case_audit, risk_cases
from merchantry.service.listing_notices import announce_withdrawal

__all__ = [
    "MINE",
    "QUEUE_ORDER",
    "UNASSIGNED",
    "Assignee",
    "CaseMove",
    "CasePage",
    "CaseSort",
    "CaseView",
    "Recorder",
    "Reversal",
    "appeal_case",
    "assign_case",
    "assignees",
    "case_event",
    "case_queue",
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
        state = label(Vocabulary.CASE_STATE, self.case.state.value)
        return [*shown, f"{self.case.case_id}: {state}"]


class CaseSort(StrEnum):
    """How a case queue is ordered (ties broken by case id, so pages never overlap)."""

    RISK = "risk"
    """Highest risk score first; cases without a score (penalties) last."""
    AMOUNT = "amount"
    """Most money first."""
    AGE = "age"
    """Oldest opened first (waiting longest)."""


QUEUE_ORDER: Final = {
    "-risk": (
        risk_cases.c.risk_score.is_(None),
        risk_cases.c.risk_score.desc(),
        risk_cases.c.case_id,
    ),
    "risk": (risk_cases.c.risk_score.is_(None), risk_cases.c.risk_score, risk_cases.c.case_id),
    "opened_at": (risk_cases.c.opened_at, risk_cases.c.case_id),
    "-opened_at": (risk_cases.c.opened_at.desc(), risk_cases.c.case_id),
    "amount": (risk_cases.c.amount_fen, risk_cases.c.case_id),
    "-amount": (risk_cases.c.amount_fen.desc(), risk_cases.c.case_id),
    "updated_at": (risk_cases.c.updated_at, risk_cases.c.case_id),
    "-updated_at": (risk_cases.c.updated_at.desc(), risk_cases.c.case_id),
}
"""Sort keys of the case queue (``-`` for descending; cases without a risk score come last
either way); the case id breaks ties, so pages neither repeat nor skip a case."""

SORT_KEY: Final = {CaseSort.RISK: "-risk", CaseSort.AMOUNT: "-amount", CaseSort.AGE: "opened_at"}
"""The queue order each named sort means."""


UNASSIGNED: Final = "-"
"""The ``assignee`` filter that keeps cases nobody is assigned to."""
MINE: Final = "me"
"""The ``assignee`` filter a front end turns into its caller's own actor."""


def case_queue(
    engine: Engine,
    scope: Scope,
    *,
    states: Sequence[CaseState] = (),
    shop_id: str | None = None,
    assignee: str | None = None,
    sort: str = "opened_at",
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Case], int]:
    """Cases the scope may see, filtered, sorted and paged in SQL; and how many match in all.

    A merchant scope sees its own shop's cases only, whatever ``shop_id`` says. The risk
    order reads the stored ``risk_score`` column (indexed), never the decision's words.
    ``assignee`` keeps one operator's cases (an actor, ``key:<id>``; :data:`MINE` is the
    scope's own) or, as :data:`UNASSIGNED`, the cases nobody has taken.
    """
    if sort not in QUEUE_ORDER:
        raise InputError(f"cannot sort cases by {sort!r}; use one of {', '.join(QUEUE_ORDER)}")
    asked = window(offset, limit)
    where = []
    if not scope.is_operator:
        where.append(risk_cases.c.shop_id == scope.shop_id)
    if shop_id is not None:
        where.append(risk_cases.c.shop_id == shop_id)
    if states:
        where.append(risk_cases.c.state.in_([s.value for s in states]))
    if assignee == UNASSIGNED:
        where.append(risk_cases.c.assignee.is_(None))
    elif assignee is not None:
        where.append(risk_cases.c.assignee == (scope.actor if assignee == MINE else assignee))
    query = select(risk_cases).where(*where).order_by(*QUEUE_ORDER[sort])
    count = select(func.count()).select_from(risk_cases).where(*where)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(asked.limit).offset(asked.offset)).mappings().all()
        total = int(conn.execute(count).scalar_one())
    return [_to_case(dict(r)) for r in rows], total


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
    def numbered(self) -> Page[Case]:
        """The page as the kit's numbered page (its count and positions)."""
        return Page(self.cases, self.total, self.page, self.per_page)

    @property
    def pages(self) -> int:
        return self.numbered.pages

    @property
    def first(self) -> int:
        """1-based position of the page's first case (0 when there are none)."""
        return self.numbered.first

    @property
    def last(self) -> int:
        return self.numbered.last


def page_cases(
    engine: Engine,
    scope: Scope,
    *,
    state: CaseState | None = None,
    shop_id: str | None = None,
    assignee: str | None = None,
    sort: CaseSort = CaseSort.RISK,
    page: int = 1,
    per_page: int = 20,
    past_last: bool = False,
) -> CasePage:
    """A numbered page of :func:`case_queue` (the command line's and the console's view).

    A page past the last is refused, naming how many there are; with ``past_last`` it shows
    the last page instead (a console link that outlived a case moving away).
    """
    asked = numbered(page, per_page)
    found, total = case_queue(
        engine,
        scope,
        states=() if state is None else (state,),
        shop_id=shop_id,
        assignee=assignee,
        sort=SORT_KEY[sort],
        limit=asked.limit,
        offset=asked.offset,
    )
    beyond = PastLast.LAST if past_last else PastLast.REFUSE
    shown = settle_page(page, per_page, total, noun="cases", past_last=beyond)
    if shown != page:
        return page_cases(
            engine, scope, state=state, shop_id=shop_id, assignee=assignee, sort=sort,
            page=shown, per_page=per_page,
        )  # fmt: skip
    return CasePage(tuple(found), total, page, per_page, sort)


def risk_score(case: Case) -> int | None:
    """The risk score of the case's decision (stored with the case), or None (a penalty)."""
    return case.risk_score


Recorder = Callable[[Connection, Case, Case], None]
"""Told ``(transaction, before, after)`` of a case move, in the transaction that queues its
webhook (the API audits the request there)."""


def case_event(before: Case, after: Case, note: str) -> dict[str, Any]:
    """The ``case.state_changed`` webhook's data for a move."""
    return {
        "case_id": after.case_id,
        "shop_id": after.shop_id,
        "subject": after.subject.value,
        "subject_id": after.subject_id,
        "from_state": before.state.value,
        "to_state": after.state.value,
        "note": note,
        "amount_fen": after.amount_fen,
        "reversal_entry_id": after.reversal_entry_id,
    }


def _announce(
    engine: Engine, before: Case, after: Case, note: str, record: Recorder | None
) -> None:
    """Queue the case's ``case.state_changed`` webhook (and let ``record`` audit) at once."""
    data: Mapping[str, Any] = case_event(before, after, note)
    with engine.begin() as conn:
        enqueue(conn, "case.state_changed", after.shop_id, data)
        if record is not None:
            record(conn, before, after)


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
    *,
    record: Recorder | None = None,
) -> Case:
    """A merchant appeals its own shop's case with evidence; the case goes under review and
    its ``case.state_changed`` webhook is queued (whichever front end asked)."""
    before = get_case(engine, scope, case_id)
    after = appeal(engine, scope, case_id, evidence_refs, note, at)
    _announce(engine, before, after, f"appeal: {note}", record)
    return after


def move_case(
    engine: Engine,
    scope: Scope,
    case_id: str,
    to: CaseState,
    note: str,
    at: datetime,
    warehouse: duckdb.DuckDBPyConnection | None = None,
    *,
    record: Recorder | None = None,
) -> CaseMove:
    """Move a case (operators); ``overturned`` goes through :func:`overturn_case`. The
    move's ``case.state_changed`` webhook is queued (whichever front end asked)."""
    before = get_case(engine, scope, case_id)
    if to is CaseState.OVERTURNED:
        moved = _overturn(engine, scope, case_id, note, at, warehouse)
    else:
        moved = CaseMove(transition(engine, scope, case_id, to, at, note))
    _announce(engine, before, moved.case, note, record)
    return moved


def overturn_case(
    engine: Engine,
    scope: Scope,
    case_id: str,
    note: str,
    at: datetime,
    warehouse: duckdb.DuckDBPyConnection | None = None,
    *,
    record: Recorder | None = None,
) -> CaseMove:
    """:func:`move_case` to ``overturned``: see :func:`_overturn`."""
    return move_case(
        engine, scope, case_id, CaseState.OVERTURNED, note, at, warehouse, record=record
    )


def _overturn(
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
    otherwise, naming the entry). A listing violation's case also withdraws the
    violation from scores and deposit deductions (``listings.cases.withdraw_violation``),
    so it always needs ``warehouse``. Says what was reversed, or that nothing was.
    """
    listing = get_case(engine, scope, case_id).subject is CaseSubject.LISTING_VIOLATION
    if listing and warehouse is None:
        raise InvalidTransition(
            f"case {case_id} is a listing violation: overturning it withdraws the violation "
            "from scores and deposits, which needs the warehouse"
        )
    case = overturn(engine, scope, case_id, at, note, warehouse)
    late = None
    if listing and warehouse is not None:
        late = withdraw_violation(warehouse, case, at.date(), note)
        announce_withdrawal(engine, warehouse, case.subject_id)  # the checkers lift it
    entry = case.ledger_entry_id or late
    if entry is None:
        return CaseMove(case, None, f"case {case.case_id} moved no money: nothing to reverse")
    if warehouse is None:  # overturn() refuses this; kept for the type checker
        return CaseMove(case, None, f"entry {entry} not reversed: no warehouse")
    apply_overturns(warehouse)
    reversal_id = overturn_reversals(warehouse).get(case.case_id)
    if reversal_id is None:
        return CaseMove(
            case,
            None,
            f"journal entry {entry} has no live money event left to reverse "
            "(the journal already reversed it)",
        )
    case = record_reversal(engine, scope, case.case_id, reversal_id)
    row = warehouse.execute(REVERSAL_MONEY, [reversal_id]).fetchone()
    amount, legs = (int(row[0]), int(row[1])) if row else (0, 0)
    reversal = Reversal(entry, reversal_id, amount, legs)
    return CaseMove(
        case,
        reversal,
        f"journal entry {reversal.reversed_entry_id} reversed by {reversal_id}: "
        f"{format_fen(amount)} moved back ({legs} legs)",
    )


@dataclass(frozen=True, slots=True)
class Assignee:
    """An operator a case can be assigned to: an operator key that is not revoked."""

    actor: str
    """What cases and the audit trail record (``key:<id>``)."""
    name: str
    """The key's name, as people call it."""


def assignees(engine: Engine) -> list[Assignee]:
    """Every operator a case may be assigned to, by name."""
    query = (
        select(api_keys.c.key_id, api_keys.c.name)
        .where(api_keys.c.role == KeyRole.OPERATOR.value, api_keys.c.revoked_at.is_(None))
        .order_by(api_keys.c.name, api_keys.c.key_id)
    )
    with engine.connect() as conn:
        return [Assignee(f"key:{r.key_id}", str(r.name)) for r in conn.execute(query)]


def assign_case(
    engine: Engine,
    scope: Scope,
    case_id: str,
    assignee: str | None,
    at: datetime,
    *,
    record: Recorder | None = None,
) -> Case:
    """Assign a case to an operator (an actor, ``key:<id>``; :data:`MINE` is the caller), or
    with ``None`` release it. Operators only; the assignee must be an operator key that is
    not revoked. The audit trail records who assigned whom, the case's state unchanged;
    assigning a case to whom it already has changes nothing and records nothing.
    """
    scope.require_operator("assigning a risk case")
    target = scope.actor if assignee == MINE else assignee
    if target is not None and target not in {a.actor for a in assignees(engine)}:
        raise InputError(
            f"cannot assign case {case_id} to {target!r}: not an operator key in force "
            "(use an operator's key:<id>)"
        )
    with engine.begin() as conn:
        before = _fetch_case(conn, case_id)
        if before.assignee == target:
            return before
        conn.execute(
            update(risk_cases)
            .where(risk_cases.c.case_id == case_id)
            .values(assignee=target, updated_at=at)
        )
        note = (
            f"assigned to {target}" if target is not None else f"unassigned (was {before.assignee})"
        )
        if before.assignee is not None and target is not None:
            note += f" (was {before.assignee})"
        conn.execute(
            risk_case_audit.insert().values(
                case_id=case_id,
                at=at,
                actor=scope.actor,
                from_state=before.state.value,
                to_state=before.state.value,
                note=note,
            )
        )
        after = _fetch_case(conn, case_id)
        if record is not None:
            record(conn, before, after)
    return after


def _fetch_case(conn: Connection, case_id: str) -> Case:
    row = conn.execute(select(risk_cases).where(risk_cases.c.case_id == case_id)).mappings().first()
    if row is None:
        raise NotFound(f"no risk case {case_id}")
    return _to_case(dict(row))
