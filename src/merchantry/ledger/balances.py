"""Opening balances (期初余额): every account's balance before the first day of a month.

A balance the close reads (the deposit and the goods payment a top-up draws on, the goods
balances behind platform advances) is a sum of ``journal_movements`` up to a day. Summed
from the first day ever posted, that read grows with every day closed: after a year it
scans a year of movements on every day closed. ``journal_balances`` holds, for the first
day of a month (``as_of``), each account's sum of the movements booked before that day, so
a balance is that row plus the movements booked since: one or two months of movements,
whatever the length of the history.

* **Made** by the close when it first needs a month's (:func:`prepare`): the month before's
  rows plus that month's movements, or every movement before the day when there is no
  earlier one. A warehouse made before the table existed simply has none; the first close
  to need one makes it.
* **Kept exact**: every batch of movements the journal appends is also added to each
  existing month whose day comes after the movement's business day
  (:data:`BALANCE_DELTAS_OF`, in the same transaction as the movements). A correction
  booked on a day before the month (a reversal is booked on the day of the entry it
  reverses) therefore moves the month's opening too. Appended, never edited: several rows
  may share a key (sum them).
* **Proved** by ``merchantry ledger-check`` (``balances-disagree``): each month's rows sum,
  key for key, to the movements booked before its day.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb

from merchantry.store.sql import run_sql

NONE_BEFORE: Final = date.min
"""The snapshot day to read from when there is none: every movement then counts."""

LATEST: Final = "SELECT max(as_of) FROM journal_balances WHERE as_of <= $day"

OPEN_MONTH: Final = """
INSERT INTO journal_balances BY NAME
SELECT account, party, CAST($as_of AS DATE) AS as_of, sum(amount_fen) AS amount_fen,
       max(last_on) AS last_on, TRUE AS opening
FROM (
  SELECT account, party, amount_fen, last_on FROM journal_balances WHERE as_of = $since
  UNION ALL
  SELECT account, party, amount_fen, booked_on AS last_on FROM journal_movements
  WHERE booked_on >= $since AND booked_on < $as_of
) AS m
GROUP BY account, party
"""
"""The opening balances of ``$as_of``: those of ``$since`` (the latest earlier month that has
them, or :data:`NONE_BEFORE`) plus the movements booked from ``$since`` up to ``$as_of``."""

BALANCED_OF: Final = """
SELECT account, party, as_of - 1 AS booked_on, '' AS entry_kind, amount_fen, last_on
FROM journal_balances WHERE as_of = $snapshot
UNION ALL
SELECT account, party, booked_on, entry_kind, amount_fen, booked_on AS last_on
FROM journal_movements WHERE booked_on >= $snapshot
"""
"""``journal_movements`` as a balance reads them: the opening balances of ``$snapshot``, one
row per account dated the day before it (``last_on``: the last day money moved before it),
then the movements booked from ``$snapshot`` on. Summed up to any day on or after the day
before ``$snapshot``, the same balance as every movement summed; a reader filling this in
for ``journal_movements`` must not ask about a day before it."""

BALANCE_DELTAS_OF: Final = """
INSERT INTO journal_balances BY NAME
SELECT m.account, m.party, s.as_of, sum(m.amount_fen) AS amount_fen,
       max(m.booked_on) AS last_on, FALSE AS opening
FROM p_moved AS m
JOIN (SELECT DISTINCT as_of FROM journal_balances WHERE as_of > $booked_from) AS s
  ON m.booked_on < s.as_of
GROUP BY m.account, m.party, s.as_of
"""
"""A batch of movements (``p_moved``: ``account``, ``party``, ``booked_on``, ``amount_fen``,
none booked before ``$booked_from``) added to every month's opening balances whose day
comes after the movement's: nothing at all when the batch is booked on or after the latest
month's day, as a close of the current days is (the months' days are read only past
``$booked_from``, which the zone maps of an ``as_of`` appended in order skip)."""


def month_of(day: date) -> date:
    """The first day of ``day``'s month: the days opening balances are kept for."""
    return day.replace(day=1)


def latest(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    """The latest day on or before ``day`` with opening balances, or None."""
    row = run_sql(con, LATEST, {"day": day}).fetchone()
    return row[0] if row and row[0] is not None else None


def prepare(con: duckdb.DuckDBPyConnection, day: date) -> date:
    """The day whose opening balances a balance on ``day`` or after should start from:
    the first of ``day``'s month, made now (in the caller's transaction) from the latest
    earlier month's (or from every movement) when it has none yet; :data:`NONE_BEFORE`
    when no money moved before it."""
    target = month_of(day)
    found = latest(con, target)
    if found == target:
        return target
    since = found or NONE_BEFORE
    run_sql(con, OPEN_MONTH, {"as_of": target, "since": since})
    return latest(con, target) or NONE_BEFORE
