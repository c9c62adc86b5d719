"""The arithmetic of a simulation, in the warehouse.

Both rulebooks' ``fee_lines`` for the orders of the period are joined line by
line (order × fee kind). For every line:

* merchant cost = amount if the merchant pays, −amount if the merchant is paid;
* platform net  = amount if the platform is paid, −amount if the platform pays;
* subsidy       = amount if the platform pays.

Saving = baseline merchant cost − candidate merchant cost. Every aggregate
(by policy line, shop, segment, scene) is a sum of these integer line figures,
so all of them add up to the same total, to the fen.

The SQL here is fixed text with ``?`` parameters; the one computed expression
(a share in basis points) is built with sqlglot from the money kit's rounding
rule.
"""

from __future__ import annotations

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.money import BP_PER_UNIT, div_round_sql
from merchantry.simulate.params import Period, SegmentParams
from merchantry.store.warehouse import DIALECT

PERIOD_ORDERS_SQL = """
CREATE OR REPLACE TEMP TABLE sim_period_orders AS
SELECT order_id, shop_id, coalesce(scene, 'unknown') AS scene, amount_paid_fen AS gmv_fen
FROM orders
WHERE CAST(paid_at AS DATE) BETWEEN ? AND ?
"""

LINE_DIFF_SQL = """
CREATE OR REPLACE TEMP TABLE sim_line_diff AS
WITH lines AS (
    SELECT f.rulebook, f.order_id, f.fee_kind, f.rule_id, f.waiver_rule_id,
           f.amount_fen * ((f.payer = 'merchant')::BIGINT - (f.payee = 'merchant')::BIGINT)
               AS merchant_cost,
           f.amount_fen * ((f.payee = 'platform')::BIGINT - (f.payer = 'platform')::BIGINT)
               AS platform_net,
           CASE WHEN f.payer = 'platform' THEN f.amount_fen ELSE 0 END AS subsidy
    FROM fee_lines AS f
    JOIN sim_period_orders AS o USING (order_id)
    WHERE f.rulebook IN (?, ?)
),
b AS (SELECT * FROM lines WHERE rulebook = ?),
c AS (SELECT * FROM lines WHERE rulebook = ?),
joined AS (
    SELECT coalesce(b.order_id, c.order_id) AS order_id,
           coalesce(b.fee_kind, c.fee_kind) AS fee_kind,
           coalesce(b.merchant_cost, 0) AS cost_b,
           coalesce(c.merchant_cost, 0) AS cost_c,
           coalesce(b.platform_net, 0) AS platform_b,
           coalesce(c.platform_net, 0) AS platform_c,
           coalesce(b.subsidy, 0) AS subsidy_b,
           coalesce(c.subsidy, 0) AS subsidy_c,
           coalesce(c.waiver_rule_id, b.waiver_rule_id, c.rule_id, b.rule_id,
                    'kind:' || coalesce(b.fee_kind, c.fee_kind)) AS line_id,
           CASE WHEN c.waiver_rule_id IS NOT NULL THEN c.rulebook
                WHEN b.waiver_rule_id IS NOT NULL THEN b.rulebook
                WHEN c.rule_id IS NOT NULL THEN c.rulebook
                WHEN b.rule_id IS NOT NULL THEN b.rulebook
                ELSE ? END AS line_rulebook
    FROM b FULL OUTER JOIN c ON b.order_id = c.order_id AND b.fee_kind = c.fee_kind
)
SELECT j.*, o.shop_id, o.scene
FROM joined AS j JOIN sim_period_orders AS o USING (order_id)
"""

SHOP_SAVINGS_SQL = """
INSERT INTO sim_shop_savings
WITH per_shop AS (
    SELECT shop_id, count(*) AS orders, sum(gmv_fen) AS gmv_fen
    FROM sim_period_orders GROUP BY shop_id
),
costs AS (
    SELECT shop_id, sum(cost_b) AS cost_b, sum(cost_c) AS cost_c
    FROM sim_line_diff GROUP BY shop_id
)
SELECT ?, p.shop_id, s.name,
       coalesce(s.industry, 'unknown'),
       coalesce(s.store_type, 'unknown'),
       CASE WHEN s.opened_date IS NULL THEN 'unknown'
            WHEN date_diff('day', s.opened_date, CAST(? AS DATE)) < ? THEN 'new'
            ELSE 'established' END,
       CASE WHEN p.gmv_fen < ? THEN 'small'
            WHEN p.gmv_fen < ? THEN 'mid'
            ELSE 'key_account' END,
       p.orders, p.gmv_fen,
       coalesce(k.cost_b, 0), coalesce(k.cost_c, 0),
       coalesce(k.cost_b, 0) - coalesce(k.cost_c, 0),
       NULL
FROM per_shop AS p
LEFT JOIN shops AS s USING (shop_id)
LEFT JOIN costs AS k USING (shop_id)
"""

SHOP_SEGMENTS_SQL = """
INSERT INTO sim_by_segment
SELECT run_id, ?, segment, count(*), sum(orders), sum(gmv_fen),
       sum(baseline_cost_fen), sum(candidate_cost_fen), sum(saving_fen)
FROM (SELECT *, CASE ? WHEN 'tenure' THEN tenure WHEN 'size' THEN size
                       WHEN 'industry' THEN industry ELSE store_type END AS segment
      FROM sim_shop_savings WHERE run_id = ?)
GROUP BY run_id, segment
"""

SCENE_SEGMENTS_SQL = """
INSERT INTO sim_by_segment
WITH per_order AS (
    SELECT order_id, sum(cost_b) AS cost_b, sum(cost_c) AS cost_c
    FROM sim_line_diff GROUP BY order_id
)
SELECT ?, 'scene', o.scene, count(DISTINCT o.shop_id), count(*), sum(o.gmv_fen),
       coalesce(sum(d.cost_b), 0), coalesce(sum(d.cost_c), 0),
       coalesce(sum(d.cost_b), 0) - coalesce(sum(d.cost_c), 0)
FROM sim_period_orders AS o LEFT JOIN per_order AS d USING (order_id)
GROUP BY o.scene
"""

BY_LINE_SQL = """
INSERT INTO sim_by_line
SELECT ?, line_id, line_rulebook, line_id,
       string_agg(DISTINCT fee_kind, ',' ORDER BY fee_kind), NULL,
       count(*), count(DISTINCT order_id), count(DISTINCT shop_id), sum(cost_b - cost_c)
FROM sim_line_diff
WHERE cost_b <> cost_c
GROUP BY line_rulebook, line_id
"""

SUMMARY_SQL = """
INSERT INTO sim_summary
WITH o AS (SELECT count(*) AS orders, count(DISTINCT shop_id) AS shops,
                  coalesce(sum(gmv_fen), 0) AS gmv FROM sim_period_orders),
d AS (SELECT coalesce(sum(cost_b), 0) AS cost_b, coalesce(sum(cost_c), 0) AS cost_c,
             coalesce(sum(platform_b), 0) AS platform_b,
             coalesce(sum(platform_c), 0) AS platform_c,
             coalesce(sum(subsidy_b), 0) AS subsidy_b,
             coalesce(sum(subsidy_c), 0) AS subsidy_c FROM sim_line_diff),
s AS (SELECT count(*) FILTER (WHERE saving_fen > 0) AS gain,
             count(*) FILTER (WHERE saving_fen < 0) AS lose,
             count(*) FILTER (WHERE saving_fen = 0) AS same
      FROM sim_shop_savings WHERE run_id = ?)
SELECT ?, o.orders, o.shops, o.gmv, d.cost_b, d.cost_c, d.cost_b - d.cost_c,
       d.platform_b, d.platform_c, d.platform_b - d.platform_c,
       d.subsidy_b, d.subsidy_c,
       (d.platform_b - d.platform_c) - (d.cost_b - d.cost_c),
       s.gain, s.lose, s.same
FROM o, d, s
"""

SHOP_DIMENSIONS = ("tenure", "size", "industry", "store_type")
"""Segment dimensions that are properties of a shop (scene is a property of an order)."""


def stage_period_lines(
    con: duckdb.DuckDBPyConnection, baseline: str, candidate: str, period: Period
) -> None:
    """Build the temporary tables of the period's orders and their paired fee lines."""
    con.execute(PERIOD_ORDERS_SQL, [period.start, period.end])
    con.execute(LINE_DIFF_SQL, [baseline, candidate, baseline, candidate, candidate])


def count_rulebook_lines(con: duckdb.DuckDBPyConnection, rulebook: str) -> int:
    """Fee lines of ``rulebook`` for the period's orders (needs :func:`stage_period_lines`)."""
    row = con.execute(
        "SELECT count(*) FROM fee_lines JOIN sim_period_orders USING (order_id) WHERE rulebook = ?",
        [rulebook],
    ).fetchone()
    return int(row[0]) if row else 0


def write_savings(
    con: duckdb.DuckDBPyConnection, run_id: str, period: Period, params: SegmentParams
) -> None:
    """Fill the per-shop, per-segment, per-line and summary tables for ``run_id``."""
    con.execute(
        SHOP_SAVINGS_SQL,
        [
            run_id,
            period.start,
            params.new_shop_days,
            params.small_below_fen,
            params.key_account_from_fen,
        ],
    )
    con.execute(share_update_sql(), [run_id])
    for dimension in SHOP_DIMENSIONS:
        con.execute(SHOP_SEGMENTS_SQL, [dimension, dimension, run_id])
    con.execute(SCENE_SEGMENTS_SQL, [run_id])
    con.execute(BY_LINE_SQL, [run_id])
    con.execute(SUMMARY_SQL, [run_id, run_id])


def share_update_sql() -> str:
    """``saving_share_bp = saving × 10,000 / GMV``, rounded by the money kit's one rule."""
    scaled = exp.Mul(this=exp.column("saving_fen"), expression=exp.Literal.number(BP_PER_UNIT))
    update = exp.update(
        "sim_shop_savings",
        {"saving_share_bp": div_round_sql(scaled, exp.column("gmv_fen"))},
        where="run_id = ? AND gmv_fen > 0",
    )
    return update.sql(dialect=DIALECT)


def drop_staging(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables (they would vanish with the connection anyway)."""
    con.execute("DROP TABLE IF EXISTS sim_line_diff")
    con.execute("DROP TABLE IF EXISTS sim_period_orders")
