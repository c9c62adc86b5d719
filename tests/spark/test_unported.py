"""Stages not carried to Spark yet are refused by the check itself, naming what blocks them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode, InputError
from merchantry.spark.engine import SparkEngine, parse_engine
from merchantry.spark.session import SparkUnavailable, java_missing, start
from merchantry.spark.unported import refuse, stage_problems


def test_the_close_is_refused_naming_its_struct_list_legs() -> None:
    problems = "\n".join(stage_problems("close"))
    # the static scan sees the sales legs' placeholder and the macro's lone struct; the
    # zero-leg filter and the numbered unnest are carried (merchantry.spark.legs)
    assert "ledger.postings.STAGE_SALES: ARRAY, STRUCT" in problems
    assert "ledger.journal.LEG_MACRO: STRUCT" in problems
    assert "READY" not in problems
    assert "INSERT_POSTINGS" not in problems


def test_the_close_refusal_sees_through_its_macros() -> None:
    """The routing macros are expanded into plain SQL, so the check names what their
    bodies use (nothing) instead of refusing an unknown function."""
    problems = "\n".join(stage_problems("close"))
    for macro in ("ledger_merchant", "ledger_creator", "ledger_colonel", "ledger_role"):
        assert f"function {macro}" not in problems
    assert "ROUTING_MACROS" not in problems
    assert "function ledger_leg" not in problems  # expanded: named by its STRUCT


def test_the_close_has_no_arbitrary_row_choice_left() -> None:
    """``any_value``, ``arg_max`` and ``DISTINCT ON`` were rewritten with a total order."""
    problems = "\n".join(stage_problems("close"))
    for construct in ("ANYVALUE", "ARGMAX", "ARGMIN", "DISTINCT ON", "FIRST", "LAST"):
        assert construct not in problems
    assert "deposits.EXPERIENCE_IN_FORCE" not in problems
    assert "overturns.DUE" not in problems


def test_the_close_refusal_covers_the_seeding_legs() -> None:
    problems = "\n".join(stage_problems("close"))
    assert "ledger.seeding.STAGE_PAYOUTS" not in problems  # a list of struct legs: carried
    assert "ledger.seeding.STAGE_CLAWBACKS" not in problems


@pytest.mark.parametrize(
    ("args", "stage"),
    [
        (["close", "--from", "2026-03-01", "--to", "2026-03-02"], "close"),
    ],
)
def test_commands_refuse_a_spark_engine_before_opening_anything(
    tmp_path: Path, args: list[str], stage: str
) -> None:
    db = tmp_path / "absent.duckdb"
    result = CliRunner().invoke(app, [*args, "--db", str(db), "--engine", "spark"])
    assert result.exit_code == ExitCode.PROBLEMS_FOUND, result.output
    assert f"the {stage} stage (not carried to Spark yet" in result.output
    assert str(refuse(stage)).splitlines()[1].strip() in result.output
    assert not db.exists()


def test_missing_java_is_named_with_the_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    reason = java_missing()
    assert reason is not None
    assert "scripts/ensure-system-packages.sh" in reason
    with pytest.raises(SparkUnavailable, match="Java"):
        start("local[1]")


def test_engine_values() -> None:
    assert parse_engine("duckdb") is None
    assert parse_engine("spark") == SparkEngine(master="local[2]")
    cluster = parse_engine("spark://head:7077")
    assert cluster is not None
    assert cluster.master == "spark://head:7077"
    with pytest.raises(InputError, match="--spark-tables and --spark-out need"):
        parse_engine("duckdb", tables=Path("tables"))
