"""What the history benches share: a journal grown a day at a time, read at several lengths.

``bench_lookups`` and ``bench_balances`` ask one question: does a day's read cost the same
after a year of history as after a month? Each appends days from :data:`FIRST`, one at a
time as daily closes append them (so the tables' row groups follow the days), and at each
asked length (in 30-day months) times its read two ways, the read the close makes and the
read it replaced, on the same rows. :func:`months_of_history` grows the history;
:func:`side_by_side` times both reads and refuses a pair that found different things.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from typing import TypeVar

import duckdb
from rich.console import Console

from bench.report import Result, emit, peak_mib

FIRST: date = date(2025, 1, 1)
"""The first day of every history these benches grow."""

T = TypeVar("T")


def months_of_history(
    con: duckdb.DuckDBPyConnection,
    months: Iterable[int],
    append: Callable[[date], None],
    console: Console,
) -> Iterator[tuple[int, date]]:
    """Call ``append(day)`` for each day from :data:`FIRST`, in order; at each length of
    ``months`` (shortest first) checkpoint and yield the length and the day after it."""
    day = FIRST
    for length in sorted(months):
        until = FIRST + timedelta(days=30 * length)
        while day < until:
            append(day)
            day += timedelta(days=1)
            if (day - FIRST).days % 30 == 0:
                console.print(f"  history: {(day - FIRST).days} days appended")
        con.execute("CHECKPOINT")
        yield length, day


def side_by_side(
    ours: Callable[[], tuple[float, T]],
    theirs: Callable[[], tuple[float, T]],
    repeat: int,
) -> tuple[float, float, T]:
    """The best CPU seconds of ``repeat`` runs of each read (each returns its seconds and
    what it found) and what they found; a ``SystemExit`` when the two found different
    things, since their times would then compare nothing."""
    mine = [ours() for _ in range(repeat)]
    other = [theirs() for _ in range(repeat)]
    if mine[0][1] != other[0][1]:
        raise SystemExit(f"the two reads disagree: {mine[0][1]!r} against {other[0][1]!r}")
    return min(s for s, _ in mine), min(s for s, _ in other), mine[0][1]


def report(bench: str, rows: int, best: float, base: float, extra: dict[str, object]) -> None:
    """Emit the longest history's figures: ``rows`` read in ``best`` CPU seconds, the
    replaced read's ``base`` on the same rows as the baseline."""
    emit(
        Result(
            bench=bench,
            rows=rows,
            seconds=best,
            peak_mib=peak_mib(),
            baseline_seconds=base,
            baseline_rows=rows,
            extra=extra,
        )
    )
