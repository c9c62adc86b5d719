"""Installation holds (安装冻结) posted by the close: settled money that waits for the hold.

Douyin's merchant-installation rule (docs/sources.md#dy-installation; the rulebook's
``installation_hold`` rule, e.g. ``hold.installation``) holds two parts of an order whose
merchant promised to install the product:

* the **settlement hold**: ``settle_share_bp`` (1%) of the goods payment, from the order's
  settlement until its after-sales period ends (receipt + the category's after-sales days);
* the **shipment hold**: 10% (at most ¥300) from shipment until the installation is done,
  the order is refunded, or 180 days pass.

The ledger posts the first. The second never holds settled money: it ends at the latest at
receipt (the data's moment of installation, see :mod:`merchantry.fees.holds`), and an
order's goods payment stays pending until receipt + its settlement days, so it is still
pending while the shipment hold lasts. An order never received never settles.

Entries (one of each per order, booked by the close of the day they fall on):

* ``installation_hold`` on ``settle_on``: the held share (never more than the order's
  settled goods payment, never below zero) from ``merchant_available`` to ``merchant_held``;
* ``installation_release`` on ``install_released_on``: what the live hold entry holds, back
  to ``merchant_available``. Read from the journal, so a revised hold revises its release.

The schedule (:mod:`merchantry.ledger.settlement`) decides both dates and writes them to
``order_payouts`` (``install_hold_rule_id``, ``install_released_on``); nothing is held when
the after-sales period has ended by the settlement day.
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.money import apply_rate_sql
from merchantry.ledger.journal import (
    CloseRef,
    PostResult,
    namespace,
    post_staged,
    read_undated,
    reads_undated,
    run_sql,
    start_stage,
)
from merchantry.ledger.settlement import due_span

KINDS: Final = ("installation_hold", "installation_release")

STAGE_HOLDS: Final = """
INSERT INTO ledger_stage
WITH due AS (
  SELECT order_id, shop_id, settle_on, amount_paid_fen, inst_bp, install_hold_rule_id
  FROM ledger_schedule
  WHERE settle_on BETWEEN $start AND $end AND install_hold_rule_id IS NOT NULL
), settled AS (
  SELECT order_id, sum(amount_fen) AS settled_fen FROM journal_postings
  WHERE account = 'merchant_pending' AND entry_kind <> 'settlement'
    AND order_id IN (SELECT order_id FROM due)
    AND (order_paid_on BETWEEN $paid_from AND $paid_to OR p_undated)
  GROUP BY order_id
), held AS (
  SELECT d.*, greatest(least(p_share, coalesce(s.settled_fen, 0)), 0) AS held_fen
  FROM due AS d LEFT JOIN settled AS s USING (order_id)
)
SELECT md5($ns || h.order_id), 'installation_hold', h.order_id, h.order_id, h.shop_id,
       h.settle_on,
       [ledger_leg('merchant_available', h.shop_id, -h.held_fen, h.install_hold_rule_id),
        ledger_leg('merchant_held', h.shop_id, h.held_fen, h.install_hold_rule_id)]
FROM held AS h
"""

STAGE_RELEASES_OF: Final = """
INSERT INTO ledger_stage
WITH due AS (
  SELECT order_id, shop_id, install_released_on, install_hold_rule_id FROM ledger_schedule
  WHERE install_released_on BETWEEN $start AND $end
), held AS (
  SELECT order_id, party, sum(amount_fen) AS held_fen FROM journal_postings
  WHERE account = 'merchant_held' AND entry_kind = 'installation_hold'
    AND order_id IN (SELECT order_id FROM due)
    AND (order_paid_on BETWEEN $paid_from AND $paid_to OR p_undated)
  GROUP BY order_id, party
)
SELECT md5($ns || d.order_id), 'installation_release', d.order_id, d.order_id, d.shop_id,
       d.install_released_on,
       [ledger_leg('merchant_held', h.party, -h.held_fen, d.install_hold_rule_id),
        ledger_leg('merchant_available', h.party, h.held_fen, d.install_hold_rule_id)]
FROM due AS d JOIN held AS h USING (order_id)
"""
STAGE_RELEASES, STAGE_RELEASES_DATED = read_undated(STAGE_RELEASES_OF)
"""Reversal postings carry the entry kind of the entry they reverse, so the sum over every
``installation_hold`` posting is what the live hold entry holds."""


@functools.cache
def _holds_sql() -> tuple[str, str]:
    """:data:`STAGE_HOLDS` with the held share in place (built once per process), reading
    the postings without a payment day and not (:func:`read_undated`)."""
    paid, share_bp = exp.column("amount_paid_fen", table="d"), exp.column("inst_bp", table="d")
    return read_undated(STAGE_HOLDS, p_share=apply_rate_sql(paid, share_bp))


def post_installation_holds(
    con: duckdb.DuckDBPyConnection, ref: CloseRef, start: date, end: date
) -> PostResult:
    """Holds falling on settlement days in ``start``..``end``, then releases falling in it
    (after the period's settlements are posted; reads ``ledger_schedule``)."""
    period = {"start": start, "end": end, **due_span(con, start, end)}
    whole = reads_undated(con, period["paid_from"], period["paid_to"])
    start_stage(con)
    run_sql(con, _holds_sql()[0 if whole else 1], {**period, "ns": namespace(KINDS[0])})
    result = post_staged(con, ref, kinds=(KINDS[0],), start=start, end=end)
    start_stage(con)
    releases = STAGE_RELEASES if whole else STAGE_RELEASES_DATED
    run_sql(con, releases, {**period, "ns": namespace(KINDS[1])})
    return result + post_staged(con, ref, kinds=(KINDS[1],), start=start, end=end)


__all__ = ["KINDS", "post_installation_holds"]
