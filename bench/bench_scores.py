"""Scoring stage benchmark: daily scores for 100,000 shops over 30 days.

Events are generated directly in DuckDB (range + hash, deterministic): orders over
59 days (so the first of the 30 scored days has a full 30-day window), with their
logistics milestones, ~8% after-sales cases (2% instant refunds), 20% reviews,
10% chats, a few violations and services; 5% of shops pick up late. Then, each in a
fresh process (time and peak RSS of that process):

* **baseline**: the raw indicator aggregation: *the same rows* a score reads and *the same
  windows*, aggregated the plain way. The rows are made by the stage's own fixed event
  statements (``ORDERS_SQL``: each order with its milestones, first after-sale, first
  review, fraud and abnormal flags; ``CONTRIBUTIONS_SQL``: one row per event and measure,
  with its base date and the date it became known; the pickup score per order from a
  hand-written CASE of the shipped douyin bands instead of the rulebook's rules), over every
  shop; then every contribution is joined to each of the 30 score dates whose window holds
  it (base date in the 30 days before the date, known before it) and summed by shop, date
  and measure. That is every numerator and denominator of every indicator and every
  violation count, for every shop and date. It leaves out what only a score adds: loading
  and compiling the rulebook, the grid of condition columns, the rules (stage B), writing
  the outputs, gates and ranking. Its totals are checked equal to stage A's measures;
* **old baseline** (rounds before 2026-12-02, kept for comparison): five aggregates
  (valid orders, ratings, pickup hours, quality returns, chat time) of orders joined to
  the 30 dates, without the known-date rule;
* **stage A**: :func:`merchantry.scoring.inputs.build_measures` — all 36 measures,
  violations and services for every shop and date by running sums of deltas, in the
  same shop partitions (25,000 shops each) as the full stage;
* **full stage**: :func:`merchantry.scoring.score_shops` under douyin-score-2026-07
  for 30 dates — stage A, stage B, and writing ``shop_scores`` (3 M rows),
  ``shop_score_indicators`` (~30 M rows), adjustments and gates.

    .venv/bin/python -m bench.bench_scores [--shops 100000] [--orders-per-shop-day 1.2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.table import Table

from bench.report import Result, cpu_seconds, emit
from merchantry.store.warehouse import connect
from merchantry.synth.catalogue import INDUSTRIES

RULEBOOK: Final = "douyin-score-2026-07"
FIRST: Final = date(2026, 9, 1)
SCORED_DAYS: Final = 30
EVENT_DAYS: Final = SCORED_DAYS + 29
EVENTS_FROM: Final = FIRST - timedelta(days=29)
LAST: Final = FIRST + timedelta(days=SCORED_DAYS - 1)

SETUP: Final = """
CREATE OR REPLACE MACRO hb(x) AS CAST(hash(x) >> 1 AS BIGINT);
INSERT INTO categories
SELECT code, code, code, NULL, 7 FROM (SELECT unnest($industries) AS code);
INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, region,
                   county_code, tags, entry_plan, business_mode)
SELECT 's' || i, 's' || i, $industries[hb(i) % len($industries) + 1],
       $industries[hb(i) % len($industries) + 1],
       ['personal', 'enterprise', 'flagship'][hb(i * 3) % 3 + 1],
       DATE '2024-01-01' + CAST(hb(i * 5) % 700 AS INTEGER), '浙江', '330782', [],
       'standard', 'domestic'
FROM range($shops) AS t(i);
INSERT INTO shop_services
SELECT 's' || i, ['remote_area_logistics', 'sf_free_shipping'][hb(i * 7) % 2 + 1],
       DATE '2026-01-01', NULL
FROM range($shops) AS t(i) WHERE hb(i * 11) % 10 = 0;
CREATE OR REPLACE TEMP TABLE o AS
SELECT i, 'o' || i AS order_id, 's' || (hb(i) % $shops) AS shop_id, hb(i) % $shops AS shop,
       CAST($events_from AS TIMESTAMP) + to_days(CAST(i % $days AS INTEGER))
         + to_seconds(hb(i * 3) % 86400) AS paid_at,
       hb(i * 5) % 1000 AS r
FROM range($orders) AS t(i);
INSERT INTO orders (order_id, shop_id, buyer_id, sku_id, quantity, paid_at, goods_fen,
                    shipping_fen, platform_coupon_fen, merchant_coupon_fen, amount_paid_fen, scene,
                    entry_point, ad_product, ad_cost_fen, creator_id, commission_rate_bp,
                    ad_commission_rate_bp, insurance_type, insured_by, is_gift, buyer_device_hash,
                    buyer_phone_hash, buyer_address_hash, buyer_payment_hash, ship_to_region)
SELECT order_id, shop_id, 'b' || (hb(i * 13) % 1000000), shop_id || '-k', 1, paid_at,
       5000, 0, 0, 0, 5000, 'live', 'douyin_app', NULL, 0, NULL, NULL, NULL, NULL, NULL,
       r < 4, 'd', 'p', 'a', 'y', CASE WHEN r % 50 = 0 THEN '新疆' ELSE '浙江' END
FROM o;
CREATE OR REPLACE TEMP TABLE j AS
SELECT o.*,
  paid_at + to_seconds(3600 * (2 + hb(shop) % 20 + CASE WHEN hb(shop * 17) % 20 = 0 THEN 60
                                                        ELSE 0 END)) AS picked,
  r BETWEEN 10 AND 29 AS instant
FROM o;
INSERT INTO logistics_events
SELECT order_id, e, t, NULL, 'sf' FROM (
  SELECT order_id, 'shipped' AS e, picked AS t FROM j WHERE NOT instant
  UNION ALL SELECT order_id, 'picked_up', picked FROM j WHERE NOT instant
  UNION ALL SELECT order_id, 'delivered', picked + to_seconds(3600 * (20 + r % 60))
  FROM j WHERE NOT instant
  UNION ALL SELECT order_id, 'receipt_confirmed', picked + to_seconds(3600 * (100 + r % 60))
  FROM j WHERE NOT instant
);
INSERT INTO after_sales
SELECT 'a' || order_id, order_id,
  CASE WHEN instant THEN paid_at + INTERVAL 5 MINUTE ELSE picked + INTERVAL 40 HOUR END,
  CASE WHEN instant OR r % 2 = 0 THEN 'refund_only' ELSE 'return_refund' END,
  CASE WHEN instant THEN 'changed_mind'
       ELSE ['quality', 'changed_mind', 'damaged', 'late_delivery', 'wrong_size'][r % 5 + 1] END,
  NULL, NULL, 5000, 0, 'approved',
  CASE WHEN instant THEN 'buyer' ELSE 'merchant' END,
  CASE WHEN instant THEN paid_at + INTERVAL 8 MINUTE
       ELSE picked + INTERVAL 40 HOUR + to_seconds(60 * (r * 7 % 2880)) END,
  r % 17 = 0
FROM j WHERE r BETWEEN 10 AND 89;
INSERT INTO reviews
SELECT 'v' || order_id, order_id, CASE WHEN r % 10 < 1 THEN 1 WHEN r % 10 < 3 THEN 4 ELSE 5 END,
       5 - r % 2, NULL, picked + INTERVAL 70 HOUR
FROM j WHERE NOT instant AND r >= 800;
INSERT INTO cs_sessions (session_id, shop_id, buyer_id, order_id, started_at,
                         first_response_seconds, rounds, unanswered_rounds,
                         total_response_seconds, agent_id, rating, escalated)
SELECT 'c' || order_id, shop_id, 'b', order_id, paid_at + INTERVAL 1 HOUR, 20, 1 + r % 4,
       CASE WHEN r % 10 = 0 THEN 1 ELSE 0 END, (1 + r % 4) * (10 + hb(shop) % 90), 'kf',
       CASE WHEN r % 3 = 0 THEN 1 + r % 5 END, r % 31 = 0
FROM j WHERE r >= 900;
INSERT INTO violations
SELECT 'x' || i, 's' || (hb(i * 19) % $shops),
       ['refused_invoice', 'abnormal_return_address', 'brushing'][hb(i) % 3 + 1],
       CAST($events_from AS TIMESTAMP) + to_days(CAST(i % $days AS INTEGER)), NULL
FROM range(CAST($shops * $days * 0.003 AS BIGINT)) AS t(i);
DROP TABLE j; DROP TABLE o;
"""

WINDOW_SQL: Final = """
CREATE OR REPLACE TEMP TABLE _sc_shopfacts AS
SELECT shop_id, shop_id AS shop_shop_id, 48 AS pickup_deadline_hours,
       48 AS qic_pickup_deadline_hours
FROM shops;
CREATE OR REPLACE TEMP TABLE _sc_pickup AS
SELECT order_id,
  CASE WHEN fraud_at IS NOT NULL THEN 5000
       WHEN date_diff('second', pickup_clock, picked_at) <= 24 * 3600 THEN 10000
       WHEN date_diff('second', pickup_clock, picked_at) <= 36 * 3600 THEN 9000
       WHEN date_diff('second', pickup_clock, picked_at) <= 48 * 3600 THEN 8000
       WHEN date_diff('second', pickup_clock, picked_at) <= 72 * 3600 THEN 6000
       ELSE 5000 END AS pickup_score
FROM _sc_orders WHERE picked_at IS NOT NULL;
CREATE OR REPLACE TEMP TABLE baseline AS
WITH d AS (SELECT CAST(range AS DATE) AS day FROM range(CAST($first AS TIMESTAMP),
           CAST($last AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY))
SELECT c.shop_id, d.day, c.m, sum(c.v) AS v
FROM _sc_contrib AS c
JOIN d ON d.day > greatest(c.b, coalesce(c.k, c.b)) AND d.day <= c.b + 30
GROUP BY ALL
"""
"""The window aggregation of the fair baseline (after the scope, which carries the shop facts
the stage's event statements read, the pickup deadlines as douyin-score-2026-07's 48 hours;
``ORDERS_SQL`` runs between its first statement and the pickup scores, ``CONTRIBUTIONS_SQL``
after them)."""

SINCE_DAYS: Final = 30 + 90
"""How far before the first date the baseline reads orders: the stage's window plus its
``HISTORY_DAYS``, so both read the same orders."""

BASELINE: Final = """
CREATE OR REPLACE TEMP TABLE baseline AS
WITH d AS (SELECT CAST(range AS DATE) AS day FROM range(CAST($first AS TIMESTAMP),
           CAST($last AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY)),
facts AS (
  SELECT o.shop_id, CAST(o.paid_at AS DATE) AS paid, NOT o.is_gift AS valid,
    date_diff('second', o.paid_at, l.event_at) AS pickup_s, v.rating,
    a.reason_code = 'quality' AS quality
  FROM orders AS o
  LEFT JOIN logistics_events AS l ON l.order_id = o.order_id AND l.event = 'picked_up'
  LEFT JOIN reviews AS v ON v.order_id = o.order_id
  LEFT JOIN after_sales AS a ON a.order_id = o.order_id
),
chats AS (
  SELECT shop_id, CAST(started_at AS DATE) AS day0, total_response_seconds AS s, rounds
  FROM cs_sessions
)
SELECT f.shop_id, d.day, count(*) FILTER (WHERE valid) AS valid_orders, avg(rating) AS rating,
  avg(pickup_s) AS pickup_s, count(*) FILTER (WHERE quality) AS quality_returns
FROM d JOIN facts AS f ON f.paid >= d.day - 30 AND f.paid < d.day
GROUP BY ALL;
CREATE OR REPLACE TEMP TABLE baseline_chats AS
SELECT c.shop_id, d.day, sum(c.s) / sum(c.rounds) AS response
FROM (SELECT CAST(range AS DATE) AS day FROM range(CAST($first AS TIMESTAMP),
      CAST($last AS TIMESTAMP) + INTERVAL 1 DAY, INTERVAL 1 DAY)) AS d
JOIN (SELECT shop_id, CAST(started_at AS DATE) AS day0, total_response_seconds AS s, rounds
      FROM cs_sessions) AS c ON c.day0 >= d.day - 30 AND c.day0 < d.day
GROUP BY ALL;
"""


LIMITS: Final = "SET threads = 2; SET memory_limit = '8GB'"
"""Each phase runs under the same DuckDB limits (2 cores, 8 GB; temp tables spill beyond)."""
COUNTED: Final = ("orders", "logistics_events", "after_sales", "reviews", "cs_sessions")
COUNTS: Final = (
    "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM logistics_events), "
    "(SELECT count(*) FROM after_sales), (SELECT count(*) FROM reviews), "
    "(SELECT count(*) FROM cs_sessions)"
)


def run_script(con: duckdb.DuckDBPyConnection, script: str, params: dict[str, object]) -> None:
    """Run fixed statements one by one, each with the parameters it names."""
    for statement in script.split(";\n"):
        if statement.strip():
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)


def _connect(db: str) -> duckdb.DuckDBPyConnection:
    """The warehouse, with DuckDB held to the limits every phase shares."""
    con = connect(db)
    con.execute(LIMITS)
    return con


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_baseline(con: duckdb.DuckDBPyConnection, first: date, last: date) -> int:
    """The raw indicator aggregation of ``first``..``last`` (the score stage's own order and
    contribution SQL, then one window aggregate per shop and day) into temp table
    ``baseline``; returns its rows. The baseline of this bench and of ``bench_pipeline``."""
    from merchantry.scoring.indicators import CONTRIBUTIONS_SQL, ORDERS_SQL, constant_parameters
    from merchantry.scoring.inputs import PARAMETER_DEFAULTS
    from merchantry.store.sql import run_sql

    scope, pickup, window = WINDOW_SQL.split(";\n", 2)
    params = {
        **PARAMETER_DEFAULTS,
        "low_price_max_fen": 100,  # douyin-score-2026-07's value
        **constant_parameters(),
        "since": first - timedelta(days=SINCE_DAYS),
        "last": last,
        "first": first,
    }
    for sql in (scope, ORDERS_SQL, pickup, CONTRIBUTIONS_SQL, window):
        run_sql(con, sql, params)
    rows = con.execute("SELECT count(*) FROM baseline").fetchone()
    return int(rows[0]) if rows else 0


def _baseline(db: str) -> tuple[float, float, int]:
    con = _connect(db)
    began = time.perf_counter()
    rows = run_baseline(con, FIRST, LAST)
    return time.perf_counter() - began, _peak_mb(), rows


def _old_baseline(db: str) -> tuple[float, float, int]:
    con = _connect(db)
    began = time.perf_counter()
    run_script(con, BASELINE, {"first": FIRST, "last": LAST})
    rows = con.execute("SELECT count(*) FROM baseline").fetchone()
    return time.perf_counter() - began, _peak_mb(), int(rows[0]) if rows else 0


def _stage_a(db: str) -> tuple[float, float, int]:
    from merchantry.rulebook import load_rulebook
    from merchantry.scoring.inputs import build_measures
    from merchantry.scoring.rules import ScoreRules
    from merchantry.scoring.stage import BATCH_SHOPS

    con = _connect(db)
    began = time.perf_counter()
    shops = con.execute("SELECT count(*) FROM shops").fetchone()
    parts = max(1, -(-int(shops[0] if shops else 0) // BATCH_SHOPS))
    rules = ScoreRules(load_rulebook(RULEBOOK))
    rows = 0
    for index in range(parts):  # the same hash partitions as the full stage
        build_measures(con, rules, FIRST, LAST, part=(index, parts) if parts > 1 else None)
        found = con.execute("SELECT count(*) FROM _sc_measures WHERE score_date >= ?", [FIRST])
        rows += int((found.fetchone() or (0,))[0])
    return time.perf_counter() - began, _peak_mb(), rows


def _full(db: str) -> tuple[float, float, int]:
    from merchantry.scoring import score_shops

    con = _connect(db)
    began = time.perf_counter()
    summary = score_shops(con, RULEBOOK, FIRST, LAST)
    elapsed = time.perf_counter() - began
    indicators = con.execute("SELECT count(*) FROM shop_score_indicators").fetchone()
    print(f"  full stage wrote {summary.rows:,} scores and {indicators[0] if indicators else 0:,} "
          f"indicator rows; mean last day {summary.mean_score_cp}", flush=True)  # fmt: skip
    return elapsed, _peak_mb(), summary.rows


def _cpu_timed(
    job: Callable[[str], tuple[float, float, int]], db: str
) -> tuple[float, float, int, float]:
    """The job's result and the CPU seconds its process spent on it (DuckDB's threads
    included): on a shared machine wall time is mostly queueing, CPU time is not."""
    began = cpu_seconds()
    seconds, peak, rows = job(db)
    return seconds, peak, rows, cpu_seconds() - began


def _in_child(
    job: Callable[[str], tuple[float, float, int]], db: str
) -> tuple[float, float, int, float]:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_cpu_timed, (job, db))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shops", type=int, default=100_000)
    parser.add_argument("--orders-per-shop-day", type=float, default=1.2)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench_scores.duckdb"))
    args = parser.parse_args()
    console = Console()
    args.db.unlink(missing_ok=True)
    orders = int(args.shops * args.orders_per_shop_day * EVENT_DAYS)
    con = connect(args.db)
    began = time.perf_counter()
    with console.status(f"generating {orders:,} orders for {args.shops:,} shops"):
        run_script(
            con,
            SETUP,
            {
                "industries": [i.code for i in INDUSTRIES],
                "shops": args.shops,
                "orders": orders,
                "days": EVENT_DAYS,
                "events_from": EVENTS_FROM,
            },
        )
    counts = dict(zip(COUNTED, con.execute(COUNTS).fetchone() or (), strict=True))
    con.close()
    console.print(f"generated in {time.perf_counter() - began:.1f} s: {counts}")
    table = Table(title=f"Scores: {args.shops:,} shops × {SCORED_DAYS} days ({orders:,} orders)")
    for column in ("run", "seconds", "CPU seconds", "peak RSS (MB)", "rows", "shop-days / s"):
        table.add_column(column, justify="right")
    measured: dict[str, tuple[float, float, float]] = {}
    phases = (
        ("baseline", _baseline),
        ("old baseline", _old_baseline),
        ("stage A", _stage_a),
        ("full stage", _full),
    )
    for name, job in phases:
        with console.status(f"running {name}"):
            seconds, peak, rows, cpu = _in_child(job, str(args.db))
        measured[name] = (seconds, peak, cpu)
        shop_days = args.shops * SCORED_DAYS
        table.add_row(name, f"{seconds:.1f}", f"{cpu:.1f}", f"{peak:,.0f}", f"{rows:,}",
                      f"{shop_days / seconds:,.0f}")  # fmt: skip
    console.print(table)
    (full, full_peak, full_cpu), (base, _, base_cpu) = measured["full stage"], measured["baseline"]
    console.print(f"full stage ÷ raw aggregation = {full / base:.1f}× in wall time, "
                  f"{full_cpu / base_cpu:.1f}× in CPU time (target ≤ 3×)")  # fmt: skip
    shop_days = args.shops * SCORED_DAYS
    emit(Result("scores", shop_days, full, full_peak, base, shop_days))


if __name__ == "__main__":
    main()
