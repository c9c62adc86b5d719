"""Indicators: what each one measures, in SQL over the event tables.

Every indicator is a ratio (or an average) of two *measures* summed over a
rolling window. A measure is a count or a sum over *contributions*: one row per
event with a **base date** (the date that puts it in the window: signed, paid,
picked up, closed…) and a **known date** (when the platform learns it: a quality
return is known when it is asked for, a review when it is written). A score dated
D uses the window ``[D − W, D − 1]`` and only what was known before D, so a
contribution counts for every D in ``[max(base, known) + 1, base + W]``.

That interval is what makes the stage set-based: each contribution becomes two
*deltas* (+value on its first day, −value the day after its last), deltas are
summed per shop and day, and a running sum over the dense shops × dates grid
gives every measure for every shop and every date at once — no loop per day,
and no 30-day frame to re-aggregate. Deltas before the grid's first date are
folded into it, so history of any length costs one row per event.

Units: rates in basis points, ratings in hundredths of a star, pickup scores in
hundredths of a point, times in seconds or minutes (see :data:`INDICATORS`).
"""

from __future__ import annotations

from typing import Final

from merchantry.model.indicators import INDICATORS as INDICATORS  # the catalogue
from merchantry.model.indicators import Indicator as Indicator
from merchantry.rulebook.columns import INSTANT_REFUND_MINUTES

QUALITY_REASONS: Final = ("quality", "not_as_described", "fake_product")
"""First after-sale reasons that count as a product-quality return (商品品质退货)."""

ABNORMAL_VIOLATIONS: Final = ("brushing", "fake_review")
"""Violations that make the order they name an abnormal order (异常订单: brushed or
fake-review orders). Abnormal orders, gifts and lucky bags, low-price orders and 秒退
orders count in no indicator (article 103956 §2.1.2); deductions still see them."""

REMOTE_REGIONS: Final = ("新疆", "西藏", "青海")
"""Destinations with a longer delivery standard and the remote-area bonus (assumption:
the platforms' remote lists are not in the fact sheet; these three are the ones every
courier treats as remote)."""

MEASURES: Final = (
    "valid_orders",
    "signed",
    "next_day",
    "delivery_minutes",
    "remote_clean",
    "quality_returns",
    "negative_feedback",
    "rating_sum",
    "rating_n",
    "bad_reviews",
    "positive_reviews",
    "logistics_bad",
    "confirmed",
    "pickup_score_sum",
    "pickups",
    "late_pickups",
    "waybills_due",
    "waybills_on_time",
    "due_48h",
    "picked_48h",
    "logistics_returns",
    "refund_cases",
    "refund_cases_on_time",
    "review_seconds",
    "refunds_all",
    "refund_seconds",
    "cs_rounds",
    "cs_response_seconds",
    "cs_unanswered",
    "cs_rounds_3min",
    "cs_rated",
    "cs_dissatisfied",
    "cs_satisfied",
    "asked_orders",
    "escalated_orders",
    "escalations",
)
"""Window sums the indicators are built from (one column each in ``_sc_measures``)."""


SECONDS_PER_MINUTE: Final = 60
MINUTE_INDICATORS: Final = ("after_sales_review_minutes", "refund_handling_minutes")
"""Indicators whose numerator is in seconds but whose value is in minutes."""


def constant_parameters() -> dict[str, object]:
    """The bound parameters :data:`ORDERS_SQL` and :data:`CONTRIBUTIONS_SQL` take from the
    constants above: lists are bound as lists, never formatted into the SQL text."""
    return {
        "quality_reasons": list(QUALITY_REASONS),
        "abnormal_violations": list(ABNORMAL_VIOLATIONS),
        "remote_regions": list(REMOTE_REGIONS),
        "instant_refund_minutes": INSTANT_REFUND_MINUTES,
    }


ORDERS_SQL: Final = """
CREATE OR REPLACE TEMP TABLE _sc_orders AS
WITH scope AS (SELECT DISTINCT shop_id FROM _sc_shopfacts),
o AS (
  SELECT o.order_id, o.shop_id, o.paid_at, o.is_gift, o.ship_to_region, o.amount_paid_fen,
    o.ship_by_at, o.promised_delivery_at, coalesce(o.qic_inspected, FALSE) AS qic_inspected
  FROM orders AS o JOIN scope USING (shop_id)
  WHERE CAST(o.paid_at AS DATE) >= $since AND CAST(o.paid_at AS DATE) < $last
),
lg AS (
  SELECT l.order_id,
    min(CASE WHEN l.event = 'shipped' THEN l.event_at END) AS shipped_at,
    min(CASE WHEN l.event = 'picked_up' THEN l.event_at END) AS picked_at,
    min(CASE WHEN l.event = 'delivered' THEN l.event_at END) AS delivered_at,
    min(CASE WHEN l.event = 'receipt_confirmed' THEN l.event_at END) AS receipt_at
  FROM logistics_events AS l JOIN o USING (order_id)
  GROUP BY l.order_id
),
fc AS (
  SELECT a.order_id,
    min(a.requested_at) AS asked_at,
    arg_min(a.reason_code, a.requested_at) AS reason,
    arg_min(a.type, a.requested_at) AS case_type,
    arg_min(a.outcome, a.requested_at) AS outcome,
    arg_min(a.responsible_party, a.requested_at) AS party,
    bool_or(a.escalated) AS escalated,
    bool_or(a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund')
            AND date_diff('minute', o.paid_at, a.requested_at) <= $instant_refund_minutes)
      AS instant_refund
  FROM after_sales AS a JOIN o USING (order_id)
  GROUP BY a.order_id
),
fraud AS (
  SELECT v.order_id, min(v.occurred_at) AS fraud_at
  FROM violations AS v JOIN o USING (order_id)
  WHERE v.kind = 'fraudulent_shipping'
  GROUP BY v.order_id
),
abnormal AS (
  SELECT DISTINCT v.order_id FROM violations AS v JOIN o USING (order_id)
  WHERE list_contains($abnormal_violations, v.kind)
),
rv AS (
  SELECT r.order_id, min(r.created_at) AS reviewed_at, arg_min(r.rating, r.created_at) AS rating,
         arg_min(r.logistics_rating, r.created_at) AS logistics_rating
  FROM reviews AS r JOIN o USING (order_id)
  GROUP BY r.order_id
)
SELECT o.*, lg.shipped_at, lg.picked_at, lg.delivered_at, lg.receipt_at,
  fc.asked_at, fc.reason, fc.case_type, fc.outcome, fc.party, fc.escalated,
  coalesce(fc.instant_refund, FALSE) AS instant_refund,
  fraud.fraud_at, rv.reviewed_at, rv.rating, rv.logistics_rating,
  CASE
    WHEN hour(o.paid_at) >= $pickup_clock_after_hour
      THEN CAST(CAST(o.paid_at AS DATE) + 1 AS TIMESTAMP)
           + $pickup_clock_start_hour * INTERVAL 1 HOUR
    WHEN hour(o.paid_at) < $pickup_clock_start_hour
      THEN CAST(CAST(o.paid_at AS DATE) AS TIMESTAMP) + $pickup_clock_start_hour * INTERVAL 1 HOUR
    ELSE o.paid_at
  END AS pickup_clock,
  NOT o.is_gift AND NOT coalesce(fc.instant_refund, FALSE)
    AND o.amount_paid_fen > $low_price_max_fen AND abnormal.order_id IS NULL AS is_valid,
  coalesce(list_contains($remote_regions, o.ship_to_region), FALSE) AS is_remote
FROM o
LEFT JOIN lg USING (order_id)
LEFT JOIN fc USING (order_id)
LEFT JOIN fraud USING (order_id)
LEFT JOIN rv USING (order_id)
LEFT JOIN abnormal USING (order_id)
"""
"""One row per order that can still matter (paid since ``$since``), with its milestones,
first after-sales case, fraudulent-shipping violation, first review and its promises
(``ship_by_at``, ``promised_delivery_at``: the lateness indicators measure against them
where the order carries one, as the ``order_fulfilment`` view does)."""

CONTRIBUTIONS_SQL: Final = """
CREATE OR REPLACE TEMP TABLE _sc_contrib AS
SELECT shop_id, b, k, m, v FROM (UNPIVOT (
WITH o AS (
  SELECT o.*, p.pickup_score,
    coalesce(CASE WHEN o.qic_inspected THEN f.qic_pickup_deadline_hours END,
             f.pickup_deadline_hours) AS pickup_deadline_hours
  FROM _sc_orders AS o LEFT JOIN _sc_pickup AS p USING (order_id)
  LEFT JOIN _sc_shopfacts AS f ON f.shop_shop_id = o.shop_id
  WHERE o.is_valid
),
cases AS (
  SELECT a.*, o.shop_id, o.shipped_at,
    CASE
      WHEN hour(a.requested_at) >= $review_clock_after_hour
        THEN CAST(CAST(a.requested_at AS DATE) + 1 AS TIMESTAMP)
             + $review_clock_start_hour * INTERVAL 1 HOUR
      WHEN hour(a.requested_at) < $review_clock_start_hour
        THEN CAST(CAST(a.requested_at AS DATE) AS TIMESTAMP)
             + $review_clock_start_hour * INTERVAL 1 HOUR
      ELSE a.requested_at
    END AS review_clock
  FROM after_sales AS a JOIN _sc_orders AS o USING (order_id)
  WHERE o.is_valid AND a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund')
    AND a.closed_at IS NOT NULL
),
cs AS (
  SELECT c.* FROM cs_sessions AS c JOIN (SELECT DISTINCT shop_id FROM _sc_shopfacts) USING (shop_id)
  WHERE CAST(c.started_at AS DATE) >= $since AND CAST(c.started_at AS DATE) < $last
    AND (c.order_id IS NULL
         OR c.order_id NOT IN (SELECT order_id FROM _sc_orders WHERE NOT is_valid))
),
asks AS (
  SELECT order_id, asked, escalated FROM (
    SELECT order_id, requested_at AS asked, escalated FROM after_sales
    UNION ALL
    SELECT order_id, started_at, escalated FROM cs
    WHERE order_id IS NOT NULL AND agent_id IS DISTINCT FROM 'bot'
  )
)
SELECT shop_id, CAST(paid_at AS DATE) AS b, CAST(paid_at AS DATE) AS k,
       CAST(is_valid AS INTEGER) AS valid_orders
FROM o
UNION ALL BY NAME
SELECT shop_id, CAST(delivered_at AS DATE) AS b, CAST(delivered_at AS DATE) AS k,
  1 AS signed,
  CAST(CAST(delivered_at AS DATE) <= CAST(paid_at AS DATE) + 1 AS INTEGER) AS next_day,
  date_diff('minute', paid_at, delivered_at) AS delivery_minutes,
  CAST(is_remote AND asked_at IS NULL AS INTEGER) AS remote_clean
FROM o WHERE delivered_at IS NOT NULL
UNION ALL BY NAME
SELECT shop_id, CAST(delivered_at AS DATE) AS b, CAST(asked_at AS DATE) AS k, 1 AS quality_returns
FROM o WHERE delivered_at IS NOT NULL AND list_contains($quality_reasons, reason)
UNION ALL BY NAME
SELECT shop_id, CAST(delivered_at AS DATE) AS b,
  CAST(least(CASE WHEN list_contains($quality_reasons, reason) THEN asked_at END,
             CASE WHEN rating <= 2 THEN reviewed_at END) AS DATE) AS k,
  1 AS negative_feedback
FROM o WHERE delivered_at IS NOT NULL AND (list_contains($quality_reasons, reason) OR rating <= 2)
UNION ALL BY NAME
SELECT shop_id, CAST(delivered_at AS DATE) AS b, CAST(reviewed_at AS DATE) AS k,
  rating AS rating_sum, 1 AS rating_n, CAST(rating <= 2 AS INTEGER) AS bad_reviews,
  CAST(rating >= 4 AS INTEGER) AS positive_reviews
FROM o WHERE delivered_at IS NOT NULL AND rating IS NOT NULL
UNION ALL BY NAME
SELECT shop_id, CAST(receipt_at AS DATE) AS b, CAST(receipt_at AS DATE) AS k, 1 AS confirmed,
  0 AS logistics_bad
FROM o WHERE receipt_at IS NOT NULL
UNION ALL BY NAME
SELECT shop_id, CAST(receipt_at AS DATE) AS b, CAST(reviewed_at AS DATE) AS k, 1 AS logistics_bad
FROM o WHERE receipt_at IS NOT NULL AND logistics_rating <= 2
UNION ALL BY NAME
SELECT shop_id, CAST(picked_at AS DATE) AS b, CAST(picked_at AS DATE) AS k,
  pickup_score AS pickup_score_sum,
  1 AS pickups,
  CAST(CASE WHEN pickup_deadline_hours IS NOT NULL
              THEN picked_at > greatest(coalesce(ship_by_at, paid_at),
                                        paid_at + to_hours(CAST(pickup_deadline_hours AS BIGINT)))
            WHEN ship_by_at IS NOT NULL THEN picked_at > ship_by_at
            ELSE CAST(picked_at AS DATE) > CAST(paid_at AS DATE) + 1 END AS INTEGER)
    AS late_pickups
FROM o WHERE picked_at IS NOT NULL
UNION ALL BY NAME
SELECT shop_id, CAST(due AS DATE) AS b, CAST(due AS DATE) AS k, 1 AS waybills_due,
  CAST(coalesce(delivered_at <= due, FALSE) AND fraud_at IS NULL AS INTEGER) AS waybills_on_time
FROM (
  SELECT *, coalesce(promised_delivery_at, picked_at + to_hours(CAST($delivery_standard_hours
      + CASE WHEN is_remote THEN $remote_extra_hours ELSE 0 END AS BIGINT))) AS due
  FROM o WHERE picked_at IS NOT NULL
)
UNION ALL BY NAME
SELECT shop_id, CAST(due AS DATE) AS b, CAST(due AS DATE) AS k, 1 AS due_48h,
  CAST(coalesce(picked_at <= due, FALSE) AS INTEGER) AS picked_48h
FROM (SELECT *, coalesce(ship_by_at, paid_at + to_hours(CAST($pickup_due_hours AS BIGINT))) AS due
      FROM o)
WHERE NOT instant_refund AND (shipped_at IS NOT NULL OR asked_at IS NULL)
UNION ALL BY NAME
SELECT shop_id, CAST(paid_at AS DATE) AS b,
  CAST(least(CASE WHEN outcome = 'approved' AND party = 'merchant'
                   AND reason IN ('late_delivery', 'wrong_item', 'damaged') THEN asked_at END,
             fraud_at) AS DATE) AS k,
  1 AS logistics_returns
FROM o
WHERE is_valid AND (fraud_at IS NOT NULL OR (outcome = 'approved' AND party = 'merchant'
                    AND reason IN ('late_delivery', 'wrong_item', 'damaged')))
UNION ALL BY NAME
SELECT shop_id, CAST(closed_at AS DATE) AS b, CAST(closed_at AS DATE) AS k,
  CAST(type = 'return_refund' OR shipped_at <= requested_at AS INTEGER) AS refund_cases,
  CAST((type = 'return_refund' OR shipped_at <= requested_at)
       AND date_diff('minute', requested_at, closed_at) <= $after_sales_standard_minutes
       AS INTEGER) AS refund_cases_on_time,
  CASE WHEN type = 'return_refund' OR shipped_at <= requested_at
       THEN greatest(date_diff('second', review_clock, closed_at), 0) ELSE 0 END
    AS review_seconds,
  1 AS refunds_all,
  date_diff('second', requested_at, closed_at) AS refund_seconds
FROM cases
UNION ALL BY NAME
SELECT shop_id, CAST(started_at AS DATE) AS b, CAST(started_at AS DATE) AS k,
  rounds AS cs_rounds,
  total_response_seconds + unanswered_rounds * $unanswered_round_seconds AS cs_response_seconds,
  unanswered_rounds AS cs_unanswered,
  CASE WHEN rounds > unanswered_rounds
        AND total_response_seconds <= $reply_target_seconds * (rounds - unanswered_rounds)
       THEN rounds - unanswered_rounds ELSE 0 END AS cs_rounds_3min,
  CAST(rating IS NOT NULL AS INTEGER) AS cs_rated,
  CAST(rating <= 3 AS INTEGER) AS cs_dissatisfied,
  CAST(rating >= 4 AS INTEGER) AS cs_satisfied
FROM cs
WHERE agent_id IS DISTINCT FROM 'bot'
  AND hour(started_at) BETWEEN $service_first_hour AND $service_last_hour
UNION ALL BY NAME
SELECT o.shop_id, CAST(min(a.asked) AS DATE) AS b, CAST(min(a.asked) AS DATE) AS k,
  1 AS asked_orders, CAST(bool_or(a.escalated) AS INTEGER) AS escalated_orders
FROM asks AS a JOIN o USING (order_id)
GROUP BY o.shop_id, a.order_id
UNION ALL BY NAME
SELECT o.shop_id, CAST(a.requested_at AS DATE) AS b, CAST(a.requested_at AS DATE) AS k,
  1 AS escalations
FROM after_sales AS a JOIN o USING (order_id) WHERE a.escalated
UNION ALL BY NAME
SELECT shop_id, CAST(started_at AS DATE) AS b, CAST(started_at AS DATE) AS k, 1 AS escalations
FROM cs WHERE escalated
) ON COLUMNS(* EXCLUDE (shop_id, b, k)) INTO NAME m VALUE v)
WHERE v <> 0
UNION ALL
SELECT v.shop_id, CAST(v.occurred_at AS DATE), CAST(v.occurred_at AS DATE), 'v_' || v.kind, 1
FROM violations AS v JOIN (SELECT DISTINCT shop_id FROM _sc_shopfacts) USING (shop_id)
WHERE CAST(v.occurred_at AS DATE) < $last
  AND v.violation_id NOT IN (SELECT violation_id FROM withdrawn_violations)
"""
"""Every contribution, long: shop, base date ``b``, known date ``k``, measure ``m`` and the
value ``v`` it adds (zeros dropped). Violations are measures ``v_<kind>`` (those an
overturned case withdrew, ``withdrawn_violations``, are left out).

Pickup scores come from ``_sc_pickup`` (per order, from the rulebook's
``score_pickup_band`` rules)."""
