"""The creator's reserve and freeze closed day by day: the days a hold ends read only the
entries booked in their hold window (``ledger.reserve.HELD_ENTRIES``), and post what the
same months closed at once post."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from merchantry.fees import run_rulebook
from merchantry.ledger import close_period
from merchantry.ledger.daily import close_days
from merchantry.rulebook.checker import load_rulebook
from merchantry.store.warehouse import connect, ensure_schema
from tests.fees.market import Market, insert
from tests.ledger.factories import journal_dump

FIRST, LAST = date(2026, 6, 1), date(2026, 12, 31)
RELEASED, THAWED = date(2026, 7, 2), date(2026, 12, 17)
"""The reserve of a commission settled on 06-17 is released 15 days later; the commission
frozen by a violation on 06-20 is given back 180 days later."""


def _market(path: Path) -> duckdb.DuckDBPyConnection:
    """Two B-rated creators' ¥62,500 sales at 20% commission, paid 06-01, received 06-02 (their
    commission settles on 06-17), and the second creator's violation on 06-20."""
    con = connect(path)
    ensure_schema(con)
    market = Market(con)
    reserved, frozen = market.creator("B"), market.creator("B")
    for creator in (reserved, frozen):
        order = market.order(
            market.shop(),
            creator=creator,
            commission_bp=2_000,
            goods=6_250_000,
            paid_at=datetime(2026, 6, 1, 10),
        )
        market.confirm_receipt(order, after=timedelta(days=1))
    insert(
        con,
        "creator_violations",
        {
            "violation_id": "CV1",
            "creator_id": frozen,
            "kind": "false_promotion",
            "occurred_at": datetime(2026, 6, 20, 9),
        },
    )
    run_rulebook(con, load_rulebook("douyin-2026"), FIRST, LAST)
    return con


def _booked(con: duckdb.DuckDBPyConnection, kind: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT booked_on, sum(amount_fen) FILTER (WHERE amount_fen > 0) FROM journal_postings"
        " WHERE entry_kind = ? GROUP BY booked_on ORDER BY booked_on",
        [kind],
    ).fetchall()


def test_holds_ending_on_days_closed_one_by_one_equal_the_months_closed_at_once(
    tmp_path: Path,
) -> None:
    book = load_rulebook("douyin-2026")
    at_once = _market(tmp_path / "at-once.duckdb")
    close_period(at_once, book, FIRST, LAST)

    mixed = _market(tmp_path / "mixed.duckdb")  # the same rows (the market's ids are counted)
    close_period(mixed, book, FIRST, RELEASED - timedelta(days=2))
    days = close_days(mixed, book, RELEASED - timedelta(days=1), RELEASED + timedelta(days=1))
    close_period(mixed, book, RELEASED + timedelta(days=2), THAWED - timedelta(days=2))
    days += close_days(mixed, book, THAWED - timedelta(days=1), THAWED + timedelta(days=1))
    close_period(mixed, book, THAWED + timedelta(days=2), LAST)

    # each hold ends on its day, in a day's close of that day alone
    assert _booked(mixed, "commission_reserve_release") == [(RELEASED, 2 * 56_250)]  # 5% each
    assert _booked(mixed, "commission_unfreeze") == [(THAWED, 1_068_750)]
    closed_alone = {d.start: {k.kind for k in d.kinds} for d in days}
    assert "commission_reserve_release" in closed_alone[RELEASED]
    assert "commission_unfreeze" in closed_alone[THAWED]
    assert journal_dump(mixed) == journal_dump(at_once)


def test_a_freeze_after_months_of_history_takes_the_balance_those_months_left(
    tmp_path: Path,
) -> None:
    """A freeze reads the creator's available commission from the month's opening balances
    and the movements since. The reserved creator of :func:`_market` settles 1,125,000 fen
    (¥62,500 × 20%, less the 10% creator fee) on 06-17, 56,250 of it held until 07-02; a
    violation on 08-10, closed day by day after June and July were closed at once, freezes
    all 1,125,000: every fen booked in the months before August's opening balances."""
    book = load_rulebook("douyin-2026")
    con = _market(tmp_path / "history.duckdb")
    reserved = con.execute(
        "SELECT creator_id FROM orders WHERE creator_id IS NOT NULL ORDER BY order_id LIMIT 1"
    ).fetchone()
    assert reserved is not None
    insert(
        con,
        "creator_violations",
        {
            "violation_id": "CV2",
            "creator_id": reserved[0],
            "kind": "false_promotion",
            "occurred_at": datetime(2026, 8, 10, 9),
        },
    )
    close_period(con, book, date(2026, 6, 1), date(2026, 6, 30))
    close_period(con, book, date(2026, 7, 1), date(2026, 7, 31))
    close_days(con, book, date(2026, 8, 1), date(2026, 8, 12))
    openings = con.execute("SELECT DISTINCT as_of FROM journal_balances ORDER BY as_of").fetchall()
    assert (date(2026, 8, 1),) in openings  # the freeze read August's opening balances
    frozen = con.execute(
        "SELECT booked_on, amount_fen FROM journal_postings"
        " WHERE entry_kind = 'commission_freeze' AND account = 'creator_frozen' AND party = ?",
        [reserved[0]],
    ).fetchall()
    assert frozen == [(date(2026, 8, 10), 1_125_000)]
    left = con.execute(
        "SELECT sum(amount_fen) FROM journal_postings"
        " WHERE account = 'creator_available' AND party = ? AND booked_on <= DATE '2026-08-10'",
        [reserved[0]],
    ).fetchone()
    assert left == (0,)


def test_a_freeze_takes_the_seeding_money_settled_before_it_on_the_first_close(
    tmp_path: Path,
) -> None:
    """The frozen creator of :func:`_market` also had ¥300 of seeding incentive settled into
    its available balance on 06-15, before its violation on 06-20. The freeze reads the
    available balance on the violation's day, so the close posts the seeding entries before
    the creator holds: the first close freezes the seeding money with the commission, and a
    second close of the same months restates nothing (before, the seeding settlement was
    posted after the freezes, and the re-close reversed the freeze and froze more)."""
    book = load_rulebook("douyin-2026")
    con = _market(tmp_path / "seeded.duckdb")
    row = con.execute("SELECT creator_id FROM creator_violations WHERE violation_id = 'CV1'")
    [(creator,)] = row.fetchall()
    insert(
        con,
        "seeding_payouts",
        {
            "rulebook": "seeding-2026",
            "creator_id": creator,
            "pay_on": date(2026, 5, 20),
            "orders": 1,
            "videos": 1,
            "amount_fen": 30_000,
            "rule_id": "seeding.test-payout",
        },
    )
    insert(
        con,
        "seeding_settlements",
        {
            "rulebook": "seeding-2026",
            "creator_id": creator,
            "month": date(2026, 5, 1),
            "settle_on": date(2026, 6, 15),
            "payout_fen": 30_000,
            "clawback_fen": 0,
            "amount_fen": 30_000,
            "rule_id": "seeding.test-settlement",
        },
    )
    first = close_period(con, book, date(2026, 5, 1), date(2026, 6, 30))
    frozen = con.execute(
        "SELECT booked_on, amount_fen FROM journal_postings"
        " WHERE entry_kind = 'commission_freeze' AND account = 'creator_frozen' AND party = ?",
        [creator],
    ).fetchall()
    # the commission settled 06-17 less its 5% reserve (1,068,750), and the ¥300 of seeding
    assert frozen == [(date(2026, 6, 20), 1_068_750 + 30_000)]
    again = close_period(con, book, date(2026, 5, 1), date(2026, 6, 30))
    assert first.result.posted > 0
    assert (again.result.posted, again.result.reversed) == (0, 0)
