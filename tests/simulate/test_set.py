"""`--set NAME=VALUE` what-ifs and the rulebook content check, through the real command line.

* `simulate --set` changes a parameter of the candidate (filed under a derived name, so the
  original's results are untouched) or a simulator setting; the figures equal those of the
  same change written into a rulebook by hand;
* a name that is not a parameter is an error with did-you-mean, before anything runs;
* `merchantry fees` alone refuses what the simulator refuses: two different rulebooks of one
  name, and other content than the fee lines stored under a name (unless `--replace`).
"""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner, Result

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from merchantry.rulebook.library import shipped_dir
from merchantry.store.warehouse import connect
from tests.simulate.test_money_and_identity import (
    MARCH,
    ORDER_FEN,
    ORDERS,
    cash,
    effects,
    fee_line_count,
    half_up,
    simulate,
    world,
)

__all__ = ["world"]  # the fixture, shared


def parametrised(rules: Path, name: str = "settle-param", days: int = 3) -> Path:
    """A candidate whose settlement days are a parameter (3 days, as the baseline)."""
    path = rules / f"{name}.yaml"
    path.write_text(
        f"rulebook: {name}\ntitle: Candidate with a parameter\neffective: {{from: 2020-01-01}}\n"
        "extends: ledger-test\n"
        "parameters:\n"
        f"  settle_days:\n    value: {days}\n    title: Days after receipt\n"
        "    assumption: true\n    note: test\n"
        "rules:\n"
        "  - id: settle.default\n    title: Orders settle after the set days\n"
        "    effect: {kind: settlement_days, days: settle_days}\n    override: true\n"
        "    assumption: true\n    note: test\n",
        encoding="utf-8",
    )
    return path


def candidates(db: Path) -> list[str]:
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT candidate FROM sim_runs").fetchall()
        return [str(r[0]) for r in rows]
    finally:
        con.close()


def test_set_changes_a_candidate_parameter_under_its_own_name(world) -> None:
    db, rules = world
    parametrised(rules)
    result = simulate(db, rules, "settle-param", "--set", "settle_days=1")
    assert result.exit_code == 0, result.output
    [derived] = candidates(db)
    assert derived.startswith("settle-param-set-")
    assert f"filed as {derived}" in " ".join(result.output.split())
    # the same figure as settling in 1 day instead of 3, hand-computed
    expected = cash(ORDERS * ORDER_FEN * 3) - cash(ORDERS * ORDER_FEN * 1)
    assert effects(db, derived)["settlement_cash_flow"][0] == expected
    assert fee_line_count(db, "settle-param") == 0  # the original's name is untouched

    again = simulate(db, rules, "settle-param", "--set", "settle_days=1")
    assert again.exit_code == 0, again.output
    assert candidates(db) == [derived]  # the same settings, the same name


def test_set_changes_a_simulator_setting(world) -> None:
    db, rules = world
    parametrised(rules, days=1)
    result = simulate(db, rules, "settle-param", "--set", "cash_rate_bp=600")
    assert result.exit_code == 0, result.output
    expected = half_up(ORDERS * ORDER_FEN * 3 * 600, 3_650_000) - half_up(
        ORDERS * ORDER_FEN * 600, 3_650_000
    )
    assert effects(db, "settle-param")["settlement_cash_flow"][0] == expected


def test_an_unknown_name_is_refused_with_did_you_mean(world) -> None:
    db, rules = world
    parametrised(rules)
    result = simulate(db, rules, "settle-param", "--set", "settle_dayz=1")
    assert result.exit_code == ExitCode.INPUT, result.output
    out = " ".join(result.output.split())
    assert "has no parameter 'settle_dayz'" in out
    assert "did you mean 'settle_days'?" in out
    assert fee_line_count(db, "ledger-test") == 0  # refused before anything ran
    nothing_close = simulate(db, rules, "settle-param", "--set", "zzz=1")
    assert nothing_close.exit_code == ExitCode.INPUT
    assert "settle_days" in nothing_close.output  # lists what exists
    assert "cash_rate_bp" in nothing_close.output


def test_a_value_no_stage_can_use_is_refused_before_anything_runs(world) -> None:
    """The deposit review day is read by the close: the 0th of a month does not exist, so
    `--set deposit_review_day=0` is refused naming the range, not in a derived file's name."""
    db, rules = world
    book = rules / "review-param.yaml"
    book.write_text(
        "rulebook: review-param\ntitle: Candidate with a review day\n"
        "effective: {from: 2020-01-01}\nextends: ledger-test\n"
        "parameters:\n  deposit_review_day:\n    value: 8\n    assumption: true\n"
        "    note: test\n",
        encoding="utf-8",
    )
    result = simulate(db, rules, "review-param", "--set", "deposit_review_day=0")
    assert result.exit_code == ExitCode.INPUT, result.output
    out = " ".join(result.output.split())
    assert "--set: review-param, parameter deposit_review_day is 0" in out
    assert "is 1 to 28" in out
    assert "merchantry-set-" not in out  # no temporary file's name
    assert fee_line_count(db, "ledger-test") == 0


def test_a_value_a_rule_cannot_take_is_refused_naming_the_set_value(world) -> None:
    """settle_days feeds a rule's `days`: -2 fails the rule's check. The refusal names the
    --set value, not the parent's line nor the temporary what-if file, and nothing runs."""
    db, rules = world
    parametrised(rules)
    result = simulate(db, rules, "settle-param", "--set", "settle_days=-2")
    assert result.exit_code == ExitCode.INPUT, result.output
    out = " ".join(result.output.split())
    assert "--set settle_days=-2: settle-param would not pass its checks" in out
    assert "settle.default" in out
    assert "merchantry-set-" not in out
    assert "filed as" not in out
    assert fee_line_count(db, "ledger-test") == 0


def test_a_value_that_is_not_a_whole_number_is_refused(world) -> None:
    db, rules = world
    parametrised(rules)
    for bad in ("settle_days=1.5", "settle_days", "=3"):
        result = simulate(db, rules, "settle-param", "--set", bad)
        assert result.exit_code == ExitCode.INPUT, (bad, result.output)
        assert "--set" in result.output


def fees(db: Path, *extra: str) -> Result:
    return CliRunner().invoke(
        app, ["fees", *MARCH, "--db", str(db), *extra], env={"COLUMNS": "250"}
    )


def test_fees_alone_refuses_two_different_rulebooks_of_one_name(world, tmp_path: Path) -> None:
    db, _ = world
    mine = tmp_path / "mine"
    mine.mkdir()
    shipped = (shipped_dir() / "douyin-2026.yaml").read_text(encoding="utf-8")
    (mine / "douyin-2026.yaml").write_text(
        shipped.replace("value: 60", "value: 50", 1), encoding="utf-8"
    )
    result = fees(db, "--rulebook", "douyin-2026", "--rulebook-dir", str(mine))
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "two different rulebooks are named 'douyin-2026'" in result.output
    assert fee_line_count(db, "douyin-2026") == 0


def test_fees_alone_refuses_other_content_under_a_stored_name(world, tmp_path: Path) -> None:
    db, _ = world
    mine = tmp_path / "mine"
    mine.mkdir()
    shipped = (shipped_dir() / "douyin-2026.yaml").read_text(encoding="utf-8")
    path = mine / "my-fees.yaml"
    path.write_text(shipped.replace("rulebook: douyin-2026", "rulebook: my-fees"), "utf-8")
    first = fees(db, "--rulebook", "my-fees", "--rulebook-dir", str(mine))
    assert first.exit_code == 0, first.output
    stored = fee_line_count(db, "my-fees")
    assert stored > 0
    path.write_text(path.read_text("utf-8").replace("value: 60", "value: 50", 1), "utf-8")

    refused = fees(db, "--rulebook", "my-fees", "--rulebook-dir", str(mine))
    assert refused.exit_code == ExitCode.CONFLICT, refused.output
    out = " ".join(refused.output.split())
    assert "rulebook 'my-fees' is not the one whose fee lines the warehouse holds" in out
    assert "--replace" in out
    assert fee_line_count(db, "my-fees") == stored

    replaced = fees(db, "--rulebook", "my-fees", "--rulebook-dir", str(mine), "--replace")
    assert replaced.exit_code == 0, replaced.output


def test_fees_set_prices_a_what_if_and_refuses_an_unknown_name(world) -> None:
    db, _ = world
    wrong = fees(db, "--rulebook", "douyin-2026", "--set", "chengfang_rate=50")
    assert wrong.exit_code == ExitCode.INPUT, wrong.output
    assert "did you mean 'chengfang_rate_bp'?" in " ".join(wrong.output.split())
    assert fee_line_count(db, "douyin-2026") == 0

    result = fees(db, "--rulebook", "douyin-2026", "--set", "chengfang_rate_bp=50")
    assert result.exit_code == 0, result.output
    assert fee_line_count(db, "douyin-2026") == 0
    con = connect(db, read_only=True)
    try:
        rows = con.execute("SELECT DISTINCT rulebook FROM fee_lines").fetchall()
        names = [str(r[0]) for r in rows]
    finally:
        con.close()
    assert len(names) == 1
    assert names[0].startswith("douyin-2026-set-")
