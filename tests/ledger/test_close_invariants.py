"""The close checks the journal's cheap invariants before it commits, and rolls back.

A planted fault in the close's last posting path (the rewards hook) stages an entry
whose legs do not sum to zero (¥1 out of the platform, ¥2 into the shop). The close
must raise an ``IntegrityError`` naming the check, and leave the warehouse exactly
as it was: no entry, no posting, no payout-schedule row from that close.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from merchantry.kit.errors import IntegrityError
from merchantry.ledger import close as close_module
from merchantry.ledger.check import check_close, check_journal, journal_mark
from merchantry.ledger.journal import run_sql
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_order, add_shop, close

MARCH = (date(2026, 3, 1), date(2026, 3, 31))

UNBALANCED = """
INSERT INTO ledger_stage VALUES (
  md5('planted'), 'reward', 'planted', NULL, 'S1', DATE '2026-03-20',
  [ledger_leg('platform_subsidy', '', -100, 'planted'),
   ledger_leg('merchant_available', 'S1', 200, 'planted')])
"""

DUPLICATE_LEG = """
INSERT INTO ledger_stage VALUES (
  md5('planted'), 'reward', 'planted', NULL, 'S1', DATE '2026-03-20',
  [ledger_leg('platform_subsidy', '', -100, 'planted'),
   ledger_leg('merchant_available', 'S1', 100, 'planted')])
"""


def counts(con: duckdb.DuckDBPyConnection) -> tuple[object, ...]:
    row = con.execute(
        "SELECT (SELECT count(*) FROM journal_entries), (SELECT count(*) FROM journal_postings),"
        " (SELECT count(*) FROM order_payouts),"
        " (SELECT coalesce(sum(amount_fen), 0) FROM journal_postings"
        "  WHERE account = 'platform_subsidy')"
    ).fetchone()
    assert row is not None
    return tuple(row)


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 10, 12), 10_000)
    return con


def plant(monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    def stage_planted(con: duckdb.DuckDBPyConnection, start: date, end: date) -> bool:
        run_sql(con, sql)
        return True

    monkeypatch.setattr(close_module, "stage_rewards", stage_planted)


@pytest.mark.parametrize("by_key", [False, True], ids=["row ids", "by key (Spark)"])
def test_an_unbalanced_entry_rolls_the_whole_close_back(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, by_key: bool
) -> None:
    if by_key:  # as on an engine without row ids: the checks find the close's entries by key
        monkeypatch.setattr(close_module, "journal_mark", lambda _con: None)
    close(con, *MARCH)  # a sound close commits: the sale and its fee
    before = counts(con)
    con.execute("DELETE FROM order_payouts")  # the failing close would rebuild it
    emptied = counts(con)
    plant(monkeypatch, UNBALANCED)

    with pytest.raises(
        IntegrityError, match="unbalanced-entry: entries whose postings do not sum to zero: 1 "
    ):
        close(con, date(2026, 3, 1), date(2026, 4, 30))

    assert counts(con) == emptied  # nothing of the failed close was committed
    assert before[:2] == emptied[:2]
    assert check_journal(con) == []


def test_a_leg_posted_twice_is_caught_before_commit(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def stage_twice(c: duckdb.DuckDBPyConnection, start: date, end: date) -> bool:
        run_sql(c, DUPLICATE_LEG)
        return True

    monkeypatch.setattr(close_module, "stage_rewards", stage_twice)
    real_post = close_module.post_staged

    def post_then_duplicate(c: duckdb.DuckDBPyConnection, *args: object, **kw: object) -> object:
        result = real_post(c, *args, **kw)  # type: ignore[arg-type]
        if kw.get("kinds") == ("reward",):  # the planted path posts a leg a second time
            c.execute(
                "INSERT INTO journal_postings SELECT * FROM journal_postings"
                " WHERE rule_id = 'planted' ORDER BY leg LIMIT 1"
            )
        return result

    monkeypatch.setattr(close_module, "post_staged", post_then_duplicate)

    with pytest.raises(IntegrityError, match="duplicate-leg"):
        close(con, *MARCH)

    assert counts(con)[:2] == (0, 0)


OUTSIDE = """
INSERT INTO ledger_stage VALUES (
  md5('planted'), 'reward', 'planted', NULL, 'S1', DATE '2026-04-02',
  [ledger_leg('platform_subsidy', '', -100, 'planted'),
   ledger_leg('merchant_available', 'S1', 100, 'planted')])
"""
"""A balanced entry booked two days after March, staged by a close of March."""


def test_an_entry_booked_outside_the_period_rolls_the_close_back(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every entry a close posts is booked in its period (the summary finds an earlier run's
    entries among the period's): one booked after it stops the close, nothing committed."""
    plant(monkeypatch, OUTSIDE)

    with pytest.raises(
        IntegrityError,
        match="entry-outside-period: entries the close booked outside its period: 1 ",
    ):
        close(con, *MARCH)

    assert counts(con)[:2] == (0, 0)


def test_a_rerun_of_a_close_counts_what_the_earlier_run_posted(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """The summary of a second run reads the earlier run's entries (found among the
    period's): the same kinds and money as the first, though it posts nothing."""
    first = close(con, *MARCH)
    again = close(con, *MARCH)
    assert again.postings == 0
    assert first.kinds
    assert again.kinds == first.kinds


def test_check_close_passes_a_sound_close(con: duckdb.DuckDBPyConnection) -> None:
    mark = journal_mark(con)
    summary = close(con, *MARCH)
    assert mark is not None
    assert check_close(con, mark, summary.close_key) == []
    assert check_close(con, None, summary.close_key) == []  # by key, as on Spark
    after = journal_mark(con)
    assert after is not None
    assert after.entries > mark.entries


def planted_after_posting(monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    """After the close's last ``post_staged`` (seeding), run ``sql`` inside its transaction:
    a fault in the close's own writes, which its checks must catch before it commits."""
    real_post = close_module.post_staged

    def post_then_plant(c: duckdb.DuckDBPyConnection, *args: object, **kw: object) -> object:
        result = real_post(c, *args, **kw)  # type: ignore[arg-type]
        if "seeding_payout" in tuple(kw.get("kinds", ())):  # type: ignore[arg-type]
            c.execute(sql)
        return result

    monkeypatch.setattr(close_module, "post_staged", post_then_plant)


def test_a_posting_added_to_an_older_entry_is_caught(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A close that wrote a copy of a whole entry's postings from an earlier close (so each
    of its legs appears twice, and the copies balance among themselves) is refused: the
    checks read only what this close appended, and a posting to an entry it did not post is
    itself a fault."""
    close(con, *MARCH)
    before = counts(con)
    add_order(con, "O2", datetime(2026, 4, 2, 12), 5_000)
    planted_after_posting(
        monkeypatch,
        "INSERT INTO journal_postings SELECT * FROM journal_postings WHERE entry_id = ("
        "SELECT min(entry_id) FROM journal_entries WHERE booked_on < DATE '2026-04-01')",
    )

    with pytest.raises(IntegrityError, match="posting-outside-close"):
        close(con, date(2026, 4, 1), date(2026, 4, 30))

    assert counts(con) == before
    assert check_journal(con) == []


def test_an_entry_id_posted_again_is_caught(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry whose id an earlier close already posted: the new ids are looked up in the
    whole journal, not only among what this close appended."""
    close(con, *MARCH)
    before = counts(con)
    add_order(con, "O2", datetime(2026, 4, 2, 12), 5_000)
    planted_after_posting(
        monkeypatch,
        "INSERT INTO journal_entries SELECT * FROM journal_entries"
        " WHERE booked_on < DATE '2026-04-01' ORDER BY entry_id LIMIT 1",
    )

    with pytest.raises(IntegrityError, match="duplicate-entry"):
        close(con, date(2026, 4, 1), date(2026, 4, 30))

    assert counts(con) == before


def test_a_fee_line_stored_twice_stops_the_close(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``fee_lines``' key is (rulebook, order, kind). The sale reads each kind's line by a
    join on that key, so a line stored twice gives two sales for one order, which the
    stage's duplicate check refuses: the close posts nothing rather than a fee charged
    twice (or, as before, summed)."""
    real_stage = close_module.stage_order_events

    def stage_with_a_doubled_line(
        c: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date
    ) -> None:
        c.execute(
            "INSERT INTO fee_lines SELECT * FROM fee_lines"
            " WHERE order_id = 'O1' AND fee_kind = 'technical_service_fee'"
        )
        real_stage(c, rulebook, start, end)

    monkeypatch.setattr(close_module, "stage_order_events", stage_with_a_doubled_line)

    with pytest.raises(IntegrityError, match="two entries for one event"):
        close(con, *MARCH)

    assert counts(con)[:2] == (0, 0)
    doubled = con.execute(
        "SELECT count(*) FROM fee_lines"
        " WHERE order_id = 'O1' AND fee_kind = 'technical_service_fee'"
    ).fetchone()
    assert doubled == (1,)  # the planted copy went with the rolled-back close


@pytest.mark.parametrize(
    "fault",
    [
        "INSERT INTO journal_movements VALUES"  # a day's sum the postings do not have
        " ('merchant_available', 'S1', DATE '2026-04-02', 'sale', 1, 1)",
        "DELETE FROM journal_movements WHERE rowid = (SELECT max(rowid) FROM journal_movements)",
    ],
    ids=["a sum without postings", "postings without their sum"],
)
def test_movements_that_do_not_sum_the_new_postings_are_caught(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """``journal_movements`` is what the close reads balances from instead of every posting:
    a close whose movements disagree with the postings it wrote is refused whole."""
    close(con, *MARCH)
    before = counts(con)
    movements = con.execute("SELECT count(*) FROM journal_movements").fetchone()
    add_order(con, "O2", datetime(2026, 4, 2, 12), 5_000)
    planted_after_posting(monkeypatch, fault)

    with pytest.raises(IntegrityError, match="movements-disagree: "):
        close(con, date(2026, 4, 1), date(2026, 4, 30))

    assert counts(con) == before
    assert con.execute("SELECT count(*) FROM journal_movements").fetchone() == movements
    assert check_journal(con) == []
