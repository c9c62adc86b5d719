"""`merchantry simulate` on a warehouse file, using fee lines already stored."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from merchantry.store.warehouse import connect
from tests.report.test_page import loaded_urls
from tests.simulate.factories import Market
from tests.simulate.test_savings import build_market


def make_warehouse(path: Path) -> Path:
    con = connect(path)
    build_market(Market(con))
    con.close()
    return path


def test_simulate_writes_tables_and_an_offline_report(tmp_path: Path) -> None:
    db = make_warehouse(tmp_path / "w.duckdb")
    report = tmp_path / "reports" / "sim.html"
    args = [
        "simulate",
        "--baseline",
        "old",
        "--candidate",
        "new",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--report",
        str(report),
        "--db",
        str(db),
        "--use-existing-fees",
        "--plotly",
        "beside",
        "--small-below",
        "100",
        "--key-account-from",
        "300",
    ]
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == 0, outcome.output
    assert "¥17.20" in outcome.output
    html = report.read_text(encoding="utf-8")
    assert loaded_urls(html) == [next(p.name for p in report.parent.glob("plotly-*.min.js"))]
    con = connect(db, read_only=True)
    sizes = con.execute("SELECT shop_id, size FROM sim_shop_savings ORDER BY shop_id").fetchall()
    con.close()
    assert sizes == [("S1", "key_account"), ("S2", "small"), ("S3", "mid")]


def test_a_bad_threshold_is_an_input_error(tmp_path: Path) -> None:
    db = make_warehouse(tmp_path / "w.duckdb")
    args = [
        "simulate",
        "--baseline",
        "old",
        "--candidate",
        "new",
        "--db",
        str(db),
        "--use-existing-fees",
        "--small-below",
        "12.345",
    ]
    outcome = CliRunner().invoke(app, args)
    assert outcome.exit_code == ExitCode.INPUT
    assert "not an amount in yuan" in outcome.output
