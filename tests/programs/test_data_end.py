"""A programme run never measures, nor grants a reward on, a day the warehouse has no data for:
a period after the data's last day is refused naming it, and one that runs past it is cut
there and says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from tests.programs.factories import orders, rows, shop, signup

BELTS = "douyin-2026-industry-belts"


def run(db: Path, start: str, end: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["programs", "run", "--from", start, "--to", end, "--db", str(db), "--program", BELTS],
        env={"COLUMNS": "250"},
    )
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def stored(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (
            rows(con, "SELECT * FROM program_tasks ORDER BY ALL"),
            rows(con, "SELECT * FROM program_rewards ORDER BY ALL"),
        )
    finally:
        con.close()


def test_a_period_after_the_data_is_refused_and_one_past_it_is_cut(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    shop(con, "BELT", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "BELT", BELTS, date(2026, 3, 1))
    orders(con, "BELT", date(2026, 3, 2), 20, scene="live", shipped_after_hours=5)
    (last,) = con.execute(
        "SELECT CAST(greatest((SELECT max(paid_at) FROM orders), "
        "(SELECT max(event_at) FROM logistics_events)) AS DATE)"
    ).fetchone() or (None,)
    con.close()
    db = tmp_path / "w.duckdb"
    code, out = run(db, "2026-03-01", str(last))
    assert code == ExitCode.OK, out
    assert f"from its start through {last}" in out
    before = stored(db)
    assert before[1], "the belt programme granted its rewards"

    code, out = run(db, "2030-01-01", "2030-01-05")
    assert code == ExitCode.INPUT, out
    assert f"after the data's last day, {last}" in out
    assert stored(db) == before

    code, out = run(db, "2026-03-01", "2030-01-05")
    assert code == ExitCode.OK, out
    assert f"the data ends on {last}" in out
    assert "reward postings for rewards granted 2026-03-01..2030-01-05" in out
    assert stored(db) == before  # nothing measured, nor granted, past the data
    granted = [r[10] for r in before[1]]
    assert all(isinstance(d, date) and d <= last for d in granted)
    assert isinstance(last, date)
