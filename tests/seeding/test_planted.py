"""On a generated marketplace: attribution finds exactly the planted journeys (and no decoy);
the CLI runs the stage, reports it per day (terminal and HTML) and the close posts it."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ingest import ingest_dir
from merchantry.store.sql import records
from merchantry.store.warehouse import connect
from merchantry.synth.generator import DEFAULT_START, generate

DAYS = 4
END = DEFAULT_START + timedelta(days=DAYS - 1)
PERIOD = ("--from", DEFAULT_START.isoformat(), "--to", END.isoformat())

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Market:
    db: Path
    truth: list[dict[str, str]]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    root = tmp_path_factory.mktemp("seeding-market")
    summary = generate(root / "data", shops=25, days=DAYS, seed=17, progress=False)
    with (summary.out / "truth" / "seeding_journeys.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    db = root / "w.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, summary.out, progress=False)
    finally:
        con.close()
    return Market(db, truth)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    return result.output


def test_attribution_recovers_the_planted_journeys(market: Market) -> None:
    planted = {(r["order_id"], r["video_id"]) for r in market.truth if r["kind"] == "attributable"}
    decoys = {r["order_id"] for r in market.truth if r["kind"] != "attributable"}
    assert len(planted) >= 20
    assert len(decoys) >= 3
    out = invoke("seeding", "run", *PERIOD, "--db", str(market.db))
    assert "seeding:seeding-2026" in out
    con = duckdb.connect(str(market.db), read_only=True)
    try:
        found = {
            (r["order_id"], r["video_id"])
            for r in records(con, "SELECT order_id, video_id FROM seeding_attributions")
        }
        quarantined = records(con, "SELECT count(*) AS n FROM quarantine")[0]["n"]
        # the background marketplace may hold a few real chains by chance (a buyer who
        # watched a short video, later searched the product and bought it): each one found
        # beyond the planted journeys is checked against the raw events here
        extras = [_has_chain(con, order, video) for order, video in found - planted]
    finally:
        con.close()
    assert quarantined == 0
    assert planted <= found
    assert not decoys & {order for order, _ in found}
    assert all(extras)
    assert len(extras) <= len(found) // 10


def _has_chain(con: duckdb.DuckDBPyConnection, order_id: str, video_id: str) -> bool:
    """Python's own reading of the shipped rule: a view, then a search of the product, then
    payment; the view at most 7 days and the search at most 1 day before it."""
    [order] = records(
        con, "SELECT buyer_id, sku_id, paid_at FROM orders WHERE order_id = ?", [order_id]
    )
    [video] = records(con, "SELECT sku_id FROM creator_videos WHERE video_id = ?", [video_id])
    views = [
        r["viewed_at"]
        for r in records(
            con,
            "SELECT viewed_at FROM video_views WHERE video_id = ? AND buyer_id = ?",
            [video_id, order["buyer_id"]],
        )
    ]
    searches = [
        r["searched_at"]
        for r in records(
            con,
            "SELECT searched_at FROM searches WHERE buyer_id = ? AND clicked_sku_id = ?",
            [order["buyer_id"], order["sku_id"]],
        )
    ]
    paid = order["paid_at"]
    return video["sku_id"] == order["sku_id"] and any(
        v <= s <= paid and paid - v <= timedelta(days=7) and paid - s <= timedelta(days=1)
        for v in views
        for s in searches
    )


def test_report_per_day_terminal_and_html(market: Market, tmp_path: Path) -> None:
    invoke("seeding", "run", *PERIOD, "--db", str(market.db))
    page = tmp_path / "seeding.html"
    out = invoke("seeding", "report", *PERIOD, "--db", str(market.db), "--out", str(page))
    assert "Creators paid" in out
    assert "看后搜成交额" in out
    con = duckdb.connect(str(market.db), read_only=True)
    try:
        rows = records(con, "SELECT * FROM seeding_attributions")
        joined = records(con, "SELECT count(DISTINCT creator_id) AS n FROM creator_videos")
    finally:
        con.close()
    # the report's figures, recomputed here from the attribution rows
    creators_paid = len({r["creator_id"] for r in rows if r["payout_fen"] > 0})
    gmv = sum(r["attributed_gmv_fen"] for r in rows if r["status"] != "dropped_refund")
    assert creators_paid > 0
    assert f"Period: {creators_paid:,} creators" in out
    assert f"{gmv / 100:,.2f}" in out
    html = page.read_text(encoding="utf-8")
    assert "Creators taking part" in html
    assert "plotly" in html.lower()
    for day in range(DAYS):
        assert (DEFAULT_START + timedelta(days=day)).isoformat() in html
    assert f"{joined[0]['n']:,}" in out  # creators taking part by the last day: all of them
    assert "3,670,000" in html  # the platform's own figure beside ours


def test_close_posts_the_payouts(market: Market) -> None:
    invoke("seeding", "run", *PERIOD, "--db", str(market.db))
    start, end = date(2026, 10, 1), date(2026, 10, 31)
    invoke("close", "--from", start.isoformat(), "--to", end.isoformat(), "--db", str(market.db))
    con = duckdb.connect(str(market.db), read_only=True)
    try:
        posted = records(
            con,
            "SELECT coalesce(sum(amount_fen), 0) AS fen FROM journal_postings "
            "WHERE entry_kind = 'seeding_payout' AND account = 'creator_payable'",
        )[0]["fen"]
        due = records(
            con,
            "SELECT coalesce(sum(amount_fen), 0) AS fen FROM seeding_payouts "
            "WHERE pay_on BETWEEN ? AND ?",
            [start, end],
        )[0]["fen"]
    finally:
        con.close()
    assert due > 0
    assert posted == due
