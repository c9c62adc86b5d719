"""The main job, end to end, on a tiny generated marketplace."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.money import format_fen
from merchantry.service.demo import SCORE_GATED_COMPENSATION


def test_demo_runs_every_step_and_accounts_for_every_row(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--out", str(out), "--shops", "40", "--days", "3", "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "Merchants save" in result.output
    for name in (
        "report.html",
        "simulation.html",
        "scores.html",
        "scores-taobao.html",
        "good-service-ranking.csv",
        "merchantry.duckdb",
    ):
        assert (out / name).is_file(), name

    con = duckdb.connect(str(out / "merchantry.duckdb"), read_only=True)
    orders = con.execute("SELECT count(*) FROM orders").fetchone()
    lines = con.execute(
        "SELECT count(DISTINCT order_id), count(DISTINCT rulebook) FROM fee_lines"
    ).fetchone()
    assert orders is not None
    assert lines is not None
    assert orders[0] > 0
    assert lines == (orders[0], 2)  # every order priced under both rulebooks
    unbalanced = con.execute(
        "SELECT count(*) FROM (SELECT entry_id FROM journal_postings GROUP BY entry_id"
        " HAVING sum(amount_fen) <> 0)"
    ).fetchone()
    sales = con.execute("SELECT count(*) FROM journal_entries WHERE kind = 'sale'").fetchone()
    assert unbalanced == (0,)  # the month close's journal balances, entry by entry
    assert sales == orders  # every order's payment is posted
    days = con.execute("SELECT count(DISTINCT score_date) FROM shop_scores").fetchone()
    assert days == (3,)  # scored every day before the close, so score-gated rules can apply
    assert "reads shop.experience_score" not in result.output  # no score-gap warning
    borne = con.execute(SCORE_GATED_COMPENSATION).fetchone()
    assert borne is not None
    printed = " ".join(result.output.split())  # the console wraps long lines
    assert f"{format_fen(int(borne[0]))} of compensation borne by the platform for " in printed
    assert f"for {int(borne[1]):,} shops scoring 90 or more" in printed  # the journal's figure

    page = (out / "report.html").read_text(encoding="utf-8")
    assert re.search(r"<script[^>]+src=\"https?://", page) is None  # works offline
    assert f"{orders[0]:,}" in page
    for section in ("Ledger and settlement", "Risk", "Experience scores", "Timings"):
        assert section in page, section  # every stage reports into the page, not only the terminal


def test_demo_is_repeatable(tmp_path: Path) -> None:
    args = ["--shops", "20", "--days", "2", "--no-progress"]
    runner = CliRunner()
    totals = []
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), *args])
        assert result.exit_code == 0, result.output
        con = duckdb.connect(str(tmp_path / "d" / "merchantry.duckdb"), read_only=True)
        totals.append(
            con.execute(
                "SELECT rulebook, fee_kind, sum(amount_fen) FROM fee_lines"
                " GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        con.close()
    assert totals[0] == totals[1]
    assert totals[0]
