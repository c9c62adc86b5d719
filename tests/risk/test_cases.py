"""Risk cases: every allowed move, every refused one, the audit trail, merchant appeals and
scopes, and an overturned penalty: risk records its journal entry in `overturned_entries`,
the ledger reverses it."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest

from merchantry.kit.errors import NotFound
from merchantry.ledger import apply_overturns, entry_id, logical_key, overturn_reversals
from merchantry.ledger.check import check_journal
from merchantry.risk.access import AccessDenied, Scope
from merchantry.risk.cases import (
    TRANSITIONS,
    CaseState,
    CaseSubject,
    InvalidTransition,
    appeal,
    audit_trail,
    evidence_of,
    get_case,
    list_cases,
    open_case,
    overturn,
    record_overturn,
    record_reversal,
    transition,
)

AT = datetime(2026, 10, 20, 9, 0)
OPS = Scope.operator("reviewer-7")
SHOP = Scope.merchant("S1")


def new_case(store, subject_id="AS1", shop="S1", entry=None):
    return open_case(
        store,
        OPS,
        CaseSubject.PENALTY if entry else CaseSubject.AFTER_SALES_REQUEST,
        subject_id,
        shop,
        decision="intercept (score 95)",
        reasons=["risk.ring.flagged (+40): ring", "risk.image.reused (+45): photo"],
        amount_fen=12_990,
        at=AT,
        buyer_id="B1",
        ledger_entry_id=entry,
    )


def bring_to(store, state: CaseState, warehouse=None):
    """A case walked to ``state`` along allowed moves."""
    case = new_case(store)
    path = {
        CaseState.OPEN: [],
        CaseState.UNDER_REVIEW: [CaseState.UNDER_REVIEW],
        CaseState.UPHELD: [CaseState.UNDER_REVIEW, CaseState.UPHELD],
        CaseState.OVERTURNED: [CaseState.UNDER_REVIEW, CaseState.OVERTURNED],
    }[state]
    for step, to in enumerate(path, start=1):
        when = AT + timedelta(hours=step)
        if to is CaseState.OVERTURNED:
            case = overturn(store, OPS, case.case_id, when, "wrong", warehouse)
        else:
            case = transition(store, OPS, case.case_id, to, when, f"to {to}")
    return case


# Sorted: TRANSITIONS holds sets, and parallel workers must collect the same order.
ALLOWED = sorted(
    ((a, b) for a, targets in TRANSITIONS.items() for b in targets),
    key=lambda move: (move[0].value, move[1].value),
)
REFUSED = [(a, b) for a, b in itertools.product(CaseState, CaseState) if b not in TRANSITIONS[a]]


@pytest.mark.parametrize(("start", "to"), ALLOWED, ids=lambda s: s.value)
def test_every_allowed_move_is_made_and_audited(store, start, to):
    case = bring_to(store, start)
    when = AT + timedelta(days=1)
    if to is CaseState.OVERTURNED:
        moved = overturn(store, OPS, case.case_id, when, "evidence was genuine")
    else:
        moved = transition(store, OPS, case.case_id, to, when, "looked at it")
    assert moved.state is to
    last = audit_trail(store, OPS, case.case_id)[-1]
    assert (last.from_state, last.to_state, last.actor, last.at) == (start, to, "reviewer-7", when)


@pytest.mark.parametrize(("start", "to"), REFUSED, ids=lambda s: s.value)
def test_every_other_move_is_refused_with_a_clear_error(store, start, to):
    case = bring_to(store, start)
    when = AT + timedelta(days=1)
    move = (
        (lambda: overturn(store, OPS, case.case_id, when, "no"))
        if to is CaseState.OVERTURNED
        else (lambda: transition(store, OPS, case.case_id, to, when, "no"))
    )
    with pytest.raises(InvalidTransition, match=case.case_id):
        move()
    assert get_case(store, OPS, case.case_id).state is start


def test_the_audit_trail_tells_the_whole_story(store):
    case = bring_to(store, CaseState.UPHELD)
    appeal(
        store,
        SHOP,
        case.case_id,
        ["ev/invoice.jpg"],
        "the parcel left intact",
        AT + timedelta(days=2),
    )
    overturn(store, OPS, case.case_id, AT + timedelta(days=3), "appeal accepted")
    trail = [(r.actor, r.from_state, r.to_state) for r in audit_trail(store, OPS, case.case_id)]
    assert trail == [
        ("reviewer-7", None, CaseState.OPEN),
        ("reviewer-7", CaseState.OPEN, CaseState.UNDER_REVIEW),
        ("reviewer-7", CaseState.UNDER_REVIEW, CaseState.UPHELD),
        ("merchant:S1", CaseState.UPHELD, CaseState.UNDER_REVIEW),
        ("reviewer-7", CaseState.UNDER_REVIEW, CaseState.OVERTURNED),
    ]


def test_opening_twice_for_one_subject_keeps_one_case(store):
    first, second = new_case(store), new_case(store)
    assert first.case_id == second.case_id
    assert len(list_cases(store, OPS)) == 1
    assert len(audit_trail(store, OPS, first.case_id)) == 1


class TestMerchants:
    def test_a_merchant_appeals_its_own_case_with_evidence(self, store):
        case = bring_to(store, CaseState.UPHELD)
        moved = appeal(store, SHOP, case.case_id, ["ev/a.jpg", "ev/b.jpg"], "see photos", AT)
        assert moved.state is CaseState.UNDER_REVIEW
        assert [e.ref for e in evidence_of(store, SHOP, case.case_id)] == ["ev/a.jpg", "ev/b.jpg"]

    def test_an_appeal_without_evidence_or_words_is_refused(self, store):
        case = bring_to(store, CaseState.UPHELD)
        with pytest.raises(InvalidTransition, match="needs evidence"):
            appeal(store, SHOP, case.case_id, [], " ", AT)

    def test_a_merchant_cannot_see_or_appeal_another_shops_case(self, store):
        case = new_case(store, shop="S2")
        with pytest.raises(AccessDenied):
            get_case(store, SHOP, case.case_id)
        with pytest.raises(AccessDenied):
            appeal(store, SHOP, case.case_id, ["ev/x.jpg"], "mine?", AT)
        with pytest.raises(AccessDenied):
            audit_trail(store, SHOP, case.case_id)
        assert list_cases(store, SHOP) == []

    def test_a_merchant_cannot_decide_a_case(self, store):
        case = new_case(store)
        with pytest.raises(AccessDenied):
            transition(store, SHOP, case.case_id, CaseState.UNDER_REVIEW, AT, "self-serve")
        with pytest.raises(AccessDenied):
            overturn(store, SHOP, case.case_id, AT, "self-serve")

    def test_an_unknown_case_is_not_found(self, store):
        with pytest.raises(NotFound):
            get_case(store, OPS, "RC-nope")


def post_deduction(warehouse) -> str:
    """A ¥2,000 deposit deduction entry, as the ledger would post it."""
    key = logical_key("deposit_deduction", "V1")
    eid = entry_id(key, 0)
    warehouse.execute(
        "INSERT INTO journal_entries BY NAME SELECT ? AS entry_id, ? AS logical_key, "
        "0 AS revision, 'deposit_deduction' AS kind, 'V1' AS source_id, 'S1' AS shop_id, "
        "DATE '2026-10-15' AS booked_on, 'douyin-2026' AS rulebook, 'sig' AS signature, "
        "'c1' AS close_key",
        [eid, key],
    )
    warehouse.execute(  # its header, as the ledger keeps one for each entry without a day
        "INSERT INTO journal_dayless BY NAME SELECT entry_id, logical_key, kind, booked_on,"
        " rulebook, signature, reverses FROM journal_entries WHERE entry_id = ?",
        [eid],
    )
    for leg, account, amount in (
        (1, "merchant_deposit", -200_000),
        (2, "platform_penalties", 200_000),
    ):
        warehouse.execute(
            "INSERT INTO journal_postings BY NAME SELECT ? AS entry_id, ? AS leg, "
            "? AS account, 'S1' AS party, DATE '2026-10-15' AS booked_on, ? AS amount_fen, "
            "'deposit.deduct.brushing' AS rule_id, 'deposit_deduction' AS entry_kind",
            [eid, leg, account, amount],
        )
        warehouse.execute(  # and its day's sum, as the ledger appends it with the postings
            "INSERT INTO journal_movements BY NAME SELECT ? AS account, 'S1' AS party, "
            "DATE '2026-10-15' AS booked_on, 'deposit_deduction' AS entry_kind, "
            "? AS amount_fen, 1 AS postings",
            [account, amount],
        )
    # and its shop in the journal's index of shops, as the ledger adds it with the entry
    warehouse.execute("INSERT INTO journal_shops VALUES ('S1', 'c1')")
    return eid


def recorded(warehouse) -> list[tuple[object, ...]]:
    return warehouse.execute(
        "SELECT case_id, entry_id, booked_on, reason FROM overturned_entries ORDER BY case_id"
    ).fetchall()


def journal_size(warehouse) -> tuple[int, int]:
    entries = warehouse.execute("SELECT count(*) FROM journal_entries").fetchone()
    postings = warehouse.execute("SELECT count(*) FROM journal_postings").fetchone()
    return (entries[0], postings[0])


class TestMoneyReversal:
    def test_overturning_a_penalty_records_its_entry_and_leaves_the_journal_to_the_ledger(
        self, store, warehouse
    ):
        eid = post_deduction(warehouse)
        case = new_case(store, subject_id="V1", entry=eid)
        transition(store, OPS, case.case_id, CaseState.UNDER_REVIEW, AT, "appeal")

        done = overturn(store, OPS, case.case_id, AT + timedelta(days=1), "not brushing", warehouse)

        assert done.state is CaseState.OVERTURNED
        assert recorded(warehouse) == [(case.case_id, eid, date(2026, 10, 21), "not brushing")]
        assert journal_size(warehouse) == (1, 2)  # risk wrote nothing to the journal

    def test_the_ledger_reverses_what_risk_recorded_and_the_case_names_the_reversal(
        self, store, warehouse
    ):
        case = new_case(store, subject_id="V1", entry=post_deduction(warehouse))
        transition(store, OPS, case.case_id, CaseState.UNDER_REVIEW, AT, "appeal")
        overturn(store, OPS, case.case_id, AT + timedelta(days=1), "not brushing", warehouse)

        assert apply_overturns(warehouse) == 1
        reversal = overturn_reversals(warehouse)[case.case_id]
        noted = record_reversal(store, OPS, case.case_id, reversal)

        assert noted.reversal_entry_id == reversal
        balance = warehouse.execute(
            "SELECT account, sum(amount_fen) FROM journal_postings GROUP BY account ORDER BY 1"
        ).fetchall()
        assert balance == [("merchant_deposit", 0), ("platform_penalties", 0)]
        assert check_journal(warehouse) == []

    def test_recording_twice_records_once(self, warehouse):
        eid = post_deduction(warehouse)
        record_overturn(warehouse, "RC-1", eid, AT.date(), "first")
        record_overturn(warehouse, "RC-1", eid, AT.date(), "retried")
        assert recorded(warehouse) == [("RC-1", eid, AT.date(), "first")]

    def test_an_overturn_retried_after_a_failure_records_once(self, store, warehouse):
        """The record was written, then the operational database failed: overturn again."""
        eid = post_deduction(warehouse)
        case = new_case(store, subject_id="V1", entry=eid)
        transition(store, OPS, case.case_id, CaseState.UNDER_REVIEW, AT, "appeal")
        record_overturn(warehouse, case.case_id, eid, AT.date(), "not brushing")

        overturn(store, OPS, case.case_id, AT, "not brushing", warehouse)

        assert len(recorded(warehouse)) == 1
        assert get_case(store, OPS, case.case_id).state is CaseState.OVERTURNED

    def test_a_case_naming_an_entry_the_journal_lacks_is_not_overturned(self, store, warehouse):
        case = new_case(store, subject_id="V1", entry="f" * 32)
        transition(store, OPS, case.case_id, CaseState.UNDER_REVIEW, AT, "appeal")
        with pytest.raises(NotFound, match="no journal entry"):
            overturn(store, OPS, case.case_id, AT, "typo", warehouse)
        assert get_case(store, OPS, case.case_id).state is CaseState.UNDER_REVIEW
        assert recorded(warehouse) == []

    def test_a_case_that_moved_money_needs_the_warehouse_to_be_overturned(self, store, warehouse):
        case = new_case(store, subject_id="V1", entry=post_deduction(warehouse))
        transition(store, OPS, case.case_id, CaseState.UNDER_REVIEW, AT, "appeal")
        with pytest.raises(InvalidTransition, match="needs the warehouse"):
            overturn(store, OPS, case.case_id, AT, "no warehouse")
        assert get_case(store, OPS, case.case_id).state is CaseState.UNDER_REVIEW

    def test_only_an_overturned_case_has_a_reversal(self, store):
        case = bring_to(store, CaseState.UPHELD)
        with pytest.raises(InvalidTransition, match="only an overturned case"):
            record_reversal(store, OPS, case.case_id, "0" * 32)
