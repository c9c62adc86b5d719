"""Fee stage benchmark: the compiled douyin-2026 query vs a hand-written DuckDB query.

Orders are generated directly in DuckDB (range + hash, deterministic) with the
same industries as the synthetic generator, ~4% approved refunds and receipt
confirmations. Both queries read the same fact joins (``rulebook/facts.py``) and
produce the same lines in the same shape (per-order amounts in one materialized
CTE, then one ``UNION ALL`` branch per fee kind); the bench checks their totals agree,
then times each as
``SELECT fee_kind, count(*), sum(amount_fen), sum(baseline_fen) … GROUP BY`` (every
line computed, nothing written), alternating runs and keeping the best. (Since the
rulebook gained cross-border base rates, a gold/education split and new waiver conditions,
the hand-written rules disagree with it on four fee kinds; the bench names them and does not
call that ratio like for like. The full stage's target ratio below does not use it.) Last, it
times the full stage (``run_rulebook``: delete + insert into ``fee_lines``, key check, totals,
labels) over the first three days and its baseline, a plain ``CREATE TABLE AS`` of the very
lines it wrote, alternately ``--stage-repeat`` times, and reports the best of each in wall and
CPU seconds (``--stage-only`` skips the month queries).

    .venv/bin/python -m bench.bench_fees [--orders 20000000] [--db /tmp/bench_fees.duckdb]

``--db`` is a scratch warehouse, removed when the bench ends; a path where a file already
is (not one this bench left) is refused.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bench.bench_close import watch_disk
from bench.report import Result, cpu_seconds, emit, peak_mib
from merchantry.fees import FeeRunSummary, fee_lines_sql, run_rulebook
from merchantry.model.outputs import FEE_LINES
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.rulebook.facts import FACT_SQL
from merchantry.store.warehouse import connect, ensure_schema, interrupted, out_of_memory
from merchantry.synth.catalogue import INDUSTRIES

START, END = date(2026, 3, 1), date(2026, 3, 31)
STAGE_END = date(2026, 3, 3)
"""By default the full stage runs over the first three days: a daily run's size.
``--stage-days 31`` runs it over the month (what ``bench.scale --stage fees`` times at
1 M to 100 M orders; its memory is bounded by ``MERCHANTRY_MEMORY_LIMIT``, and DuckDB
spills the rest)."""
SHOPS, SKUS, CREATORS = 20_000, 200_000, 50_000

SETUP: Final = """
CREATE OR REPLACE MACRO hb(x) AS CAST(hash(x) >> 1 AS BIGINT);
CREATE OR REPLACE TABLE categories AS
SELECT 'c' || (ind * 3 + leaf) AS category_id, code || '-' || leaf AS name, code AS industry,
       NULL::VARCHAR AS parent_id, [7, 15, 45][leaf + 1] AS after_sales_days
FROM (SELECT unnest($industries) AS code, generate_subscripts($industries, 1) - 1 AS ind),
     range(3) AS l(leaf);
CREATE OR REPLACE TABLE shops AS
SELECT 's' || i AS shop_id, 's' || i AS name, 'x' AS industry, 'c0' AS main_category_id,
       ['personal', 'enterprise', 'flagship'][hb(i) % 3 + 1] AS store_type,
       DATE '2025-01-01' + CAST(hb(i * 3) % 500 AS INTEGER) AS opened_date, '浙江' AS region,
       '330782' AS county_code, NULL::VARCHAR[] AS tags,
       CASE WHEN hb(i * 5) % 20 = 0 THEN 'zero_deposit' ELSE 'standard' END AS entry_plan,
       CASE WHEN hb(i * 7) % 25 = 0 THEN 'cross_border' ELSE 'domestic' END AS business_mode
FROM range($shops) AS t(i);
CREATE OR REPLACE TABLE products AS
SELECT 'k' || i AS sku_id, 's' || (i % $shops) AS shop_id,
       'c' || (hb(i) % (3 * len($industries))) AS category_id, 'k' AS title,
       1000 AS price_fen, NULL::VARCHAR[] AS image_refs
FROM range($skus) AS t(i);
CREATE OR REPLACE TABLE creators AS
SELECT 'cr' || i AS creator_id, 'cr' AS name, ['A', 'B+', 'B', 'C', 'D'][hb(i) % 5 + 1] AS tier,
       1000 AS followers
FROM range($creators) AS t(i);
CREATE OR REPLACE TABLE orders AS
WITH g AS (
  SELECT i, hb(i) AS h, hb(i + 7919) AS h2, CAST(hb(i) % $skus AS BIGINT) AS sku,
         CAST(1000 + hb(i * 31) % 50000 AS BIGINT) AS goods
  FROM range($orders) AS t(i)
), d AS (
  SELECT *, CAST(CASE WHEN h % 3 = 0 THEN goods // 10 ELSE 0 END AS BIGINT) AS pc,
         CAST(CASE WHEN h % 5 = 0 THEN goods // 20 ELSE 0 END AS BIGINT) AS mc,
         CAST(CASE WHEN h % 4 = 0 THEN 0 ELSE 800 END AS BIGINT) AS ship,
         CASE WHEN h2 % 4 = 0 THEN 'cr' || (h2 % $creators) END AS creator,
         [NULL, NULL, NULL, 'qianchuan_chengfang', 'qianchuan_omni', 'qianchuan_standard']
           [h2 % 6 + 1] AS ad
  FROM g
)
SELECT 'o' || i AS order_id, 's' || (sku % $shops) AS shop_id, 'b' || (h % 1000000) AS buyer_id,
       'k' || sku AS sku_id, 1 AS quantity,
       TIMESTAMP '2026-03-01' + to_seconds(CAST(h2 % (31 * 86400) AS BIGINT)) AS paid_at,
       goods AS goods_fen, ship AS shipping_fen, pc AS platform_coupon_fen,
       mc AS merchant_coupon_fen, goods + ship - pc - mc AS amount_paid_fen,
       ['live', 'short_video', 'product_card', 'search', 'mall'][h % 5 + 1] AS scene,
       ['douyin_app', 'douyin_lite', 'mall_tab', 'mall_app', 'doubao', 'other'][h % 6 + 1]
         AS entry_point,
       ad AS ad_product,
       CAST(CASE WHEN ad IS NULL THEN 0 ELSE goods // 12 END AS BIGINT) AS ad_cost_fen,
       creator AS creator_id,
       CASE WHEN creator IS NOT NULL THEN CAST(500 + h % 2000 AS INTEGER) END
         AS commission_rate_bp,
       CASE WHEN creator IS NOT NULL AND h % 2 = 0 THEN 300 END AS ad_commission_rate_bp,
       [NULL, NULL, 'small', 'small_upgraded', 'bulky'][h2 % 5 + 1] AS insurance_type,
       CASE WHEN h2 % 5 >= 2 THEN ['merchant', 'buyer', 'platform'][h % 3 + 1] END AS insured_by,
       h % 50 = 0 AS is_gift, 'd' AS buyer_device_hash, 'p' AS buyer_phone_hash,
       'a' AS buyer_address_hash, 'y' AS buyer_payment_hash
FROM d
p_layout;
CREATE OR REPLACE TABLE after_sales AS
SELECT 'as' || order_id AS case_id, order_id,
       paid_at + to_minutes(CAST(hb(order_id) % 20000 AS BIGINT)) AS requested_at,
       'refund_only' AS type, 'quality' AS reason_code, NULL::VARCHAR AS reason_text,
       NULL::VARCHAR[] AS evidence_images, amount_paid_fen // 2 AS amount_fen,
       CAST(0 AS BIGINT) AS compensation_fen, 'approved' AS outcome,
       'merchant' AS responsible_party,
       paid_at + to_minutes(CAST(hb(order_id) % 20000 AS BIGINT) + 60) AS closed_at,
       FALSE AS escalated
FROM orders WHERE hb(order_id) % 25 = 0;
CREATE OR REPLACE TABLE logistics_events AS
SELECT o.order_id, 'receipt_confirmed' AS event, o.paid_at + INTERVAL 4 DAY AS event_at,
       FALSE AS auto_confirmed, NULL::VARCHAR AS carrier
FROM after_sales AS a JOIN orders AS o ON o.order_id = a.order_id;
"""

HAND_WRITTEN: Final = (
    "WITH f AS ("
    + FACT_SQL
    + """),
p AS (
  SELECT order_order_id AS order_id, shop_shop_id AS shop_id, order_paid_date AS paid_on,
    order_refunded_on AS refund_on, order_amount_paid_fen AS paid,
    order_amount_paid_fen + order_platform_coupon_fen AS tsf_base,
    CASE WHEN category_industry IN ('apparel','shoes_bags','pet_other','toys','sports_outdoor')
           THEN 500
         WHEN category_industry IN ('skincare','makeup') THEN 400
         WHEN category_industry IN ('large_appliance','nutrition') THEN 300
         WHEN category_industry IN ('personal_care','pet_food') THEN 250
         WHEN category_industry IN ('digital_3c','food_snacks','fresh_produce','baby') THEN 200
         WHEN category_industry = 'grain_oil' THEN 100
         WHEN category_industry IN ('gold_jewellery','education') THEN 60
         ELSE 500 END
    + CASE WHEN order_entry_point NOT IN ('mall_app','doubao') THEN 0
         WHEN category_industry IN ('apparel','shoes_bags','pet_other','toys','sports_outdoor')
           THEN 500
         WHEN category_industry IN ('skincare','makeup') THEN 520
         WHEN category_industry IN ('large_appliance','nutrition') THEN 390
         WHEN category_industry IN ('personal_care','pet_food') THEN 330
         WHEN category_industry IN ('digital_3c','food_snacks','fresh_produce','baby') THEN 260
         WHEN category_industry = 'grain_oil' THEN 130
         WHEN category_industry IN ('gold_jewellery','education') THEN 80
         ELSE 500 END AS rate,
    CASE WHEN category_industry IN ('apparel','shoes_bags','pet_other','toys','sports_outdoor')
           THEN 'tsf.base.fashion-toys-pets'
         WHEN category_industry IN ('skincare','makeup') THEN 'tsf.base.beauty'
         WHEN category_industry IN ('large_appliance','nutrition')
           THEN 'tsf.base.appliance-nutrition'
         WHEN category_industry IN ('personal_care','pet_food') THEN 'tsf.base.care-petfood'
         WHEN category_industry IN ('digital_3c','food_snacks','fresh_produce','baby')
           THEN 'tsf.base.digital-food-baby'
         WHEN category_industry = 'grain_oil' THEN 'tsf.base.grain-oil'
         WHEN category_industry IN ('gold_jewellery','education') THEN 'tsf.base.gold-education'
         ELSE 'tsf.base.default' END AS tsf_rule,
    CASE WHEN creator_tier IN ('A', 'B+', 'B') THEN 'creator.fee.a-b'
         WHEN creator_tier = 'C' THEN 'creator.fee.c' WHEN creator_tier = 'D' THEN 'creator.fee.d'
         ELSE 'creator.fee.unrated' END AS csf_rule,
    NOT order_is_gift AND shop_store_type <> 'personal'
      AND order_scene IN ('product_card','search','mall') AS card,
    NOT order_is_gift AND shop_store_type <> 'personal' AND shop_business_mode = 'domestic'
      AND order_scene IN ('live','short_video') AS content,
    NOT order_is_gift AND order_ad_product = 'qianchuan_chengfang' AS chengfang,
    NOT order_is_gift AND category_industry = 'fresh_produce' AS fresh,
    shop_business_mode, order_is_affiliate AS aff, creator_tier AS tier,
    CASE WHEN order_is_affiliate AND order_ad_product = 'qianchuan_omni'
              AND order_ad_commission_rate_bp IS NOT NULL THEN order_ad_commission_rate_bp
         WHEN order_is_affiliate THEN order_commission_rate_bp END AS aff_rate,
    CASE WHEN order_is_affiliate AND order_ad_product = 'qianchuan_omni'
              AND order_ad_commission_rate_bp IS NOT NULL THEN 'aff.dual-ad-period'
         WHEN order_is_affiliate AND order_commission_rate_bp IS NOT NULL THEN 'aff.daily'
         END AS aff_rule,
    greatest(order_goods_fen - order_merchant_coupon_fen, 0) AS aff_base,
    order_ad_cost_fen AS ad_cost, order_is_instant_refund AS instant,
    order_refunded_fen AS refunded, order_refunded_in_period_fen AS refunded_in,
    order_insurance_type AS ins, order_insured_by AS insured_by,
    order_platform_coupon_fen AS coupon
  FROM f
),
w AS (
  SELECT *,
    least(rate,
      CASE WHEN card AND shop_business_mode = 'domestic' THEN 60 END,
      CASE WHEN card AND shop_business_mode = 'cross_border' THEN 100 END,
      CASE WHEN fresh THEN 60 END,
      CASE WHEN content THEN CASE WHEN rate <= 60 THEN rate
                                  ELSE least(rate, greatest(60, (rate * 9000 * 2 + 10000) // 20000))
                             END END,
      CASE WHEN chengfang THEN 60 END) AS final_rate,
    (aff_base * aff_rate * 2 + 10000) // 20000 AS commission,
    CASE WHEN ad_cost > 0 AND (instant OR refunded > 0) THEN 0 ELSE ad_cost END AS promo
  FROM p
),
a AS MATERIALIZED (
  SELECT *,
    (tsf_base * final_rate * 2 + 10000) // 20000 AS tsf,
    (tsf_base * rate * 2 + 10000) // 20000 AS tsf_baseline,
    CASE WHEN final_rate = rate THEN NULL
         WHEN card AND shop_business_mode = 'domestic' AND final_rate = 60
           THEN 'tsf.waiver.product-card'
         WHEN card AND shop_business_mode = 'cross_border' AND final_rate = least(rate, 100)
           THEN 'tsf.waiver.product-card-cross-border'
         WHEN fresh AND final_rate = 60 THEN 'tsf.waiver.fresh-produce'
         WHEN content AND final_rate = least(rate, greatest(60, (rate * 9000 * 2 + 10000) // 20000))
           THEN 'tsf.waiver.content-scenes'
         ELSE 'tsf.waiver.chengfang' END AS waiver,
    (commission * CASE tier WHEN 'C' THEN 2000 WHEN 'D' THEN 4000 ELSE 1000 END * 2 + 10000)
      // 20000 AS creator_fee
  FROM w
)
SELECT order_id, shop_id, 'technical_service_fee' AS fee_kind, tsf AS amount_fen,
       tsf_baseline AS baseline_fen, tsf_rule AS rule_id, waiver AS waiver_rule_id
FROM a WHERE tsf <> 0 OR tsf_baseline <> 0
UNION ALL
SELECT order_id, shop_id, 'affiliate_commission', commission, commission, aff_rule, NULL
FROM a WHERE aff_rule IS NOT NULL AND commission <> 0
UNION ALL
SELECT order_id, shop_id, 'creator_service_fee', creator_fee, creator_fee, csf_rule, NULL
FROM a WHERE aff_rule IS NOT NULL AND creator_fee <> 0
UNION ALL
SELECT order_id, shop_id, 'promotion_fee', promo, ad_cost, 'promo.billing',
       CASE WHEN promo < ad_cost AND refunded > 0 THEN 'promo.waiver-refunded'
            WHEN promo < ad_cost THEN 'promo.billing' END
FROM a WHERE ad_cost > 0
UNION ALL
SELECT order_id, shop_id, 'insurance_premium', premium, premium, 'insurance.' || ins, NULL
FROM (SELECT *, CASE ins WHEN 'small' THEN 144 WHEN 'small_upgraded' THEN 240
                         WHEN 'bulky' THEN 1200 END AS premium FROM a)
WHERE insured_by IS NOT NULL AND premium <> 0
UNION ALL
SELECT order_id, shop_id, 'coupon_subsidy', coupon, coupon, 'coupon.platform', NULL
FROM a WHERE coupon > 0
UNION ALL
SELECT order_id, shop_id, 'fee_refund', refund, refund_baseline, 'refund.tsf-in-period', waiver
FROM (SELECT *,
        CASE WHEN paid = 0 THEN 0 ELSE -((tsf * refunded_in * 2 + paid) // (2 * paid)) END
          AS refund,
        CASE WHEN paid = 0 THEN 0
             ELSE -((tsf_baseline * refunded_in * 2 + paid) // (2 * paid)) END AS refund_baseline
      FROM a)
WHERE refunded_in > 0 AND (refund <> 0 OR refund_baseline <> 0)
"""
)


BASELINE: Final = "CREATE TABLE plain_lines AS SELECT * FROM fee_lines"
"""The stage's target baseline: a plain ``CREATE TABLE AS`` of the very rows the stage wrote
(same count, same columns and values), run right after it on the same connection."""


class Clock:
    """Wall and CPU seconds (this process, DuckDB's threads included) since it was made."""

    def __init__(self) -> None:
        self.began, self.cpu_began = time.perf_counter(), cpu_seconds()
        self.wall = self.cpu = 0.0

    def stop(self) -> Clock:
        self.wall, self.cpu = time.perf_counter() - self.began, cpu_seconds() - self.cpu_began
        return self


def run_stage(
    con: duckdb.DuckDBPyConnection, book: Rulebook, end: date, *, by_day: bool
) -> tuple[list[FeeRunSummary], list[float]]:
    """The stage over ``START``..``end``: one run, or one run per day (with each day's CPU
    seconds, to show whether a day's cost grows with the lines already written)."""
    if not by_day:
        return [run_rulebook(con, book, START, end)], []
    runs, cpu = [], []
    day = START
    while day <= end:
        began = cpu_seconds()
        runs.append(run_rulebook(con, book, day, day))
        cpu.append(cpu_seconds() - began)
        day += timedelta(days=1)
    return runs, cpu


def check_baseline(con: duckdb.DuckDBPyConnection, lines: int) -> None:
    """The baseline table holds as many rows, and the same columns, as the stage wrote."""
    row = con.execute("SELECT count(*) FROM plain_lines").fetchone()
    width = len(con.execute("SELECT * FROM plain_lines LIMIT 0").description or [])
    if row is None or row[0] != lines or width != len(FEE_LINES.columns):
        raise SystemExit(f"baseline is not like for like: {row} rows × {width} columns")


def totals_query(lines_sql: str) -> str:
    """Aggregate every line of a lines query (so all of them are computed)."""
    return (
        "SELECT fee_kind, count(*), sum(amount_fen), sum(baseline_fen) FROM ("
        + lines_sql
        + ") GROUP BY fee_kind ORDER BY fee_kind"
    )


def timed(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[float, list[tuple[object, ...]]]:
    began = time.perf_counter()
    rows = con.execute(sql, {"start": START, "end": END}).fetchall()
    return time.perf_counter() - began, rows


LAYOUTS: Final = {"shuffled": "", "paid": "ORDER BY paid_at"}
"""How ``orders`` is stored: in a hashed order (the bench's default since it was written), or
in payment order, as a daily ingest appends it (``--layout paid``)."""


def generate(con: duckdb.DuckDBPyConnection, orders: int, layout: str = "shuffled") -> None:
    codes = [ind.code for ind in INDUSTRIES]
    params = {
        "industries": codes,
        "shops": SHOPS,
        "skus": SKUS,
        "creators": CREATORS,
        "orders": orders,
    }
    for statement in SETUP.replace("p_layout", LAYOUTS[layout]).split(";"):
        if statement.strip():
            needed = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, needed)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=20_000_000)
    parser.add_argument("--db", type=Path, default=Path("/tmp/bench_fees.duckdb"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--stage-repeat",
        type=int,
        default=3,
        help="Rounds of the full stage and its baseline, alternating (best of each is kept).",
    )
    parser.add_argument(
        "--stage-only",
        action="store_true",
        help="Skip the compiled and hand-written month queries; time the stage and baseline.",
    )
    parser.add_argument(
        "--stage-days",
        type=int,
        default=(STAGE_END - START).days + 1,
        help="Days of March the full stage runs over (3: a daily run's size; 31: the month).",
    )
    parser.add_argument(
        "--layout",
        choices=tuple(LAYOUTS),
        default="shuffled",
        help="Orders stored in a hashed order, or in payment order as a daily ingest leaves them.",
    )
    parser.add_argument(
        "--by-day",
        action="store_true",
        help="Run the stage once per day of the period, as a marketplace runs it, not once "
        "over the whole period (the baseline is still one CREATE TABLE AS of every line).",
    )
    return parser


def main() -> None:
    parser = _parser()
    args = parser.parse_args()
    if args.orders < 1:
        parser.error(f"--orders {args.orders}: give at least one order")
    if not 1 <= args.stage_days <= (END - START).days + 1:
        parser.error(f"--stage-days {args.stage_days}: the stage runs over 1 to 31 days of March")
    if not args.db.parent.is_dir():
        parser.error(f"--db {args.db}: no such folder {args.db.parent}")
    if args.db.exists() and not _marker(args.db).exists():  # not a scratch this bench left
        parser.error(
            f"--db {args.db}: a file is already there. The bench makes a scratch warehouse at "
            "--db and removes it when it ends, so give a path where nothing is (a warehouse "
            "of yours is never used or removed)"
        )
    try:
        bench(args)
    finally:  # also when the stage fails or is stopped: no scratch warehouse left behind
        _remove_warehouse(args.db)


def bench(args: argparse.Namespace) -> None:
    stage_end = START + timedelta(days=args.stage_days - 1)
    console = Console()
    _remove_warehouse(args.db)  # a run stopped before may have left one
    _marker(args.db).touch()  # this file is the bench's own: a later run may remove it
    con = connect(args.db)  # every declared table exists (e.g. an empty shop_scores)
    book = load_rulebook("douyin-2026")
    compiled = totals_query(fee_lines_sql(book))
    hand = totals_query(HAND_WRITTEN)
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task(f"generating {args.orders:,} orders in DuckDB", total=None)
        began = time.perf_counter()
        generate(con, args.orders, args.layout)
        ensure_schema(con)  # columns the bench's own tables lack (added since) come back NULL
        made = time.perf_counter() - began
        best = {"compiled": float("inf"), "hand-written": float("inf")}
        results: dict[str, list[tuple[object, ...]]] = {}
        for round_ in range(0 if args.stage_only else args.repeat):
            for name, sql in (("compiled", compiled), ("hand-written", hand)):
                progress.update(task, description=f"round {round_ + 1}: {name} query")
                seconds, rows = timed(con, sql)
                best[name] = min(best[name], seconds)
                results[name] = rows
        fee_lines_sql(book)  # compiled once per process, as every stage run after the first
        pairs: list[tuple[Clock, Clock]] = []
        with watch_disk(args.db) as disk:  # the warehouse, its WAL and spill, peak
            for round_ in range(args.stage_repeat):
                progress.update(task, description=f"round {round_ + 1}: full stage and baseline")
                con.execute("DELETE FROM fee_lines")  # untimed: each run is a period's first
                con.execute("DROP TABLE IF EXISTS plain_lines")
                clock = Clock()
                runs, day_cpu = run_stage(con, book, stage_end, by_day=args.by_day)
                ran = clock.stop()
                clock = Clock()
                con.execute(BASELINE)
                pairs.append((ran, clock.stop()))
        lines, orders = sum(r.lines for r in runs), sum(r.orders for r in runs)
        check_baseline(con, lines)
        limit = con.execute("SELECT current_setting('memory_limit')").fetchone()
    con.close()
    compiled_rows, hand_rows = results.get("compiled", []), results.get("hand-written", [])
    same = compiled_rows == hand_rows
    ratio = best["compiled"] / best["hand-written"] if results else float("nan")
    stage = min(r.wall for r, _ in pairs)
    plain = min(b.wall for _, b in pairs)
    stage_cpu = min(r.cpu for r, _ in pairs)
    plain_cpu = min(b.cpu for _, b in pairs)
    per_round = sorted(r.wall / b.wall for r, b in pairs)
    table = Table(
        title=f"fee stage, douyin-2026, {args.orders:,} orders "
        f"({os.cpu_count()} cores; generated in {made:.1f} s)"
    )
    for column in ("what", "seconds", "orders / s"):
        table.add_column(column, justify="right" if column != "what" else "left")
    for name in ("compiled", "hand-written") if results else ():
        table.add_row(
            f"{name} query (all lines, aggregated)",
            f"{best[name]:.2f}",
            f"{args.orders / best[name]:,.0f}",
        )
    table.add_row(
        f"full stage {START}..{stage_end}{' day by day' if args.by_day else ''}: run_rulebook "
        f"writes {lines:,} lines for {orders:,} orders (best of {len(pairs)}; "
        f"CPU {stage_cpu:.2f} s)",
        f"{stage:.2f}",
        f"{orders / stage:,.0f}",
    )
    table.add_row(
        f"baseline: CREATE TABLE AS SELECT * FROM fee_lines ({lines:,} rows × "
        f"{len(FEE_LINES.columns)} columns; best of {len(pairs)}; CPU {plain_cpu:.2f} s)",
        f"{plain:.2f}",
        "",
    )
    console.print(table)
    differ = sorted(
        str(kind)
        for kind in {r[0] for r in compiled_rows} | {r[0] for r in hand_rows}
        if [r for r in compiled_rows if r[0] == kind] != [r for r in hand_rows if r[0] == kind]
    )
    if not results:
        pass
    elif same:
        console.print(f"compiled / hand-written = {ratio:.2f}× (target ≤ 1.3×); same totals")
    else:  # the hand-written rules have not followed the rulebook: no like-for-like ratio
        console.print(
            f"compiled / hand-written = {ratio:.2f}×, [red]not like for like[/]: the hand-written "
            f"query disagrees with the rulebook on {', '.join(differ)}"
        )
    console.print(
        f"full stage ÷ plain CREATE TABLE AS = {stage / plain:.2f}× wall, best against best "
        f"({stage_cpu / plain_cpu:.2f}× in CPU seconds; per round "
        f"{', '.join(f'{r:.2f}' for r in per_round)}×; target ≤ 3×)"
    )
    extra: dict[str, object] = {
        "orders": args.orders,
        "period": f"{START}..{stage_end}",
        "orders_in_period": orders,
        "by_day": args.by_day,
        "day_cpu_seconds": day_cpu,
        "cpu_seconds": stage_cpu,
        "baseline_cpu_seconds": plain_cpu,
        "generate_seconds": made,
        "memory_limit": limit[0] if limit else None,
        **disk,
    }
    emit(Result("fees", lines, stage, peak_mib(), plain, lines, extra))
    for row in results.get("compiled", []):
        console.print(f"  {row}", highlight=False)
    if not same:
        console.print("[red]compiled and hand-written totals differ:[/]")
        for row in results["hand-written"]:
            console.print(f"  {row}", highlight=False)


def _marker(db: Path) -> Path:
    """The file beside a scratch warehouse that says the bench made it (a run killed before
    its clean-up leaves both; the next run may then remove the warehouse)."""
    return db.with_name(db.name + ".bench-scratch")


def _remove_warehouse(db: Path) -> None:
    """The scratch warehouse, its WAL and its spill folder (gigabytes at 100 M orders), then
    the marker that it was the bench's."""
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(db.with_name(db.name + ".tmp"), ignore_errors=True)
    _marker(db).unlink(missing_ok=True)


if __name__ == "__main__":
    try:
        main()
    except duckdb.OutOfMemoryException as error:
        raise SystemExit(f"bench_fees: {out_of_memory(error)}") from None
    except BaseException as error:  # Ctrl-C arrives as KeyboardInterrupt or inside DuckDB
        if not interrupted(error):
            raise
        raise SystemExit("bench_fees: stopped (Ctrl-C); its scratch warehouse is removed") from None
