"""`merchantry seeding check | run | report`: refusals with one clear line, never a traceback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from merchantry.seeding.rules import shipped_rules_dir
from tests.seeding.factories import DAY, two_shop_market


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_check_accepts_the_shipped_rulebook() -> None:
    code, out = run("seeding", "check", str(shipped_rules_dir() / "seeding-2026.yaml"))
    assert code == 0
    assert "ok (seeding-2026" in out


def test_check_names_the_line_of_each_problem(tmp_path: Path) -> None:
    text = (shipped_rules_dir() / "seeding-2026.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("value: last_touch", "value: middle_touch"), encoding="utf-8")
    line = next(
        i
        for i, row in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1)
        if "middle_touch" in row
    )
    code, out = run("seeding", "check", str(bad))
    assert code == ExitCode.PROBLEMS_FOUND
    assert f"{bad}:{line}" in out
    assert "middle_touch" in out
    assert "Traceback" not in out


def test_swapped_period_and_unknown_rulebook_are_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "w.duckdb")
    code, out = run("seeding", "run", "--from", "2026-10-05", "--to", "2026-10-01", "--db", db)
    assert code == ExitCode.INPUT
    assert "swap" in out
    code, out = run(
        "seeding",
        "run",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-05",
        "--rulebook",
        "nope",
        "--db",
        db,
    )
    assert code == ExitCode.NOT_FOUND
    assert "seeding-2026" in out


def test_a_report_of_days_with_nothing_attributed_says_why(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    two_shop_market(db)
    day = DAY.isoformat()
    args = ("seeding", "report", "--db", str(db), "--from")
    code, out = run(*args, "2024-01-01", "--to", "2024-01-03")
    assert code == 0, out
    assert "2024-01-01..2024-01-03" in out
    assert f"paid {day}..{day}" in out
    assert "reads 0" in out
    code, out = run(*args, (DAY - timedelta(days=2)).isoformat(), "--to", day)
    assert code == 0, out
    assert f"paid {day}..{day}: the days of" in out
    code, out = run(*args, day, "--to", day)
    assert code == 0, out
    assert "note:" not in out
    assert "¥400.00" in out  # O1 + O3 + O4 attributed, O2 dropped for its refund
    # A rulebook of another name never ran here: every day reads 0, and the note says so.
    other = tmp_path / "seeding-trial.yaml"
    text = (shipped_rules_dir() / "seeding-2026.yaml").read_text(encoding="utf-8")
    other.write_text(text.replace("name: seeding-2026", "name: seeding-trial"), encoding="utf-8")
    code, out = run(*args, day, "--to", day, "--rulebook", str(other))
    assert code == 0, out
    assert "no order has been attributed under seeding-trial" in out
