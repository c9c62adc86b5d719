"""A day's re-close reads that day's rows, not the history.

The digest that decides whether a day must be closed again (``ledger.daily``) is a
handful of counts and hash sums over the rows dated that day. This builds a warehouse
the way a daily ingest and the daily close leave it (each day's rows appended after the
day before's), several DuckDB row groups long, and counts with DuckDB's own profiler
(``rows_scanned``) how many rows the digest of one day in the middle really reads.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import duckdb
import pytest

from merchantry.ledger.close import close_key
from merchantry.ledger.daily import (
    DATED_PARTS,
    DIGEST,
    DIGEST_PARTS,
    digest_params,
    part_query,
)
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect, ensure_schema

DAYS: Final = 8
PER_DAY: Final = 60_000
"""Rows per day in each dated table: eight days make four row groups of 122,880 rows."""
ROW_GROUP: Final = 122_880
FIRST: Final = date(2026, 3, 1)
DAY: Final = date(2026, 3, 4)
RULEBOOK: Final = "douyin-2026"

DAY_ROWS: Final = (
    """
    INSERT INTO orders (order_id, shop_id, buyer_id, sku_id, quantity, paid_at, goods_fen,
                        shipping_fen, platform_coupon_fen, merchant_coupon_fen, amount_paid_fen,
                        scene, entry_point, ad_cost_fen, is_gift)
    SELECT 'O' || $day_no || '-' || i, 'S' || (i % 50), 'B' || i, 'K' || (i % 50), 1,
           CAST($day AS TIMESTAMP) + to_seconds(CAST(i * 86399 // $n AS BIGINT)),
           1000, 0, 0, 0, 1000, 'live', 'douyin_app', 0, false
    FROM range($n) t(i)
    """,
    """
    INSERT INTO logistics_events (order_id, event, event_at)
    SELECT 'O' || $day_no || '-' || i, 'shipped',
           CAST($day AS TIMESTAMP) + to_seconds(CAST(i * 86399 // $n AS BIGINT))
    FROM range($n) t(i)
    """,
    """
    INSERT INTO fee_lines BY NAME
    SELECT $rulebook AS rulebook, 'O' || $day_no || '-' || i AS order_id,
           'S' || (i % 50) AS shop_id, 'technical_service_fee' AS fee_kind, 'merchant' AS payer,
           'platform' AS payee, 1000 AS base_fen, 500 AS rate_bp, 50 AS amount_fen,
           50 AS baseline_fen, 'tsf.base' AS rule_id, CAST($day AS DATE) AS accrued_on,
           CAST($day AS DATE) AS paid_on
    FROM range($n) t(i)
    """,
    """
    INSERT INTO journal_entries BY NAME
    SELECT md5($day_no || '-' || i) AS entry_id, md5($day_no || '-' || i) AS logical_key,
           0 AS revision, 'sale' AS kind, 'O' || $day_no || '-' || i AS source_id,
           'O' || $day_no || '-' || i AS order_id, 'S' || (i % 50) AS shop_id,
           CAST($day AS DATE) AS booked_on, $rulebook AS rulebook, md5('s' || i) AS signature,
           NULL AS reverses,
           -- half the day's entries are the day's own close (the digest leaves those out),
           -- half booked by others (withdrawals, deposit top-ups …)
           CASE WHEN i % 2 = 0 THEN $close_key ELSE 'booked-elsewhere' END AS close_key
    FROM range($n) t(i)
    """,
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path_factory.mktemp("scan") / "w.duckdb")
    ensure_schema(con)
    for n in range(DAYS):  # day by day, as a daily ingest and the daily close append them
        day = FIRST + timedelta(days=n)
        params = {"day": day, "day_no": n, "n": PER_DAY, "rulebook": RULEBOOK}
        params["close_key"] = close_key(RULEBOOK, day, day)
        for sql in DAY_ROWS:
            run_sql(con, sql, params)
    return con


def _params() -> dict[str, object]:
    return digest_params(RULEBOOK, close_key(RULEBOOK, DAY, DAY), DAY, DAY, fees_end=DAY)


def _rows_scanned(con: duckdb.DuckDBPyConnection, sql: str, out: Path) -> tuple[int, object]:
    """Run ``sql`` under DuckDB's profiler; the rows its table scans read, and its answer."""
    con.execute("SET enable_profiling = 'json'")
    con.execute("SET profiling_mode = 'detailed'")
    con.execute("SET profiling_output = ?", [str(out)])
    try:
        answer = run_sql(con, sql, _params()).fetchall()
    finally:
        con.execute("SET enable_profiling = 'no_output'")
        con.execute("RESET profiling_mode")
    profile = json.loads(out.read_text())
    return int(profile["query"]["total_rows_scanned"]), answer


@pytest.mark.parametrize("part", DIGEST_PARTS[:DATED_PARTS], ids=lambda p: p[0])
def test_each_dated_part_of_a_day_digest_reads_only_that_days_rows(
    warehouse: duckdb.DuckDBPyConnection, part: tuple[str, str], tmp_path: Path
) -> None:
    table = part[0]
    total = int(warehouse.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
    scanned, answer = _rows_scanned(warehouse, part_query(part), tmp_path / "p.json")
    matched = int(str(answer[0][0]).split(":")[0])  # type: ignore[index]
    if total == 0:  # tables this warehouse leaves empty (violations, scores)
        assert scanned == 0
        return
    # the part counts exactly the day's rows (of the journal: those other stages booked) …
    assert matched == (PER_DAY // 2 if table == "journal_entries" else PER_DAY)
    assert total == DAYS * PER_DAY
    # … and reads them plus at most one row group's worth of neighbours, not the history
    assert scanned <= PER_DAY + ROW_GROUP
    assert scanned < total // 2


def test_a_whole_day_digest_reads_about_the_days_rows_only(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    dated = ("orders", "logistics_events", "fee_lines", "journal_entries")
    history = sum(
        int(warehouse.execute(f"SELECT count(*) FROM {t}").fetchone()[0])  # type: ignore[index]
        for t in dated
    )
    scanned, _ = _rows_scanned(warehouse, DIGEST, tmp_path / "d.json")
    assert history == len(dated) * DAYS * PER_DAY
    # each dated table once, and the orders and the entries once more: the shops the day
    # names (JOINED_SHOPS), whose rows the digest reads though they join later
    reads = len(dated) + 2
    assert scanned <= reads * (PER_DAY + ROW_GROUP)
    assert scanned < history // 2


def test_a_timestamp_range_counts_what_the_calendar_day_counts(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The range form is the same rows as ``CAST(ts AS DATE) = day``, midnight included."""
    warehouse.execute(
        "INSERT INTO logistics_events (order_id, event, event_at) VALUES "
        "('edge-1', 'delivered', TIMESTAMP '2026-03-04 00:00:00'), "
        "('edge-2', 'delivered', TIMESTAMP '2026-03-04 23:59:59.999999'), "
        "('edge-3', 'delivered', TIMESTAMP '2026-03-05 00:00:00')"
    )
    try:
        by_range = run_sql(warehouse, part_query(DIGEST_PARTS[1]), _params()).fetchone()
        by_cast = warehouse.execute(
            part_query(("logistics_events", "CAST(x.event_at AS DATE) = $end")),
            {"end": DAY},
        ).fetchone()
    finally:
        warehouse.execute("DELETE FROM logistics_events WHERE order_id LIKE 'edge-%'")
    assert by_range == by_cast
    assert str(by_range[0]).startswith(f"{PER_DAY + 2}:")  # type: ignore[index]
