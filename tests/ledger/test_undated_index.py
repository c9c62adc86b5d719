"""The journal's index of entries posted without their order's payment day
(``journal_undated``): the close keeps it, the look-ups read the entries without a day only
when it holds some, and the checks catch it wrong."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from merchantry.kit.errors import IntegrityError
from merchantry.ledger import journal
from merchantry.ledger.check import UNDATED_DISAGREE, check_journal
from merchantry.model.outputs import ANCHORED_KINDS
from merchantry.store.warehouse import connect
from tests.ledger.factories import close as close_with_fees
from tests.ledger.test_shops_index import _market

MARCH = (date(2026, 3, 1), date(2026, 3, 31))

ANCHORED_UNDATED = (
    "SELECT count(*) FROM journal_entries WHERE order_paid_on IS NULL AND kind IN ("
    + ", ".join(f"'{k}'" for k in sorted(ANCHORED_KINDS))
    + ")"
)
"""The oracle, asked of the entries themselves: entries of kinds that carry a payment day
posted without one."""


def _undated(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(ANCHORED_UNDATED).fetchone()
    return int(row[0]) if row else 0


def _indexed(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return sorted(
        (str(e), str(k))
        for e, k in con.execute("SELECT entry_id, kind FROM journal_undated").fetchall()
    )


def _without_days(monkeypatch: pytest.MonkeyPatch) -> None:
    """The close's order events staged as a stage that does not know the orders' payment
    days would stage them (as if the schedule held none of the orders)."""
    monkeypatch.setattr(journal, "READY_ANCHORED", journal.READY)


def test_a_close_that_knows_every_orders_day_leaves_the_index_empty(tmp_path: Path) -> None:
    con = _market(tmp_path / "w.duckdb")
    close_with_fees(con, *MARCH)
    posted = con.execute(
        "SELECT count(*) FROM journal_entries WHERE order_paid_on IS NOT NULL"
    ).fetchone()
    assert posted is not None
    assert posted[0] > 0
    assert _undated(con) == 0
    assert _indexed(con) == []
    assert check_journal(con) == []
    assert not journal.reads_undated(con, date(2026, 3, 2), date(2026, 3, 7))
    assert journal.reads_undated(con, *journal.ALL_DAYS)  # some looked-up entry has no day
    assert journal.reads_undated(con, None, None)  # none has one


def test_entries_posted_without_their_day_are_indexed_and_found_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close whose stages do not know the orders' days posts them undated and indexes
    every one, and from then on the look-ups of any span read the entries without a day;
    the same month closed again with the days known posts nothing again. (That a look-up
    left without them would miss an earlier revision booked outside its period is shown by
    ``test_anchored_look_ups_find_every_revision_whatever_payment_day_it_carries``.)"""
    con = _market(tmp_path / "w.duckdb")
    with monkeypatch.context() as m:
        _without_days(m)
        close_with_fees(con, *MARCH)
    undated = _undated(con)
    assert undated > 0
    assert len(_indexed(con)) == undated
    assert check_journal(con) == []
    assert journal.reads_undated(con, date(2026, 3, 2), date(2026, 3, 7))
    entries = con.execute("SELECT count(*) FROM journal_entries").fetchone()
    close_with_fees(con, *MARCH)  # the days known now; the events are the same
    assert con.execute("SELECT count(*) FROM journal_entries").fetchone() == entries
    assert check_journal(con) == []


def test_an_index_emptied_behind_the_journals_back_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = _market(tmp_path / "w.duckdb")
    with monkeypatch.context() as m:
        _without_days(m)
        close_with_fees(con, *MARCH)
    lost = _indexed(con)[:2]
    con.execute("DELETE FROM journal_undated WHERE entry_id IN (?, ?)", [e for e, _ in lost])
    con.execute("INSERT INTO journal_undated VALUES ('nowhere', 'nowhere', 'sale')")
    problems = [p for p in check_journal(con) if p.code == "undated-index-disagrees"]
    assert len(problems) == 1
    assert problems[0].count == 3
    assert set(problems[0].ids) == {e for e, _ in lost} | {"nowhere"}


def test_a_close_that_leaves_an_undated_entry_out_of_the_index_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = _market(tmp_path / "w.duckdb")
    _without_days(monkeypatch)
    for inserts in ("FRESH", "INSERTS"):  # a journal that forgets the index
        forgotten = getattr(journal, inserts)._replace(undated="SELECT 1")
        monkeypatch.setattr(journal, inserts, forgotten)
    with pytest.raises(IntegrityError, match="undated-index-disagrees: entries the close posted"):
        close_with_fees(con, *MARCH)
    assert con.execute("SELECT count(*) FROM journal_entries").fetchone() == (0,)


def test_a_warehouse_made_before_the_index_gets_it_from_its_entries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Dropped (as in a warehouse made before it existed), the index is a view of the same
    query on a read-only connection and is derived when the warehouse is opened for
    writing; one made before the entries carried a day at all gets the days from its
    orders first, then an index of what is still undated (nothing: every order is held)."""
    path = tmp_path / "w.duckdb"
    con = _market(path)
    with monkeypatch.context() as m:
        _without_days(m)
        close_with_fees(con, *MARCH)
    kept = _indexed(con)
    assert kept
    con.execute("DROP TABLE journal_undated")
    con.close()
    reader = connect(path, read_only=True)
    assert _indexed(reader) == kept
    assert reader.execute(UNDATED_DISAGREE).fetchall() == []
    reader.close()
    reopened = connect(path)
    assert _indexed(reopened) == kept
    assert check_journal(reopened) == []
    reopened.execute("DROP TABLE journal_undated")
    reopened.execute("DROP TABLE journal_dayless")  # newer still than the indexes' days
    reopened.execute("ALTER TABLE journal_postings DROP COLUMN order_paid_on")
    reopened.execute("ALTER TABLE journal_entries DROP COLUMN order_paid_on")
    reopened.close()
    older = connect(path, read_only=True)  # no column to read the days from: no view
    assert [p.code for p in check_journal(older)] == []
    older.close()
    filled = connect(path)
    try:
        assert _undated(filled) == 0
        assert _indexed(filled) == []
        assert check_journal(filled) == []
    finally:
        filled.close()


def test_a_posting_the_settlement_would_miss_is_named(tmp_path: Path) -> None:
    """A posting about an order on an account the settlements sum per order, with no
    payment day and not indexed (no kind writes one: a kind that did would have its money
    left out of the order's settlement while the index is empty), is named by
    ``ledger-check``; the same posting on an account no settlement sums is not."""
    con = _market(tmp_path / "w.duckdb")
    close_with_fees(con, *MARCH)
    assert check_journal(con) == []
    for entry, account in (("E-pending", "merchant_pending"), ("E-subsidy", "platform_subsidy")):
        con.execute(
            "INSERT INTO journal_postings (entry_id, leg, account, party, booked_on, order_id,"
            " amount_fen, rule_id, entry_kind, order_paid_on)"
            " VALUES (?, 1, ?, 'S1', DATE '2026-03-20', 'OS1a', 5, 'r', 'reward', NULL)",
            [entry, account],
        )
    found = [p for p in check_journal(con) if p.code == "undated-settled-posting"]
    assert [(p.ids, p.count) for p in found] == [(("E-pending",), 1)]


DAYLESS = "SELECT count(*) FROM journal_entries WHERE order_paid_on IS NULL"
"""The oracle for the headers, asked of the entries: every entry without a payment day."""


def _headers(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return sorted(
        con.execute(
            "SELECT entry_id, logical_key, kind, booked_on, rulebook, signature, reverses"
            " FROM journal_dayless"
        ).fetchall(),
        key=str,
    )


def test_a_close_holds_the_header_of_every_entry_it_posts_without_a_day(tmp_path: Path) -> None:
    """A month's close posts deposits (no payment day) beside its order events: the headers
    hold exactly those entries, as the entries themselves say, and no order event."""
    con = _market(tmp_path / "w.duckdb")
    close_with_fees(con, *MARCH)
    dayless = con.execute(DAYLESS).fetchone()
    assert dayless is not None
    assert dayless[0] > 0
    assert len(_headers(con)) == dayless[0]
    kinds = {str(k) for (k,) in con.execute("SELECT DISTINCT kind FROM journal_dayless").fetchall()}
    assert kinds
    assert not kinds & ANCHORED_KINDS
    assert check_journal(con) == []


def test_a_close_that_leaves_a_header_out_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = _market(tmp_path / "w.duckdb")
    for inserts in ("FRESH", "INSERTS"):  # a journal that forgets the headers
        forgotten = getattr(journal, inserts)._replace(dayless="SELECT 1")
        monkeypatch.setattr(journal, inserts, forgotten)
    with pytest.raises(IntegrityError, match="dayless-index-disagrees: entries the close posted"):
        close_with_fees(con, *MARCH)
    assert con.execute("SELECT count(*) FROM journal_entries").fetchone() == (0,)


def test_headers_edited_by_hand_and_a_misplaced_day_are_named(tmp_path: Path) -> None:
    """A header with another signature, one lost and one of no entry are named by
    ``ledger-check``; so is a deposit entry given a payment day (its kind carries none, so
    the look-ups of its stage would not find it) and a reversal whose day is not its
    entry's."""
    con = _market(tmp_path / "w.duckdb")
    close_with_fees(con, *MARCH)
    first, second = (str(h[0]) for h in _headers(con)[:2])
    con.execute("UPDATE journal_dayless SET signature = 'changed' WHERE entry_id = ?", [first])
    con.execute("DELETE FROM journal_dayless WHERE entry_id = ?", [second])
    con.execute(
        "INSERT INTO journal_dayless VALUES ('nowhere', 'k', 'reward', DATE '2026-03-02',"
        " 'b', 's', NULL)"
    )
    found = [p for p in check_journal(con) if p.code == "dayless-index-disagrees"]
    assert [(set(p.ids), p.count) for p in found] == [({first, second, "nowhere"}, 3)]

    con = _market(tmp_path / "v.duckdb")
    close_with_fees(con, *MARCH)
    deposit = con.execute(
        "SELECT entry_id FROM journal_entries WHERE kind LIKE 'deposit%' LIMIT 1"
    ).fetchone()
    sale = con.execute(
        "SELECT entry_id FROM journal_entries WHERE kind = 'sale' LIMIT 1"
    ).fetchone()
    assert deposit is not None
    assert sale is not None
    con.execute(
        "UPDATE journal_entries SET order_paid_on = DATE '2026-03-03' WHERE entry_id = ?",
        [deposit[0]],
    )
    con.execute(
        "INSERT INTO journal_entries (entry_id, logical_key, revision, kind, source_id, order_id,"
        " shop_id, booked_on, rulebook, signature, reverses, close_key, order_paid_on)"
        " SELECT 'R-odd', 'R-odd', 0, 'reversal', entry_id, order_id, shop_id, booked_on,"
        " rulebook, 'x', entry_id, close_key, order_paid_on + 1 FROM journal_entries"
        " WHERE entry_id = ?",
        [sale[0]],
    )
    found = [p for p in check_journal(con) if p.code == "payment-day-misplaced"]
    assert [(set(p.ids), p.count) for p in found] == [({str(deposit[0]), "R-odd"}, 2)]


def test_a_warehouse_made_before_the_headers_gets_them_from_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = _market(path)
    close_with_fees(con, *MARCH)
    kept = _headers(con)
    assert kept
    con.execute("DROP TABLE journal_dayless")
    con.close()
    reader = connect(path, read_only=True)
    assert _headers(reader) == kept
    reader.close()
    reopened = connect(path)
    try:
        assert _headers(reopened) == kept
        assert check_journal(reopened) == []
    finally:
        reopened.close()
