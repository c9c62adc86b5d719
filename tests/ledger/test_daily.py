"""The daily close: a month closed day by day equals the month closed at once, entry for
entry; an unchanged day (or month) re-closed posts nothing and stages nothing; a changed
day is closed again, with every day after it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings

from merchantry.fees import run_rulebook
from merchantry.kit.errors import InputError, Interrupted, StepFailed
from merchantry.ledger import close_period, settlement
from merchantry.ledger.check import check_journal
from merchantry.ledger.daily import close_days, close_marked
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect
from tests.ledger.bulk import fill
from tests.ledger.factories import journal_dump, ledger_rulebook
from tests.ledger.test_properties import build, histories

START, END = date(2026, 3, 1), date(2026, 3, 31)


def _prepared(path: Path, orders: int = 240, shops: int = 12) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    fill(con, orders=orders, shops=shops)
    run_rulebook(con, ledger_rulebook(), START, END)
    return con


def test_month_closed_day_by_day_equals_month_closed_at_once(tmp_path: Path) -> None:
    monthly = _prepared(tmp_path / "m.duckdb")
    daily = _prepared(tmp_path / "d.duckdb")  # the same rows (the fill is deterministic)
    book = ledger_rulebook()

    at_once = close_period(monthly, book, START, END)
    days = close_days(daily, book, START, END)

    assert len(days) == 31
    assert at_once.postings > 1_000  # sales, refunds, compensation, settlements, deposits
    kinds = {k.kind for k in at_once.kinds}
    assert {"sale", "refund", "settlement", "deposit_opening"} <= kinds
    assert sum(d.postings for d in days) == at_once.postings
    assert journal_dump(daily) == journal_dump(monthly)
    # the schedule each side left is the same too (status aside: it is relative to the end)
    schedule = (
        "SELECT order_id, receipt_on, settle_on, commission_settle_on, held_by "
        "FROM order_payouts ORDER BY order_id"
    )
    assert daily.execute(schedule).fetchall() == monthly.execute(schedule).fetchall()


def test_unchanged_days_and_months_are_not_closed_again(tmp_path: Path) -> None:
    con = _prepared(tmp_path / "w.duckdb")
    book = ledger_rulebook()
    end = date(2026, 3, 15)
    first = close_days(con, book, START, end)
    before = journal_dump(con)
    assert not any(d.unchanged_inputs for d in first)

    again = close_days(con, book, START, end)
    assert len(again) == 15
    assert all(d.unchanged_inputs and d.postings == 0 for d in again)
    forced = close_days(con, book, date(2026, 3, 10), date(2026, 3, 12), force=True)
    assert [d.postings for d in forced] == [0, 0, 0]  # staged in full, still nothing new
    assert not any(d.unchanged_inputs for d in forced)
    assert journal_dump(con) == before

    period = close_marked(con, book, START, end)
    assert not period.unchanged_inputs  # the period's first mark
    assert period.postings == 0
    assert close_marked(con, book, START, end).unchanged_inputs
    assert journal_dump(con) == before


LATE_CASE = (
    "INSERT INTO after_sales (case_id, order_id, requested_at, type, reason_code, amount_fen,"
    " compensation_fen, outcome, responsible_party, closed_at, escalated)"
    " SELECT 'LATE', min(order_id), TIMESTAMP '2026-03-11 10:00:00', 'refund_only', 'quality',"
    " 100, 0, 'approved', 'merchant', TIMESTAMP '2026-03-12 10:00:00', false FROM orders"
    " WHERE CAST(paid_at AS DATE) = DATE '2026-03-02'"
    " AND order_id NOT IN (SELECT order_id FROM after_sales)"
)
"""A late refund, requested on the 11th and approved on the 12th, for an order paid on the 2nd."""


def test_a_changed_day_is_closed_again_with_the_days_after_it(tmp_path: Path) -> None:
    end = date(2026, 3, 15)
    con = _prepared(tmp_path / "w.duckdb")
    book = ledger_rulebook()
    close_days(con, book, START, end)
    con.execute(LATE_CASE)
    run_rulebook(con, book, START, END)
    again = close_days(con, book, START, end)
    skipped = [d.start.day for d in again if d.unchanged_inputs]
    assert skipped == list(range(1, 11))  # the 11th (request) and every day after run
    assert sum(d.postings for d in again) > 0
    refund = con.execute(
        "SELECT booked_on, sum(amount_fen) FILTER (WHERE account = 'buyers') "
        "FROM journal_postings WHERE entry_id IN (SELECT entry_id FROM journal_entries "
        "WHERE source_id = 'LATE') GROUP BY booked_on"
    ).fetchall()
    assert refund == [(date(2026, 3, 12), 100)]

    # and the journal is what closing the changed period at once gives
    fresh = _prepared(tmp_path / "fresh.duckdb")
    fresh.execute(LATE_CASE)
    run_rulebook(fresh, book, START, END)
    close_period(fresh, book, START, end)
    assert journal_dump(fresh) == journal_dump(con)


NAMED_ON: Final = (
    # one order of the 5th sells a new SKU of its shop, one of the 3rd is the creator's
    "INSERT INTO products (sku_id, shop_id, category_id, title, price_fen)"
    " SELECT 'KX', shop_id, 'C1', '新品', 12000 FROM orders WHERE order_id = (SELECT"
    " min(order_id) FROM orders WHERE CAST(paid_at AS DATE) = DATE '2026-03-05')",
    "INSERT INTO creators (creator_id, name, tier, followers) VALUES ('RX', '达人', 'B', 5000)",
    "UPDATE orders SET sku_id = 'KX' WHERE order_id = (SELECT min(order_id) FROM orders"
    " WHERE CAST(paid_at AS DATE) = DATE '2026-03-05')",
    "UPDATE orders SET creator_id = 'RX' WHERE order_id = (SELECT min(order_id) FROM orders"
    " WHERE CAST(paid_at AS DATE) = DATE '2026-03-03')",
)
"""A SKU first sold on the 5th and a creator first named by an order of the 3rd (the
orders are paid from the 1st to the 7th)."""

LISTED_LATER: Final = (
    "INSERT INTO products (sku_id, shop_id, category_id, title, price_fen)"
    " SELECT 'KN' || i, 'S' || i, 'C1', '新品', 9900 FROM range(5) t(i)",
    "INSERT INTO creators (creator_id, name, tier, followers)"
    " SELECT 'RN' || i, '新达人', 'C', 100 FROM range(5) t(i)",
)
"""Products listed and creators signed after the days were closed, named by no order yet."""


def test_products_listed_and_creators_signed_later_leave_closed_days_unchanged(
    tmp_path: Path,
) -> None:
    """A day's digest holds the products and creators its own orders (and creator
    violations) name, not the whole catalogue: SKUs listed and creators signed after the
    days were closed leave every day unchanged; an edit of a product or a creator makes the
    day that first names it run again, with every day after it, and no day before."""
    end = date(2026, 3, 15)
    con = _prepared(tmp_path / "w.duckdb")
    for sql in NAMED_ON:
        assert con.execute(sql).fetchone() == (1,)
    book = ledger_rulebook()
    run_rulebook(con, book, START, END)
    close_days(con, book, START, end)
    before = journal_dump(con)

    for sql in LISTED_LATER:
        con.execute(sql)
    again = close_days(con, book, START, end)
    assert all(d.unchanged_inputs and d.postings == 0 for d in again)
    assert journal_dump(con) == before

    con.execute("UPDATE products SET title = '新品（改）' WHERE sku_id = 'KX'")
    skipped = [d.start.day for d in close_days(con, book, START, end) if d.unchanged_inputs]
    assert skipped == list(range(1, 5))  # the 5th names the SKU: it and every day after run

    con.execute("UPDATE creators SET followers = 6000 WHERE creator_id = 'RX'")
    skipped = [d.start.day for d in close_days(con, book, START, end) if d.unchanged_inputs]
    assert skipped == [1, 2]
    assert journal_dump(con) == before  # a title and a follower count move no money here


ONLY_MOVED: Final = """
SELECT DISTINCT order_id FROM logistics_events
WHERE CAST(event_at AS DATE) = $day AND event IN ('shipped', 'picked_up')
EXCEPT (
  SELECT order_id FROM orders WHERE CAST(paid_at AS DATE) = $day
  UNION SELECT order_id FROM logistics_events
        WHERE CAST(event_at AS DATE) = $day AND event IN ('delivered', 'receipt_confirmed')
  UNION SELECT order_id FROM after_sales
        WHERE CAST(requested_at AS DATE) = $day OR CAST(closed_at AS DATE) = $day
  UNION SELECT order_id FROM fee_lines WHERE accrued_on = $day
  UNION SELECT order_id FROM order_payouts
        WHERE $day IN (settle_on, commission_settle_on, install_released_on)
)
"""
"""Orders whose only event on ``$day`` is a shipment or a pick-up (written out here, apart
from the close's own query)."""


def test_an_order_only_shipped_or_picked_up_on_a_day_is_not_rescheduled(tmp_path: Path) -> None:
    """A shipment or a pick-up moves no money and no settlement date: the day's close leaves
    such an order's stored schedule alone, and still reschedules the delivered ones."""
    con = _prepared(tmp_path / "w.duckdb")
    book = ledger_rulebook()
    day = date(2026, 3, 5)  # the fill's orders are paid March 1-7
    close_days(con, book, START, day - timedelta(days=1))
    con.execute(
        "INSERT INTO logistics_events (order_id, event, event_at) SELECT order_id, 'picked_up',"
        " event_at + INTERVAL 1 DAY FROM logistics_events WHERE event = 'shipped'"
        " AND CAST(event_at AS DATE) = ?",
        [day - timedelta(days=1)],
    )
    run_sql(con, settlement.TOUCHED, {"start": day, "end": day, "rulebook": book.name})
    touched = {r[0] for r in con.execute("SELECT order_id FROM ledger_touched").fetchall()}
    only_moved = {r[0] for r in run_sql(con, ONLY_MOVED, {"day": day}).fetchall()}
    delivered = {
        r[0]
        for r in con.execute(
            "SELECT order_id FROM logistics_events WHERE CAST(event_at AS DATE) = ?"
            " AND event IN ('delivered', 'receipt_confirmed')",
            [day],
        ).fetchall()
    }
    assert only_moved  # the fill ships parcels on that day (with the pick-ups planted)
    assert delivered  # and delivers some
    assert not only_moved & touched
    assert delivered <= touched


@pytest.mark.parametrize("look_back", [2, 92])
def test_a_day_touching_an_order_paid_before_its_look_back_reads_that_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, look_back: int
) -> None:
    """A day's close reads orders, parcel events and cases from the first payment day of the
    orders it touches, which it looks for first among the orders paid in the
    ``LOOK_BACK_DAYS`` before the day. The late refund of an order paid on the 2nd, closed on
    the 12th, is beyond a look-back of two days and within one of 92: either way that day
    reads from the 2nd, and the days equal the period closed at once."""
    monkeypatch.setattr(settlement, "LOOK_BACK_DAYS", look_back)
    end, day = date(2026, 3, 15), date(2026, 3, 12)
    book = ledger_rulebook()
    daily = _prepared(tmp_path / "d.duckdb")
    daily.execute(LATE_CASE)
    run_rulebook(daily, book, START, END)
    close_days(daily, book, START, end)

    run_sql(daily, settlement.TOUCHED, {"start": day, "end": day, "rulebook": book.name})
    first = daily.execute(
        "SELECT min(CAST(paid_at AS DATE)) FROM orders"
        " WHERE order_id IN (SELECT order_id FROM ledger_touched)"
    ).fetchone()
    assert first == (date(2026, 3, 2),)  # the late case's order, the oldest touched
    assert settlement.touched_paid_from(daily, day, day) == first[0]

    monthly = _prepared(tmp_path / "m.duckdb")
    monthly.execute(LATE_CASE)
    run_rulebook(monthly, book, START, END)
    close_period(monthly, book, START, end)
    assert journal_dump(daily) == journal_dump(monthly)


@pytest.mark.slow
@settings(
    max_examples=3,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Orders of a few fen carry no fee line under the test rulebook, and the close then asks for
# fees first (its own check); the property is about day-by-day against at-once, so it keeps
# orders of ¥10 and more.
@given(history=histories.filter(lambda h: all(o.goods_fen >= 1_000 for o in h[0])))
def test_property_daily_equals_monthly(tmp_path_factory: pytest.TempPathFactory, history) -> None:  # type: ignore[no-untyped-def]
    """Random small histories: closing day by day posts what closing at once posts."""
    folder = tmp_path_factory.mktemp("daily")
    book = ledger_rulebook()
    end = START + timedelta(days=20)
    sides = []
    for name in ("month", "days"):
        con = connect(folder / f"{name}.duckdb")
        build(con, history)
        run_rulebook(con, book, START, END)  # fees for every order the history holds
        sides.append(con)
    close_period(sides[0], book, START, end)
    close_days(sides[1], book, START, end)
    assert journal_dump(sides[1]) == journal_dump(sides[0])


def test_a_day_closed_before_the_days_behind_it_says_so(tmp_path: Path) -> None:
    """Closing March 12 first: orders were paid from March 1 and nothing closed them, so the
    day's close posts the day's own events but settles nothing for the orders falling due
    (their sales were never posted), and says so; closed after the days before, it does not."""
    book = ledger_rulebook()
    day = date(2026, 3, 12)
    full = _prepared(tmp_path / "f.duckdb")
    days = close_days(full, book, START, day)
    assert not [w for d in days for w in d.warnings if "covers the days before" in w]
    settled = "SELECT count(*) FROM journal_entries WHERE kind = 'settlement' AND booked_on = ?"
    assert full.execute(settled, [day]).fetchone() != (0,)

    alone = _prepared(tmp_path / "a.duckdb")
    [summary] = close_days(alone, book, day, day)
    assert summary.warnings[0] == (
        f"no close under {book.name} covers the days before 2026-03-12 though orders were "
        "paid from 2026-03-01: what those days owe is not posted, and their orders falling "
        "due now are not settled (close from 2026-03-01 first)"
    )
    assert summary.postings > 0  # the day's own payments are posted
    assert alone.execute(settled, [day]).fetchone() == (0,)
    # closed from the first payment day on, the warning is gone, March 12 included
    again = close_days(alone, book, START, day)
    assert not [w for d in again for w in d.warnings if "covers the days before" in w]
    assert alone.execute(settled, [day]).fetchone() == full.execute(settled, [day]).fetchone()


def test_a_period_closed_before_the_days_behind_it_counts_the_sales_never_posted(
    tmp_path: Path,
) -> None:
    """March 12 closed at once as a period, with nothing closed before: the orders falling due
    that day (as many as the daily run scheduled for it) were paid earlier, their sales never
    posted; the close counts them."""
    book = ledger_rulebook()
    day = date(2026, 3, 12)
    full = _prepared(tmp_path / "f.duckdb")
    close_days(full, book, START, day)
    row = full.execute("SELECT count(*) FROM order_payouts WHERE settle_on = ?", [day]).fetchone()
    assert row is not None
    due = int(row[0])
    assert due > 0

    alone = _prepared(tmp_path / "a.duckdb")
    summary = close_period(alone, book, day, day)
    assert f"{due:,} orders settle in the period but their sale was never posted" in " ".join(
        summary.warnings
    )


def _progress_stopping_in(day: date, closed: list[date]):  # type: ignore[no-untyped-def]
    """A progress callback that raises Ctrl-C's ``KeyboardInterrupt`` at the first step of
    ``day``'s close, as a user pressing Ctrl-C while that day runs would."""

    def progress(_text: str) -> None:
        if closed and closed[-1] == day - timedelta(days=1):
            raise KeyboardInterrupt

    return progress


def test_ctrl_c_in_a_day_keeps_the_days_before_it_and_says_so(tmp_path: Path) -> None:
    book = ledger_rulebook()
    con = _prepared(tmp_path / "w.duckdb")
    closed: list[date] = []
    stop = date(2026, 3, 5)
    with pytest.raises(Interrupted) as caught:
        close_days(
            con,
            book,
            START,
            date(2026, 3, 8),
            progress=_progress_stopping_in(stop, closed),
            on_day=lambda s: closed.append(s.start),
        )
    assert closed == [START + timedelta(days=i) for i in range(4)]
    assert str(caught.value) == (
        "interrupted while closing 2026-03-05: 2026-03-01 to 2026-03-04 stay closed; "
        "2026-03-05 was not committed; run the same command again to go on "
        "(the closed days are skipped)"
    )
    assert caught.value.exit_code == 130
    marks = con.execute("SELECT start_on FROM ledger_close_marks ORDER BY 1").fetchall()
    assert [m for (m,) in marks] == closed  # the 5th left no mark

    reference = _prepared(tmp_path / "r.duckdb")  # the same four days closed undisturbed
    close_days(reference, book, START, date(2026, 3, 4))
    assert journal_dump(con) == journal_dump(reference)

    again = close_days(con, book, START, date(2026, 3, 8))  # going on: the four are skipped
    assert [d.unchanged_inputs for d in again] == [True] * 4 + [False] * 4
    close_days(reference, book, date(2026, 3, 5), date(2026, 3, 8))
    assert journal_dump(con) == journal_dump(reference)


def test_ctrl_c_in_the_first_day_says_nothing_was_committed(tmp_path: Path) -> None:
    con = _prepared(tmp_path / "w.duckdb")

    def progress(_text: str) -> None:
        raise KeyboardInterrupt

    with pytest.raises(Interrupted, match=r"^interrupted while closing 2026-03-01: nothing"):
        close_days(con, ledger_rulebook(), START, date(2026, 3, 3), progress=progress)
    assert con.execute("SELECT count(*) FROM journal_entries").fetchone() == (0,)


def test_a_day_that_fails_is_named_with_the_days_that_stay_closed(tmp_path: Path) -> None:
    con = _prepared(tmp_path / "w.duckdb")
    con.execute(  # the 3rd's fee lines are lost: its close is refused
        "DELETE FROM fee_lines WHERE order_id IN "
        "(SELECT order_id FROM orders WHERE CAST(paid_at AS DATE) = DATE '2026-03-03')"
    )
    with pytest.raises(StepFailed) as caught:
        close_days(con, ledger_rulebook(), START, date(2026, 3, 6))
    text = str(caught.value)
    assert text.startswith("closing 2026-03-03: ")
    assert "fee" in text  # the cause's own words
    assert text.endswith("(2026-03-01 to 2026-03-02 stay closed; 2026-03-03 was not committed)")
    assert caught.value.exit_code == InputError.exit_code
    marks = con.execute("SELECT start_on FROM ledger_close_marks ORDER BY 1").fetchall()
    assert [m for (m,) in marks] == [START, date(2026, 3, 2)]


BY_DAY = (
    "SELECT account, party, booked_on, entry_kind, sum(amount_fen), {n} FROM {table}"
    " GROUP BY ALL ORDER BY ALL"
)


def _sums(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[object, ...]]:
    n = "count(*)" if table == "journal_postings" else "sum(postings)"
    return con.execute(BY_DAY.format(table=table, n=n)).fetchall()


def test_the_movements_sum_the_postings_through_corrections(tmp_path: Path) -> None:
    """Every posting the days write, reversals included, is summed into ``journal_movements``
    in its day's transaction; a warehouse made before the table existed gets it filled from
    its postings when next opened."""
    end = date(2026, 3, 15)
    con = _prepared(tmp_path / "w.duckdb")
    book = ledger_rulebook()
    close_days(con, book, START, end)
    con.execute(LATE_CASE)  # a late refund of an order paid on the 2nd
    con.execute(  # and an order of the 3rd whose amount was corrected: its sale is reversed
        "UPDATE orders SET amount_paid_fen = amount_paid_fen + 100 WHERE order_id ="
        " (SELECT min(order_id) FROM orders WHERE CAST(paid_at AS DATE) = DATE '2026-03-03')"
    )
    run_rulebook(con, book, START, END)
    close_days(con, book, START, end)
    reversed_kinds = con.execute(
        "SELECT DISTINCT entry_kind FROM journal_postings WHERE entry_id IN"
        " (SELECT entry_id FROM journal_entries WHERE kind = 'reversal')"
    ).fetchall()
    assert reversed_kinds  # the correction was posted as reversals
    postings = _sums(con, "journal_postings")
    assert len(postings) > 100
    assert _sums(con, "journal_movements") == postings
    # one row per day's batch, not per posting
    rows = con.execute("SELECT count(*) FROM journal_movements").fetchone()
    total = con.execute("SELECT count(*) FROM journal_postings").fetchone()
    assert rows is not None
    assert total is not None
    assert rows[0] * 2 < total[0]

    con.execute("DROP TABLE journal_movements")  # as a warehouse made before it existed
    con.close()
    reader = connect(tmp_path / "w.duckdb", read_only=True)  # cannot fill it: reads a view
    assert _sums(reader, "journal_movements") == postings
    assert check_journal(reader) == []
    reader.close()
    reopened = connect(tmp_path / "w.duckdb")
    assert _sums(reopened, "journal_movements") == postings
    assert reopened.execute(
        "SELECT table_type FROM information_schema.tables WHERE table_name = 'journal_movements'"
    ).fetchall() == [("BASE TABLE",)]
    assert close_days(reopened, book, START, end)[-1].unchanged_inputs


def test_days_of_a_second_month_read_its_opening_balances_and_equal_the_months_at_once(
    tmp_path: Path,
) -> None:
    """March and the first half of April closed day by day: April's days read their
    balances (the top-ups of the review on the 8th) from April's opening balances, which
    the first April day made; the journal equals the same days closed at once, which had
    no opening balances to read, and the opening balances agree with the movements."""
    end = date(2026, 4, 15)
    monthly = _prepared(tmp_path / "m.duckdb")
    daily = _prepared(tmp_path / "d.duckdb")
    book = ledger_rulebook()
    close_period(monthly, book, START, end)
    close_days(daily, book, START, end)
    assert monthly.execute("SELECT count(*) FROM journal_balances").fetchone() == (0,)
    opened = daily.execute(
        "SELECT as_of, count(*) FROM journal_balances WHERE opening GROUP BY as_of"
    ).fetchall()
    assert [day for day, _ in opened] == [date(2026, 4, 1)]
    assert opened[0][1] > 0
    topups = daily.execute(
        "SELECT count(*) FROM journal_entries WHERE kind = 'deposit_topup'"
        " AND booked_on = DATE '2026-04-08'"
    ).fetchone()
    assert topups is not None
    assert topups[0] > 0  # the review on the 8th drew on April's
    assert journal_dump(daily) == journal_dump(monthly)
    assert check_journal(daily) == []
