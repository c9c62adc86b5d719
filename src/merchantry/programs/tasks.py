"""Eligibility and task progress: fixed SQL over the event tables, one query per condition.

Every query reads the temporary table ``prog_shops`` (the programme's eligible shops and the
first day each takes part) and returns ``shop_id, progress, completed_on``; the parameters
are the task's numbers and the run's last day. Orders count from the shop's first day in the
programme; a day's sales are the goods value of the orders paid that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb

from merchantry.programs.rulebook import (
    SHIP_HOURS_DEFAULT,
    Eligibility,
    Listed,
    Programme,
    Task,
)

ELIGIBLE_SHOPS: Final = """
CREATE OR REPLACE TEMP TABLE prog_shops AS
SELECT s.shop_id, s.opened_date,
       greatest(s.opened_date, $window_from, coalesce(u.signed_up_on, $window_from)) AS started_on
FROM shops AS s LEFT JOIN categories AS c ON c.category_id = s.main_category_id
LEFT JOIN program_signups AS u ON u.shop_id = s.shop_id AND u.program = $program
WHERE greatest(s.opened_date, $window_from, coalesce(u.signed_up_on, $window_from)) <= $run_end
  AND (NOT $signup_required OR u.signed_up_on IS NOT NULL)
  AND (NOT $has_entered OR s.opened_date BETWEEN $entered_from AND $entered_to)
  AND (NOT $has_store_types OR list_contains($store_types, s.store_type))
  AND (NOT $has_industries OR list_contains($industries, s.industry))
  AND (NOT $has_category_names OR list_contains($category_names, c.name))
  AND (NOT $has_regions OR list_contains($regions, s.region))
  AND (NOT $has_counties OR list_contains($counties, s.county_code))
  AND (NOT $has_tags_any OR len(list_intersect($tags_any, coalesce(s.tags, []))) > 0)
"""

ORDERS: Final = """
WITH o AS (
  SELECT o.shop_id, CAST(o.paid_at AS DATE) AS d,
         row_number() OVER (PARTITION BY o.shop_id ORDER BY o.paid_at, o.order_id) AS n
  FROM orders AS o JOIN prog_shops AS p USING (shop_id)
  WHERE o.paid_at >= CAST(p.started_on AS TIMESTAMP)
    AND o.paid_at < CAST($run_end AS TIMESTAMP) + INTERVAL 1 DAY
)
SELECT p.shop_id, coalesce(max(o.n), 0) AS progress, min(o.d) FILTER (WHERE o.n = $count)
FROM prog_shops AS p LEFT JOIN o USING (shop_id) GROUP BY p.shop_id
"""

LIVE_ORDERS: Final = """
WITH o AS (
  SELECT o.shop_id, CAST(o.paid_at AS DATE) AS d,
         row_number() OVER (PARTITION BY o.shop_id ORDER BY o.paid_at, o.order_id) AS n
  FROM orders AS o JOIN prog_shops AS p USING (shop_id)
  WHERE o.paid_at >= CAST(p.started_on AS TIMESTAMP)
    AND o.paid_at < CAST($run_end AS TIMESTAMP) + INTERVAL 1 DAY AND o.scene = 'live'
)
SELECT p.shop_id, coalesce(max(o.n), 0) AS progress, min(o.d) FILTER (WHERE o.n = $count)
FROM prog_shops AS p LEFT JOIN o USING (shop_id) GROUP BY p.shop_id
"""

ORDERS_SHIPPED_WITHIN: Final = """
WITH s AS (
  SELECT order_id, min(event_at) AS shipped_at FROM logistics_events
  WHERE event = 'shipped' AND event_at < CAST($run_end AS TIMESTAMP) + INTERVAL 1 DAY
  GROUP BY order_id
), o AS (
  SELECT o.shop_id, CAST(s.shipped_at AS DATE) AS d,
         row_number() OVER (PARTITION BY o.shop_id ORDER BY s.shipped_at, o.order_id) AS n
  FROM orders AS o JOIN prog_shops AS p USING (shop_id) JOIN s USING (order_id)
  WHERE o.paid_at >= CAST(p.started_on AS TIMESTAMP)
    AND s.shipped_at <= o.paid_at + to_hours(CAST($hours AS BIGINT))
)
SELECT p.shop_id, coalesce(max(o.n), 0) AS progress, min(o.d) FILTER (WHERE o.n = $count)
FROM prog_shops AS p LEFT JOIN o USING (shop_id) GROUP BY p.shop_id
"""

PRODUCTS_LISTED: Final = """
SELECT p.shop_id, count(x.sku_id) AS progress,
       CASE WHEN count(x.sku_id) >= $count THEN min(p.started_on) END
FROM prog_shops AS p LEFT JOIN products AS x USING (shop_id) GROUP BY p.shop_id
"""

DAILY_SALES_OVER: Final = """
WITH d AS (
  SELECT o.shop_id, CAST(o.paid_at AS DATE) AS d, sum(o.goods_fen) AS gmv
  FROM orders AS o JOIN prog_shops AS p USING (shop_id)
  WHERE o.paid_at >= CAST(p.started_on AS TIMESTAMP)
    AND o.paid_at < CAST($run_end AS TIMESTAMP) + INTERVAL 1 DAY GROUP BY ALL
)
SELECT p.shop_id, coalesce(max(d.gmv), 0) AS progress, min(d.d) FILTER (WHERE d.gmv > $amount_fen)
FROM prog_shops AS p LEFT JOIN d USING (shop_id) GROUP BY p.shop_id
"""

MONTHLY_SALES_AT_LEAST: Final = """
WITH d AS (
  SELECT o.shop_id, CAST(o.paid_at AS DATE) AS d, sum(o.goods_fen) AS gmv
  FROM orders AS o JOIN prog_shops AS p USING (shop_id)
  WHERE o.paid_at >= CAST(p.started_on AS TIMESTAMP)
    AND o.paid_at < CAST($run_end AS TIMESTAMP) + INTERVAL 1 DAY GROUP BY ALL
), m AS (
  SELECT shop_id, d,
         sum(gmv) OVER (PARTITION BY shop_id, date_trunc('month', d) ORDER BY d) AS month_gmv
  FROM d
)
SELECT p.shop_id, coalesce(max(m.month_gmv), 0) AS progress,
       min(m.d) FILTER (WHERE m.month_gmv >= $amount_fen)
FROM prog_shops AS p LEFT JOIN m USING (shop_id) GROUP BY p.shop_id
"""

SCORE_REACHED: Final = """
WITH s AS (
  SELECT x.shop_id, x.score_date AS d, max(x.score_cp) AS score
  FROM shop_scores AS x JOIN prog_shops AS p USING (shop_id)
  WHERE x.score_date BETWEEN p.started_on AND $run_end AND x.score_cp IS NOT NULL
    AND x.platform = $platform GROUP BY ALL
)
SELECT p.shop_id, coalesce(max(s.score), 0) AS progress,
       min(s.d) FILTER (WHERE s.score >= $score_cp)
FROM prog_shops AS p LEFT JOIN s USING (shop_id) GROUP BY p.shop_id
"""

TASK_SQL: Final[dict[str, str]] = {
    "products_listed": PRODUCTS_LISTED,
    "orders": ORDERS,
    "orders_shipped_within": ORDERS_SHIPPED_WITHIN,
    "live_orders": LIVE_ORDERS,
    "daily_sales_over": DAILY_SALES_OVER,
    "monthly_sales_at_least": MONTHLY_SALES_AT_LEAST,
    "score_reached": SCORE_REACHED,
}
"""One query per task condition (``rulebook.TASK_KINDS``)."""

TARGET_KEY: Final = {
    "products_listed": "count",
    "orders": "count",
    "orders_shipped_within": "count",
    "live_orders": "count",
    "daily_sales_over": "amount_fen",
    "monthly_sales_at_least": "amount_fen",
    "score_reached": "score_cp",
}

GATE_DAYS: Final = """
WITH cand AS (
  SELECT c.shop_id, c.task_id, CAST(unnest(generate_series(c.met_on, $last_day, INTERVAL 1 DAY))
         AS DATE) AS day
  FROM prog_met AS c
), daily AS (
  SELECT o.shop_id, CAST(o.paid_at AS DATE) AS day, sum(o.goods_fen) AS gmv, count(*) AS n,
         count(*) FILTER (WHERE NOT EXISTS (
           SELECT 1 FROM after_sales AS a WHERE a.order_id = o.order_id
             AND a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund'))) AS settled,
         count(*) FILTER (WHERE EXISTS (
           SELECT 1 FROM logistics_events AS l WHERE l.order_id = o.order_id
             AND l.event = 'shipped'
             AND l.event_at <= o.paid_at + to_hours(CAST($ship_hours AS BIGINT)))) AS fast
  FROM orders AS o WHERE o.shop_id IN (SELECT shop_id FROM prog_met) GROUP BY ALL
), scores AS (
  SELECT shop_id, score_date, max(score_cp) AS score FROM shop_scores
  WHERE score_cp IS NOT NULL AND platform = $platform
    AND shop_id IN (SELECT shop_id FROM prog_met) GROUP BY ALL
), valued AS (
  SELECT cand.shop_id, cand.task_id, cand.day,
    (SELECT coalesce(sum(d.gmv), 0) FROM daily AS d WHERE d.shop_id = cand.shop_id
       AND d.day BETWEEN cand.day - CAST($gmv_days AS INTEGER) AND cand.day - 1) AS gmv,
    (SELECT CASE WHEN sum(d.n) > 0 THEN 10000 * sum(d.settled) // sum(d.n) END
       FROM daily AS d WHERE d.shop_id = cand.shop_id
       AND d.day BETWEEN cand.day - CAST($settle_days AS INTEGER) AND cand.day - 1) AS settle_bp,
    (SELECT CASE WHEN sum(d.n) > 0 THEN 10000 * sum(d.fast) // sum(d.n) END
       FROM daily AS d WHERE d.shop_id = cand.shop_id
       AND d.day BETWEEN cand.day - CAST($ship_days AS INTEGER) AND cand.day - 1) AS ship_bp,
    (SELECT arg_max(s.score, s.score_date) FROM scores AS s
       WHERE s.shop_id = cand.shop_id AND s.score_date <= cand.day) AS score
  FROM cand
)
SELECT shop_id, task_id, min(day) FROM valued
WHERE (NOT $has_min_gmv OR gmv >= $min_gmv)
  AND (NOT $has_max_gmv OR gmv < $max_gmv)
  AND (NOT $has_score OR coalesce(score, -1) >= $min_score)
  AND (NOT $has_settle OR coalesce(settle_bp, -1) >= $min_settle)
  AND (NOT $has_ship OR coalesce(ship_bp, -1) >= $min_ship)
GROUP BY shop_id, task_id
"""
"""For each (shop, task) whose condition was met (``prog_met``), the first day from then on
when every gate holds, each gate read over the days before that day."""


@dataclass(frozen=True, slots=True)
class Progress:
    """One eligible shop's progress on one task."""

    shop_id: str
    task_id: str
    started_on: date
    opened_date: date
    progress: int
    target: int
    completed_on: date | None


def _listed(params: dict[str, object], key: str, listed: Listed | None) -> None:
    params[f"has_{key}"] = listed is not None
    params[key] = list(listed.values) if listed is not None else [""]


def select_shops(con: duckdb.DuckDBPyConnection, programme: Programme, run_end: date) -> int:
    """Fill ``prog_shops`` with the shops the static eligibility admits; returns their count."""
    e: Eligibility = programme.eligibility
    params: dict[str, object] = {
        "program": programme.name,
        "signup_required": programme.signup_required,
        "window_from": programme.window.start,
        "run_end": run_end,
        "has_entered": e.entered is not None,
        "entered_from": e.entered.start if e.entered else date.min,
        "entered_to": e.entered.end if e.entered else date.max,
    }
    for key in ("store_types", "industries", "category_names", "regions", "counties", "tags_any"):
        _listed(params, key, getattr(e, key))
    con.execute(ELIGIBLE_SHOPS, params)
    row = con.execute("SELECT count(*) FROM prog_shops").fetchone()
    return int(row[0]) if row else 0


def measure(
    con: duckdb.DuckDBPyConnection, task: Task, run_end: date, platform: str
) -> list[Progress]:
    """Each eligible shop's progress on ``task`` up to ``run_end`` (scores: the ones of the
    programme's ``platform``, whose scale its numbers are written in)."""
    sql = TASK_SQL[task.kind]
    params: dict[str, object] = {k: n.value for k, n in task.numbers.items()}
    params["run_end"] = run_end
    params["platform"] = platform
    wanted = {k: v for k, v in params.items() if f"${k}" in sql}
    rows = con.execute(sql, wanted).fetchall()
    starts = dict(
        (str(r[0]), (r[1], r[2]))
        for r in con.execute("SELECT shop_id, started_on, opened_date FROM prog_shops").fetchall()
    )
    target = task.n(TARGET_KEY[task.kind])
    out = [
        Progress(
            shop_id=str(shop),
            task_id=task.id,
            started_on=starts[str(shop)][0],
            opened_date=starts[str(shop)][1],
            progress=int(progress),
            target=target,
            completed_on=completed,
        )
        for shop, progress, completed in rows
    ]
    return sorted(out, key=lambda p: p.shop_id)


def is_late(programme: Programme, task: Task, p: Progress, done: date) -> bool:
    """Completed on ``done``, after the task's deadline (``within_days`` of the shop's first
    day: day 0 to day ``within_days - 1``), the entry-age limit or the programme's window."""
    if done > programme.window.end:
        return True
    if task.within_days is not None and (done - p.started_on).days >= task.within_days.value:
        return True
    limit = programme.eligibility.days_since_entry_max
    return limit is not None and (done - p.opened_date).days > limit.value


def has_gates(programme: Programme) -> bool:
    e = programme.eligibility
    return bool(e.gmv_band or e.score_min_cp or e.settlement_rate or e.shipped_48h_rate)


def gate_days(
    con: duckdb.DuckDBPyConnection,
    programme: Programme,
    met: list[tuple[str, str, date]],
    last_day: date,
) -> dict[tuple[str, str], date]:
    """For each met ``(shop_id, task_id, day)``, the first day from ``day`` to ``last_day``
    on which the programme's gates (GMV band, score, settlement and shipping rates) hold;
    pairs whose gates never hold are absent. Without gates, the day the condition was met."""
    if not has_gates(programme):
        return {(shop, task): day for shop, task, day in met}
    if not met:
        return {}
    con.execute(
        "CREATE OR REPLACE TEMP TABLE prog_met (shop_id VARCHAR, task_id VARCHAR, met_on DATE)"
    )
    con.executemany("INSERT INTO prog_met VALUES (?, ?, ?)", met)
    e = programme.eligibility
    band, settle, ship = e.gmv_band, e.settlement_rate, e.shipped_48h_rate
    params: dict[str, object] = {
        "last_day": last_day,
        "gmv_days": band.days.value if band else 1,
        "settle_days": settle.days.value if settle else 1,
        "ship_days": ship.days.value if ship else 1,
        "ship_hours": ship.hours.value if ship and ship.hours else SHIP_HOURS_DEFAULT,
        "platform": programme.platform,
        "has_min_gmv": bool(band and band.min_fen),
        "min_gmv": band.min_fen.value if band and band.min_fen else 0,
        "has_max_gmv": bool(band and band.max_fen),
        "max_gmv": band.max_fen.value if band and band.max_fen else 0,
        "has_score": e.score_min_cp is not None,
        "min_score": e.score_min_cp.value if e.score_min_cp else 0,
        "has_settle": settle is not None,
        "min_settle": settle.min_bp.value if settle else 0,
        "has_ship": ship is not None,
        "min_ship": ship.min_bp.value if ship else 0,
    }
    rows = con.execute(GATE_DAYS, params).fetchall()
    return {(str(shop), str(task)): day for shop, task, day in rows}
