"""Watch → search → pay attribution, in DuckDB SQL (no per-row Python).

For the orders paid in a period (gift orders excluded), under one seeding rulebook:

1. **orders**: each order's match key (its SKU, or its shop, per ``attribution.match``),
   GMV (paid amount less shipping) and the earliest view time the window allows
   (``paid_at − view_window_days``);
2. **search**: the latest search by the same buyer whose clicked product has the same
   key, at or before payment and no earlier than ``paid_at − search_window_days``. An
   order without one is not attributed (a view without a search is not seeding);
3. **touches**: every video of the same key the buyer watched inside the view window and
   at or before that search, one row per order and video however many times it was
   watched (deduplicated), with its first and last qualifying view. An order without one
   is not attributed (a search without a view is not seeding). The views are first cut to
   the period's window and to the (buyer, key) pairs of orders that have a search, into a
   table of their own, and only then range-joined per (buyer, key): the cost follows the
   period's orders and views, and no plan can pair views with searches by time alone;
4. **split** per ``attribution.split``: ``last_touch`` credits the video watched last,
   ``first_touch`` the video watched first (ties by video id), ``linear`` every video
   equally;
5. **money**: the order's tier amount (``apply_rate(GMV, tier rate)``, at most
   ``max_per_order_fen``) and its GMV are shared between the credited videos by largest
   remainder, so the shares sum exactly; then each creator's payouts of one payment day
   are capped at ``max_per_creator_day_fen`` in payment order;
6. **refunds**: an order whose first approved refund closed on or before its payout date
   (payment date + ``hold_days``) is dropped (nothing paid); one refunded later was paid
   and is clawed back on the refund date.

Boundaries are inclusive: a view exactly ``view_window_days`` before payment counts, one
second earlier does not; a search at the very second of payment counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.kit.money import apply_rate_sql
from merchantry.seeding.rules import SeedingRules
from merchantry.store.sql import Sub, col, fill_sql, lit, run_sql
from merchantry.store.warehouse import ensure_schema, transaction

PAYOUT_RULE: Final = "seeding.payout"
CLAWBACK_RULE: Final = "seeding.clawback"
SETTLE_RULE: Final = "seeding.settlement"

ORDERS: Final = """
CREATE OR REPLACE TEMP TABLE seeding_orders AS
SELECT o.order_id, o.buyer_id, o.shop_id, o.sku_id, o.paid_at,
       CAST(o.paid_at AS DATE) AS paid_on, o.p_key AS k,
       greatest(o.amount_paid_fen - o.shipping_fen, 0) AS gmv_fen,
       o.paid_at - to_days(CAST($view_days AS INTEGER)) AS view_from,
       o.paid_at - to_days(CAST($search_days AS INTEGER)) AS search_from
FROM orders AS o
WHERE o.paid_at >= $start_ts AND o.paid_at < $end_ts AND NOT coalesce(o.is_gift, FALSE)
"""

LAST_SEARCH: Final = """
CREATE OR REPLACE TEMP TABLE seeding_order_search AS
SELECT o.order_id, any_value(o.buyer_id) AS buyer_id, any_value(o.k) AS k,
       any_value(o.view_from) AS view_from, max(s.searched_at) AS searched_at
FROM seeding_orders AS o
JOIN (
  SELECT s.buyer_id, s.searched_at, p.p_key AS k
  FROM searches AS s JOIN products AS p ON p.sku_id = s.clicked_sku_id
  WHERE s.searched_at >= $search_ts AND s.searched_at < $end_ts
) AS s ON s.buyer_id = o.buyer_id AND s.k = o.k
      AND s.searched_at <= o.paid_at AND s.searched_at >= o.search_from
GROUP BY o.order_id
"""

VIEWS: Final = """
CREATE OR REPLACE TEMP TABLE seeding_views AS
SELECT v.buyer_id, c.p_key AS k, v.video_id, c.creator_id, v.viewed_at
FROM video_views AS v
JOIN creator_videos AS c ON c.video_id = v.video_id
WHERE v.viewed_at >= $view_ts AND v.viewed_at < $end_ts
  AND EXISTS (SELECT 1 FROM seeding_order_search AS q
              WHERE q.buyer_id = v.buyer_id AND q.k = c.p_key)
"""

TOUCHES: Final = """
CREATE OR REPLACE TEMP TABLE seeding_touches AS
SELECT q.order_id, v.video_id, any_value(v.creator_id) AS creator_id,
       min(v.viewed_at) AS first_view, max(v.viewed_at) AS last_view,
       any_value(q.searched_at) AS searched_at
FROM seeding_order_search AS q
JOIN seeding_views AS v ON v.buyer_id = q.buyer_id AND v.k = q.k
     AND v.viewed_at >= q.view_from AND v.viewed_at <= q.searched_at
GROUP BY q.order_id, v.video_id
"""

SPLIT: Final = """
CREATE OR REPLACE TEMP TABLE seeding_split AS
WITH ranked AS (
  SELECT t.*, count(*) OVER (PARTITION BY t.order_id) AS videos,
         row_number() OVER (PARTITION BY t.order_id ORDER BY t.last_view DESC, t.video_id)
           AS last_rank,
         row_number() OVER (PARTITION BY t.order_id ORDER BY t.first_view, t.video_id)
           AS first_rank
  FROM seeding_touches AS t
), weighted AS (
  SELECT r.*,
         CASE $split WHEN 'last_touch' THEN CAST(r.last_rank = 1 AS BIGINT)
                     WHEN 'first_touch' THEN CAST(r.first_rank = 1 AS BIGINT)
                     ELSE CAST(1 AS BIGINT) END AS weight,
         CASE $split WHEN 'first_touch' THEN r.first_view ELSE r.last_view END AS touch_at
  FROM ranked AS r
), priced AS (
  SELECT w.order_id, w.video_id, w.creator_id, w.searched_at, w.touch_at, w.videos, w.weight,
         sum(w.weight) OVER (PARTITION BY w.order_id) AS weights,
         o.shop_id, o.sku_id, o.buyer_id, o.paid_at, o.paid_on, o.gmv_fen,
         p_rate AS tier_rate_bp, p_tier AS rule_id,
         least(p_amount, CAST($max_per_order AS BIGINT)) AS order_reward_fen
  FROM weighted AS w JOIN seeding_orders AS o USING (order_id)
  WHERE w.weight > 0
), parts AS (
  SELECT p.*,
         p.gmv_fen * p.weight // p.weights AS gmv_floor,
         p.order_reward_fen * p.weight // p.weights AS reward_floor,
         row_number() OVER (PARTITION BY p.order_id
                            ORDER BY (p.gmv_fen * p.weight) % p.weights DESC, p.video_id)
           AS gmv_rank,
         row_number() OVER (PARTITION BY p.order_id
                            ORDER BY (p.order_reward_fen * p.weight) % p.weights DESC, p.video_id)
           AS reward_rank
  FROM priced AS p
)
SELECT q.*,
       q.gmv_floor + CAST(q.gmv_rank <= q.gmv_fen - sum(q.gmv_floor) OVER w AS BIGINT)
         AS attributed_gmv_fen,
       q.reward_floor
         + CAST(q.reward_rank <= q.order_reward_fen - sum(q.reward_floor) OVER w AS BIGINT)
         AS reward_fen,
       CAST((q.weight * 20000 + q.weights) // (2 * q.weights) AS INTEGER) AS share_bp
FROM parts AS q
WINDOW w AS (PARTITION BY q.order_id)
"""

REFUNDS: Final = """
CREATE OR REPLACE TEMP TABLE seeding_refunds AS
SELECT a.order_id, min(CAST(a.closed_at AS DATE)) AS refunded_on
FROM after_sales AS a
WHERE a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund')
  AND a.amount_fen > 0 AND a.closed_at IS NOT NULL
GROUP BY a.order_id
"""

WRITE: Final = """
DELETE FROM seeding_attributions
WHERE rulebook = $rulebook AND paid_on BETWEEN $start AND $end;
INSERT INTO seeding_attributions BY NAME
WITH dated AS (
  SELECT s.*, s.paid_on + CAST($hold_days AS INTEGER) AS pay_on, r.refunded_on
  FROM seeding_split AS s LEFT JOIN seeding_refunds AS r USING (order_id)
), stated AS (
  SELECT d.*,
         CASE WHEN d.refunded_on IS NULL THEN 'payable'
              WHEN d.refunded_on <= d.pay_on THEN 'dropped_refund'
              ELSE 'clawed_back' END AS status
  FROM dated AS d
), capped AS (
  SELECT s.*,
         CASE WHEN s.status = 'dropped_refund' THEN CAST(0 AS BIGINT)
              ELSE sum(CASE WHEN s.status = 'dropped_refund' THEN 0 ELSE s.reward_fen END)
                     OVER (PARTITION BY s.creator_id, s.paid_on
                           ORDER BY s.paid_at, s.order_id, s.video_id
                           ROWS UNBOUNDED PRECEDING) END AS running_fen
  FROM stated AS s
)
SELECT $rulebook AS rulebook, c.order_id, c.video_id, c.creator_id, c.shop_id, c.sku_id,
       c.buyer_id, c.paid_at, c.paid_on, c.touch_at AS viewed_at, c.searched_at,
       CAST(c.videos AS INTEGER) AS videos, c.share_bp, c.attributed_gmv_fen, c.reward_fen,
       CASE WHEN c.status = 'dropped_refund' THEN CAST(0 AS BIGINT)
            ELSE greatest(CAST(0 AS BIGINT),
                          least(c.reward_fen,
                                CAST($max_per_creator_day AS BIGINT)
                                  - (c.running_fen - c.reward_fen))) END AS payout_fen,
       CAST(c.tier_rate_bp AS INTEGER) AS tier_rate_bp, c.pay_on, c.status, c.refunded_on,
       $split AS split_rule, c.rule_id
FROM capped AS c
"""

REFRESH_REFUNDS: Final = """
UPDATE seeding_attributions AS a
SET status = CASE WHEN r.refunded_on <= a.pay_on THEN 'dropped_refund' ELSE 'clawed_back' END,
    payout_fen = CASE WHEN r.refunded_on <= a.pay_on THEN 0 ELSE a.payout_fen END,
    refunded_on = r.refunded_on
FROM seeding_refunds AS r
WHERE a.rulebook = $rulebook AND a.order_id = r.order_id AND a.refunded_on IS NULL;
DELETE FROM seeding_clawbacks WHERE rulebook = $rulebook;
INSERT INTO seeding_clawbacks BY NAME
SELECT a.rulebook, a.order_id, a.video_id, a.creator_id, a.pay_on AS paid_out_on,
       a.refunded_on AS clawed_on, a.payout_fen AS amount_fen, $clawback_rule AS rule_id
FROM seeding_attributions AS a
WHERE a.rulebook = $rulebook AND a.status = 'clawed_back' AND a.payout_fen > 0;
DELETE FROM seeding_payouts WHERE rulebook = $rulebook;
INSERT INTO seeding_payouts BY NAME
SELECT a.rulebook, a.creator_id, a.pay_on, CAST(count(DISTINCT a.order_id) AS INTEGER) AS orders,
       CAST(count(DISTINCT a.video_id) AS INTEGER) AS videos, sum(a.payout_fen) AS amount_fen,
       $payout_rule AS rule_id
FROM seeding_attributions AS a
WHERE a.rulebook = $rulebook AND a.payout_fen > 0
GROUP BY a.rulebook, a.creator_id, a.pay_on;
DELETE FROM seeding_settlements WHERE rulebook = $rulebook;
INSERT INTO seeding_settlements BY NAME
SELECT $rulebook AS rulebook, m.creator_id, m.month,
       CAST(m.month + INTERVAL 1 MONTH AS DATE) + CAST($settle_day AS INTEGER) - 1 AS settle_on,
       CAST(sum(m.payout_fen) AS BIGINT) AS payout_fen,
       CAST(sum(m.clawback_fen) AS BIGINT) AS clawback_fen,
       CAST(sum(m.payout_fen) - sum(m.clawback_fen) AS BIGINT) AS amount_fen,
       $settle_rule AS rule_id
FROM (
  SELECT creator_id, CAST(date_trunc('month', pay_on) AS DATE) AS month,
         amount_fen AS payout_fen, CAST(0 AS BIGINT) AS clawback_fen
  FROM seeding_payouts WHERE rulebook = $rulebook
  UNION ALL
  SELECT creator_id, CAST(date_trunc('month', clawed_on) AS DATE), CAST(0 AS BIGINT), amount_fen
  FROM seeding_clawbacks WHERE rulebook = $rulebook
) AS m
GROUP BY m.creator_id, m.month
HAVING sum(m.payout_fen) <> sum(m.clawback_fen)
"""

COUNTS: Final = """
SELECT count(DISTINCT order_id), count(*), count(DISTINCT creator_id),
       coalesce(sum(attributed_gmv_fen) FILTER (WHERE status <> 'dropped_refund'), 0),
       coalesce(sum(payout_fen), 0),
       count(DISTINCT order_id) FILTER (WHERE status = 'dropped_refund')
FROM seeding_attributions WHERE rulebook = $rulebook AND paid_on BETWEEN $start AND $end
"""

DROP_TEMPS: Final = """
DROP TABLE IF EXISTS seeding_orders; DROP TABLE IF EXISTS seeding_order_search;
DROP TABLE IF EXISTS seeding_views; DROP TABLE IF EXISTS seeding_touches;
DROP TABLE IF EXISTS seeding_split;
DROP TABLE IF EXISTS seeding_refunds
"""

CLAWED: Final = """
SELECT count(*), coalesce(sum(amount_fen), 0) FROM seeding_clawbacks WHERE rulebook = $rulebook
"""


@dataclass(frozen=True, slots=True)
class AttributionSummary:
    """What one attribution run found for its period."""

    rulebook: str
    start: date
    end: date
    orders: int
    """Orders attributed (refunded ones included)."""
    attributions: int
    """Order × video rows."""
    creators: int
    attributed_gmv_fen: int
    """GMV credited to videos, refunded-before-payout orders excluded."""
    payout_fen: int
    dropped_refunds: int
    """Orders dropped because they were refunded before the payout."""
    clawbacks: int
    """Clawback rows of the rulebook (all periods) after the run."""
    clawback_fen: int
    seconds: float


def tier_expressions(rules: SeedingRules, gmv: exp.Expr) -> tuple[exp.Expr, exp.Expr]:
    """SQL for an order's tier rate (bp) and the tier's rule id, highest tier first."""
    rate: exp.Case = exp.Case()
    tier: exp.Case = exp.Case()
    for t in sorted(rules.tiers, key=lambda t: -t.min_gmv_fen):
        cond = exp.GTE(this=gmv.copy(), expression=lit(t.min_gmv_fen))
        rate = rate.when(cond, lit(t.rate_bp))
        tier = tier.when(cond.copy(), lit(t.id))
    return rate.else_(lit(0)), tier.else_(lit(""))


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def statement_inputs(
    rules: SeedingRules, start: date, end: date
) -> tuple[dict[str, Sub], dict[str, object]]:
    """The substitutions and parameters of the run's statements for ``start``..``end``."""
    gmv = col("gmv_fen", "o")
    rate, tier = tier_expressions(rules, gmv)
    subs: dict[str, Sub] = {
        "p_key": "sku_id" if rules.match == "product" else "shop_id",
        "p_rate": rate,
        "p_tier": tier,
        "p_amount": apply_rate_sql(gmv, rate),
    }
    start_ts, end_ts = _midnight(start), _midnight(end + timedelta(days=1))
    params: dict[str, object] = {
        "start": start,
        "end": end,
        "start_ts": start_ts,
        "end_ts": end_ts,
        "view_ts": start_ts - timedelta(days=rules.view_window_days),
        "search_ts": start_ts - timedelta(days=rules.search_window_days),
        "view_days": rules.view_window_days,
        "search_days": rules.search_window_days,
        "split": rules.split,
        "max_per_order": rules.max_per_order_fen,
        "max_per_creator_day": rules.max_per_creator_day_fen,
        "hold_days": rules.hold_days,
        "rulebook": rules.name,
        "payout_rule": PAYOUT_RULE,
        "clawback_rule": CLAWBACK_RULE,
        "settle_rule": SETTLE_RULE,
        "settle_day": rules.settle_day_of_month,
    }
    return subs, params


def attribute(
    con: duckdb.DuckDBPyConnection,
    rules: SeedingRules,
    start: date,
    end: date,
    *,
    schema: bool = True,
) -> AttributionSummary:
    """Attribute the orders paid ``start``..``end`` under ``rules`` and refresh the payouts
    and clawbacks: one transaction; re-running it writes the same rows.

    ``schema``: create the declared tables first (the benchmark's bare tables skip it).
    """
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    began = time.perf_counter()
    if schema:
        ensure_schema(con)
    subs, params = statement_inputs(rules, start, end)
    with transaction(con):
        for template in (ORDERS, LAST_SEARCH, VIEWS, TOUCHES):
            run_sql(con, fill_sql(template, subs), params)
        run_sql(con, fill_sql(SPLIT, subs), params)
        run_sql(con, REFUNDS, params)
        run_sql(con, WRITE, params)
        run_sql(con, REFRESH_REFUNDS, params)
        counts = run_sql(con, COUNTS, params).fetchone()
        clawed = run_sql(con, CLAWED, params).fetchone()
        run_sql(con, DROP_TEMPS)
    assert counts is not None
    assert clawed is not None
    return AttributionSummary(
        rulebook=rules.name,
        start=start,
        end=end,
        orders=int(counts[0]),
        attributions=int(counts[1]),
        creators=int(counts[2]),
        attributed_gmv_fen=int(counts[3]),
        payout_fen=int(counts[4]),
        dropped_refunds=int(counts[5]),
        clawbacks=int(clawed[0]),
        clawback_fen=int(clawed[1]),
        seconds=time.perf_counter() - began,
    )
