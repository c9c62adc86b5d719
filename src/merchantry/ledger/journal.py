"""The append-only journal: stage target entries, then post only what changed.

A stage of the close writes the entries it *should* have posted into the temp
table ``ledger_stage`` (one row per entry, its legs as a list), then
:func:`post_staged` compares them with the live journal by ``logical_key``:

* same signature as the live entry: nothing (this is why a second run posts nothing);
* no live entry: post it, revision 0 (or the next revision after a reversal);
* a different live entry: post a ``reversal`` of it, then the new revision;
* a live entry in the stage's scope with no target any more: reverse it.

A target whose money event was overturned (``overturned_entries``: a risk case
overturned the decision behind one of its entries) is dropped before the
comparison: the overturn's reversal (:mod:`merchantry.ledger.overturns`) stands
and the event is never posted again.

Nothing is ever updated or deleted. ``entry_id`` is the idempotency key
(``md5(logical_key || ':' || revision)``) and the table's primary key, so a
second insert of the same entry cannot happen. ``logical_key`` is
``md5(namespace || source_id)`` where the namespace is
``kit.ids.stable_key("ledger", kind)``: the key is derived from the source
event and the kind; the rules applied are part of the signature, so a changed
rule produces a correction. Zero-amount legs are dropped; an entry left with no
legs is not posted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, NamedTuple

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import IntegrityError
from merchantry.kit.ids import stable_key
from merchantry.ledger.balances import BALANCE_DELTAS_OF
from merchantry.ledger.shops import INDEX_SHOPS_OF
from merchantry.model.outputs import ANCHORED_KINDS
from merchantry.store.sql import fill_sql, parse
from merchantry.store.sql import run_sql as run_sql  # re-exported for the ledger stages

STAGE_DDL: Final = """
CREATE OR REPLACE TEMP TABLE ledger_stage (
  logical_key VARCHAR,
  kind VARCHAR,
  source_id VARCHAR,
  order_id VARCHAR,
  shop_id VARCHAR,
  booked_on DATE,
  legs STRUCT(account VARCHAR, party VARCHAR, amount_fen BIGINT, rule_id VARCHAR)[]
)
"""

LEG_MACRO: Final = """
CREATE OR REPLACE TEMP MACRO ledger_leg(account, party, amount, rule) AS
  {'account': account, 'party': coalesce(party, ''), 'amount_fen': CAST(amount AS BIGINT),
   'rule_id': rule}
"""

LEGS_TEXT_MACRO: Final = """
CREATE OR REPLACE TEMP MACRO ledger_legs_text(legs) AS CAST(legs AS VARCHAR)
"""
"""The legs' text the signature hashes (a macro, so another engine can give it DuckDB's
text written out: ``merchantry.spark.legs``)."""

READY_OF: Final = """
CREATE OR REPLACE TEMP TABLE ledger_ready AS
SELECT logical_key, kind, source_id, order_id, shop_id, booked_on, legs,
       md5(kind || '|' || CAST(booked_on AS VARCHAR) || '|' || ledger_legs_text(legs))
         AS signature,
       d.paid_on AS order_paid_on, md5(logical_key || ':0') AS new_id
FROM (
  SELECT logical_key, kind, source_id, order_id, shop_id, booked_on,
         list_filter(legs, lambda l: l.amount_fen <> 0) AS legs
  FROM ledger_stage
) AS r
LEFT JOIN p_days AS d USING (order_id)
WHERE array_length(legs) > 0
"""

READY: Final = fill_sql(
    READY_OF,
    p_days=parse(
        "SELECT CAST(NULL AS VARCHAR) AS order_id, CAST(NULL AS DATE) AS paid_on WHERE FALSE"
    ),
)
"""The staged entries with their zero legs dropped, their signatures and the id each would
take as an event's first posting (``new_id``, revision 0: what most are, and all when the
journal knows none of the stage's keys, :data:`FRESH`): entries of a stage that does not say
what its orders' payment days are (see :data:`READY_ANCHORED`)."""

READY_ANCHORED: Final = fill_sql(
    READY_OF, p_days=parse("SELECT order_id, paid_on FROM ledger_schedule")
)
""":data:`READY` for the close's order events and settlements: each entry about an order
scheduled in ``ledger_schedule`` (the close's payout schedule, one row per order) carries
that order's payment day (``journal_entries.order_paid_on``), which the look-ups by logical
key prune the journal by (:data:`KNOWN`)."""

DROP_OVERTURNED: Final = """
DELETE FROM ledger_ready WHERE logical_key IN (
  SELECT e.logical_key FROM overturned_entries AS o JOIN journal_entries AS e USING (entry_id)
)
"""

DUPLICATE_STAGE: Final = """
SELECT logical_key, count(*) FROM ledger_ready GROUP BY logical_key HAVING count(*) > 1 LIMIT 5
"""

STAGED: Final = """
SELECT count(*),
       count(DISTINCT logical_key) + CASE WHEN count(*) > count(logical_key) THEN 1 ELSE 0 END,
       count(*) FILTER (WHERE NOT list_contains($kinds, kind)),
       min(order_paid_on), max(order_paid_on), count(*) FILTER (WHERE order_paid_on IS NULL),
       min(booked_on), count(*) FILTER (WHERE signature IS NOT NULL)
FROM ledger_ready
"""
"""One pass over the staged entries: how many, how many distinct keys (a NULL key counted
once, as ``GROUP BY`` groups it), how many outside the stage's kinds, the span of their
orders' payment days (with how many have none) and their first business day; the queries
that name the offenders (:data:`DUPLICATE_STAGE`, :data:`OUT_OF_SCOPE`) run only when there
are some; and how many have a signature (the entries :data:`FRESH` posts)."""

IN_SCOPE: Final = """
SELECT count(*) FROM journal_entries
WHERE list_contains($kinds, kind) AND booked_on BETWEEN $start AND $end
"""
"""Entries, live or reversed, of the stage's kinds booked in its period: with nothing
staged and none of these, there is nothing to compare and nothing to reverse."""

UNDATED_INDEX_OF: Final = """
INSERT INTO journal_undated BY NAME
SELECT p_id AS entry_id, logical_key, kind FROM p_new
WHERE order_paid_on IS NULL AND list_contains(p_kinds, kind)
"""
"""Add the entries of ``p_new`` that carry no payment day though their kind does
(:data:`~merchantry.model.outputs.ANCHORED_KINDS`) to the journal's index of them
(``journal_undated``)."""


UNDATED: Final = exp.column("order_paid_on").is_(exp.null())
"""``order_paid_on IS NULL``: the half of a look-up by payment day that reads the entries
without one (every row group of the journal: no zone map can skip them)."""


def read_undated(template: str, **subs: str | exp.Expr) -> tuple[str, str]:
    """``template`` (with ``p_undated`` where a look-up by payment day also reads the
    entries without one) filled twice: reading them (:data:`UNDATED`) and not (``FALSE``),
    as :func:`reads_undated` decides."""
    return fill_sql(template, subs, p_undated=UNDATED), fill_sql(
        template, subs, p_undated=exp.false()
    )


UNDATED_HELD: Final = "SELECT count(*) FROM (SELECT 1 FROM journal_undated LIMIT 1)"


def reads_undated(con: duckdb.DuckDBPyConnection, paid_from: object, paid_to: object) -> bool:
    """Whether a look-up of the entries of ``paid_from``..``paid_to`` must also read those
    that carry no payment day: when the span is every day (some entry looked up has none,
    :func:`paid_span`), or when the journal holds entries of kinds that carry one that were
    posted without it (``journal_undated`` is not empty: rare, an order the close's schedule
    did not hold). Otherwise an entry about a looked-up order carries that order's day, and
    so does a reversal of it, so the entries without a day (deposits, rewards, fees: written
    every day, in every row group) hold nothing the look-up wants."""
    if (paid_from, paid_to) == ALL_DAYS or not isinstance(paid_from, date):
        return True
    return bool(_count(con, UNDATED_HELD))


def read_dayless(template: str, **subs: str | exp.Expr) -> tuple[str, str, str]:
    """``template`` (with ``p_dated`` guarding its read of the journal's entries that carry a
    payment day and ``p_dayless`` its read of ``journal_dayless``, the headers of those that
    carry none) filled three ways: both reads, as :func:`reads_undated` asks; the dated one
    alone; the dayless one alone, for a stage none of whose kinds carries a day
    (:func:`dayless_stage`)."""
    true, false = exp.true(), exp.false()
    return (
        fill_sql(template, subs, p_dated=true, p_dayless=true),
        fill_sql(template, subs, p_dated=true, p_dayless=false),
        fill_sql(template, subs, p_dated=false, p_dayless=true),
    )


def dayless_stage(kinds: Sequence[str]) -> bool:
    """Whether none of a stage's kinds carries an order's payment day: then none of their
    entries, nor a reversal of one, carries a day (only the close's anchored stages give an
    entry one, :data:`READY_ANCHORED`; a reversal carries the day of the entry it reverses),
    so its look-ups read ``journal_dayless`` and not the journal."""
    return ANCHORED_KINDS.isdisjoint(kinds)


KNOWN_OF: Final = """
CREATE OR REPLACE TEMP TABLE ledger_known AS
SELECT e.entry_id, e.logical_key, e.signature, e.kind, e.booked_on, e.rulebook, e.order_paid_on
FROM journal_entries AS e
WHERE p_dated AND list_contains($kinds, e.kind)
  AND e.order_paid_on BETWEEN $paid_from AND $paid_to
  AND e.logical_key IN (SELECT logical_key FROM ledger_ready)
UNION
SELECT d.entry_id, d.logical_key, d.signature, d.kind, d.booked_on, d.rulebook,
       CAST(NULL AS DATE) AS order_paid_on
FROM journal_dayless AS d
WHERE p_dayless AND list_contains($kinds, d.kind)
  AND d.logical_key IN (SELECT logical_key FROM ledger_ready)
UNION
SELECT e.entry_id, e.logical_key, e.signature, e.kind, e.booked_on, e.rulebook, e.order_paid_on
FROM journal_entries AS e
WHERE list_contains($kinds, e.kind) AND e.booked_on BETWEEN $start AND $end
"""

KNOWN, KNOWN_DATED, KNOWN_DAYLESS = read_dayless(KNOWN_OF)
"""Every entry, live or reversed, of the stage's kinds that shares a key with a staged
entry or is booked in the period: the one read of the journal by logical key. A key is
derived from its kind (:func:`logical_key`), so every earlier revision of a staged
event is among them (:data:`OUT_OF_SCOPE` holds a stage to its kinds).

The key's branch reads the entries whose order was paid within the staged entries' span of
payment days (``$paid_from``..``$paid_to``), and those that carry no payment day, from
their headers in ``journal_dayless`` (one entry in a hundred to one in twelve), not the journal.
An event's order never changes and an entry's ``order_paid_on`` is either that order's
payment day or NULL, so an earlier revision of a staged event is never outside, and zone
maps skip the row groups of other days' orders: a day's close reads the journal of the days
its events' orders were paid, not the whole history. A stage with an entry that carries no
payment day reads every day (``$paid_from``..``$paid_to`` spans all dates).
:data:`KNOWN_DATED` leaves out the entries without a day, when :func:`reads_undated` says
none can be an earlier revision of a staged one; :data:`KNOWN_DAYLESS` reads only those, for
a stage none of whose kinds carries a day (:func:`dayless_stage`: deposits, rewards, …), which
until 2026-12-07 read every row group of the journal every day."""

OUT_OF_SCOPE: Final = """
SELECT DISTINCT kind FROM ledger_ready WHERE NOT list_contains($kinds, kind) LIMIT 5
"""

LIVE_OF: Final = """
CREATE OR REPLACE TEMP TABLE ledger_live AS
SELECT k.entry_id, k.logical_key, k.signature, k.kind, k.booked_on
FROM ledger_known AS k
WHERE (NOT $own OR k.rulebook = $rulebook)
  AND k.entry_id NOT IN (
    SELECT reverses FROM journal_entries
    WHERE p_dated AND reverses IS NOT NULL AND order_paid_on BETWEEN $paid_from AND $paid_to
    UNION ALL
    SELECT reverses FROM journal_dayless WHERE p_dayless AND reverses IS NOT NULL)
"""

LIVE, LIVE_DATED, LIVE_DAYLESS = read_dayless(LIVE_OF)
"""The known entries no reversal cancels. A reversal carries the payment day of the entry
it reverses, so the reversals looked at are those within the known entries' span of
payment days (``$paid_from``..``$paid_to``, from :data:`KNOWN_SPAN`) and those without one
(``journal_dayless``); :data:`LIVE_DATED` and :data:`LIVE_DAYLESS` read one of the two, as
:data:`KNOWN_DATED` and :data:`KNOWN_DAYLESS` do."""

SPAN_OF: Final = """
SELECT min(p_day), max(p_day), count(*) FILTER (WHERE p_day IS NULL) FROM p_rows
"""
"""The span of payment days of some rows (:func:`span_sql`), and how many have none."""


def span_sql(rows: str | exp.Expr, day: str) -> str:
    """:data:`SPAN_OF` over ``rows`` (a table, or a query) and their column ``day``."""
    return fill_sql(SPAN_OF, p_rows=rows, p_day=day)


KNOWN_SPAN: Final = span_sql("ledger_known", "order_paid_on")

PLAN: Final = """
CREATE OR REPLACE TEMP TABLE ledger_plan AS
SELECT r.logical_key, r.kind, r.source_id, r.order_id, r.shop_id, r.booked_on, r.legs,
       r.signature, r.order_paid_on, l.entry_id AS live_id,
       coalesce(h.revisions, 0) AS revision,
       md5(r.logical_key || ':' || CAST(coalesce(h.revisions, 0) AS VARCHAR)) AS new_id
FROM ledger_ready AS r
LEFT JOIN ledger_live AS l USING (logical_key)
LEFT JOIN (
  SELECT logical_key, count(*) AS revisions FROM ledger_known GROUP BY logical_key
) AS h USING (logical_key)
WHERE l.signature IS DISTINCT FROM r.signature
"""

TO_REVERSE: Final = """
CREATE OR REPLACE TEMP TABLE ledger_reverse AS
SELECT p.live_id AS entry_id, p.booked_on, $rulebook AS rulebook, $close_key AS close_key
FROM ledger_plan AS p WHERE p.live_id IS NOT NULL
UNION ALL
SELECT l.entry_id, CAST($end AS DATE), $rulebook, $close_key
FROM ledger_live AS l
WHERE $orphans AND l.booked_on BETWEEN $start AND $end
  AND l.logical_key NOT IN (SELECT logical_key FROM ledger_ready)
"""

INSERT_REVERSAL_ENTRIES: Final = """
INSERT INTO journal_entries BY NAME
SELECT md5($reversal_ns || x.entry_id) AS entry_id, md5($reversal_ns || x.entry_id) AS logical_key,
       0 AS revision, 'reversal' AS kind, e.entry_id AS source_id, e.order_id, e.shop_id,
       x.booked_on, x.rulebook, md5('reversal|' || e.signature) AS signature,
       e.entry_id AS reverses, x.close_key, e.order_paid_on
FROM ledger_reverse AS x JOIN journal_entries AS e USING (entry_id)
"""

INSERT_REVERSAL_POSTINGS: Final = """
INSERT INTO journal_postings BY NAME
SELECT md5($reversal_ns || x.entry_id) AS entry_id, p.leg, p.account, p.party, x.booked_on,
       p.order_id, -p.amount_fen AS amount_fen, p.rule_id, p.entry_kind, p.order_paid_on
FROM ledger_reverse AS x JOIN journal_postings AS p USING (entry_id)
"""

INSERT_REVERSAL_MOVEMENTS: Final = """
INSERT INTO journal_movements BY NAME
SELECT p.account, p.party, x.booked_on, p.entry_kind, -sum(p.amount_fen) AS amount_fen,
       count(*) AS postings
FROM ledger_reverse AS x JOIN journal_postings AS p ON p.entry_id = x.entry_id
GROUP BY p.account, p.party, x.booked_on, p.entry_kind
"""
"""The reversals' postings summed into ``journal_movements`` (the reversed entries' legs,
negated, on the reversal's day)."""

REVERSAL_SHOPS: Final = fill_sql(
    INDEX_SHOPS_OF,
    p_new=parse(
        "SELECT e.shop_id, x.close_key FROM ledger_reverse AS x"
        " JOIN journal_entries AS e USING (entry_id)"
    ),
)
"""The reversals' shops (the reversed entries') added to the journal's index of shops under
each reversal's close key."""

REVERSAL_UNDATED: Final = """
INSERT INTO journal_undated BY NAME
SELECT md5($reversal_ns || x.entry_id) AS entry_id, md5($reversal_ns || x.entry_id) AS logical_key,
       'reversal' AS kind
FROM ledger_reverse AS x WHERE x.entry_id IN (SELECT entry_id FROM journal_undated)
"""
"""The reversals of indexed entries (of kinds that carry a payment day, posted without one)
added to the index: a reversal carries the day of the entry it reverses, none here."""

REVERSAL_DAYLESS: Final = """
INSERT INTO journal_dayless BY NAME
SELECT md5($reversal_ns || x.entry_id) AS entry_id, md5($reversal_ns || x.entry_id) AS logical_key,
       'reversal' AS kind, x.booked_on, x.rulebook, md5('reversal|' || d.signature) AS signature,
       d.entry_id AS reverses
FROM ledger_reverse AS x JOIN journal_dayless AS d USING (entry_id)
"""
"""The headers of the reversals of entries without a payment day (those ``journal_dayless``
holds) added to it: a reversal carries the day of the entry it reverses, none here, and the
same header :data:`INSERT_REVERSAL_ENTRIES` writes."""

REVERSAL_BALANCES: Final = fill_sql(
    BALANCE_DELTAS_OF,
    p_moved=parse(
        "SELECT p.account, p.party, x.booked_on, -p.amount_fen AS amount_fen"
        " FROM ledger_reverse AS x JOIN journal_postings AS p ON p.entry_id = x.entry_id"
    ),
)
"""The reversals' postings added to the opening balances of the months after their day
(:mod:`merchantry.ledger.balances`)."""

INSERT_ENTRIES_OF: Final = """
INSERT INTO journal_entries BY NAME
SELECT new_id AS entry_id, logical_key, p_revision AS revision, kind, source_id, order_id,
       shop_id, booked_on, $rulebook AS rulebook, signature, NULL AS reverses,
       $close_key AS close_key, order_paid_on
FROM p_plan
"""

INSERT_POSTINGS_OF: Final = """
INSERT INTO journal_postings BY NAME
SELECT new_id AS entry_id, CAST(leg AS INTEGER) AS leg, l.account AS account, l.party AS party,
       booked_on, order_id, l.amount_fen AS amount_fen, l.rule_id AS rule_id, kind AS entry_kind,
       order_paid_on
FROM (
  SELECT new_id, booked_on, order_id, kind, order_paid_on, unnest(legs) AS l,
         generate_subscripts(legs, 1) AS leg
  FROM p_plan
)
"""

INSERT_MOVEMENTS_OF: Final = """
INSERT INTO journal_movements BY NAME
SELECT l.account AS account, l.party AS party, booked_on, kind AS entry_kind,
       sum(l.amount_fen) AS amount_fen, count(*) AS postings
FROM (SELECT booked_on, kind, unnest(legs) AS l FROM p_plan)
GROUP BY l.account, l.party, booked_on, kind
"""
"""The new entries' postings summed into ``journal_movements``, in the same transaction."""

PLAN_BALANCES_OF: Final = fill_sql(
    BALANCE_DELTAS_OF,
    p_moved=parse(
        "SELECT l.account AS account, l.party AS party, booked_on, l.amount_fen AS amount_fen"
        " FROM (SELECT booked_on, unnest(legs) AS l FROM p_plan)"
    ),
)
"""The new entries' postings added to the opening balances of the months after their day."""

DAYLESS_INDEX_OF: Final = """
INSERT INTO journal_dayless BY NAME
SELECT new_id AS entry_id, logical_key, kind, booked_on, $rulebook AS rulebook, signature,
       CAST(NULL AS VARCHAR) AS reverses
FROM p_plan WHERE order_paid_on IS NULL
"""
"""The headers of the new entries that carry no payment day added to ``journal_dayless``,
as :data:`INSERT_ENTRIES_OF` writes them."""

FRESH_ROWS: Final = "SELECT * FROM ledger_ready WHERE signature IS NOT NULL"
"""The staged entries when the journal knows none of their keys and has no entry of the
stage's kinds in its period (``ledger_known`` is empty): each is its event's first posting,
revision 0 under the id :data:`READY` gave it, and nothing is reversed, so they are posted
from ``ledger_ready`` itself instead of being copied into ``ledger_plan`` first (an entry
without a signature, which the plan's comparison never selects, is left out the same way)."""


PLAN_SHOPS_OF: Final = fill_sql(
    INDEX_SHOPS_OF, p_new=parse("SELECT shop_id, $close_key AS close_key FROM p_plan")
)
"""The new entries' shops added to the journal's index of shops (:mod:`merchantry.ledger.
shops`), under the close's key."""


ANCHORED_LIST: Final = exp.convert(sorted(ANCHORED_KINDS))


class PlanInserts(NamedTuple):
    """The statements that insert one set of new entries, run in this order."""

    entries: str
    postings: str
    movements: str
    balances: str
    shops: str
    """Their shops into the index of shops (``journal_shops``)."""
    undated: str
    """Those without a payment day, of a kind that has one, into ``journal_undated``."""
    dayless: str
    """The headers of those without a payment day into ``journal_dayless``."""


def _plan_inserts(rows: str | exp.Expr, revision: str) -> PlanInserts:
    """The entries, postings, movements, balance, shop-index, undated-index and dayless-index
    statements over ``rows``."""
    fills = {"p_plan": rows}
    return PlanInserts(
        fill_sql(INSERT_ENTRIES_OF, fills, p_revision=parse(revision)),
        fill_sql(INSERT_POSTINGS_OF, fills),
        fill_sql(INSERT_MOVEMENTS_OF, fills),
        fill_sql(PLAN_BALANCES_OF, fills),
        fill_sql(PLAN_SHOPS_OF, fills),
        fill_sql(UNDATED_INDEX_OF, p_new=rows, p_id=exp.column("new_id"), p_kinds=ANCHORED_LIST),
        fill_sql(DAYLESS_INDEX_OF, fills),
    )


INSERTS: Final = _plan_inserts("ledger_plan", "revision")
"""The inserts of ``ledger_plan``'s entries (:data:`PLAN`)."""

FRESH: Final = _plan_inserts(parse(FRESH_ROWS), "0")
"""The inserts of the staged entries as first postings (:data:`FRESH_ROWS`)."""

REVERSAL_KIND: Final = "reversal"


def namespace(kind: str) -> str:
    """The namespace a kind's logical keys are derived in (``stable_key("ledger", kind)``)."""
    return stable_key("ledger", kind)


def logical_key(kind: str, source_id: str) -> str:
    """Python twin of the SQL ``md5(namespace || source_id)``: the key of one money event."""
    return hashlib.md5((namespace(kind) + source_id).encode("utf-8")).hexdigest()


def entry_id(key: str, revision: int = 0) -> str:
    """Python twin of the SQL entry id: ``md5(logical_key || ':' || revision)``."""
    return hashlib.md5(f"{key}:{revision}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PostResult:
    """What one :func:`post_staged` call did."""

    posted: int
    """New entries (first postings and new revisions)."""
    reversed: int
    """Reversal entries posted."""
    unchanged: int
    """Target entries already in the journal exactly."""

    def __add__(self, other: PostResult) -> PostResult:
        return PostResult(
            self.posted + other.posted,
            self.reversed + other.reversed,
            self.unchanged + other.unchanged,
        )


EMPTY: Final = PostResult(0, 0, 0)


def post_reversals(con: duckdb.DuckDBPyConnection) -> int:
    """Reverse every entry in the temp table ``ledger_reverse`` (``entry_id``, ``booked_on``,
    ``rulebook``, ``close_key``): the ledger's one reversal mechanism, used by the close's
    corrections and by overturns. Returns the number of reversals posted."""
    row = con.execute("SELECT count(*), min(booked_on) FROM ledger_reverse").fetchone()
    reversals, booked_from = (int(row[0]), row[1]) if row else (0, None)
    if not reversals:  # most days: no join over the journal's postings at all
        return 0
    reversal_ns = {"reversal_ns": namespace(REVERSAL_KIND)}
    run_sql(con, INSERT_REVERSAL_ENTRIES, reversal_ns)
    run_sql(con, INSERT_REVERSAL_POSTINGS, reversal_ns)
    con.execute(INSERT_REVERSAL_MOVEMENTS)
    run_sql(con, REVERSAL_BALANCES, {"booked_from": booked_from})
    con.execute(REVERSAL_SHOPS)
    run_sql(con, REVERSAL_UNDATED, reversal_ns)
    run_sql(con, REVERSAL_DAYLESS, reversal_ns)
    return reversals


def start_stage(con: duckdb.DuckDBPyConnection) -> None:
    """Empty the stage (and define the ``ledger_leg`` macro the stages build legs with)."""
    con.execute(LEG_MACRO)
    con.execute(LEGS_TEXT_MACRO)
    con.execute(STAGE_DDL)


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return _scalar(con.execute(sql))


def _scalar(cursor: duckdb.DuckDBPyConnection) -> int:
    row = cursor.fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class CloseRef:
    """The close a posting belongs to: its rulebook and its key."""

    rulebook: str
    close_key: str


ALL_DAYS: Final = (date.min, date.max)
"""A span of payment days that prunes nothing."""


def paid_span(low: object, high: object, unknown: object) -> tuple[date, date]:
    """The span of payment days a look-up may prune the journal to: the staged (or known)
    entries' own, or every day when one of them carries none (``unknown`` > 0) or none has
    one."""
    if unknown or not isinstance(low, date) or not isinstance(high, date):
        return ALL_DAYS
    return low, high


def day_span(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None
) -> dict[str, date]:
    """``paid_from``/``paid_to`` for a look-up: :func:`paid_span` of a :func:`span_sql`."""
    row = run_sql(con, sql, params).fetchone()
    low, high = paid_span(*row) if row else ALL_DAYS
    return {"paid_from": low, "paid_to": high}


def post_staged(
    con: duckdb.DuckDBPyConnection,
    ref: CloseRef,
    *,
    kinds: Sequence[str],
    start: date,
    end: date,
    orphans: bool = True,
    own_rulebook: bool = False,
) -> PostResult:
    """Post the difference between ``ledger_stage`` and the live journal.

    ``kinds`` and ``start``..``end`` are the stage's scope: a live entry of those
    kinds booked in the period with no target is reversed (unless ``orphans`` is
    false, for stages that only ever add, like deposit openings). Runs inside
    the caller's transaction. ``own_rulebook``: the scope is further only the entries
    ``ref.rulebook`` posted, for stages that run once per rulebook side by side (the
    listing rulebooks' penalties and freezes): another rulebook's entries are never
    compared, so never reversed. A stage of :data:`~merchantry.model.outputs.ANCHORED_KINDS`
    only runs inside the close, whose ``ledger_schedule`` gives its entries their orders'
    payment days (:data:`READY_ANCHORED`), and the look-ups read only the journal of those
    days.
    """
    con.execute(READY_ANCHORED if ANCHORED_KINDS.issuperset(kinds) else READY)
    if _count(con, "SELECT count(*) FROM overturned_entries"):
        con.execute(DROP_OVERTURNED)
    scope = {"kinds": list(kinds), "start": start, "end": end}
    staged = run_sql(con, STAGED, {"kinds": scope["kinds"]}).fetchone()
    ready, keys, outside = (int(v) for v in staged[:3]) if staged else (0, 0, 0)
    if keys < ready:
        dupes = con.execute(DUPLICATE_STAGE).fetchall()
        raise IntegrityError(
            "the ledger stage produced two entries for one event: "
            + ", ".join(str(k) for k, _ in dupes)
        )
    if not ready and (not orphans or not _scalar(run_sql(con, IN_SCOPE, scope))):
        con.execute(STAGE_DDL)  # nothing staged, nothing to reverse
        return EMPTY
    if outside:
        strays = run_sql(con, OUT_OF_SCOPE, {"kinds": scope["kinds"]}).fetchall()
        raise IntegrityError(
            "the ledger stage produced entries of kinds outside its scope "
            f"({', '.join(sorted(str(k) for (k,) in strays))}; scope: {', '.join(kinds)})"
        )
    paid_from, paid_to = paid_span(*staged[3:6]) if staged else ALL_DAYS
    dayless = dayless_stage(kinds)
    if dayless:
        known = KNOWN_DAYLESS
    else:
        known = KNOWN if reads_undated(con, paid_from, paid_to) else KNOWN_DATED
    run_sql(con, known, {**scope, "paid_from": paid_from, "paid_to": paid_to})
    names: dict[str, object] = {"rulebook": ref.rulebook, "close_key": ref.close_key}
    booked_from: dict[str, object] = {"booked_from": staged[6] if staged else None}
    if not _count(con, "SELECT count(*) FROM ledger_known"):
        # nothing known: every staged entry is a first posting and nothing is reversed
        planned = int(staged[7]) if staged else 0
        if planned:
            _insert(con, FRESH, names, booked_from)
        con.execute(STAGE_DDL)
        return PostResult(posted=planned, reversed=0, unchanged=ready - planned)
    live = {"own": own_rulebook, "rulebook": ref.rulebook, **day_span(con, KNOWN_SPAN)}
    if dayless:
        run_sql(con, LIVE_DAYLESS, live)
    else:
        whole = reads_undated(con, live["paid_from"], live["paid_to"])
        run_sql(con, LIVE if whole else LIVE_DATED, live)
    con.execute(PLAN)
    planned = _count(con, "SELECT count(*) FROM ledger_plan")
    run_sql(con, TO_REVERSE, {**scope, **names, "orphans": orphans})
    reversed_ = post_reversals(con)
    if planned:  # most stages on most days of an unchanged history: nothing new
        _insert(con, INSERTS, names, booked_from)
    con.execute(STAGE_DDL)
    return PostResult(posted=planned, reversed=reversed_, unchanged=ready - planned)


def _insert(
    con: duckdb.DuckDBPyConnection,
    statements: PlanInserts,
    names: dict[str, object],
    booked_from: dict[str, object],
) -> None:
    """Run the entries, postings, movements, balance, shop-index, undated-index and
    dayless-index inserts of one set of new entries."""
    run_sql(con, statements.entries, names)
    con.execute(statements.postings)
    con.execute(statements.movements)
    run_sql(con, statements.balances, booked_from)
    run_sql(con, statements.shops, names)
    con.execute(statements.undated)
    run_sql(con, statements.dayless, names)
