"""The creator's reserve and freezes: commission the platform holds back after it settles.

Douyin's affiliate settlement rule (docs/sources.md#dy-affiliate-settlement, §3.7):

* **Reserve** (账户预留金): of the commission settled in the last 15 days, 5% stays in the
  creator's reserve for after-sales clawbacks (cross-border commission has none). The
  commission settlement (:mod:`merchantry.ledger.settlement`) books the
  ``commission_reserve`` rule's share of each order's settled commission to
  ``creator_reserve``; here a ``commission_reserve_release`` entry moves it to
  ``creator_available`` ``hold_days`` after it was reserved. Holding each order's share for
  its own 15 days is the same as holding 5% of the last 15 days' settled commission. The
  rule covers agencies too (达人/机构（含团长）): the colonel fee's settlement
  (``colonel_settlement``) reserves the same share in ``colonel_reserve``, released by
  ``colonel_reserve_release``.
* **Freeze** (违规冻结): a confirmed creator violation (``creator_violations``) freezes the
  creator's settled, unwithdrawn commission (``creator_available`` on the violation's day)
  for the ``commission_freeze`` rule's days, at most 180 (``commission_freeze`` entry, to
  ``creator_frozen``); ``commission_unfreeze`` gives it back when the days have passed.
  Violations of one creator on one day freeze once.

Both read what to release from the journal's live entries (never a stored amount), so a
revised settlement or freeze revises its release, and a re-run posts nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Final, TypedDict

import duckdb

from merchantry.ledger import balances
from merchantry.ledger.balances import BALANCED_OF
from merchantry.ledger.facts import RuleSet, select_rules
from merchantry.ledger.journal import (
    CloseRef,
    PostResult,
    day_span,
    namespace,
    post_staged,
    read_undated,
    reads_undated,
    run_sql,
    span_sql,
    start_stage,
)
from merchantry.rulebook.facts import FACT_SQL
from merchantry.rulebook.model import Rulebook
from merchantry.store.sql import create_temp_as, fill, fill_sql, parse

KINDS: Final = (
    "commission_reserve_release",
    "colonel_reserve_release",
    "commission_freeze",
    "commission_unfreeze",
)

HELD_ENTRIES: Final = """
CREATE OR REPLACE TEMP TABLE ledger_held_entries AS
SELECT entry_id, source_id, order_id, shop_id, booked_on, order_paid_on
FROM journal_entries
WHERE kind = $kind AND booked_on BETWEEN $held_from AND $held_to
"""
"""The entries of ``$kind`` booked on a day whose hold could end in the period: between the
period's first day less the rules' longest hold and its last day less the shortest
(``$held_from``..``$held_to``, from :data:`HOLD_WINDOW`). Entries are appended day by day, so
zone maps on ``booked_on`` skip the other days' row groups."""

HOLD_WINDOW: Final = """
SELECT CAST($start AS DATE) - CAST(max(days) AS INTEGER),
       CAST($end AS DATE) - CAST(min(days) AS INTEGER)
FROM ledger_hold_days
"""
"""``held_from``/``held_to``: the booking days whose hold ends in ``$start``..``$end``
(NULL, NULL without a rule: nothing is held)."""

HELD_SPAN: Final = span_sql("ledger_held_entries", "order_paid_on")

LIVE_LEGS_OF: Final = """
CREATE OR REPLACE TEMP TABLE ledger_held AS
SELECT e.source_id, min(e.order_id) AS order_id, min(e.shop_id) AS shop_id,
       p.party, min(e.booked_on) AS held_on, min(p.rule_id) AS rule_id,
       sum(p.amount_fen) AS held_fen
FROM ledger_held_entries AS e JOIN journal_postings AS p USING (entry_id)
WHERE p.account = $account AND p.booked_on BETWEEN $held_from AND $held_to
  AND e.entry_id NOT IN (
    SELECT reverses FROM journal_entries
    WHERE reverses IS NOT NULL
      AND (order_paid_on BETWEEN $paid_from AND $paid_to OR p_undated))
GROUP BY e.source_id, p.party
"""
"""Money each live entry of ``$kind`` booked in the hold window (:data:`HELD_ENTRIES`) put
into ``$account``, per source and party. An event has one key, so one live entry: its hold
ends on its own booking day plus its rule's days, and an entry outside the window cannot
release in the period. Its postings carry its booking day, and a reversal of it carries its
order's payment day (within the held entries' span, :data:`HELD_SPAN`, or none): the
look-ups read those days of the journal, not every posting and reversal ever made (they did
until 2026-12-05, 0.5-0.8 CPU s of a December day after a year of history). The reversals
without a day are read only as :func:`~merchantry.ledger.journal.reads_undated` decides
(:data:`LIVE_LEGS_DATED` leaves them out)."""

LIVE_LEGS, LIVE_LEGS_DATED = read_undated(LIVE_LEGS_OF)

STAGE_RELEASES: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || h.source_id || '|' || h.party), $release_kind, h.source_id, h.order_id,
       h.shop_id, h.held_on + CAST(d.days AS INTEGER),
       [ledger_leg($account, h.party, -h.held_fen, h.rule_id),
        ledger_leg($target, h.party, h.held_fen, h.rule_id)]
FROM ledger_held AS h JOIN ledger_hold_days AS d USING (rule_id)
WHERE h.held_fen <> 0
  AND h.held_on + CAST(d.days AS INTEGER) BETWEEN $start AND $end
"""

VIOLATION_FACTS: Final = create_temp_as(
    "ledger_creator_violation_facts",
    fill(
        """
SELECT f.* REPLACE (cr.tier AS creator_tier, cr.followers AS creator_followers,
                    CAST(v.occurred_at AS DATE) AS order_paid_date,
                    v.creator_id AS order_creator_id),
       v.violation_id, v.creator_id AS violator_id, CAST(v.occurred_at AS DATE) AS occurred_on
FROM creator_violations AS v
JOIN creators AS cr USING (creator_id)
LEFT JOIN (SELECT * FROM p_facts LIMIT 0) AS f ON FALSE
WHERE CAST(v.occurred_at AS DATE) BETWEEN $start AND $end
  AND v.violation_id NOT IN (SELECT violation_id FROM withdrawn_violations)
""",
        p_facts=parse(FACT_SQL),
    ),
)
"""One fact row per violation of the period: the creator's columns set, every order, shop
and category column NULL (a freeze rule's condition can only speak of the creator), the
payment date standing for the violation's day."""

STAGE_FREEZES: Final = fill_sql(
    """
INSERT INTO ledger_stage
WITH day_freezes AS (
  SELECT violator_id AS creator_id, occurred_on, min(rule_id) AS rule_id
  FROM ledger_creator_freezes WHERE rule_id IS NOT NULL
  GROUP BY violator_id, occurred_on
), balances AS (
  SELECT f.creator_id, f.occurred_on, f.rule_id, coalesce(sum(p.amount_fen), 0) AS available_fen
  FROM day_freezes AS f
  LEFT JOIN p_balanced AS p
    ON p.account = 'creator_available' AND p.party = f.creator_id
   AND p.booked_on <= f.occurred_on
   AND NOT (p.entry_kind = 'commission_freeze' AND p.booked_on = f.occurred_on)
  GROUP BY f.creator_id, f.occurred_on, f.rule_id
)
SELECT md5($ns || b.creator_id || '|' || CAST(b.occurred_on AS VARCHAR)), 'commission_freeze',
       b.creator_id || '|' || CAST(b.occurred_on AS VARCHAR), NULL, NULL, b.occurred_on,
       [ledger_leg('creator_available', b.creator_id, -b.available_fen, b.rule_id),
        ledger_leg('creator_frozen', b.creator_id, b.available_fen, b.rule_id)]
FROM balances AS b
WHERE b.available_fen > 0
""",
    p_balanced=parse(BALANCED_OF),
)
"""A violating creator's commission available on the violation's day, all moved to the
frozen account. The balance is read from the opening balances of ``$snapshot`` (on or before
the period's first day) and the movements since (:mod:`merchantry.ledger.balances`), not
from every ``creator_available`` posting ever made (it was until 2026-12-05: 0.02 CPU s of a
February day, 0.20 of a December one after a year of history)."""


def _hold_days(con: duckdb.DuckDBPyConnection, book: Rulebook, kind: str, field: str) -> None:
    """Temp table ``ledger_hold_days`` (rule_id, days): each rule of ``kind``'s days."""
    rows = [(r.id, r.effect.int(field)) for r in book.rules if r.effect.kind == kind]
    con.execute("CREATE OR REPLACE TEMP TABLE ledger_hold_days (rule_id VARCHAR, days INTEGER)")
    if rows:
        con.executemany("INSERT INTO ledger_hold_days VALUES (?, ?)", rows)


def _post_releases(
    con: duckdb.DuckDBPyConnection,
    ref: CloseRef,
    book: Rulebook,
    start: date,
    end: date,
    *,
    held: tuple[str, str],
    release_kind: str,
    rule: tuple[str, str],
    target: str = "creator_available",
) -> PostResult:
    """Release what the live ``held`` (entry kind, account) entries hold when their days end."""
    _hold_days(con, book, *rule)
    window = run_sql(con, HOLD_WINDOW, {"start": start, "end": end}).fetchone()
    held_from, held_to = window if window else (None, None)  # NULL, NULL: no rule, none held
    days = {"held_from": held_from, "held_to": held_to}
    run_sql(con, HELD_ENTRIES, {"kind": held[0], **days})
    span = day_span(con, HELD_SPAN)
    live = LIVE_LEGS if reads_undated(con, span["paid_from"], span["paid_to"]) else LIVE_LEGS_DATED
    run_sql(con, live, {"account": held[1], **days, **span})
    start_stage(con)
    run_sql(
        con,
        STAGE_RELEASES,
        {
            "ns": namespace(release_kind),
            "release_kind": release_kind,
            "account": held[1],
            "target": target,
            "start": start,
            "end": end,
        },
    )
    return post_staged(con, ref, kinds=(release_kind,), start=start, end=end)


def _post_freezes(
    con: duckdb.DuckDBPyConnection, ref: CloseRef, book: Rulebook, start: date, end: date
) -> PostResult:
    rules = RuleSet.of(book, "commission_freeze")
    start_stage(con)
    if rules.rules:
        run_sql(con, VIOLATION_FACTS, {"start": start, "end": end})
        con.execute(
            select_rules(
                "ledger_creator_violation_facts",
                ("violation_id", "violator_id", "occurred_on"),
                (("rule_id", rules.rule_id()),),
                "ledger_creator_freezes",
            )
        )
        snapshot = balances.prepare(con, start)
        run_sql(con, STAGE_FREEZES, {"ns": namespace("commission_freeze"), "snapshot": snapshot})
    return post_staged(con, ref, kinds=("commission_freeze",), start=start, end=end)


class _Release(TypedDict):
    held: tuple[str, str]
    release_kind: str
    rule: tuple[str, str]
    target: str


RESERVE_RELEASES: Final[tuple[_Release, ...]] = (
    _Release(
        held=("commission_settlement", "creator_reserve"),
        release_kind="commission_reserve_release",
        rule=("commission_reserve", "hold_days"),
        target="creator_available",
    ),
    _Release(
        held=("colonel_settlement", "colonel_reserve"),
        release_kind="colonel_reserve_release",
        rule=("commission_reserve", "hold_days"),
        target="colonel_available",
    ),
)
"""The creator's and the colonel's reserves, each released when its hold days end."""

UNFREEZE: Final = _Release(
    held=("commission_freeze", "creator_frozen"),
    release_kind="commission_unfreeze",
    rule=("commission_freeze", "freeze_days"),
    target="creator_available",
)
"""A creator's frozen commission, released when the freeze days end."""


def post_creator_holds(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date, close_key: str
) -> PostResult:
    """Reserve releases, then freezes, then unfreezes falling in ``start``..``end`` (after the
    period's commission settlements are posted)."""
    ref = CloseRef(book.name, close_key)
    result = PostResult(0, 0, 0)
    for release in RESERVE_RELEASES:
        result += _post_releases(con, ref, book, start, end, **release)
    result += _post_freezes(con, ref, book, start, end)
    result += _post_releases(con, ref, book, start, end, **UNFREEZE)
    return result


__all__ = ["KINDS", "post_creator_holds"]
