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


def test_a_clock_hour_outside_the_day_is_refused_naming_the_file_and_parameter(
    tmp_path: Path,
) -> None:
    """A score rulebook whose pickup clock starts at 24:00 scores nothing: the command says
    which file and parameter, and why, and exits as for any input mistake."""
    db = tmp_path / "w.duckdb"
    con = connect(db)
    industry_with_one_slow_shop(Market(con))
    con.close()
    books = tmp_path / "books"
    books.mkdir()
    mine = books / "my-score.yaml"
    mine.write_text(
        "rulebook: my-score\n"
        "title: Douyin score with a mistyped pickup clock\n"
        "platform: douyin\n"
        "extends: douyin-score-2026-05\n"
        "effective: {from: 2026-05-07}\n"
        "parameters:\n"
        "  pickup_clock_start_hour:\n"
        "    value: 24\n"
        "    assumption: true\n"
        "    note: a typo for 4\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "score",
            "--rulebook",
            "my-score",
            "--date",
            "2026-06-15",
            "--db",
            str(db),
            "--rulebook-dir",
            str(books),
        ],
        env={"COLUMNS": "200"},
    )
    printed = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert str(mine) in printed
    assert "pickup_clock_start_hour is 24: an hour of the day is 0 to 23" in printed
    assert "Traceback" not in result.output
    con = connect(db)
    assert con.execute("SELECT count(*) FROM shop_scores").fetchone() == (0,)
