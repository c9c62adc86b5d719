"""What a close says when it moved nothing: why, in words, and how many days it skipped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from merchantry.ledger.close import CloseSummary
from merchantry.ledger.journal import PostResult

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
