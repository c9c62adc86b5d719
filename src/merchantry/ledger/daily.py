"""The daily close: a month closed the way a marketplace runs it, one day at a time.

Each day is a :func:`~merchantry.ledger.close.close_period` of that one day run
*incrementally*: only the orders the day touches are scheduled (paid that day, a
parcel event, an after-sales request or close, or a fee line dated that day, or a
stored settlement date falling on it); everything else the days before posted stays
as it is. A day's work therefore follows that day's events, not the length of the
history (the journal's look-ups are column scans; see ``docs/performance.md``).
Closing the days of a month in order posts, entry for entry, what closing the month
at once posts (a test and a Hypothesis property hold the two equal).

Before closing a day, :func:`day_digest` reads the day's inputs (rows dated that day
of ``orders``, ``logistics_events``, ``after_sales``, ``fee_lines``, ``violations``,
``shop_scores``, the journal entries others booked on it, the shops that joined by then,
the products and creators its orders name, the categories and ``overturned_entries`` as a
whole, the rulebook) into one digest chained to the day
before's mark. A day whose digest equals its stored mark (``ledger_close_marks``) is not
closed again: nothing to post, and no staging. Close the days in order after a change
(:func:`close_days` from the first changed day does): a day's mark chains the previous
day's *stored* mark.

:func:`close_marked` does the same for any period closed at once (a month): its digest
reads every input dated up to the period's end (the full close schedules every order
paid before), still a small part of the close it saves.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError, Interrupted, MerchantryError, StepFailed
from merchantry.ledger.close import (
    EMPTY_KINDS,
    CloseSummary,
    KindCount,
    close_key,
    close_period,
)
from merchantry.ledger.journal import EMPTY
from merchantry.ledger.settlement import EPOCH
from merchantry.rulebook.model import Rulebook
from merchantry.store.sql import fill, parse, run_sql, to_sql
from merchantry.store.warehouse import ensure_schema, interrupted, merges_at_month_end

Progress = Callable[[str], None]

LEDGER_LOGIC: Final = "daily-close/3"
"""Bumped when what the close posts for the same inputs changes: every mark goes stale."""

_PART: Final = """
SELECT count(*) || ':' || CAST(coalesce(sum(hash(x)), 0) AS VARCHAR) FROM p_table AS x
WHERE p_where
"""

DIGEST_PARTS: Final = (
    ("orders", "x.paid_at >= $from_at AND x.paid_at < $end_at"),
    ("logistics_events", "x.event_at >= $from_at AND x.event_at < $end_at"),
    (
        "after_sales",
        "x.requested_at >= $from_at AND x.requested_at < $end_at"
        " OR x.closed_at >= $from_at AND x.closed_at < $end_at",
    ),
    ("fee_lines", "x.rulebook = $rulebook AND x.accrued_on BETWEEN $from AND $fees_end"),
    ("violations", "x.occurred_at >= $from_at AND x.occurred_at < $end_at"),
    ("creator_violations", "x.occurred_at >= $from_at AND x.occurred_at < $end_at"),
    ("shop_scores", "x.score_date BETWEEN $from AND $end"),
    ("journal_entries", "x.booked_on BETWEEN $from AND $end AND x.close_key <> $close_key"),
    ("overturned_entries", "TRUE"),
    ("shops", "x.shop_id IN (SELECT shop_id FROM p_joined)"),
    ("categories", "TRUE"),
    ("products", "x.sku_id IN (SELECT sku_id FROM p_named)"),
    ("creators", "x.creator_id IN (SELECT creator_id FROM p_named)"),
)
"""Each part, a table and which of its rows: how many rows and the sum of their row hashes
(order-free, so a rewrite of the same rows in another order is the same). ``p_joined`` is
:data:`JOINED_SHOPS`: the shops that join after the period are not read (the close opens
nothing and charges nothing for them), so a day closed again after new shops were ingested
is still unchanged.

Every dated part is a plain range on the stored column (a timestamp from the first
midnight to the midnight after the last day, never ``CAST(ts AS DATE)``), so DuckDB
prunes the row groups (and vectors) whose min/max zone map lies outside the day: a
day's digest reads that day's rows, not the history, when the tables are appended in
time order as a daily ingest and the daily close append them
(``tests/ledger/test_daily_scan.py`` counts the rows scanned). Categories and
``overturned_entries`` are read whole: their size is the catalogue's, not the history's.

Products and creators are read as the period's rows name them (``p_named``,
:data:`NAMED`): the SKUs and creators of the orders paid in it, and the creators of its
creator violations. The close reads a product or a creator only through an order (its
facts) or a creator's violation, and an order touched later (delivered, refunded, settled)
was named on its payment day, whose digest the next days' chain to: a day's digest is its
own rows chained to the day before's stored mark, so a change to a product an order of
the 3rd names makes the 3rd's close run again, then every later day's. So a SKU listed, or a
creator signed, after a day was closed leaves that day unchanged (a marketplace lists
products and signs creators every day; read whole, each made every earlier day's close
run again in full). As with every dated row, re-closing a later day alone does not see
the change: close again from the earliest day it touches (``close --daily`` over the
range does)."""

DATED_PARTS: Final = 8
"""The first parts are dated (bounded by the period); the rest are master tables, read
whole or as the period's rows name them."""


JOINED_SHOPS: Final = """
SELECT shop_id FROM shops WHERE opened_date IS NULL OR opened_date <= $end
UNION ALL
SELECT shop_id FROM orders WHERE paid_at >= $from_at AND paid_at < $end_at
UNION ALL
SELECT shop_id FROM violations WHERE occurred_at >= $from_at AND occurred_at < $end_at
UNION ALL
SELECT shop_id FROM journal_entries
WHERE booked_on BETWEEN $from AND $end AND close_key <> $close_key
"""
"""The shops a close of the period reads: those that joined by its last day (or say no join
day), and any the period's orders, violations or entries other closes booked (a programme's
reward) name though their join day comes later (the data has them active before they join:
the close posts for them and opens their deposit, :data:`merchantry.ledger.deposits.
OPENING_DAYS`). Rows of other shops cannot change what it posts."""


NAMED: Final = """
SELECT sku_id, creator_id FROM orders WHERE paid_at >= $from_at AND paid_at < $end_at
UNION ALL
SELECT NULL, creator_id FROM creator_violations
WHERE occurred_at >= $from_at AND occurred_at < $end_at
"""
"""The SKUs and creators the period's own rows name (its orders', its creator violations'):
the products and creators whose rows a day's digest holds (see :data:`DIGEST_PARTS`)."""


def _part(table: str, where: str, joined: str | exp.Expr, named: str | exp.Expr) -> exp.Expr:
    return fill(_PART, p_table=table, p_where=fill(where, p_joined=joined, p_named=named))


def part_query(part: tuple[str, str]) -> str:
    """One digest part (a table and which of its rows) as its own query."""
    return to_sql(_part(*part, parse(JOINED_SHOPS), parse(NAMED)))


DIGEST: Final = to_sql(
    exp.select(
        *[exp.Subquery(this=_part(t, w, "digest_joined", "digest_named")) for t, w in DIGEST_PARTS]
    )
    .with_("digest_joined", as_=parse(JOINED_SHOPS), materialized=True)
    .with_("digest_named", as_=parse(NAMED), materialized=True)
)
"""Every part in one statement; the shops of :data:`JOINED_SHOPS` and the SKUs and creators
of :data:`NAMED` found once each for the parts that ask (materialised CTEs), not once a
part."""

MARK: Final = """
SELECT digest FROM ledger_close_marks
WHERE rulebook = $rulebook AND start_on = $start AND end_on = $end
"""

WRITE_MARK: Final = """
DELETE FROM ledger_close_marks WHERE rulebook = $rulebook AND start_on = $start AND end_on = $end;
INSERT INTO ledger_close_marks (rulebook, start_on, end_on, digest, close_key, postings)
VALUES ($rulebook, $start, $end, $digest, $close_key, $postings);
"""


CLOSED_BEFORE: Final = (
    """SELECT 1 FROM ledger_close_marks
       WHERE rulebook = $rulebook AND start_on <= $before AND end_on >= $before LIMIT 1""",
    "SELECT 1 FROM journal_entries WHERE rulebook = $rulebook AND booked_on <= $before LIMIT 1",
)
"""Whether anything closed the days before a day under the rulebook: a close mark covering
the day before (the daily run's case, a look-up in a small table), else entries it booked by
then (a close run without marks)."""

FIRST_PAID_BEFORE: Final = "SELECT CAST(min(paid_at) AS DATE) FROM orders WHERE paid_at < $start_at"


def unclosed_before(con: duckdb.DuckDBPyConnection, book: Rulebook, day: date) -> str | None:
    """A warning when orders were paid before ``day`` but no close under ``book`` covers
    the days before it: a day's close posts what happens that day to orders the journal
    already knows, so their sales, refunds and settlements on earlier days stay unposted
    and nothing is settled for them now (None when the days before were closed, or no
    order was paid before ``day``). The orders are read only when nothing closed."""
    params = {"before": day - timedelta(days=1), "rulebook": book.name}
    for sql in CLOSED_BEFORE:
        if run_sql(con, sql, params).fetchone():
            return None
    start_at = datetime.combine(day, datetime.min.time())
    row = run_sql(con, FIRST_PAID_BEFORE, {"start_at": start_at}).fetchone()
    if row is None or row[0] is None:
        return None
    return (
        f"no close under {book.name} covers the days before {day} though orders were paid "
        f"from {row[0]}: what those days owe is not posted, and their orders falling due now "
        f"are not settled (close from {row[0]} first)"
    )


def stored_mark(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date
) -> str | None:
    """The digest the last close of ``start``..``end`` under ``book`` left (None: never closed)."""
    params = {"rulebook": book.name, "start": start, "end": end}
    row = run_sql(con, MARK, params).fetchone()
    return str(row[0]) if row else None


def digest_params(
    rulebook: str, key: str, since: date, end: date, *, fees_end: date
) -> dict[str, object]:
    """The parameters of :data:`DIGEST` (and of each of :data:`DIGEST_PARTS`) for the close
    ``key`` reading rows dated ``since``..``end``: dates for DATE columns, the half-open
    range from midnight to midnight for timestamps."""
    return {
        "from": since,
        "end": end,
        "from_at": datetime.combine(since, datetime.min.time()),
        "end_at": datetime.combine(end + timedelta(days=1), datetime.min.time()),
        "fees_end": fees_end,
        "rulebook": rulebook,
        "close_key": key,
    }


def period_digest(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date, *, daily: bool
) -> str:
    """The digest of the inputs a close of ``start``..``end`` reads under ``book``: for a
    day (``daily``), the rows dated that day chained to the day before's stored mark; for
    a period closed at once, every row dated up to ``end``."""
    key = close_key(book.name, start, end)
    since = start if daily else EPOCH
    # a period closed at once also reads fee lines dated after it (a later refund line moves
    # an order's fee refund out of the period); a day leaves that to the later day's close
    fees_end = end if daily else date.max
    params = digest_params(book.name, key, since, end, fees_end=fees_end)
    row = run_sql(con, DIGEST, params).fetchone()
    previous = ""
    if daily:
        yesterday = start - timedelta(days=1)
        previous = stored_mark(con, book, yesterday, yesterday) or ""
    parts = [LEDGER_LOGIC, repr(book), str(daily), previous, *(str(v) for v in (row or ()))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def day_digest(con: duckdb.DuckDBPyConnection, book: Rulebook, day: date) -> str:
    """The digest of ``day``'s inputs under ``book``, chained to the day before's stored mark."""
    return period_digest(con, book, day, day, daily=True)


def close_day(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    day: date,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> CloseSummary:
    """Close one day incrementally; a day whose inputs are unchanged since its last close
    (same digest) posts nothing and stages nothing, unless ``force``. DuckDB merges the
    journal's row groups at the commit of a month's last day only
    (:func:`~merchantry.store.warehouse.merges_at_month_end`)."""
    with merges_at_month_end(con, month_end=(day + timedelta(days=1)).month != day.month):
        return close_marked(con, book, day, day, daily=True, force=force, progress=progress)


def close_marked(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    *,
    daily: bool = False,
    force: bool = False,
    require_fee_lines: bool = True,
    progress: Progress | None = None,
) -> CloseSummary:
    """:func:`close_period` of ``start``..``end`` (incremental when ``daily``), skipped when
    the period's digest equals the mark its last close left (nothing would be posted)."""
    began = time.perf_counter()
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    ensure_schema(con)
    digest = period_digest(con, book, start, end, daily=daily)
    key = close_key(book.name, start, end)
    if not force and stored_mark(con, book, start, end) == digest:
        return CloseSummary(
            rulebook=book.name,
            start=start,
            end=end,
            close_key=key,
            result=EMPTY,
            kinds=EMPTY_KINDS,
            fees_run=False,
            postings=0,
            seconds=time.perf_counter() - began,
            unchanged_inputs=True,
            skipped_days=1,
        )

    def mark(tx: duckdb.DuckDBPyConnection, postings: int) -> None:
        params = {
            "rulebook": book.name,
            "start": start,
            "end": end,
            "digest": digest,
            "close_key": key,
            "postings": postings,
        }
        run_sql(tx, WRITE_MARK, params)

    gap = unclosed_before(con, book, start) if daily else None
    summary = close_period(
        con,
        book,
        start,
        end,
        incremental=daily,
        after=mark,
        progress=progress,
        require_fee_lines=require_fee_lines,
    )
    if gap is None:
        return summary
    return dataclasses.replace(summary, warnings=(gap, *summary.warnings))


def close_days(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    *,
    force: bool = False,
    progress: Progress | None = None,
    on_day: Callable[[CloseSummary], None] | None = None,
) -> list[CloseSummary]:
    """Close ``start``..``end`` one day at a time, in order (each day its own transaction).

    A day that fails stops the run with the days before it committed: the error
    (:class:`StepFailed`, with the cause's exit code) names the day and what stays closed.
    Ctrl-C does the same (:class:`Interrupted`): the day in progress rolls back, the days
    before it stay closed, and running again skips them.
    """
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    summaries: list[CloseSummary] = []
    day = start
    try:
        while day <= end:
            summary = close_day(con, book, day, force=force, progress=progress)
            summaries.append(summary)
            if on_day is not None:
                on_day(summary)
            day += timedelta(days=1)
    except MerchantryError as err:
        raise StepFailed(f"closing {day}: {err} ({kept_days(start, day)})", err) from err
    except BaseException as err:
        if not interrupted(err):
            raise
        raise Interrupted(stopped_line(start, day)) from err
    return summaries


def kept_days(start: date, stopped: date) -> str:
    """What a day-by-day close that stopped while closing ``stopped`` keeps."""
    if stopped == start:
        return f"nothing was committed; {stopped} is the first day of the run"
    before = stopped - timedelta(days=1)
    closed = str(start) if before == start else f"{start} to {before}"
    return f"{closed} stay closed; {stopped} was not committed"


def stopped_line(start: date, stopped: date) -> str:
    """The one line Ctrl-C leaves after a day-by-day close: the day it stopped in, the days
    that stay closed, and how to go on."""
    line = f"interrupted while closing {stopped}: {kept_days(start, stopped)}"
    if stopped == start:
        return line
    return line + "; run the same command again to go on (the closed days are skipped)"


def days_summary(book: Rulebook, start: date, end: date, days: list[CloseSummary]) -> CloseSummary:
    """The days' summaries as one for ``start``..``end``: what they posted, reversed and left
    unchanged, entries and money by kind summed over the days this run closed, each day's
    warnings led by its date, and ``unchanged_inputs`` when every day was skipped. A skipped
    day adds no kinds (it posted nothing). ``close_key`` is the period's, which no entry
    carries: each day's entries carry that day's key."""
    result = EMPTY
    kinds: dict[str, tuple[int, int]] = {}
    warnings: list[str] = []
    for day in days:
        result += day.result
        for k in day.kinds:
            entries, moved = kinds.get(k.kind, (0, 0))
            kinds[k.kind] = (entries + k.entries, moved + k.moved_fen)
        warnings += [f"{day.start}: {w}" for w in day.warnings]
    return CloseSummary(
        rulebook=book.name,
        start=start,
        end=end,
        close_key=close_key(book.name, start, end),
        result=result,
        kinds=tuple(KindCount(k, e, m) for k, (e, m) in sorted(kinds.items())),
        fees_run=False,
        postings=sum(d.postings for d in days),
        seconds=sum(d.seconds for d in days),
        warnings=tuple(warnings),
        unchanged_inputs=bool(days) and all(d.unchanged_inputs for d in days),
        skipped_days=sum(d.skipped_days for d in days),
    )


def close_daily(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    *,
    progress: Progress | None = None,
) -> CloseSummary:
    """:func:`close_days` over ``start``..``end``, told as one summary (:func:`days_summary`),
    each day's end reported to ``progress``."""

    def on_day(summary: CloseSummary) -> None:
        if progress is not None:
            done = "unchanged" if summary.unchanged_inputs else f"{summary.postings:,} postings"
            progress(f"{summary.start} closed: {done}")

    days = close_days(con, book, start, end, progress=progress, on_day=on_day)
    return days_summary(book, start, end, days)
