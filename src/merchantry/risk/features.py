"""Request-time features of after-sales requests, point in time (no leakage).

Every feature of a request uses only what was known when it arrived: the
buyer's and the shop's timelines (orders by payment time, claims by request
time, rejections by closing time) are summed with window frames that end one
row *before* the request, the order's delivery counts only if it happened
before, and a photo counts as reused only if an earlier claim used it.

One SQL serves both paths: ``_risk_requests`` holds the requests to score
(all of ``after_sales`` in batch; the one incoming request for :func:`decide`),
and history is everything else in the warehouse. The result has one row per
request with

* the condition columns of :mod:`merchantry.rulebook.columns` that are known
  at request time (``order_scene``, ``shop_industry``, ``category_industry``,
  …), so risk rules' ``when`` compiles onto it exactly as fee rules' do;
* every feature in :data:`~merchantry.rulebook.risk_effects.RISK_FEATURES`.
"""

from __future__ import annotations

from typing import Final

import duckdb
import sqlglot
import sqlglot.expressions as exp

from merchantry.risk.rings import ensure_ring_tables
from merchantry.rulebook.columns import CONDITION_COLUMNS, INSTANT_REFUND_MINUTES, ConditionColumn
from merchantry.store.sql import fill, to_sql

FUTURE_COLUMNS: Final = frozenset(
    {
        "order.refunded_fen",
        "order.refunded_in_period_fen",
        "order.refund_minutes",
        "order.is_instant_refund",
    }
)
"""Condition columns about the order's refunds: unknown when a request arrives."""

FAULT_REASONS: Final = ("quality", "not_as_described", "damaged", "wrong_item", "fake_product")
INSTANT_MINUTES: Final = INSTANT_REFUND_MINUTES
"""The 秒退 window the fee stage's ``order.is_instant_refund`` uses (one assumption, kept in
:mod:`merchantry.rulebook.columns`)."""

_TABLE_ALIAS: Final = {"order": "o", "shop": "s", "category": "c", "creator": "cr"}
_DERIVED: Final = {
    "order.paid_date": "CAST(o.paid_at AS DATE)",
    "order.is_affiliate": "o.creator_id IS NOT NULL",
    "shop.age_days": "date_diff('day', s.opened_date, CAST(o.paid_at AS DATE))",
    "order.colonel_rate_bp": (
        "(SELECT cf.colonel_rate_bp FROM order_colonel_fees AS cf WHERE cf.order_id = o.order_id)"
    ),
}


def request_time_columns() -> tuple[ConditionColumn, ...]:
    """Condition columns a risk rule may use (all but the order's future refunds)."""
    return tuple(c for c in CONDITION_COLUMNS if c.name not in FUTURE_COLUMNS)


REQUESTS_DDL: Final = """
CREATE OR REPLACE TEMP TABLE _risk_requests (
    case_id VARCHAR, order_id VARCHAR, requested_at TIMESTAMP, type VARCHAR,
    reason_code VARCHAR, amount_fen BIGINT, evidence_images VARCHAR[]
)
"""

BATCH_REQUESTS: Final = """
INSERT INTO _risk_requests
SELECT case_id, order_id, requested_at, type, reason_code, amount_fen, evidence_images
FROM after_sales
"""

_FEATURES = """
CREATE OR REPLACE TEMP TABLE _risk_features AS
WITH req AS (
    SELECT r.*, o.buyer_id, o.shop_id, o.paid_at FROM _risk_requests AS r
    JOIN orders AS o USING (order_id)
),
req_buyers AS (SELECT DISTINCT buyer_id FROM req),
req_shops AS (SELECT DISTINCT shop_id FROM req),
req_images AS (SELECT DISTINCT unnest(evidence_images) AS image FROM req),
near_orders AS MATERIALIZED (
    -- the only orders a request's history reads: its buyers' and its shops' (one scan)
    SELECT order_id, buyer_id, shop_id, paid_at FROM orders
    WHERE buyer_id IN (SELECT buyer_id FROM req_buyers)
       OR shop_id IN (SELECT shop_id FROM req_shops)
),
history AS (
    SELECT a.case_id, a.requested_at, a.type, a.evidence_images, a.outcome,
           a.responsible_party, a.closed_at, o.buyer_id, o.shop_id, o.paid_at
    FROM after_sales AS a JOIN near_orders AS o USING (order_id)
    WHERE a.case_id NOT IN (SELECT case_id FROM _risk_requests)
),
claims AS (
    SELECT case_id, requested_at, type, evidence_images, buyer_id, shop_id, paid_at,
           true AS is_request FROM req
    UNION ALL
    SELECT case_id, requested_at, type, evidence_images, buyer_id, shop_id, paid_at, false
    FROM history
),
buyer_line AS (
    SELECT buyer_id, paid_at AS t, 0 AS seq, NULL AS case_id, false AS is_request,
           1 AS n_order, 0 AS n_claim, 0 AS n_refund_only, 0 AS n_instant, 0 AS n_photo,
           0 AS n_rejected
    FROM near_orders WHERE buyer_id IN (SELECT buyer_id FROM req_buyers)
    UNION ALL
    SELECT buyer_id, requested_at, 1, case_id, is_request, 0, 1,
           CAST(type = 'refund_only' AS INTEGER),
           CAST(type = 'refund_only' AND requested_at <= paid_at + to_minutes($instant)
                AS INTEGER),
           CAST(coalesce(len(evidence_images), 0) > 0 AS INTEGER), 0
    FROM claims WHERE buyer_id IN (SELECT buyer_id FROM req_buyers)
    UNION ALL
    SELECT o.buyer_id, h.closed_at, 2, NULL, false, 0, 0, 0, 0, 0, 1
    FROM after_sales AS h JOIN near_orders AS o USING (order_id)
    WHERE h.outcome = 'rejected' AND h.responsible_party = 'buyer' AND h.closed_at IS NOT NULL
      AND o.buyer_id IN (SELECT buyer_id FROM req_buyers)
),
buyer_sums AS (
    SELECT case_id,
        coalesce(sum(n_order) OVER w, 0) AS buyer_prior_orders,
        coalesce(sum(n_claim) OVER w, 0) AS buyer_prior_claims,
        coalesce(sum(n_refund_only) OVER w, 0) AS prior_refund_only,
        coalesce(sum(n_instant) OVER w, 0) AS buyer_instant_refunds,
        coalesce(sum(n_photo) OVER w, 0) AS buyer_photo_claims,
        coalesce(sum(n_rejected) OVER w, 0) AS buyer_rejected_claims,
        is_request
    FROM buyer_line
    WINDOW w AS (PARTITION BY buyer_id ORDER BY t, seq, case_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
shop_line AS (
    SELECT shop_id, paid_at AS t, 0 AS seq, NULL AS case_id, false AS is_request,
           1 AS n_order, 0 AS n_claim
    FROM near_orders WHERE shop_id IN (SELECT shop_id FROM req_shops)
    UNION ALL
    SELECT shop_id, requested_at, 1, case_id, is_request, 0, 1
    FROM claims WHERE shop_id IN (SELECT shop_id FROM req_shops)
),
shop_sums AS (
    SELECT case_id, is_request,
        coalesce(sum(n_order) OVER w, 0) AS shop_prior_orders,
        coalesce(sum(n_claim) OVER w, 0) AS shop_prior_claims
    FROM shop_line
    WINDOW w AS (PARTITION BY shop_id ORDER BY t, seq, case_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
),
image_uses AS (
    -- every use of a photo some request shows, by anyone (no order needed: the first use of
    -- each photo is all that counts)
    SELECT * FROM (
        SELECT case_id, requested_at, true AS is_request, unnest(evidence_images) AS image
        FROM req WHERE evidence_images IS NOT NULL
        UNION ALL
        SELECT case_id, requested_at, false, unnest(evidence_images)
        FROM after_sales
        WHERE evidence_images IS NOT NULL
          AND case_id NOT IN (SELECT case_id FROM _risk_requests)
    )
    WHERE image IN (SELECT image FROM req_images)
),
image_ranked AS (
    SELECT *, min(requested_at) OVER (PARTITION BY image) AS first_use,
           count(*) OVER (PARTITION BY image, requested_at) AS same_time
    FROM image_uses
),
reused AS (
    SELECT case_id, count(DISTINCT image) AS reused_images FROM image_ranked
    WHERE is_request AND first_use < requested_at GROUP BY case_id
),
listing AS (
    SELECT r.case_id, count(DISTINCT i.image) AS listing_images
    FROM (SELECT case_id, shop_id, unnest(evidence_images) AS image FROM req
          WHERE evidence_images IS NOT NULL) AS i
    JOIN (SELECT shop_id, unnest(image_refs) AS image FROM products
          WHERE shop_id IN (SELECT shop_id FROM req_shops)) AS p
      ON p.shop_id = i.shop_id AND p.image = i.image
    JOIN req AS r ON r.case_id = i.case_id
    GROUP BY r.case_id
),
delivered AS (
    SELECT order_id, min(event_at) AS delivered_at FROM logistics_events
    WHERE event = 'delivered' AND order_id IN (SELECT order_id FROM req) GROUP BY order_id
)
SELECT
    req.case_id, req.order_id, req.buyer_id, req.shop_id, req.requested_at,
    req.type AS request_type, req.reason_code AS request_reason,
    p_facts,
    CAST(b.buyer_prior_orders AS BIGINT) AS buyer_prior_orders,
    CAST(b.buyer_prior_claims AS BIGINT) AS buyer_prior_claims,
    CAST(CASE WHEN b.buyer_prior_orders = 0 THEN 0
         ELSE b.prior_refund_only * 10000 // b.buyer_prior_orders END AS BIGINT)
        AS buyer_refund_only_rate_bp,
    CAST(b.buyer_instant_refunds AS BIGINT) AS buyer_instant_refunds,
    CAST(b.buyer_rejected_claims AS BIGINT) AS buyer_rejected_claims,
    CAST(b.buyer_photo_claims AS BIGINT) AS buyer_photo_claims,
    CAST(coalesce(rr.buyers, 1) AS BIGINT) AS ring_size,
    CAST(coalesce(rr.flagged, false) AS BIGINT) AS ring_flagged,
    CAST(coalesce(len(req.evidence_images), 0) AS BIGINT) AS evidence_images,
    CAST(coalesce(ru.reused_images, 0) AS BIGINT) AS reused_images,
    CAST(coalesce(li.listing_images, 0) AS BIGINT) AS listing_images,
    CAST(0 AS BIGINT) AS image_flags,
    req.amount_fen AS request_amount_fen,
    CAST(date_diff('minute', req.paid_at, req.requested_at) AS BIGINT) AS minutes_since_payment,
    CAST(CASE WHEN d.delivered_at <= req.requested_at
         THEN date_diff('hour', d.delivered_at, req.requested_at) END AS BIGINT)
        AS hours_since_delivery,
    CAST(d.delivered_at IS NULL OR d.delivered_at > req.requested_at AS BIGINT)
        AS before_delivery,
    CAST((d.delivered_at IS NULL OR d.delivered_at > req.requested_at)
         AND req.type = 'refund_only'
         AND req.reason_code IN ('quality', 'not_as_described', 'damaged', 'wrong_item',
                                 'fake_product') AS BIGINT)
        AS fault_claim_before_delivery,
    CAST(req.type = 'refund_only' AS BIGINT) AS refund_only,
    CAST(req.reason_code IN ('quality', 'not_as_described', 'damaged', 'wrong_item',
                             'fake_product') AS BIGINT) AS merchant_fault_reason,
    CAST(sh.shop_prior_orders AS BIGINT) AS shop_prior_orders,
    CAST(CASE WHEN sh.shop_prior_orders = 0 THEN 0
         ELSE sh.shop_prior_claims * 10000 // sh.shop_prior_orders END AS BIGINT)
        AS shop_claim_rate_bp
FROM req
JOIN orders AS o ON o.order_id = req.order_id
LEFT JOIN shops AS s ON s.shop_id = o.shop_id
LEFT JOIN products AS p ON p.sku_id = o.sku_id
LEFT JOIN categories AS c ON c.category_id = p.category_id
LEFT JOIN creators AS cr ON cr.creator_id = o.creator_id
JOIN buyer_sums AS b ON b.case_id = req.case_id AND b.is_request
JOIN shop_sums AS sh ON sh.case_id = req.case_id AND sh.is_request
LEFT JOIN reused AS ru ON ru.case_id = req.case_id
LEFT JOIN listing AS li ON li.case_id = req.case_id
LEFT JOIN delivered AS d ON d.order_id = req.order_id
LEFT JOIN risk_ring_members AS rm ON rm.buyer_id = req.buyer_id
LEFT JOIN risk_rings AS rr ON rr.ring_id = rm.ring_id
ORDER BY req.requested_at, req.case_id
"""


def _fact_columns() -> list[exp.Expr]:
    """The condition columns as select items, built as sqlglot expressions."""
    items: list[exp.Expr] = []
    for column in request_time_columns():
        derived = _DERIVED.get(column.name)
        source = (
            sqlglot.parse_one(derived, read="duckdb")
            if derived
            else exp.column(column.field, table=_TABLE_ALIAS[column.namespace])
        )
        items.append(exp.alias_(source, column.fact_column))
    return items


def _features_sql(narrow: bool) -> str:
    """The feature query: fixed text, with the fact columns filled in through the AST (``p_facts``).

    ``narrow`` keeps the filter that limits the history to the requests' buyers and shops
    (one scan of ``orders``, worth it for a few requests); a batch over every request
    drops it, since it would keep nearly every order anyway.
    """
    tree = sqlglot.parse_one(_FEATURES, read="duckdb")
    if not narrow:
        for cte in tree.find_all(exp.CTE):
            if cte.alias == "near_orders":
                cte.this.set("where", None)
                cte.set("materialized", None)
    return to_sql(fill(tree, p_facts=_fact_columns()))


_SQL_CACHE: dict[str, str] = {}


def build_features(con: duckdb.DuckDBPyConnection, *, narrow: bool = True) -> int:
    """Features of every row of ``_risk_requests`` into ``_risk_features``; returns the rows.

    ``narrow=False`` for a batch over (nearly) every request: same rows, less work then.

    Ring columns come from the last ring run (``risk_rings``), if any: run
    :func:`~merchantry.risk.rings.find_rings` with ``as_of`` no later than the
    requests to keep them point in time.
    """
    ensure_ring_tables(con)
    key = "narrow" if narrow else "wide"
    if key not in _SQL_CACHE:
        _SQL_CACHE[key] = _features_sql(narrow)
    con.execute(_SQL_CACHE[key], {"instant": INSTANT_MINUTES})
    count = con.execute("SELECT count(*) FROM _risk_features").fetchone()
    return int(count[0]) if count else 0


def build_batch_features(con: duckdb.DuckDBPyConnection) -> int:
    """Features of every after-sales request in the warehouse."""
    con.execute(REQUESTS_DDL)
    con.execute(BATCH_REQUESTS)
    return build_features(con, narrow=False)
