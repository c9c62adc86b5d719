"""Benchmark: seeding attribution (watch → search → pay) over N behaviour events.

    python -m bench.bench_attribution [--events 2000000] [--memory-limit 4GB] [--threads 2]
                                      [--end-day 30]

Builds a DuckDB file directly in SQL with ``--events`` behaviour events over 30 days:
60% video views, 30% searches (90% with a clicked product), 10% paid orders (3% of them
refunded). Each buyer (one per 40 events) is interested in four products, so views,
searches and orders of the same buyer and product meet often, as they do on a
marketplace; a product has ten videos. Then, each in its own child process so that peak
memory (max RSS) is its own:

* ``seeding``: :func:`merchantry.seeding.attribute` under the shipped rulebook (same
  product, 7-day view window, 1-day search window, last touch): attributions with shares,
  tier amounts, caps, refunds, payouts and clawbacks written to their tables;
* ``window-join``: the baseline, one plain DuckDB query: every event of a buyer and
  product in one stream, ``last_value(… IGNORE NULLS)`` windows carry the last view to
  each search and the last search to each order, then the windows are checked. It finds
  the last-touch video only: no split, no money, no refunds.

The baseline also counts how many of its (order, video) pairs the seeding run found: the
two must agree exactly on last touch.

``--end-day N`` ends both runs' period on the market's N-th day (of 30), so that views,
searches and orders after the period exist, as when a month is attributed before it is over.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.table import Table

from bench.report import Result, emit
from merchantry.model.seeding import SEEDING_TABLES
from merchantry.seeding import attribute, load_rules
from merchantry.store.warehouse import create_table_sql

START: Final = date(2026, 10, 1)
SECONDS: Final = 30 * 86_400

BUILD: Final = """
CREATE TABLE products AS
SELECT 'K' || s AS sku_id, 'S' || (s // 10) AS shop_id FROM range($skus) AS t(s);
CREATE TABLE creator_videos AS
SELECT 'V' || v AS video_id, 'C' || (hash(v * 64 + 7) % $creators) AS creator_id,
       'S' || (v // 100) AS shop_id, 'K' || (v // 10) AS sku_id,
       TIMESTAMP '2026-09-01' AS published_at
FROM range($skus * 10) AS t(v);
CREATE TABLE video_views AS
SELECT 'VV' || i AS view_id,
       'V' || (hash(b * 4 + hash(i * 64 + 2) % 4) % $skus * 10 + hash(i * 64 + 3) % 10)
         AS video_id,
       'B' || b AS buyer_id,
       TIMESTAMP '2026-10-01' + to_seconds(CAST(hash(i * 64 + 4) % $seconds AS BIGINT)) AS viewed_at
FROM (SELECT i, hash(i * 64 + 1) % $buyers AS b FROM range($views) AS t(i));
CREATE TABLE searches AS
SELECT 'SE' || i AS search_id, 'B' || b AS buyer_id, 'q' AS query,
       TIMESTAMP '2026-10-01' + to_seconds(CAST(hash(i * 64 + 14) % $seconds AS BIGINT))
         AS searched_at,
       CASE WHEN hash(i * 64 + 15) % 10 = 0 THEN NULL
            ELSE 'K' || (hash(b * 4 + hash(i * 64 + 12) % 4) % $skus) END AS clicked_sku_id
FROM (SELECT i, hash(i * 64 + 11) % $buyers AS b FROM range($searches) AS t(i));
CREATE TABLE orders AS
SELECT 'O' || i AS order_id, 'B' || b AS buyer_id, 'K' || k AS sku_id, 'S' || (k // 10) AS shop_id,
       TIMESTAMP '2026-10-01' + to_seconds(CAST(hash(i * 64 + 24) % $seconds AS BIGINT)) AS paid_at,
       CAST(1000 + hash(i * 64 + 25) % 49000 AS BIGINT) AS amount_paid_fen,
       CAST(hash(i * 64 + 26) % 1000 AS BIGINT) AS shipping_fen, FALSE AS is_gift
FROM (SELECT i, b, hash(b * 4 + hash(i * 64 + 22) % 4) % $skus AS k
      FROM (SELECT i, hash(i * 64 + 21) % $buyers AS b FROM range($orders) AS t(i)));
CREATE TABLE after_sales AS
SELECT 'AS' || order_id AS case_id, order_id, 'refund_only' AS type, 'approved' AS outcome,
       amount_paid_fen AS amount_fen,
       paid_at + to_seconds(CAST((hash(order_id) >> 32) % (14 * 86400) AS BIGINT)) AS closed_at
FROM orders WHERE hash(order_id) % 100 < 3
"""

BASELINE: Final = """
CREATE OR REPLACE TABLE baseline_pairs AS
WITH ev AS (
  SELECT v.buyer_id, c.sku_id AS k, v.viewed_at AS t, 0 AS kind, v.video_id AS ref
  FROM video_views AS v JOIN creator_videos AS c USING (video_id)
  UNION ALL
  SELECT buyer_id, clicked_sku_id, searched_at, 1, NULL FROM searches
  WHERE clicked_sku_id IS NOT NULL
  UNION ALL
  SELECT buyer_id, sku_id, paid_at, 2, order_id FROM orders
  WHERE paid_at >= $start_ts AND paid_at < $end_ts AND NOT is_gift
), carried AS (
  SELECT *,
         last_value(CASE WHEN kind = 0 THEN t END IGNORE NULLS) OVER w AS view_t,
         last_value(CASE WHEN kind = 0 THEN ref END IGNORE NULLS) OVER w AS view_ref
  FROM ev WINDOW w AS (PARTITION BY buyer_id, k ORDER BY t, kind, ref DESC
                       ROWS UNBOUNDED PRECEDING)
), searched AS (
  SELECT *,
         last_value(CASE WHEN kind = 1 THEN t END IGNORE NULLS) OVER w AS search_t,
         last_value(CASE WHEN kind = 1 THEN view_t END IGNORE NULLS) OVER w AS touch_t,
         last_value(CASE WHEN kind = 1 THEN view_ref END IGNORE NULLS) OVER w AS touch_ref
  FROM carried WINDOW w AS (PARTITION BY buyer_id, k ORDER BY t, kind, ref DESC
                            ROWS UNBOUNDED PRECEDING)
)
SELECT ref AS order_id, touch_ref AS video_id
FROM searched
WHERE kind = 2 AND search_t >= t - INTERVAL 1 DAY AND touch_t >= t - INTERVAL 7 DAY
"""


def build_market(path: Path, events: int) -> dict[str, int]:
    counts = {
        "views": events * 6 // 10,
        "searches": events * 3 // 10,
        "orders": events - events * 6 // 10 - events * 3 // 10,
        "buyers": max(1_000, events // 40),
        "skus": max(1_000, events // 500),
    }
    con = duckdb.connect(str(path))
    params = {**counts, "creators": max(100, counts["skus"] * 2), "seconds": SECONDS}
    for statement in BUILD.split(";"):
        if statement.strip():
            wanted = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, wanted)
    for table in SEEDING_TABLES:
        con.execute(create_table_sql(table))
    con.close()
    return counts


def child(kind: str, path: Path, memory_limit: str, threads: int, end_day: int) -> None:
    con = duckdb.connect(str(path))
    con.execute(f"SET memory_limit = '{memory_limit}'")  # bench flag, not user data
    con.execute(f"SET threads = {int(threads)}")
    con.execute(f"SET temp_directory = '{path.parent / 'spill'}'")
    end = START + timedelta(days=end_day - 1)
    began = time.perf_counter()
    result: dict[str, object] = {}
    if kind == "seeding":
        summary = attribute(con, load_rules(), START, end, schema=False)
        result = {"pairs": summary.attributions, "payout_fen": summary.payout_fen}
    else:
        con.execute(
            BASELINE,
            {"start_ts": f"{START} 00:00:00", "end_ts": f"{end + timedelta(days=1)} 00:00:00"},
        )
        row = con.execute("SELECT count(*) FROM baseline_pairs").fetchone()
        result = {"pairs": int(row[0]) if row else 0}
    result["seconds"] = time.perf_counter() - began
    if kind != "seeding":
        row = con.execute(
            "SELECT count(*) FROM baseline_pairs JOIN seeding_attributions USING (order_id, "
            "video_id)"
        ).fetchone()
        result["agree"] = int(row[0]) if row else 0
    print(json.dumps(result))


def run_child(
    kind: str, path: Path, memory_limit: str, threads: int, end_day: int
) -> tuple[dict[str, object], float]:
    command = [
        sys.executable,
        "-m",
        "bench.bench_attribution",
        "--child",
        kind,
        str(path),
        memory_limit,
        str(threads),
        str(end_day),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {kind} failed")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--memory-limit", default="4GB")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dir", type=Path, default=None, help="Where to build (default: tmp).")
    parser.add_argument(
        "--end-day",
        type=int,
        default=30,
        help="The period ends on this day of the 30-day market (default 30: all of it).",
    )
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(
            args.child[0],
            Path(args.child[1]),
            args.child[2],
            int(args.child[3]),
            int(args.child[4]),
        )
        return
    if not 1 <= args.end_day <= 30:
        parser.error("--end-day must be between 1 and 30")
    console = Console(width=140)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        db = Path(tmp) / "attribution.duckdb"
        began = time.perf_counter()
        counts = build_market(db, args.events)
        built = time.perf_counter() - began
        console.print(
            f"{args.events:,} events ({counts['views']:,} views, {counts['searches']:,} "
            f"searches, {counts['orders']:,} orders; {counts['buyers']:,} buyers) built in "
            f"{built:.1f} s; memory limit {args.memory_limit}, {args.threads} threads; "
            f"period ends on day {args.end_day}",
            highlight=False,
        )
        results = {}
        for kind in ("seeding", "window-join"):
            results[kind] = run_child(kind, db, args.memory_limit, args.threads, args.end_day)
            console.print(f"{kind}: {results[kind][0]}, peak {results[kind][1]:,.0f} MiB")
    mine, base = results["seeding"], results["window-join"]
    table = Table(title=f"seeding attribution over {args.events:,} behaviour events")
    for column in ("run", "pairs", "seconds", "peak MiB", "time ratio", "memory ratio"):
        table.add_column(column, justify="right")
    for kind, (result, peak) in results.items():
        seconds = float(str(result["seconds"]))
        table.add_row(
            kind,
            f"{int(str(result['pairs'])):,}",
            f"{seconds:.1f}",
            f"{peak:,.0f}",
            f"{seconds / float(str(base[0]['seconds'])):.2f}",
            f"{peak / base[1]:.2f}",
        )
    console.print(table)
    console.print(
        f"agreement: the window join's {int(str(base[0]['pairs'])):,} last-touch pairs, "
        f"{int(str(base[0]['agree'])):,} of them found by the seeding run "
        f"({int(str(mine[0]['pairs'])):,})",
        highlight=False,
    )
    emit(
        Result(
            bench="bench_attribution",
            rows=args.events,
            seconds=float(str(mine[0]["seconds"])),
            peak_mib=mine[1],
            baseline_seconds=float(str(base[0]["seconds"])),
            baseline_rows=args.events,
            extra={
                "pairs": int(str(mine[0]["pairs"])),
                "baseline_pairs": int(str(base[0]["pairs"])),
                "agree": int(str(base[0]["agree"])),
                "end_day": args.end_day,
            },
        )
    )


if __name__ == "__main__":
    main()
