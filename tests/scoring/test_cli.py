"""`merchantry score` and `merchantry diagnose score` on a small warehouse."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.store.warehouse import connect

from .market import Market
from .test_diagnosis import industry_with_one_slow_shop

runner = CliRunner()


def test_score_then_diagnose(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    industry_with_one_slow_shop(Market(con))
    con.close()

    scored = runner.invoke(
        app,
        ["score", "--rulebook", "douyin-score-2026-05", "--date", "2026-06-15", "--db", str(db)],
    )
    assert scored.exit_code == 0, scored.output
    assert "5 formal" in scored.output
    assert "SLOW" in scored.output

    diagnosed = runner.invoke(
        app,
        [
            "diagnose",
            "score",
            "--shop",
            "SLOW",
            "--rulebook",
            "douyin-score-2026-05",
            "--db",
            str(db),
        ],
    )
    assert diagnosed.exit_code == 0, diagnosed.output
    printed = " ".join(diagnosed.output.split())
    assert "1. +7.50 飞鸽平均响应时长 / Feige average response time" in printed  # by name
    assert "feige_response_seconds" not in printed


def test_an_unknown_rulebook_is_refused_with_its_name(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "score",
            "--rulebook",
            "douyin-score-2099",
            "--date",
            "2026-06-15",
            "--db",
            str(tmp_path / "w.duckdb"),
        ],
    )
    assert result.exit_code != 0
    assert "douyin-score-2099" in result.output  # one message, no traceback (docs/cli.md)
