"""The single-stage commands record their runs: after `merchantry fees`, `score`, `close`
or `risk rings`, a `merchantry run` over the same period skips that stage as fresh, and
runs it again once an input changes. Their printed output is unchanged."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.store.warehouse import connect
from tests.ledger.factories import HERE, TEST_RULEBOOK, add_category, add_order, add_shop

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")
BOOK = ("--rulebook", TEST_RULEBOOK, "--dir", str(HERE))


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    con = connect(path)
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 10, 12), 10_000)
    con.close()
    return path


def row(output: str, stage: str) -> str:
    """The ran/skipped table's row for ``stage``, cells joined by single spaces."""
    cells = re.findall(rf"│ {re.escape(stage)} +│ *(\w+) *│ *([^│]*?) *│", output)
    assert len(cells) == 1, output
    return " ".join(cells[0])


def ran(output: str) -> int:
    """How many stages the run says it ran; the skipped count must be every other stage row of
    its table (the job's stage list grows as programmes are added, so it is not fixed here)."""
    tally = re.search(r"(\d+) ran, (\d+) skipped", output)
    assert tally is not None, output
    states = re.findall(r"│ [\w:.-]+ +│ *(ran|skipped) *│", output)
    assert (int(tally[1]), int(tally[2])) == (states.count("ran"), states.count("skipped"))
    assert len(states) >= 5  # fees, close, score, rings and the rest of the batch job
    return int(tally[1])


def stage_runs(db: Path) -> list[tuple[str, str, str]]:
    con = connect(db)
    try:
        rows = con.execute(
            "SELECT stage, CAST(period_start AS VARCHAR), CAST(period_end AS VARCHAR)"
            " FROM stage_runs ORDER BY started_at"
        ).fetchall()
    finally:
        con.close()
    return [(str(a), str(b), str(c)) for a, b, c in rows]


def test_fees_then_run_skips_the_fee_stage_as_fresh(db: Path) -> None:
    printed = invoke("fees", *MARCH, *BOOK, "--db", str(db))
    assert "ledger-test: orders paid 2026-03-01 – 2026-03-31 (1 orders" in printed
    assert stage_runs(db) == [("fees:ledger-test", "2026-03-01", "2026-03-31")]

    run = invoke("run", *MARCH, *BOOK, "--db", str(db), "--only", "fees")
    assert ran(run) == 0
    assert row(run, "fees:ledger-test").startswith("skipped fresh: inputs unchanged since its run")

    con = connect(db)
    add_order(con, "O2", datetime(2026, 3, 11, 12), 20_000)
    con.close()
    again = invoke("run", *MARCH, *BOOK, "--db", str(db), "--only", "fees")
    assert ran(again) == 1
    assert row(again, "fees:ledger-test") == "ran stale: orders 1 → 2 rows"


def test_a_different_period_is_not_fresh(db: Path) -> None:
    invoke("fees", "--from", "2026-03-01", "--to", "2026-03-15", *BOOK, "--db", str(db))
    run = invoke("run", *MARCH, *BOOK, "--db", str(db), "--only", "fees")
    assert ran(run) == 1
    assert row(run, "fees:ledger-test") == "ran never ran over 2026-03-01..2026-03-31"


def test_close_records_its_fee_stage_and_itself(db: Path) -> None:
    printed = invoke("close", *MARCH, *BOOK, "--db", str(db))
    assert "close ledger-test 2026-03-01 – 2026-03-31" in printed
    assert "fee lines were missing: the fee stage ran first" in printed
    assert [s for s, _, _ in stage_runs(db)] == ["fees:ledger-test", "close:ledger-test"]
    run = invoke("run", *MARCH, *BOOK, "--db", str(db), "--only", "fees", "--only", "close")
    assert ran(run) == 0
    assert run.count("fresh: inputs unchanged since its run at") == 2


def test_score_and_rings_are_recorded_and_found_fresh(db: Path) -> None:
    score = "douyin-score-2026-07"
    printed = invoke(
        "score", "--rulebook", score, "--date", "2026-03-01", "--to", "2026-03-31", "--db", str(db)
    )
    assert f"{score} (" in printed
    assert "Top and bottom shops on 2026-03-31" in printed
    rings = invoke("risk", "rings", "--db", str(db))
    assert "flagged rings" in rings
    assert [s for s, _, _ in stage_runs(db)] == [f"score:{score}", "risk:rings"]
    run = invoke("run", *MARCH, *BOOK, "--db", str(db), "--only", "score", "--only", "risk:rings")
    assert row(run, f"score:{score}").startswith("skipped fresh: inputs unchanged")
    assert row(run, "risk:rings").startswith("skipped fresh: inputs unchanged")
    assert ran(run) == 0
