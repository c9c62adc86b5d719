"""Overturned decisions: a risk case overturns the decision behind a journal entry (here a
¥300 deposit deduction for a violation); the ledger reverses it once, and no later close,
with or without refreshed fees, posts it again."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from merchantry.ledger import apply_overturns, entry_id, logical_key, overturn_reversals
from merchantry.ledger.check import check_journal
from tests.ledger.factories import add_category, add_shop, add_violation, balance, close

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))
DEDUCTION = logical_key("deposit_deduction", "V1")
OVERTURNED_ON = date(2026, 3, 20)


@pytest.fixture
def penalised(warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """S1 opens with the ¥500 deposit on 1 March; a violation on 15 March takes ¥300."""
    add_category(warehouse)
    add_shop(warehouse)
    add_violation(warehouse, "V1", "S1", datetime(2026, 3, 15, 10))
    close(warehouse, *MARCH)
    assert balance(warehouse, "merchant_deposit", "S1") == 20_000
    return warehouse


def record_overturn(con: duckdb.DuckDBPyConnection, case_id: str, entry: str) -> None:
    """What the risk stage writes when a reviewer overturns the case."""
    con.execute(
        "INSERT INTO overturned_entries VALUES (?, ?, ?, 'not brushing after all')",
        [case_id, entry, OVERTURNED_ON],
    )


def net_of_event(con: duckdb.DuckDBPyConnection, key: str) -> list[tuple[object, ...]]:
    """Per account, the money the event moved: its entries and their reversals."""
    return con.execute(
        "SELECT p.account, sum(p.amount_fen) FROM journal_postings AS p"
        " JOIN journal_entries AS e USING (entry_id)"
        " WHERE e.logical_key = ? OR e.reverses IN"
        "   (SELECT entry_id FROM journal_entries WHERE logical_key = ?)"
        " GROUP BY p.account ORDER BY p.account",
        [key, key],
    ).fetchall()


def entries_of(con: duckdb.DuckDBPyConnection, key: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT revision, booked_on FROM journal_entries WHERE logical_key = ? ORDER BY revision",
        [key],
    ).fetchall()


def test_an_overturn_is_reversed_once_and_sticks(penalised: duckdb.DuckDBPyConnection) -> None:
    con = penalised
    record_overturn(con, "RC-1", entry_id(DEDUCTION))

    assert apply_overturns(con) == 1
    assert apply_overturns(con) == 0  # nothing new the second time

    assert net_of_event(con, DEDUCTION) == [("merchant_deposit", 0), ("platform_penalties", 0)]
    assert balance(con, "merchant_deposit", "S1") == 50_000
    reversal = overturn_reversals(con)["RC-1"]
    booked = con.execute(
        "SELECT booked_on, reverses FROM journal_entries WHERE entry_id = ?", [reversal]
    ).fetchone()
    assert booked == (OVERTURNED_ON, entry_id(DEDUCTION))
    assert check_journal(con) == []

    again = close(con, *MARCH)
    refreshed = close(con, *MARCH, refresh_fees=True)

    for summary in (again, refreshed):
        assert (summary.result.posted, summary.result.reversed, summary.postings) == (0, 0, 0)
    assert entries_of(con, DEDUCTION) == [(0, date(2026, 3, 15))]  # no new revision
    assert net_of_event(con, DEDUCTION) == [("merchant_deposit", 0), ("platform_penalties", 0)]
    assert check_journal(con) == []


def test_the_next_review_sees_the_deposit_whole(penalised: duckdb.DuckDBPyConnection) -> None:
    """Without the overturn the 8 April review would top the deposit up by ¥300."""
    record_overturn(penalised, "RC-1", entry_id(DEDUCTION))
    apply_overturns(penalised)

    close(penalised, *APRIL)

    kinds = penalised.execute(
        "SELECT kind FROM journal_entries WHERE booked_on >= DATE '2026-04-01'"
    ).fetchall()
    assert kinds == []
    assert balance(penalised, "merchant_deposit", "S1") == 50_000
    assert check_journal(penalised) == []


def test_a_close_applies_an_overturn_recorded_since_the_last_one(
    penalised: duckdb.DuckDBPyConnection,
) -> None:
    record_overturn(penalised, "RC-1", entry_id(DEDUCTION))

    summary = close(penalised, *MARCH)

    assert (summary.result.posted, summary.result.reversed) == (0, 1)
    assert "RC-1" in overturn_reversals(penalised)
    assert apply_overturns(penalised) == 0
    assert net_of_event(penalised, DEDUCTION) == [
        ("merchant_deposit", 0),
        ("platform_penalties", 0),
    ]
    assert check_journal(penalised) == []


def test_an_entry_corrected_since_the_decision_is_reversed_in_its_live_revision(
    penalised: duckdb.DuckDBPyConnection,
) -> None:
    """The violation's date was corrected (revision 1 replaced revision 0); the case still
    names revision 0, and the overturn reverses the money event, i.e. revision 1."""
    penalised.execute(
        "UPDATE violations SET occurred_at = TIMESTAMP '2026-03-16 10:00' WHERE violation_id = 'V1'"
    )
    close(penalised, *MARCH)
    assert entries_of(penalised, DEDUCTION) == [(0, date(2026, 3, 15)), (1, date(2026, 3, 16))]
    record_overturn(penalised, "RC-1", entry_id(DEDUCTION, 0))

    assert apply_overturns(penalised) == 1

    reversed_ = penalised.execute(
        "SELECT reverses FROM journal_entries WHERE entry_id = ?",
        [overturn_reversals(penalised)["RC-1"]],
    ).fetchone()
    assert reversed_ == (entry_id(DEDUCTION, 1),)
    assert net_of_event(penalised, DEDUCTION) == [
        ("merchant_deposit", 0),
        ("platform_penalties", 0),
    ]
    assert check_journal(penalised) == []


def test_an_overturn_naming_no_journal_entry_posts_nothing(
    penalised: duckdb.DuckDBPyConnection,
) -> None:
    record_overturn(penalised, "RC-9", "0" * 32)
    assert apply_overturns(penalised) == 0
    assert check_journal(penalised) == []
