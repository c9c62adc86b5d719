"""Case use cases: an overturn reverses the money its decision moved, and says how much.

The warehouse holds one shop with one brushing violation in March 2026; the test
rulebook (``tests/ledger/ledger-test.yaml``) deducts ¥300 from its deposit for it
at the close, crediting ``platform_penalties``. A reviewer overturns the penalty
case: the deduction is reversed (¥300 back, 2 legs) and the case names the reversal.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from merchantry.ledger import close_period, entry_id, logical_key
from merchantry.ledger.check import check_journal
from merchantry.risk.access import AccessDenied, Scope
from merchantry.risk.cases import Case, CaseState, CaseSubject, InvalidTransition, open_case
from merchantry.risk.store import open_store
from merchantry.service import cases
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_shop, add_violation, ledger_rulebook

OPS = Scope.operator("ops")
DEDUCTION = entry_id(logical_key("deposit_deduction", "V1"))


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    add_violation(con, "V1", "S1", datetime(2026, 3, 15, 10))
    close_period(con, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    return con


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'risk.sqlite'}")


def penalties(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings"
        " WHERE account = 'platform_penalties'"
    ).fetchone()
    return int(row[0]) if row else 0


def penalty_case(engine: Engine, ledger_entry_id: str | None = DEDUCTION) -> Case:
    case = open_case(
        engine,
        OPS,
        CaseSubject.PENALTY,
        "V1",
        "S1",
        decision="deduct ¥300 (brushing)",
        reasons=["deposit.deduct"],
        amount_fen=30_000,
        at=datetime(2026, 3, 16, 9),
        ledger_entry_id=ledger_entry_id,
    )
    cases.move_case(
        engine, OPS, case.case_id, CaseState.UNDER_REVIEW, "appealed", datetime(2026, 3, 17)
    )
    return case


def test_overturning_reverses_the_money_and_says_how_much(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine
) -> None:
    assert penalties(warehouse) == 30_000
    case = penalty_case(engine)

    moved = cases.move_case(
        engine,
        OPS,
        case.case_id,
        CaseState.OVERTURNED,
        "not brushing",
        datetime(2026, 3, 20),
        warehouse,
    )

    assert penalties(warehouse) == 0
    assert moved.case.state is CaseState.OVERTURNED
    assert moved.reversal is not None
    assert moved.reversal.reversed_entry_id == DEDUCTION
    assert moved.reversal.amount_fen == 30_000
    assert moved.reversal.legs == 2
    assert moved.case.reversal_entry_id == moved.reversal.reversal_entry_id
    assert moved.money_note == (
        f"journal entry {DEDUCTION} reversed by {moved.reversal.reversal_entry_id}: "
        "¥300.00 moved back (2 legs)"
    )
    assert check_journal(warehouse) == []
    shown = cases.show_case(engine, OPS, case.case_id)
    assert [r.to_state for r in shown.audit] == [
        CaseState.OPEN,
        CaseState.UNDER_REVIEW,
        CaseState.OVERTURNED,
    ]


def test_overturning_a_case_without_money_says_there_was_none(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine
) -> None:
    case = penalty_case(engine, ledger_entry_id=None)
    entries = warehouse.execute("SELECT count(*) FROM journal_entries").fetchone()

    moved = cases.overturn_case(engine, OPS, case.case_id, "no", datetime(2026, 3, 20), warehouse)

    assert moved.reversal is None
    assert moved.money_note == f"case {case.case_id} moved no money: nothing to reverse"
    assert warehouse.execute("SELECT count(*) FROM journal_entries").fetchone() == entries
    assert penalties(warehouse) == 30_000


def test_a_case_that_moved_money_is_not_overturned_without_the_warehouse(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine
) -> None:
    case = penalty_case(engine)
    with pytest.raises(InvalidTransition, match=DEDUCTION):
        cases.move_case(engine, OPS, case.case_id, CaseState.OVERTURNED, "x", datetime(2026, 3, 20))
    assert cases.show_case(engine, OPS, case.case_id).case.state is CaseState.UNDER_REVIEW
    assert penalties(warehouse) == 30_000


def test_an_overturned_case_cannot_be_overturned_again(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine
) -> None:
    case = penalty_case(engine)
    at = datetime(2026, 3, 20)
    cases.overturn_case(engine, OPS, case.case_id, "no", at, warehouse)
    with pytest.raises(InvalidTransition, match="only a case under review"):
        cases.overturn_case(engine, OPS, case.case_id, "again", at, warehouse)
    assert penalties(warehouse) == 0  # reversed once, not twice


def test_merchants_appeal_their_own_cases_and_cannot_move_them(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine
) -> None:
    case = penalty_case(engine)
    cases.move_case(engine, OPS, case.case_id, CaseState.UPHELD, "stands", datetime(2026, 3, 18))
    merchant = Scope.merchant("S1")
    with pytest.raises(AccessDenied):
        cases.overturn_case(engine, merchant, case.case_id, "mine", datetime(2026, 3, 19))
    with pytest.raises(AccessDenied):
        cases.appeal_case(
            engine,
            Scope.merchant("S2"),
            case.case_id,
            ["x"],
            "not mine",
            at := datetime(2026, 3, 19),
        )
    appealed = cases.appeal_case(engine, merchant, case.case_id, ["photo-1"], "look", at)
    assert appealed.state is CaseState.UNDER_REVIEW
    view = cases.show_case(engine, merchant, case.case_id)
    assert [e.ref for e in view.evidence] == ["photo-1"]
    assert [c.case_id for c in cases.list_cases(engine, Scope.merchant("S2"))] == []


def test_one_queue_sorts_by_the_stored_risk_score_for_both_front_ends(engine: Engine) -> None:
    """The risk order reads the stored score: a decision whose words state no score (or a
    different one) still sorts by it; penalties come last; the CLI's numbered pages and
    the API's limit/offset are the same queue."""
    opened = [("AS-A", 40, "intercept"), ("AS-B", 95, "intercept (score 1)"), ("AS-C", 70, "")]
    for subject_id, score, decision in opened:
        open_case(
            engine,
            OPS,
            CaseSubject.AFTER_SALES_REQUEST,
            subject_id,
            "S1",
            decision=decision or "intercept",
            reasons=[],
            amount_fen=100,
            at=datetime(2026, 3, 16, 9),
            risk_score=score,
        )
    penalty_case(engine, ledger_entry_id=None)

    found, total = cases.case_queue(engine, OPS, sort="-risk", limit=10)
    assert total == 4
    assert [c.subject_id for c in found] == ["AS-B", "AS-C", "AS-A", "V1"]
    assert [c.risk_score for c in found] == [95, 70, 40, None]
    rising, _ = cases.case_queue(engine, OPS, sort="risk", limit=10)
    assert [c.subject_id for c in rising] == ["AS-A", "AS-C", "AS-B", "V1"]

    pages = [
        cases.page_cases(engine, OPS, sort=cases.CaseSort.RISK, page=n, per_page=3) for n in (1, 2)
    ]
    assert [c.subject_id for p in pages for c in p.cases] == ["AS-B", "AS-C", "AS-A", "V1"]
    assert (pages[1].first, pages[1].last, pages[1].pages) == (4, 4, 2)
    merchant, count = cases.case_queue(engine, Scope.merchant("S9"), sort="-risk")
    assert (merchant, count) == ([], 0)
