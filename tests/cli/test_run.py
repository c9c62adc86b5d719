"""`merchantry run` on a one-shop warehouse: every stage the first time, nothing the second."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.store.warehouse import connect
from tests.ledger.factories import HERE, TEST_RULEBOOK, add_category, add_order, add_shop

STAGES = (
    "score:douyin-score-2026-07",
    "fees:ledger-test",
    "close:ledger-test",
    "risk:rings",
    "risk:decisions",
)


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, ["run", *args], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_run_runs_what_is_stale_and_says_why(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 10, 12), 10_000)
    con.close()
    period = ("--from", "2026-03-01", "--to", "2026-03-31", "--db", str(db))
    book = ("--rulebook", TEST_RULEBOOK, "--dir", str(HERE))

    first = invoke(*period, *book)
    assert "5 ran, 0 skipped" in first
    for name in STAGES:
        assert f"running {name}" in first
    assert "never ran over 2026-03-01..2026-03-31" in first

    second = invoke(*period, *book, "--snapshot")
    assert "0 ran, 5 skipped" in second
    assert second.count("fresh: inputs unchanged since its run at") == 5
    snapshot = tmp_path / "w.duckdb.snapshot" / "1.duckdb"
    assert f"snapshot published: {snapshot}" in second
    assert snapshot.is_file()

    forced = invoke(*period, *book, "--only", "fees", "--force")
    assert "1 ran, 4 skipped" in forced
    assert "forced (it was fresh)" in forced
    assert forced.count("not selected (--only)") == 4


def test_an_unknown_stage_is_named_with_the_stages_there_are(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--db",
            str(tmp_path / "w.duckdb"),
            "--only",
            "payouts",
        ],
    )
    assert result.exit_code != 0
    assert "no stage 'payouts'" in str(result.exception)
    assert "fees:douyin-2026" in str(result.exception)
