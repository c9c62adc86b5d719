"""Risk cases and appeals: a state machine with a full audit trail.

An intercepted after-sales request, or a penalty on a merchant, becomes a case.
States and the only moves allowed between them:

    open ──> under_review ──> upheld ──(appeal)──> under_review
                         └──> overturned (final)

``open -> under_review`` also happens when a merchant appeals before any review.
Every move is one audit row (who, when, from, to, note) written in the same
transaction as the state change, guarded by the state it moves from, so two
reviewers cannot both move the same case. An invalid move raises
:class:`InvalidTransition` naming the case, its state and the moves it allows.

Overturning a decision that moved money gets that money reversed: the case names
the journal entry it posted (``ledger_entry_id``), and :func:`overturn` records it
in the warehouse table ``overturned_entries``. Risk never writes the journal: the
ledger reverses what is recorded there (``merchantry.ledger.apply_overturns``,
which the front end calls right after :func:`overturn`, and every close) and never
posts it again. :func:`record_reversal` then notes the reversal on the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final

import duckdb
from sqlalchemy import Engine, select, update
from sqlalchemy.engine import Connection

from merchantry.kit.errors import Conflict, NotFound
from merchantry.kit.ids import stable_key
from merchantry.risk.access import Scope
from merchantry.risk.store import risk_case_audit, risk_case_evidence, risk_cases


class CaseState(StrEnum):
    """Where a case stands."""

    OPEN = "open"
    """Created from a decision; nobody has looked at it yet."""
    UNDER_REVIEW = "under_review"
    """A reviewer (or an appeal) has it."""
    UPHELD = "upheld"
    """The decision stands (the merchant may still appeal)."""
    OVERTURNED = "overturned"
    """The decision was wrong; its money effects are reversed. Final."""


class CaseSubject(StrEnum):
    """What a case is about."""

    AFTER_SALES_REQUEST = "after_sales_request"
    """An after-sales request the risk stage intercepted (refund held)."""
    PENALTY = "penalty"
    """A penalty on a merchant (e.g. a deposit deduction for a violation)."""
    LISTING_VIOLATION = "listing_violation"
    """A listing blocked, warned or taken down by a listing rule (its violation recorded)."""


TRANSITIONS: Final[dict[CaseState, frozenset[CaseState]]] = {
    CaseState.OPEN: frozenset({CaseState.UNDER_REVIEW}),
    CaseState.UNDER_REVIEW: frozenset({CaseState.UPHELD, CaseState.OVERTURNED}),
    CaseState.UPHELD: frozenset({CaseState.UNDER_REVIEW}),
    CaseState.OVERTURNED: frozenset(),
}


class InvalidTransition(Conflict):
    """A case was asked to move where its state does not allow."""


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    subject: CaseSubject
    subject_id: str
    shop_id: str
    buyer_id: str | None
    state: CaseState
    decision: str
    reasons: tuple[str, ...]
    amount_fen: int
    opened_at: datetime
    updated_at: datetime
    ledger_entry_id: str | None
    reversal_entry_id: str | None
    risk_score: int | None = None
    """The risk score of the decision under review (``None``: a penalty has none)."""
    assignee: str | None = None
    """The operator (actor, ``key:<id>``) the case is assigned to; ``None``: unassigned."""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    case_id: str
    at: datetime
    actor: str
    from_state: CaseState | None
    to_state: CaseState
    note: str


@dataclass(frozen=True, slots=True)
class Evidence:
    case_id: str
    at: datetime
    submitted_by: str
    ref: str
    note: str


def case_id_for(subject: CaseSubject, subject_id: str) -> str:
    return "RC-" + stable_key("risk-case", subject.value, subject_id)[:16]


def _to_case(row: dict[str, object]) -> Case:
    reasons = str(row["reasons"])
    return Case(
        str(row["case_id"]),
        CaseSubject(str(row["subject"])),
        str(row["subject_id"]),
        str(row["shop_id"]),
        None if row["buyer_id"] is None else str(row["buyer_id"]),
        CaseState(str(row["state"])),
        str(row["decision"]),
        tuple(reasons.split("\n")) if reasons else (),
        int(row["amount_fen"]),  # type: ignore[call-overload]
        row["opened_at"],  # type: ignore[arg-type]
        row["updated_at"],  # type: ignore[arg-type]
        None if row["ledger_entry_id"] is None else str(row["ledger_entry_id"]),
        None if row["reversal_entry_id"] is None else str(row["reversal_entry_id"]),
        None if row.get("risk_score") is None else int(row["risk_score"]),  # type: ignore[call-overload]
        None if row.get("assignee") is None else str(row["assignee"]),
    )


def _fetch(conn: Connection, case_id: str) -> Case:
    row = conn.execute(select(risk_cases).where(risk_cases.c.case_id == case_id)).mappings().first()
    if row is None:
        raise NotFound(f"no risk case {case_id}")
    return _to_case(dict(row))


def open_case(
    engine: Engine,
    scope: Scope,
    subject: CaseSubject,
    subject_id: str,
    shop_id: str,
    *,
    decision: str,
    reasons: Sequence[str],
    amount_fen: int,
    at: datetime,
    buyer_id: str | None = None,
    ledger_entry_id: str | None = None,
    risk_score: int | None = None,
) -> Case:
    """Open a case for a decision (operators and the risk stage); one case per subject."""
    scope.require_operator("opening a risk case")
    case_id = case_id_for(subject, subject_id)
    with engine.begin() as conn:
        existing = (
            conn.execute(select(risk_cases.c.case_id).where(risk_cases.c.case_id == case_id))
            .scalars()
            .first()
        )
        if existing is None:
            conn.execute(
                risk_cases.insert().values(
                    case_id=case_id,
                    subject=subject.value,
                    subject_id=subject_id,
                    shop_id=shop_id,
                    buyer_id=buyer_id,
                    state=CaseState.OPEN.value,
                    decision=decision,
                    reasons="\n".join(reasons),
                    amount_fen=amount_fen,
                    opened_at=at,
                    updated_at=at,
                    ledger_entry_id=ledger_entry_id,
                    risk_score=risk_score,
                )
            )
            _audit(conn, case_id, at, scope.actor, None, CaseState.OPEN, f"opened: {decision}")
        return _fetch(conn, case_id)


def _audit(
    conn: Connection,
    case_id: str,
    at: datetime,
    actor: str,
    from_state: CaseState | None,
    to_state: CaseState,
    note: str,
) -> None:
    conn.execute(
        risk_case_audit.insert().values(
            case_id=case_id,
            at=at,
            actor=actor,
            from_state=None if from_state is None else from_state.value,
            to_state=to_state.value,
            note=note,
        )
    )


def _move(
    conn: Connection, scope: Scope, case: Case, to: CaseState, at: datetime, note: str
) -> Case:
    allowed = TRANSITIONS[case.state]
    if to not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "nothing (final)"
        raise InvalidTransition(
            f"case {case.case_id} is {case.state.value}; it can move to {options}, not {to.value}"
        )
    moved = conn.execute(
        update(risk_cases)
        .where(risk_cases.c.case_id == case.case_id, risk_cases.c.state == case.state.value)
        .values(state=to.value, updated_at=at)
    )
    if moved.rowcount != 1:
        raise InvalidTransition(f"case {case.case_id} changed while moving it; read it again")
    _audit(conn, case.case_id, at, scope.actor, case.state, to, note)
    return _fetch(conn, case.case_id)


def transition(
    engine: Engine, scope: Scope, case_id: str, to: CaseState, at: datetime, note: str
) -> Case:
    """Move a case (operators only); overturning goes through :func:`overturn`."""
    scope.require_operator("reviewing a risk case")
    if to is CaseState.OVERTURNED:
        raise InvalidTransition("overturn a case with overturn(), which records its money")
    with engine.begin() as conn:
        return _move(conn, scope, _fetch(conn, case_id), to, at, note)


def appeal(
    engine: Engine,
    scope: Scope,
    case_id: str,
    evidence_refs: Sequence[str],
    note: str,
    at: datetime,
) -> Case:
    """A merchant appeals its own shop's case with evidence; the case goes under review."""
    with engine.begin() as conn:
        case = _fetch(conn, case_id)
        scope.require_shop(case.shop_id, "appeal the cases")
        if not evidence_refs and not note.strip():
            raise InvalidTransition(f"an appeal of {case_id} needs evidence or a note")
        for ref in evidence_refs:
            conn.execute(
                risk_case_evidence.insert().values(
                    case_id=case_id, at=at, submitted_by=scope.actor, ref=ref, note=note
                )
            )
        return _move(conn, scope, case, CaseState.UNDER_REVIEW, at, f"appeal: {note}")


def get_case(engine: Engine, scope: Scope, case_id: str) -> Case:
    with engine.connect() as conn:
        case = _fetch(conn, case_id)
    scope.require_shop(case.shop_id, "read the cases")
    return case


def list_cases(engine: Engine, scope: Scope, state: CaseState | None = None) -> list[Case]:
    """Cases the scope may see (a merchant: its shop's), newest first."""
    query = select(risk_cases)
    if not scope.is_operator:
        query = query.where(risk_cases.c.shop_id == scope.shop_id)
    if state is not None:
        query = query.where(risk_cases.c.state == state.value)
    query = query.order_by(risk_cases.c.opened_at.desc(), risk_cases.c.case_id)
    with engine.connect() as conn:
        return [_to_case(dict(r)) for r in conn.execute(query).mappings()]


def audit_trail(engine: Engine, scope: Scope, case_id: str) -> list[AuditRecord]:
    get_case(engine, scope, case_id)
    query = (
        select(risk_case_audit)
        .where(risk_case_audit.c.case_id == case_id)
        .order_by(risk_case_audit.c.audit_id)
    )
    with engine.connect() as conn:
        return [
            AuditRecord(
                r["case_id"],
                r["at"],
                r["actor"],
                None if r["from_state"] is None else CaseState(r["from_state"]),
                CaseState(r["to_state"]),
                r["note"],
            )
            for r in conn.execute(query).mappings()
        ]


def evidence_of(engine: Engine, scope: Scope, case_id: str) -> list[Evidence]:
    get_case(engine, scope, case_id)
    query = (
        select(risk_case_evidence)
        .where(risk_case_evidence.c.case_id == case_id)
        .order_by(risk_case_evidence.c.evidence_id)
    )
    with engine.connect() as conn:
        return [
            Evidence(r["case_id"], r["at"], r["submitted_by"], r["ref"], r["note"])
            for r in conn.execute(query).mappings()
        ]


RECORD_OVERTURN: Final = """
INSERT INTO overturned_entries (case_id, entry_id, booked_on, reason) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING
"""


def record_overturn(
    con: duckdb.DuckDBPyConnection, case_id: str, entry_id: str, booked_on: date, reason: str
) -> None:
    """Record in ``overturned_entries`` that ``case_id`` overturned the decision behind a
    journal entry; a second call for the case changes nothing.

    The ledger reads the table (sibling stages meet in tables): it reverses the
    entry's money event and never posts it again. Raises ``NotFound`` when the
    journal has no such entry, so a mistyped id is not silently ignored.
    """
    found = con.execute(
        "SELECT count(*) FROM journal_entries WHERE entry_id = ?", [entry_id]
    ).fetchone()
    if not found or not found[0]:
        raise NotFound(f"no journal entry {entry_id} for case {case_id} to overturn")
    con.execute(RECORD_OVERTURN, [case_id, entry_id, booked_on, reason])


def overturn(
    engine: Engine,
    scope: Scope,
    case_id: str,
    at: datetime,
    note: str,
    warehouse: duckdb.DuckDBPyConnection | None = None,
) -> Case:
    """Overturn a case under review; record the money its decision moved for reversal.

    The record in the warehouse (``overturned_entries``) is written first and is
    idempotent; then the case moves in the operational database. A failure
    between the two leaves a record and a case still under review; running
    overturn again finishes the job. The reversal itself is the ledger's: call
    ``merchantry.ledger.apply_overturns`` on the same warehouse next (the CLI
    does), or let the next close do it.
    """
    scope.require_operator("overturning a risk case")
    case = get_case(engine, scope, case_id)
    if CaseState.OVERTURNED not in TRANSITIONS[case.state]:
        raise InvalidTransition(
            f"case {case_id} is {case.state.value}; only a case under review can be overturned"
        )
    if case.ledger_entry_id is not None:
        if warehouse is None:
            raise InvalidTransition(
                f"case {case_id} moved money (entry {case.ledger_entry_id}); "
                "overturning it needs the warehouse to record that entry for reversal"
            )
        record_overturn(warehouse, case_id, case.ledger_entry_id, at.date(), note)
    with engine.begin() as conn:
        return _move(conn, scope, _fetch(conn, case_id), CaseState.OVERTURNED, at, note)


def record_reversal(engine: Engine, scope: Scope, case_id: str, reversal_entry_id: str) -> Case:
    """Note on an overturned case the journal entry that reversed its money (operators).

    The front end calls this with what the ledger reports
    (``merchantry.ledger.overturn_reversals``) after applying the overturn.
    """
    scope.require_operator("recording a reversal on a risk case")
    with engine.begin() as conn:
        case = _fetch(conn, case_id)
        if case.state is not CaseState.OVERTURNED:
            raise InvalidTransition(
                f"case {case_id} is {case.state.value}; only an overturned case has a reversal"
            )
        conn.execute(
            update(risk_cases)
            .where(risk_cases.c.case_id == case_id)
            .values(reversal_entry_id=reversal_entry_id)
        )
        return _fetch(conn, case_id)


def open_cases_from_decisions(
    engine: Engine, con: duckdb.DuckDBPyConnection, scope: Scope, at: datetime
) -> int:
    """A case for every intercepted request in ``risk_decisions`` (existing ones kept)."""
    rows = con.execute(
        "SELECT d.case_id, d.shop_id, d.buyer_id, d.reasons, d.score, r.amount_fen "
        "FROM risk_decisions AS d JOIN after_sales AS r ON r.case_id = d.case_id "
        "WHERE d.decision = 'intercept' ORDER BY d.requested_at, d.case_id"
    ).fetchall()
    before = len(list_cases(engine, scope))
    for case, shop, buyer, reasons, score, amount in rows:
        open_case(
            engine,
            scope,
            CaseSubject.AFTER_SALES_REQUEST,
            case,
            shop,
            decision=f"intercept (score {score})",
            reasons=list(reasons or []),
            amount_fen=int(amount),
            at=at,
            buyer_id=buyer,
            risk_score=int(score),
        )
    return len(list_cases(engine, scope)) - before
