"""The month close: every money effect of a period posted in one transaction.

Order of work (each step a plain function; :data:`STEPS` after the schedule):

1. fee lines for the period exist (the ledger does not import the fee stage:
   sibling stages meet in tables; ``merchantry.service`` runs the fee stage first
   when they are missing);
2. ``BEGIN``; the payout schedule (``order_payouts``) for every order paid up to
   the end, then the reversal of every overturned decision not yet reversed
   (risk cases record them in ``overturned_entries``; see
   :mod:`merchantry.ledger.overturns`): the steps below never post an overturned
   money event again;
3. order events (sales with their fee lines, fee refunds, refunds, compensation);
4. settlements falling due in the period (amounts are the orders' pending sums,
   so they see step 3), the installation holds and their releases
   (:mod:`merchantry.ledger.install_holds`), then the creator's reserve releases,
   freezes and unfreezes (:mod:`merchantry.ledger.reserve`);
5. deposits (openings, deductions, reviews);
6. rewards (hook), then creator seeding payouts and clawbacks
   (:mod:`merchantry.ledger.seeding`);
7. the journal's cheap invariants over what this close touched (every entry
   balances, no leg posted twice: :func:`~merchantry.ledger.check.check_close`);
   a problem raises ``IntegrityError`` and rolls the whole close back;
8. ``COMMIT``. A close killed anywhere before the commit leaves the journal as it
   was (DuckDB rolls the transaction back on the next open).

Running the same close twice posts nothing the second time; a close over changed
data posts reversals and new revisions only for what changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb

from merchantry.kit.errors import InputError, IntegrityError
from merchantry.kit.ids import stable_key
from merchantry.ledger.annual import post_annual_fees
from merchantry.ledger.check import JournalMark, check_close, journal_mark
from merchantry.ledger.deposits import post_deposits
from merchantry.ledger.facts import LEDGER_RULE_KINDS
from merchantry.ledger.install_holds import post_installation_holds
from merchantry.ledger.journal import EMPTY, CloseRef, PostResult, post_staged, start_stage
from merchantry.ledger.overturns import reverse_overturned
from merchantry.ledger.postings import prepare, stage_order_events
from merchantry.ledger.reserve import post_creator_holds
from merchantry.ledger.rewards import stage_rewards
from merchantry.ledger.seeding import KINDS as SEEDING_KINDS
from merchantry.ledger.seeding import stage_seeding
from merchantry.ledger.settlement import build_schedule, stage_settlements
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.facts import score_gaps
from merchantry.rulebook.model import Rulebook
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import ensure_schema, transaction

Progress = Callable[[str], None]

ORDER_EVENT_KINDS: Final = ("sale", "fee_refund", "refund", "compensation")
SETTLEMENT_KINDS: Final = ("settlement", "commission_settlement", "colonel_settlement")

ORDERS_WITHOUT_LINES: Final = """
SELECT count(*) FROM orders AS o
WHERE o.paid_at >= CAST($start AS TIMESTAMP)
  AND o.paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
  AND NOT EXISTS (SELECT 1 FROM fee_lines AS l WHERE l.order_id = o.order_id
                  AND l.rulebook = $rulebook AND l.paid_on BETWEEN $start AND $end)
"""
"""Orders paid in the period with no fee line under the rulebook. A line carries its order's
payment day (``fee_lines.paid_on``), so the lines looked at are the period's own, which zone
maps find without reading the lines of other days."""

KIND_COUNTS: Final = """
SELECT e.kind, count(DISTINCT e.entry_id), coalesce(sum(abs(p.amount_fen)) // 2, 0)
FROM journal_entries AS e JOIN journal_postings AS p USING (entry_id)
WHERE e.close_key = $close_key
GROUP BY e.kind ORDER BY e.kind
"""

KIND_COUNTS_SINCE: Final = """
SELECT e.kind, count(*), coalesce(sum(p.moved_fen) // 2, 0)
FROM (
  SELECT entry_id, kind FROM journal_entries
  WHERE close_key = $close_key AND rowid >= $entries_from
) AS e
JOIN ledger_new_sums AS p USING (entry_id)
GROUP BY e.kind ORDER BY e.kind
"""
""":data:`KIND_COUNTS` when every entry of the close is one this run appended: the entries
past the run's :class:`~merchantry.ledger.check.JournalMark` joined with the sums per entry
of the postings past it, which the close's checks have just made
(:data:`merchantry.ledger.check.NEW_SUMS`), not a join of the close's entries with every
posting ever made (one row per entry: its count needs no ``DISTINCT``; the checks have held
each new id to one entry)."""

POSTED_SINCE: Final = "SELECT count(*) FROM journal_postings WHERE rowid >= $postings_from"
"""The postings a close appended, from its :class:`~merchantry.ledger.check.JournalMark` on
(the journal is append-only): DuckDB skips the row groups before the mark, where a count of
the whole table before and after the close read every row id of the history, twice a close
(1 to 7 ms a day over a year of 500,000 orders a month, growing with the journal)."""

EARLIER_RUN: Final = """
SELECT count(*) FROM journal_entries
WHERE booked_on BETWEEN $start AND $end AND close_key = $close_key AND rowid < $entries_from
"""
"""Entries an earlier run of the same close posted. A close books every entry of its key
inside its period (its checks hold it: :data:`merchantry.ledger.check.OUTSIDE_PERIOD`), so
they are looked for among the period's entries, whose row groups DuckDB's zone maps on
``booked_on`` find (the journal is appended close by close). The close key alone could not
be pruned: a row group holds the random keys of several days' closes, so its range spans
most keys, and the count read every key ever posted (1 → 11 ms a day over a year at 500,000
orders a month)."""


@dataclass(frozen=True, slots=True)
class KindCount:
    """Entries one close posted of one kind, and the money they moved."""

    kind: str
    entries: int
    moved_fen: int
    """Half the sum of absolute leg amounts: money moved between accounts."""


EMPTY_KINDS: Final[tuple[KindCount, ...]] = ()


@dataclass(frozen=True, slots=True)
class CloseSummary:
    """What one close did."""

    rulebook: str
    start: date
    end: date
    close_key: str
    result: PostResult
    kinds: tuple[KindCount, ...]
    """Entries in the journal from this close (after this run), by kind."""
    fees_run: bool
    """The fee stage ran just before (set by the caller that ran it)."""
    postings: int
    """Postings this run inserted."""
    seconds: float
    warnings: tuple[str, ...] = ()
    unchanged_inputs: bool = False
    """A daily close that found the day's inputs as they were when it was last closed, so
    it posted nothing without staging anything (:mod:`merchantry.ledger.daily`); for a
    period closed day by day, every one of its days."""
    skipped_days: int = 0
    """Days of a period closed day by day skipped for unchanged inputs (1 for such a day)."""

    def skipped_note(self) -> str:
        """Why nothing moved, in words, when this run posted and reversed nothing: the
        inputs unchanged since the last close, or the journal already holding every entry;
        and how many days were skipped when some were. Empty when there is nothing to say."""
        r = self.result
        days = (self.end - self.start).days + 1
        if self.unchanged_inputs:
            span = "the day was" if days == 1 else f"all {days} days were"
            return (
                f"nothing to post: {span} closed before with the same inputs and rulebook, "
                "and the journal is as that close left it"
            )
        skipped = (
            f"{self.skipped_days:,} of {days} days skipped (inputs unchanged since their "
            "last close)"
            if self.skipped_days
            else ""
        )
        if r.posted or r.reversed:
            return skipped
        held = f"the journal already holds the {r.unchanged:,} entries the period makes"
        if not r.unchanged:
            held = "the period makes no entry"
        return f"nothing to post: {held}" + (f"; {skipped}" if skipped else "")


def close_key(rulebook: str, start: date, end: date) -> str:
    """The id of a close: rulebook and period (no clock, so a re-run has the same id)."""
    return stable_key("close", rulebook, start.isoformat(), end.isoformat())


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> int:
    row = run_sql(con, sql, params).fetchone()
    return int(row[0]) if row else 0


def orders_without_fee_lines(
    con: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date
) -> int:
    """Orders paid ``start``..``end`` with no fee line under ``rulebook`` (0: the close can run)."""
    ensure_schema(con)
    return _count(con, ORDERS_WITHOUT_LINES, {"start": start, "end": end, "rulebook": rulebook})


def close_period(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    *,
    require_fee_lines: bool = True,
    progress: Progress | None = None,
    incremental: bool = False,
    after: Callable[[duckdb.DuckDBPyConnection, int], None] | None = None,
) -> CloseSummary:
    """Close ``start``..``end`` (inclusive) under ``book``: one transaction, idempotent.

    Needs the period's fee lines: raises ``InputError`` naming the fee command when
    orders of the period have none under ``book``, unless ``require_fee_lines`` is
    false (the caller has just run the fee stage, after which an order may rightly
    have no line: every fee of it was zero). ``merchantry close`` and ``merchantry
    run`` run the fee stage first. Raises ``IntegrityError``, with
    nothing committed, when the journal would break an invariant.

    ``incremental`` schedules only the orders the period touches (paid, a parcel event,
    an after-sales request or close, a fee line, or a stored settlement date in it) and
    keeps every other order's stored schedule: right when the days before were closed
    (the daily close, :func:`merchantry.ledger.daily.close_days`), and then equal to the
    full close entry for entry. ``after(con, postings)`` runs inside the transaction
    after the checks (the daily close records its mark there).
    """
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    began = time.perf_counter()
    say = progress or (lambda _message: None)
    missing = orders_without_fee_lines(con, book.name, start, end) if require_fee_lines else 0
    if missing:
        raise InputError(
            f"{missing:,} orders paid {start}..{end} have no {book.name} fee lines; run "
            f"`merchantry fees --rulebook {book.name} --from {start} --to {end}` first"
        )
    key = close_key(book.name, start, end)
    ref = CloseRef(book.name, key)
    warnings = score_gaps(con, book, start, end, lambda r: r.effect.kind in LEDGER_RULE_KINDS)
    with transaction(con):
        mark = journal_mark(con)
        before = 0 if mark else _count(con, "SELECT count(*) FROM journal_postings", {})
        say("payout schedule")
        build_schedule(con, book, end, touched_from=start if incremental else None)
        prepare(con)
        say("overturned decisions")
        overturned = reverse_overturned(con)
        say("sales, fees, refunds, compensation")
        start_stage(con)
        stage_order_events(con, book.name, start, end)
        result = PostResult(posted=0, reversed=overturned, unchanged=0)
        result += post_staged(con, ref, kinds=ORDER_EVENT_KINDS, start=start, end=end)
        say("settlements")
        start_stage(con)
        unposted = stage_settlements(con, start, end)
        result += post_staged(con, ref, kinds=SETTLEMENT_KINDS, start=start, end=end)
        if unposted:
            warnings.append(
                f"{unposted:,} orders settle in the period but their sale was never posted "
                "(close the earlier periods first)"
            )
        # what reads no balance comes first: a creator's freeze takes its available balance
        # (seeding settlements move money into it) and a deposit top-up the goods payment
        # available (cash rewards in, annual fees out) on their days, so the first close
        # sees what a second would, and the second restates nothing
        say("rewards")
        start_stage(con)
        if stage_rewards(con, start, end):
            result += post_staged(con, ref, kinds=("reward",), start=start, end=end)
        else:
            result += EMPTY
        start_stage(con)
        stage_seeding(con, start, end)
        result += post_staged(con, ref, kinds=SEEDING_KINDS, start=start, end=end)
        result += post_annual_fees(con, book, start, end, key)
        result += post_installation_holds(con, ref, start, end)
        result += post_creator_holds(con, book, start, end, key)
        say("deposits")
        result += post_deposits(con, book, start, end, key)
        say("journal invariants")
        problems = check_close(con, mark, key, period=(start, end))
        if problems:  # raising inside the transaction rolls the whole close back
            raise IntegrityError(
                f"the close of {book.name} {start}..{end} would leave the journal unsound, "
                "so nothing was posted: " + "; ".join(str(p) for p in problems)
            )
        posted_now = (
            _count(con, POSTED_SINCE, {"postings_from": mark.postings})
            if mark
            else (_count(con, "SELECT count(*) FROM journal_postings", {}) - before)
        )
        if after is not None:
            after(con, posted_now)
        kinds = kind_counts(con, key, mark, start, end)
    return CloseSummary(
        rulebook=book.name,
        start=start,
        end=end,
        close_key=key,
        result=result,
        kinds=kinds,
        fees_run=False,
        postings=posted_now,
        seconds=time.perf_counter() - began,
        warnings=tuple(warnings),
    )


def kind_counts(
    con: duckdb.DuckDBPyConnection, key: str, mark: JournalMark | None, start: date, end: date
) -> tuple[KindCount, ...]:
    """The close's entries in the journal by kind, and the money they moved
    (:data:`KIND_COUNTS`): read from what this run appended when no earlier run of the same
    close posted anything (:data:`KIND_COUNTS_SINCE`, through the sums per entry that
    :func:`~merchantry.ledger.check.check_close` left for the same ``mark``: call it after
    that check), so a day's summary does not join the month's postings; otherwise, or without
    row ids (Spark), over the whole journal."""
    keyed: dict[str, object] = {"close_key": key}
    query = KIND_COUNTS
    if mark is not None:
        since = {**keyed, "entries_from": mark.entries, "start": start, "end": end}
        if not _count(con, EARLIER_RUN, since):
            query, keyed = KIND_COUNTS_SINCE, since
    rows = run_sql(con, query, keyed).fetchall()
    return tuple(KindCount(str(r[0]), int(r[1]), int(r[2])) for r in rows)


def close_rulebook(
    con: duckdb.DuckDBPyConnection,
    rulebook: str,
    start: date,
    end: date,
    *,
    rulebook_dirs: Sequence[Path] = (),
    progress: Progress | None = None,
) -> CloseSummary:
    """:func:`close_period` for a rulebook given by name (loaded and checked first)."""
    book = load_rulebook(rulebook, rulebook_dirs)
    return close_period(con, book, start, end, progress=progress)
