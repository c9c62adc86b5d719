"""Verify the whole journal; every problem names the entries or keys involved.

The checks are plain functions in an ordered tuple (:data:`CHECKS`), each a query
that returns offending ids; :func:`check_journal` runs them all and returns the
problems (empty: the journal is sound). :data:`CLOSE_CHECKS` are the cheap ones
the close runs inside its own transaction, over what it appended, before
it commits (:func:`check_close`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.ledger.accounts import Account
from merchantry.ledger.journal import ANCHORED_LIST, read_dayless, reads_undated
from merchantry.model.outputs import OVERTURN_KEY_PREFIX
from merchantry.store.sql import fill_sql, next_row_id, parse, run_sql, to_sql
from merchantry.store.warehouse import DAYLESS_ENTRIES, UNDATED_ENTRIES, by_a_period_close


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the journal."""

    code: str
    message: str
    ids: tuple[str, ...]
    """Offending entry ids, keys or accounts (at most a sample)."""
    count: int

    def __str__(self) -> str:
        sample = ", ".join(self.ids)
        return f"{self.code}: {self.message}: {self.count:,} (e.g. {sample})"


@dataclass(frozen=True, slots=True)
class Check:
    """A named query returning ``(id)`` rows that break one invariant."""

    code: str
    message: str
    sql: str
    needs: tuple[str, ...] = ()
    """``table.column``s the query reads that a warehouse made before them may lack (opened
    read-only, it is not given them): the check is skipped there."""


MOVEMENTS_DISAGREE_OF: Final = """
WITH digest AS (
  SELECT p IS DISTINCT FROM m AS differ
  FROM (
    SELECT [sum(lo * amount_fen), sum(hi * amount_fen), sum(lo), sum(hi)] AS p
    FROM (
      SELECT CAST(h % 2147483648 AS HUGEINT) AS lo, CAST(h >> 33 AS HUGEINT) AS hi, amount_fen
      FROM (SELECT hash(account, party, booked_on, entry_kind) AS h, amount_fen FROM p_postings)
    )
  ), (
    SELECT [sum(lo * amount_fen), sum(hi * amount_fen), sum(lo * n), sum(hi * n)] AS m
    FROM (
      SELECT CAST(h % 2147483648 AS HUGEINT) AS lo, CAST(h >> 33 AS HUGEINT) AS hi, amount_fen,
             postings AS n
      FROM (
        SELECT hash(account, party, booked_on, entry_kind) AS h, amount_fen, postings
        FROM p_movements
      )
    )
  )
)
SELECT account || ' ' || coalesce(nullif(party, ''), '-') || ' ' || CAST(booked_on AS VARCHAR)
       || ' ' || entry_kind
FROM (
  SELECT account, party, booked_on, entry_kind, sum(amount_fen) AS fen, count(*) AS n
  FROM p_postings WHERE (SELECT differ FROM digest)
  GROUP BY account, party, booked_on, entry_kind
) AS p
FULL JOIN (
  SELECT account, party, booked_on, entry_kind, sum(amount_fen) AS fen, sum(postings) AS n
  FROM p_movements WHERE (SELECT differ FROM digest)
  GROUP BY account, party, booked_on, entry_kind
) AS m USING (account, party, booked_on, entry_kind)
WHERE p.fen IS DISTINCT FROM m.fen OR p.n IS DISTINCT FROM m.n
"""
"""Account, owner, day and kind whose postings (``p_postings``) and movements
(``p_movements``) do not sum to the same money and count. The exact test groups both sides
by account, owner, day and kind (1.4–1.6 CPU s for a 1 M-order month's 6.25 M postings), so
it runs only when a digest of each side differs: the money and the count weighted by two
31-bit halves of a hash of the group's key, summed without grouping (0.2 s). Right
movements make the digests equal whatever the hash, as each is the same weighted sum of the
groups' totals; a group whose money or count differs makes them differ unless its
difference times two weights drawn from its key cancels against the other groups' in both
halves at once. Weights under 2^31 keep the sums inside HUGEINT for any amount in BIGINT
over 2^32 rows."""

MOVEMENTS_DISAGREE: Final = fill_sql(
    MOVEMENTS_DISAGREE_OF,
    p_postings=parse("SELECT * FROM journal_postings WHERE rowid >= $postings_from"),
    p_movements=parse("SELECT * FROM journal_movements WHERE rowid >= $movements_from"),
)
"""The check over what a close appended (past its :class:`JournalMark`)."""

WHOLE_MOVEMENTS_DISAGREE: Final = fill_sql(
    MOVEMENTS_DISAGREE_OF, p_postings="journal_postings", p_movements="journal_movements"
)
"""The same over the whole journal (no row ids: on a warehouse opened read-only before the
table was built, ``journal_movements`` is a view of the postings)."""

DUPLICATE_LEGS_OF: Final = """
SELECT entry_id || '#' || leg FROM p_postings
WHERE entry_id IN (
  SELECT entry_id FROM p_postings GROUP BY entry_id
  HAVING count(*) <> bit_count(
    coalesce(bit_or(CASE WHEN leg BETWEEN 1 AND 62 THEN CAST(1 AS BIGINT) << leg END), 0))
)
GROUP BY entry_id, leg HAVING count(*) > 1
"""
"""Legs of ``p_postings`` posted more than once (``entry#leg``). The exact test, a group by
entry and leg, is costly over millions of postings (2.7–6.3 CPU s for a 1 M-order month's
6.25 M, against 0.55 s for one group by entry), so it runs only on the entries that could
hold a repeat: those whose count of postings differs from the number of distinct legs a
bit mask of legs 1–62 sees. An entry whose legs are distinct and all within 1–62 (every
entry the close posts) has as many bits as postings and cannot hold a repeat; a repeat, or
any leg outside 1–62 or NULL, makes the two differ, and the exact test decides."""

DUPLICATE_LEGS: Final = fill_sql(DUPLICATE_LEGS_OF, p_postings="journal_postings")

BALANCES_DISAGREE: Final = """
SELECT account || ' ' || coalesce(nullif(party, ''), '-') || ' before ' || CAST(as_of AS VARCHAR)
FROM (
  SELECT account, party, as_of, sum(amount_fen) AS fen, max(last_on) AS last_on
  FROM journal_balances GROUP BY account, party, as_of
) AS b
FULL JOIN (
  SELECT m.account, m.party, s.as_of, sum(m.amount_fen) AS fen, max(m.booked_on) AS last_on
  FROM (SELECT DISTINCT as_of FROM journal_balances) AS s
  JOIN journal_movements AS m ON m.booked_on < s.as_of
  GROUP BY m.account, m.party, s.as_of
) AS m USING (account, party, as_of)
WHERE b.fen IS DISTINCT FROM m.fen OR b.last_on IS DISTINCT FROM m.last_on
"""
"""Account, owner and month whose opening balances (``journal_balances``) are not the sum of
the movements booked before the month's first day, or name another last day money moved
(:mod:`merchantry.ledger.balances`)."""

SHOPS_DISAGREE: Final = fill_sql(
    """
SELECT coalesce(e.shop_id, i.shop_id) FROM (
  SELECT shop_id, least(count(DISTINCT close_key), 2) AS closes FROM journal_entries
  WHERE shop_id IS NOT NULL AND close_key IS NOT NULL AND p_by_a_close GROUP BY shop_id
) AS e
FULL JOIN (
  SELECT shop_id, count(DISTINCT close_key) AS closes, count(*) AS n FROM journal_shops
  GROUP BY shop_id
) AS i USING (shop_id)
WHERE e.closes IS DISTINCT FROM i.closes OR i.n <> i.closes
UNION
SELECT i.shop_id FROM journal_shops AS i
WHERE NOT EXISTS (
  SELECT 1 FROM journal_entries AS e WHERE e.shop_id = i.shop_id AND e.close_key = i.close_key
) OR NOT (p_by_a_close)
""",
    p_by_a_close=by_a_period_close(),
)
"""Shops whose rows in ``journal_shops`` are not one close for a shop posted by one close
and two distinct ones for a shop posted by more, each a period close that did post the
shop, or that have no row (:mod:`merchantry.ledger.shops`; entries posted apart from a
period's close are not indexed)."""

SHOPS_CHECK_CODE: Final = "shops-index-disagrees"

SHOPS_NOT_INDEXED: Final = fill_sql(
    """
WITH new AS (
  SELECT DISTINCT shop_id, close_key FROM journal_entries
  WHERE rowid >= $entries_from AND shop_id IS NOT NULL AND close_key IS NOT NULL
    AND p_by_a_close
), indexed AS (
  SELECT shop_id, list(close_key) AS closes FROM journal_shops
  WHERE shop_id IN (SELECT shop_id FROM new) GROUP BY shop_id
)
SELECT DISTINCT n.shop_id FROM new AS n LEFT JOIN indexed AS i USING (shop_id)
WHERE i.closes IS NULL OR (len(i.closes) < 2 AND NOT list_contains(i.closes, n.close_key))
""",
    p_by_a_close=by_a_period_close(),
)
"""Shops a close posted that the index does not hold with that close (or with two closes
already): what the journal's inserts must have added
(:data:`merchantry.ledger.shops.INDEX_SHOPS_OF`)."""

UNDATED_CHECK_CODE: Final = "undated-index-disagrees"

UNDATED_NOT_INDEXED: Final = fill_sql(
    """
SELECT e.entry_id FROM journal_entries AS e
WHERE e.rowid >= $entries_from AND e.order_paid_on IS NULL
  AND (list_contains(p_kinds, e.kind)
       OR (e.kind = 'reversal' AND e.reverses IN (SELECT entry_id FROM journal_undated)))
  AND e.entry_id NOT IN (SELECT entry_id FROM journal_undated)
""",
    p_kinds=ANCHORED_LIST,
)
"""Entries a close posted without a payment day though their kind carries one, or that
reverse such an entry, that the index of them (``journal_undated``) lacks: what the
journal's inserts must have added (:data:`merchantry.ledger.journal.UNDATED_INDEX_OF`)."""

UNDATED_DISAGREE: Final = fill_sql(
    """
SELECT entry_id FROM (
  SELECT entry_id, logical_key, kind FROM (p_undated)
  EXCEPT ALL SELECT entry_id, logical_key, kind FROM journal_undated)
UNION
SELECT entry_id FROM (
  SELECT entry_id, logical_key, kind FROM journal_undated
  EXCEPT ALL SELECT entry_id, logical_key, kind FROM (p_undated))
""",
    p_undated=parse(UNDATED_ENTRIES),
)
"""Entries the index of undated entries (``journal_undated``) lacks, holds twice, or holds
though they carry a payment day, are of another kind or are not in the journal at all."""

DAYLESS_CHECK_CODE: Final = "dayless-index-disagrees"

DAYLESS_NOT_INDEXED: Final = """
SELECT e.entry_id FROM journal_entries AS e
WHERE e.rowid >= $entries_from AND e.order_paid_on IS NULL
  AND e.entry_id NOT IN (
    SELECT entry_id FROM journal_dayless
    WHERE booked_on >= (SELECT min(booked_on) FROM journal_entries
                        WHERE rowid >= $entries_from AND order_paid_on IS NULL))
"""
"""Entries a close posted without a payment day whose header ``journal_dayless`` lacks (on
their business date: the index is appended in the order of the days, so the read is of the
close's own days): what the journal's inserts must have added
(:data:`merchantry.ledger.journal.DAYLESS_INDEX_OF`)."""

DAYLESS_DISAGREE: Final = fill_sql(
    """
SELECT entry_id FROM (
  SELECT entry_id, logical_key, kind, booked_on, rulebook, signature, reverses FROM (p_dayless)
  EXCEPT ALL
  SELECT entry_id, logical_key, kind, booked_on, rulebook, signature, reverses FROM journal_dayless)
UNION
SELECT entry_id FROM (
  SELECT entry_id, logical_key, kind, booked_on, rulebook, signature, reverses FROM journal_dayless
  EXCEPT ALL
  SELECT entry_id, logical_key, kind, booked_on, rulebook, signature, reverses FROM (p_dayless))
""",
    p_dayless=parse(DAYLESS_ENTRIES),
)
"""Entries whose header ``journal_dayless`` lacks, holds twice or holds wrong (another kind,
day, signature, …), or holds though they carry a payment day or are not in the journal."""

DAY_MISPLACED: Final = fill_sql(
    """
SELECT e.entry_id FROM journal_entries AS e
WHERE e.order_paid_on IS NOT NULL AND e.kind <> 'reversal' AND NOT list_contains(p_kinds, e.kind)
UNION
SELECT r.entry_id FROM journal_entries AS r JOIN journal_entries AS e ON e.entry_id = r.reverses
WHERE r.order_paid_on IS DISTINCT FROM e.order_paid_on
""",
    p_kinds=ANCHORED_LIST,
)
"""Entries carrying a payment day though their kind carries none, and reversals whose day is
not the reversed entry's: the look-ups of the stages whose kinds carry no day read only the
entries without one (:data:`merchantry.ledger.journal.KNOWN_DAYLESS`)."""

SETTLED_ACCOUNTS: Final = (
    Account.MERCHANT_PENDING,
    Account.MERCHANT_HELD,
    Account.CREATOR_PAYABLE,
    Account.COLONEL_PAYABLE,
)
"""The accounts whose postings about an order the settlement stagings sum per order
(:mod:`merchantry.ledger.settlement`, :mod:`merchantry.ledger.install_holds`)."""

UNDATED_SETTLED: Final = fill_sql(
    """
SELECT DISTINCT p.entry_id FROM journal_postings AS p
WHERE p.order_id IS NOT NULL AND p.order_paid_on IS NULL AND list_contains(p_accounts, p.account)
  AND p.entry_id NOT IN (SELECT entry_id FROM journal_undated)
""",
    p_accounts=exp.convert([a.value for a in SETTLED_ACCOUNTS]),
)
"""Postings about an order, on an account the settlements sum per order, that carry no
payment day and whose entry the index of undated entries does not hold: while that index
is empty the settlement stagings look such postings up among their orders' payment days
only (:func:`merchantry.ledger.journal.reads_undated`), so one would be left out of its
order's settlement. None is written today: the kinds that name an order without its day
move other accounts (a reward's order subsidy moves ``platform_subsidy``)."""

MOVEMENTS_CHECK_CODE: Final = "movements-disagree"
MOVEMENTS_CHECK_TEXT: Final = "account-days whose journal_movements do not sum their postings"

CHECKS: Final[tuple[Check, ...]] = (
    Check(
        "unbalanced-entry",
        "entries whose postings do not sum to zero",
        "SELECT entry_id FROM journal_postings GROUP BY entry_id HAVING sum(amount_fen) <> 0",
    ),
    Check(
        "duplicate-entry-id",
        "entry ids posted more than once",
        "SELECT entry_id FROM journal_entries GROUP BY entry_id HAVING count(*) > 1",
    ),
    Check(
        "duplicate-leg",
        "legs posted more than once",
        DUPLICATE_LEGS,
    ),
    Check(
        "entry-without-postings",
        "entries with no postings",
        "SELECT entry_id FROM journal_entries"
        " WHERE entry_id NOT IN (SELECT entry_id FROM journal_postings)",
    ),
    Check(
        "orphan-posting",
        "postings whose entry does not exist",
        "SELECT DISTINCT entry_id FROM journal_postings"
        " WHERE entry_id NOT IN (SELECT entry_id FROM journal_entries)",
    ),
    Check(
        "posting-date",
        "postings booked on another date than their entry",
        "SELECT DISTINCT p.entry_id FROM journal_postings AS p JOIN journal_entries AS e"
        " USING (entry_id) WHERE p.booked_on <> e.booked_on",
    ),
    Check(
        "unknown-account",
        "postings to an account not in the chart of accounts",
        "SELECT DISTINCT account FROM journal_postings WHERE NOT list_contains($accounts, account)",
    ),
    Check(
        "two-live-revisions",
        "event keys with more than one live (unreversed) entry",
        "SELECT logical_key FROM journal_entries WHERE kind <> 'reversal' AND entry_id NOT IN"
        " (SELECT reverses FROM journal_entries WHERE reverses IS NOT NULL)"
        " GROUP BY logical_key HAVING count(*) > 1",
    ),
    Check(
        "entry-id-not-derived",
        "entries whose id is not derived from their key and revision",
        "SELECT entry_id FROM journal_entries WHERE kind <> 'reversal'"
        " AND entry_id <> md5(logical_key || ':' || CAST(revision AS VARCHAR))",
    ),
    Check(
        "bad-reversal",
        "reversals that do not exactly negate the entry they reverse",
        """
        SELECT r.entry_id FROM journal_entries AS r
        LEFT JOIN journal_entries AS o ON o.entry_id = r.reverses
        WHERE r.kind = 'reversal' AND (o.entry_id IS NULL OR EXISTS (
          SELECT 1 FROM journal_postings AS a FULL JOIN (
            SELECT * FROM journal_postings WHERE entry_id = r.entry_id
          ) AS b ON a.leg = b.leg
          WHERE a.entry_id = r.reverses
            AND (b.leg IS NULL OR a.amount_fen <> -b.amount_fen OR a.account <> b.account
                 OR a.party <> b.party)))
        """,
    ),
    Check(
        "reversed-twice",
        "entries reversed more than once",
        "SELECT reverses FROM journal_entries WHERE reverses IS NOT NULL"
        " GROUP BY reverses HAVING count(*) > 1",
    ),
    Check(
        "statement-does-not-reconcile",
        "shop accounts whose month-end balances differ from opening + movements",
        """
        WITH months AS (
          SELECT DISTINCT last_day(booked_on) AS month_end FROM journal_postings
        ), moves AS (
          SELECT party, account, last_day(booked_on) AS month_end, sum(amount_fen) AS moved
          FROM journal_postings WHERE account LIKE 'merchant_%' GROUP BY ALL
        ), running AS (
          SELECT party, account, month_end,
                 sum(moved) OVER (PARTITION BY party, account ORDER BY month_end) AS closing
          FROM moves
        ), direct AS (
          SELECT p.party, p.account, m.month_end, sum(p.amount_fen) AS closing
          FROM journal_postings AS p JOIN months AS m ON p.booked_on <= m.month_end
          WHERE p.account LIKE 'merchant_%' GROUP BY ALL
        )
        SELECT r.party || '/' || r.account || '@' || CAST(r.month_end AS VARCHAR)
        FROM running AS r JOIN direct AS d USING (party, account, month_end)
        WHERE r.closing <> d.closing
        """,
    ),
    Check(
        "duplicate-schedule",
        "orders with more than one payout-schedule row",
        "SELECT order_id FROM order_payouts GROUP BY order_id HAVING count(*) > 1",
    ),
    Check(
        "money-not-conserved",
        "accounts: the sum of every balance is not zero",
        "SELECT 'all accounts' FROM journal_postings HAVING coalesce(sum(amount_fen), 0) <> 0",
    ),
    Check(MOVEMENTS_CHECK_CODE, MOVEMENTS_CHECK_TEXT, WHOLE_MOVEMENTS_DISAGREE),
    Check(
        "balances-disagree",
        "month opening balances that are not the movements booked before the month",
        BALANCES_DISAGREE,
        needs=("journal_balances.as_of",),
    ),
    Check(
        "wrong-payment-day",
        "entries whose order_paid_on is not their order's payment day",
        "SELECT e.entry_id FROM journal_entries AS e"
        " LEFT JOIN orders AS o ON o.order_id = e.order_id"
        " WHERE e.order_paid_on IS NOT NULL"
        " AND e.order_paid_on IS DISTINCT FROM CAST(o.paid_at AS DATE)",
        needs=("journal_entries.order_paid_on",),
    ),
    Check(
        "posting-payment-day",
        "postings whose order_paid_on differs from their entry's",
        "SELECT DISTINCT p.entry_id FROM journal_postings AS p JOIN journal_entries AS e"
        " USING (entry_id) WHERE p.order_paid_on IS DISTINCT FROM e.order_paid_on",
        needs=("journal_entries.order_paid_on", "journal_postings.order_paid_on"),
    ),
    Check(SHOPS_CHECK_CODE, "shops whose closes journal_shops does not hold right", SHOPS_DISAGREE),
    Check(
        UNDATED_CHECK_CODE,
        "entries journal_undated does not hold right (of a kind with a payment day, without one)",
        UNDATED_DISAGREE,
        needs=("journal_entries.order_paid_on", "journal_undated.entry_id"),
    ),
    Check(
        DAYLESS_CHECK_CODE,
        "entries journal_dayless does not hold right (the header of each without a payment day)",
        DAYLESS_DISAGREE,
        needs=("journal_entries.order_paid_on", "journal_dayless.entry_id"),
    ),
    Check(
        "payment-day-misplaced",
        "entries carrying a payment day their kind does not carry, or reversals whose day is "
        "not the reversed entry's",
        DAY_MISPLACED,
        needs=("journal_entries.order_paid_on",),
    ),
    Check(
        "undated-settled-posting",
        "postings about an order on an account settled per order, with no payment day, "
        "not in journal_undated",
        UNDATED_SETTLED,
        needs=("journal_postings.order_paid_on", "journal_undated.entry_id"),
    ),
)
"""Every check of ``merchantry ledger-check``. ``wrong-payment-day`` and
``posting-payment-day`` hold what the close's look-ups prune the journal by
(:data:`merchantry.ledger.journal.KNOWN`): a payment day on an entry is its order's, and a
posting carries its entry's. A wrong one could hide an earlier revision from the look-up,
and from the close's own duplicate-id check, which prunes by the same days
(:data:`DUPLICATE_ENTRY_SINCE`); these checks and ``duplicate-entry-id``, which reads every
id, find it. The last holds the index of shops the deposit stage reads instead of every
entry's shop to the entries (:data:`SHOPS_DISAGREE`)."""


@dataclass(frozen=True, slots=True)
class JournalMark:
    """Where the journal ended when a close began: the first row id a row appended after it
    can have, per table (one past the largest row id, so rows deleted earlier leave no older
    row past the mark). A close's checks read the rows from the mark on, not the history."""

    entries: int
    postings: int
    movements: int
    balances: int


def journal_mark(con: duckdb.DuckDBPyConnection) -> JournalMark | None:
    """The :class:`JournalMark` now (call it inside the close's transaction, before posting);
    ``None`` on an engine whose tables have no row ids (a connection whose ``row_ids`` is
    false: the close on Spark), where the checks find the close's entries by its key."""
    if not getattr(con, "row_ids", True):
        return None
    tables = ("journal_entries", "journal_postings", "journal_movements", "journal_balances")
    marks = (exp.Subquery(this=next_row_id(t)) for t in tables)
    row = con.execute(to_sql(exp.select(*marks))).fetchone()
    assert row is not None
    return JournalMark(int(row[0]), int(row[1]), int(row[2]), int(row[3]))


NEW_SPAN: Final = (
    "SELECT min(order_paid_on), max(order_paid_on), count(*) FILTER (WHERE order_paid_on IS NULL)"
    " FROM journal_entries WHERE rowid >= $entries_from"
)
"""The span of payment days of the entries appended since a mark (NULL when none has one),
and how many carry none."""


def new_span(con: duckdb.DuckDBPyConnection, entries_from: int) -> dict[str, object]:
    """``paid_from``/``paid_to`` of :data:`NEW_SPAN`: the payment days of the entries appended
    since row ``entries_from`` (both ``None`` when none carries one), and ``undated``: how
    many of them carry none."""
    row = run_sql(con, NEW_SPAN, {"entries_from": entries_from}).fetchone()
    low, high, undated = row if row else (None, None, 0)
    return {"paid_from": low, "paid_to": high, "undated": int(undated or 0)}


DUPLICATE_ENTRY_SINCE_OF: Final = """
SELECT entry_id FROM (
  SELECT entry_id FROM journal_entries
  WHERE p_dated AND order_paid_on BETWEEN $paid_from AND $paid_to
  UNION ALL
  SELECT entry_id FROM journal_dayless WHERE p_dayless)
WHERE entry_id IN (SELECT entry_id FROM journal_entries WHERE rowid >= $entries_from)
GROUP BY entry_id HAVING count(*) > 1
"""

DUPLICATE_ENTRY_SINCE, DUPLICATE_DATED_SINCE, _ = read_dayless(DUPLICATE_ENTRY_SINCE_OF)
"""Ids appended since a mark (``$entries_from``) that the journal holds more than once,
looked up among the entries of the new entries' payment days (:data:`NEW_SPAN`:
``$paid_from``..``$paid_to``) and among those of none, through their headers in
``journal_dayless`` (not every row group of the journal). When every new entry carries
a day and the journal has no entry of a kind that carries one without it
(:func:`~merchantry.ledger.journal.reads_undated`), an id posted again carries the same day as
its first posting, and :data:`DUPLICATE_DATED_SINCE` leaves out the entries without a day."""


NEW_SUMS: Final = """
CREATE OR REPLACE TEMP TABLE ledger_new_sums AS
SELECT entry_id, sum(amount_fen) AS fen, count(*) AS postings,
       bit_count(coalesce(bit_or(
         CASE WHEN leg BETWEEN 1 AND 62 THEN CAST(1 AS BIGINT) << leg END), 0)) AS legs,
       sum(abs(amount_fen)) AS moved_fen
FROM journal_postings WHERE rowid >= $postings_from
GROUP BY entry_id
"""
"""The postings appended since a mark summed per entry, in one pass: their money (an entry
balances when it is 0), their count and how many distinct legs 1–62 they hold (equal for
every entry whose legs are distinct and in range, see :data:`DUPLICATE_LEGS_OF`), and the
money they moved (the close's summary, :data:`merchantry.ledger.close.KIND_COUNTS_SINCE`).
Three of :data:`CLOSE_CHECKS` and the summary read it instead of grouping the new postings
by entry three times more (a 1 M-order month: 6.25 M postings into 2 M entries)."""

DUPLICATE_LEGS_NEW: Final = """
SELECT entry_id || '#' || leg FROM journal_postings
WHERE rowid >= $postings_from
  AND entry_id IN (SELECT entry_id FROM ledger_new_sums WHERE postings <> legs)
GROUP BY entry_id, leg HAVING count(*) > 1
"""
"""Legs appended since a mark posted more than once: the exact test, run only on the new
entries whose count of postings differs from their distinct legs (:data:`NEW_SUMS`)."""

CLOSE_CHECKS: Final[tuple[Check, ...]] = (
    Check("duplicate-entry", "entry ids posted more than once", DUPLICATE_ENTRY_SINCE),
    Check(
        "unbalanced-entry",
        "entries whose postings do not sum to zero",
        "SELECT entry_id FROM ledger_new_sums WHERE fen <> 0",
    ),
    Check("duplicate-leg", "legs posted more than once", DUPLICATE_LEGS_NEW),
    Check(
        "posting-outside-close",
        "postings written to entries the close did not post",
        "SELECT entry_id FROM ledger_new_sums WHERE entry_id NOT IN"
        " (SELECT entry_id FROM journal_entries WHERE rowid >= $entries_from)",
    ),
    Check(MOVEMENTS_CHECK_CODE, MOVEMENTS_CHECK_TEXT, MOVEMENTS_DISAGREE),
    Check(SHOPS_CHECK_CODE, "shops the close posted that journal_shops lacks", SHOPS_NOT_INDEXED),
    Check(
        UNDATED_CHECK_CODE,
        "entries the close posted without a payment day that journal_undated lacks",
        UNDATED_NOT_INDEXED,
    ),
    Check(
        DAYLESS_CHECK_CODE,
        "entries the close posted without a payment day that journal_dayless lacks",
        DAYLESS_NOT_INDEXED,
    ),
    Check(
        "opening-made-twice",
        "months whose opening balances were made again",
        "SELECT DISTINCT CAST(as_of AS VARCHAR) FROM journal_balances"
        " WHERE opening AND rowid < $balances_from AND as_of IN ("
        "SELECT as_of FROM journal_balances WHERE opening AND rowid >= $balances_from)",
    ),
)
"""Cheap invariants over what one close appended, checked before it commits. They read the
rows appended since the close's :class:`JournalMark` (a row-id range DuckDB prunes to
those rows), three of them through the new postings' sums per entry (:data:`NEW_SUMS`, made
first), except the entry ids' uniqueness and the months' openings, which look the new
ids and months up among the earlier ones. The ids are looked up among the entries whose
order was paid within the new entries' span of payment days, or that carry none, through
their headers (``$paid_from``..``$paid_to``, :data:`NEW_SPAN`; ``journal_dayless``, which
the close's check of the headers holds to the new entries): an id is derived from its
event's key and revision, an event's order and its payment day never change, so an id
posted again carries the same payment day as its first posting, and zone maps skip the
other days' row groups
(a day's close does not read every id ever posted; ``merchantry ledger-check`` still does).
Together they keep the journal's money invariants: the new postings balance per entry
and repeat no leg, no older entry gains a posting, no id is posted twice,
``journal_movements`` gained exactly the new postings' sums, every shop posted is in the
index of shops, every entry posted without a payment day of a kind that has one (or
reversing one) is in the index of undated entries, every entry posted without a payment
day has its header in ``journal_dayless``, and no month's opening
balances were made a second time (which would count them twice; a Spark close over tables
exported before the month was opened would).
(An entry posted with no postings moves no money; ``merchantry ledger-check`` finds it.)"""


OUTSIDE_PERIOD: Final = Check(
    "entry-outside-period",
    "entries the close booked outside its period",
    "SELECT entry_id FROM journal_entries WHERE rowid >= $entries_from"
    " AND close_key = $close_key AND booked_on NOT BETWEEN $start AND $end",
)
"""Every entry a close posts under its own key is booked inside its period (a reversal of an
orphan on its last day, of a changed entry on the new revision's day): held before commit, so
an earlier run's entries are found among the period's row groups
(:data:`merchantry.ledger.close.EARLIER_RUN`) without reading the whole journal."""

TOUCHED: Final = """
SELECT entry_id FROM journal_entries
WHERE close_key = $close_key OR starts_with(close_key, $overturn)
"""
"""Entries a close touched: those carrying its key (its postings and its corrections'
reversals) and overturn reversals (the close posts those first)."""

BY_KEY_CHECKS: Final[tuple[Check, ...]] = (
    Check(
        "duplicate-entry",
        "entry ids posted more than once",
        fill_sql(
            "SELECT entry_id FROM journal_entries WHERE entry_id IN (SELECT entry_id FROM"
            " p_touched) GROUP BY entry_id HAVING count(*) > 1",
            p_touched=parse(TOUCHED),
        ),
    ),
    Check(
        "unbalanced-entry",
        "entries whose postings do not sum to zero",
        fill_sql(
            "SELECT entry_id FROM journal_postings"
            " WHERE entry_id IN (SELECT entry_id FROM p_touched)"
            " GROUP BY entry_id HAVING sum(amount_fen) <> 0",
            p_touched=parse(TOUCHED),
        ),
    ),
    Check(
        "duplicate-leg",
        "legs posted more than once",
        fill_sql(
            "SELECT entry_id || '#' || leg FROM journal_postings"
            " WHERE entry_id IN (SELECT entry_id FROM p_touched)"
            " GROUP BY entry_id, leg HAVING count(*) > 1",
            p_touched=parse(TOUCHED),
        ),
    ),
)
"""The close's checks where tables have no row ids (Spark): the entries carrying the
close's key (and overturn reversals), found over the whole journal, and their postings."""


def _present_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name || '.' || column_name FROM information_schema.columns"
    ).fetchall()
    return {str(r[0]) for r in rows}


def _run_checks(
    con: duckdb.DuckDBPyConnection,
    checks: tuple[Check, ...],
    params: dict[str, object],
    sample: int,
    on_check: Callable[[str], None] | None = None,
) -> list[Problem]:
    problems = []
    needed = {need for check in checks for need in check.needs}
    present = _present_columns(con) if needed else set()
    for check in checks:
        if not set(check.needs) <= present:
            continue  # an older warehouse opened read-only: nothing could have used it
        if on_check is not None:
            on_check(check.code)
        rows = run_sql(con, check.sql, params).fetchall()
        if rows:
            ids = tuple(sorted(str(r[0]) for r in rows)[:sample])
            problems.append(Problem(check.code, check.message, ids, len(rows)))
    return problems


def check_close(
    con: duckdb.DuckDBPyConnection,
    since: JournalMark | None,
    close_key: str,
    *,
    sample: int = 5,
    period: tuple[date, date] | None = None,
) -> list[Problem]:
    """The :data:`CLOSE_CHECKS` over what was appended to the journal ``since`` the mark (in
    the close's transaction; leaves the new postings' sums per entry in the temp table
    ``ledger_new_sums`` (:data:`NEW_SUMS`) for the close's summary); with ``period`` (the
    close's first and last day), also :data:`OUTSIDE_PERIOD`; without a mark,
    :data:`BY_KEY_CHECKS` over the entries of ``close_key``."""
    if since is None:
        keyed: dict[str, object] = {"close_key": close_key, "overturn": OVERTURN_KEY_PREFIX}
        return _run_checks(con, BY_KEY_CHECKS, keyed, sample)
    params: dict[str, object] = {
        **new_span(con, since.entries),
        "entries_from": since.entries,
        "postings_from": since.postings,
        "movements_from": since.movements,
        "balances_from": since.balances,
    }
    run_sql(con, NEW_SUMS, {"postings_from": since.postings})
    checks = CLOSE_CHECKS
    if not params["undated"] and not reads_undated(con, params["paid_from"], params["paid_to"]):
        checks = tuple(
            dataclasses.replace(c, sql=DUPLICATE_DATED_SINCE)
            if c.sql == DUPLICATE_ENTRY_SINCE
            else c
            for c in checks
        )
    if period is not None:
        checks = (*checks, OUTSIDE_PERIOD)
        params.update(close_key=close_key, start=period[0], end=period[1])
    return _run_checks(con, checks, params, sample)


def check_journal(
    con: duckdb.DuckDBPyConnection,
    *,
    sample: int = 5,
    on_check: Callable[[str], None] | None = None,
) -> list[Problem]:
    """Run every check; the problems found (empty when the journal is sound)."""
    accounts = [a.value for a in Account]
    return _run_checks(con, CHECKS, {"accounts": accounts}, sample, on_check)
