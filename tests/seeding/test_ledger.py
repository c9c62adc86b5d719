"""Seeding payouts and clawbacks through the real close: balanced, once, and taken back."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from merchantry.ledger.check import check_journal
from merchantry.ledger.seeding import post_seeding
from merchantry.service.runner import run_stage
from merchantry.service.stages import seeding_stage
from tests.ledger.factories import (
    TEST_RULEBOOK,
    add_case,
    add_category,
    add_creator,
    add_order,
    add_shop,
    balance,
    close,
)

PAID = datetime(2026, 10, 10, 12, 0)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def _market(con: duckdb.DuckDBPyConnection) -> None:
    """One 100-yuan order of K-S1 by B1, after B1 watched CR1's video and searched it."""
    add_category(con)
    add_shop(con)
    add_creator(con, "CR1")
    add_order(con, "O1", PAID, 10_000)
    con.execute(
        "INSERT INTO creator_videos VALUES ('V1', 'CR1', 'S1', 'K-S1', TIMESTAMP '2026-10-01')"
    )
    con.execute("INSERT INTO video_views VALUES ('VV1', 'V1', 'B1', TIMESTAMP '2026-10-10 10:00')")
    con.execute(
        "INSERT INTO searches VALUES ('SE1', 'B1', 'T恤', TIMESTAMP '2026-10-10 11:00', 'K-S1')"
    )


def _entries(con: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT e.booked_on, p.account, p.party, p.amount_fen, p.rule_id FROM journal_entries e "
        "JOIN journal_postings p USING (entry_id) WHERE e.kind = ? ORDER BY e.booked_on, p.leg",
        [kind],
    ).fetchall()


def test_payout_is_posted_once_and_a_late_refund_clawed_back(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    _market(warehouse)
    outcome = run_stage(warehouse, seeding_stage(), *OCTOBER)
    assert "1 order attributed to 1 creator," in outcome.summary
    close(warehouse, *OCTOBER)
    pay_on = date(2026, 10, 17)  # paid on the 10th + 7 hold days
    assert _entries(warehouse, "seeding_payout") == [
        (pay_on, "platform_subsidy", "seeding-2026", -500, "seeding.payout"),
        (pay_on, "creator_payable", "CR1", 500, "seeding.payout"),
    ]
    again = close(warehouse, *OCTOBER)
    assert again.result.posted == 0
    assert again.result.reversed == 0
    assert balance(warehouse, "creator_payable", "CR1") == 500

    # refunded after the payout: the next seeding run claws it back, the close posts it
    add_case(
        warehouse,
        "AS1",
        "O1",
        PAID + timedelta(days=9),
        10_000,
        closed_at=PAID + timedelta(days=10),
    )
    run_stage(warehouse, seeding_stage(), *OCTOBER)
    close(warehouse, *OCTOBER, refresh_fees=True)
    assert _entries(warehouse, "seeding_clawback") == [
        (date(2026, 10, 20), "creator_payable", "CR1", -500, "seeding.clawback"),
        (date(2026, 10, 20), "platform_subsidy", "seeding-2026", 500, "seeding.clawback"),
    ]
    assert len(_entries(warehouse, "seeding_payout")) == 2  # the payout itself stands
    assert balance(warehouse, "creator_payable", "CR1") == 0
    assert balance(warehouse, "platform_subsidy", "seeding-2026") == 0
    assert check_journal(warehouse) == []
    final = close(warehouse, *OCTOBER)
    assert final.result.posted == 0
    assert final.result.reversed == 0


def test_refund_known_before_the_payout_posts_nothing(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    _market(warehouse)
    add_case(
        warehouse, "AS1", "O1", PAID + timedelta(days=1), 10_000, closed_at=PAID + timedelta(days=2)
    )
    run_stage(warehouse, seeding_stage(), *OCTOBER)
    close(warehouse, *OCTOBER)
    assert _entries(warehouse, "seeding_payout") == []
    assert _entries(warehouse, "seeding_clawback") == []
    assert check_journal(warehouse) == []


def test_a_payout_withdrawn_before_it_was_due_is_reversed(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The close ran with the payout, then a refund closed before the payout date came in
    late: the seeding run drops the order and the next close reverses the posted payout."""
    _market(warehouse)
    run_stage(warehouse, seeding_stage(), *OCTOBER)
    close(warehouse, *OCTOBER)
    add_case(
        warehouse, "AS1", "O1", PAID + timedelta(days=1), 10_000, closed_at=PAID + timedelta(days=2)
    )
    run_stage(warehouse, seeding_stage(), *OCTOBER)
    summary = close(warehouse, *OCTOBER, refresh_fees=True)
    assert summary.result.reversed >= 1
    assert balance(warehouse, "creator_payable", "CR1") == 0
    assert check_journal(warehouse) == []


def test_programs_run_posts_the_payout_once_and_the_close_finds_it_posted(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """`merchantry programs run` (and the demo) post seeding payouts themselves, before any
    close: a second posting adds nothing, and the close of the period changes nothing."""
    _market(warehouse)
    run_stage(warehouse, seeding_stage(), *OCTOBER)
    first = post_seeding(warehouse, TEST_RULEBOOK, *OCTOBER)
    assert (first.posted, first.reversed) == (1, 0)
    assert balance(warehouse, "creator_payable", "CR1") == 500
    again = post_seeding(warehouse, TEST_RULEBOOK, *OCTOBER)
    assert (again.posted, again.reversed, again.unchanged) == (0, 0, 1)
    keys = warehouse.execute("SELECT DISTINCT close_key FROM journal_entries").fetchall()
    assert [key[:8] for (key,) in keys] == ["seeding:"]  # marked as posted apart from a close
    close(warehouse, *OCTOBER)
    assert len(_entries(warehouse, "seeding_payout")) == 2  # one entry, two legs
    assert balance(warehouse, "creator_payable", "CR1") == 500
    assert check_journal(warehouse) == []


def test_a_months_payouts_settle_to_the_creator_on_the_15th_of_the_next(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """Paid out on 17 October: still payable through October, available from 15 November;
    a refund closed on 2 December claws the payout back from the payable, and the December
    settlement (15 January) takes the same amount from the available balance."""
    _market(warehouse)
    run_stage(warehouse, seeding_stage(), *OCTOBER)
    close(warehouse, *OCTOBER)
    assert _entries(warehouse, "seeding_settlement") == []
    assert balance(warehouse, "creator_payable", "CR1") == 500
    november = (date(2026, 11, 1), date(2026, 11, 30))
    close(warehouse, *november)
    assert _entries(warehouse, "seeding_settlement") == [
        (date(2026, 11, 15), "creator_payable", "CR1", -500, "seeding.settlement"),
        (date(2026, 11, 15), "creator_available", "CR1", 500, "seeding.settlement"),
    ]
    assert balance(warehouse, "creator_payable", "CR1") == 0
    assert balance(warehouse, "creator_available", "CR1") == 500
    again = close(warehouse, *november)
    assert (again.result.posted, again.result.reversed) == (0, 0)

    add_case(warehouse, "AS1", "O1", datetime(2026, 12, 1), 10_000, closed_at=datetime(2026, 12, 2))
    run_stage(warehouse, seeding_stage(), *OCTOBER)
    close(warehouse, date(2026, 12, 1), date(2027, 1, 31))
    assert balance(warehouse, "creator_payable", "CR1") == 0  # clawed back, then netted
    assert balance(warehouse, "creator_available", "CR1") == 0
    assert [e[:4] for e in _entries(warehouse, "seeding_settlement")][2:] == [
        (date(2027, 1, 15), "creator_payable", "CR1", 500),
        (date(2027, 1, 15), "creator_available", "CR1", -500),
    ]
    assert check_journal(warehouse) == []
