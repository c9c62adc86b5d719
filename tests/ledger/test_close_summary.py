"""A close's summary counts, by kind, every entry of the close in the journal.

The summary reads only what the run appended when it is the close's first run, and the
whole journal when an earlier run of the same close (same rulebook and period) posted
entries; either way it must equal the counts taken from the journal directly, written here
as a plain aggregate in Python over the fetched rows. And a close that moved nothing says
why, in words, and how many days it skipped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from merchantry.ledger.close import CloseSummary
from merchantry.ledger.journal import PostResult
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_case, add_category, add_event, add_order, add_shop, close

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def journal_counts(con: duckdb.DuckDBPyConnection, close_key: str) -> dict[str, tuple[int, int]]:
    """Entries of the close by kind, and half the absolute sum of their legs."""
    rows = con.execute(
        "SELECT e.kind, e.entry_id, p.amount_fen FROM journal_entries AS e"
        " JOIN journal_postings AS p ON p.entry_id = e.entry_id WHERE e.close_key = ?",
        [close_key],
    ).fetchall()
    entries: dict[str, set[str]] = defaultdict(set)
    moved: dict[str, int] = defaultdict(int)
    for kind, entry, amount in rows:
        entries[kind].add(entry)
        moved[kind] += abs(amount)
    return {kind: (len(ids), moved[kind] // 2) for kind, ids in entries.items()}


def postings_in_journal(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM journal_postings").fetchone()
    assert row is not None
    return int(row[0])


def summary_counts(summary: CloseSummary) -> dict[str, tuple[int, int]]:
    return {k.kind: (k.entries, k.moved_fen) for k in summary.kinds}


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 3, 12), 10_000)
    add_event(con, "O1", "receipt_confirmed", datetime(2026, 3, 6, 9))
    add_order(con, "O2", datetime(2026, 3, 10, 12), 7_500)
    add_case(con, "C1", "O2", datetime(2026, 3, 11, 8), 2_000, closed_at=datetime(2026, 3, 12, 8))
    return con


def test_the_first_close_counts_what_it_posted(con: duckdb.DuckDBPyConnection) -> None:
    summary = close(con, *MARCH)
    expected = journal_counts(con, summary.close_key)
    assert {"sale", "refund"} <= expected.keys()
    assert summary_counts(summary) == expected


def test_a_second_run_counts_the_first_runs_entries_too(con: duckdb.DuckDBPyConnection) -> None:
    first = close(con, *MARCH)
    after_first = postings_in_journal(con)
    assert first.postings == after_first > 0
    add_order(con, "O3", datetime(2026, 3, 20, 12), 3_000)  # the period changed: one more sale
    second = close(con, *MARCH, refresh_fees=True)
    assert second.postings == postings_in_journal(con) - after_first > 0

    assert second.close_key == first.close_key
    expected = journal_counts(con, second.close_key)
    assert summary_counts(second) == expected
    assert expected["sale"][0] == summary_counts(first)["sale"][0] + 1

    third = close(con, *MARCH)  # nothing changed: posts nothing, still counts them all
    assert third.postings == 0
    assert summary_counts(third) == expected


SUMMARY = CloseSummary(
    rulebook="r",
    start=date(2026, 3, 1),
    end=date(2026, 3, 31),
    close_key="k",
    result=PostResult(posted=0, reversed=0, unchanged=0),
    kinds=(),
    fees_run=False,
    postings=0,
    seconds=0.0,
)


def test_a_day_skipped_for_unchanged_inputs_says_so() -> None:
    day = replace(SUMMARY, end=SUMMARY.start, unchanged_inputs=True, skipped_days=1)
    assert day.skipped_note().startswith("nothing to post: the day was closed before")


def test_every_day_skipped_counts_the_days() -> None:
    month = replace(SUMMARY, unchanged_inputs=True, skipped_days=31)
    assert "all 31 days were closed before with the same inputs" in month.skipped_note()


def test_a_run_that_posted_names_only_the_days_it_skipped() -> None:
    posted = replace(SUMMARY, result=PostResult(posted=5, reversed=0, unchanged=2))
    assert posted.skipped_note() == ""
    some = replace(posted, skipped_days=29)
    assert some.skipped_note() == "29 of 31 days skipped (inputs unchanged since their last close)"


def test_nothing_posted_tells_a_full_journal_from_an_empty_period() -> None:
    held = replace(SUMMARY, result=PostResult(posted=0, reversed=0, unchanged=1_234))
    assert held.skipped_note() == (
        "nothing to post: the journal already holds the 1,234 entries the period makes"
    )
    assert SUMMARY.skipped_note() == "nothing to post: the period makes no entry"
    reversed_only = replace(SUMMARY, result=PostResult(posted=0, reversed=3, unchanged=0))
    assert reversed_only.skipped_note() == ""
