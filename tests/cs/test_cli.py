"""`merchantry cs …` end to end on the generated marketplace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.cs.rules import shipped_rules_dir

runner = CliRunner()


def test_check_passes_the_shipped_rulebook_and_names_a_bad_line(tmp_path: Path) -> None:
    shipped = shipped_rules_dir() / "cs-routing-2026.yaml"
    ok = runner.invoke(app, ["cs", "check", str(shipped)])
    assert ok.exit_code == 0, ok.output
    assert "0 problem(s)" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        shipped.read_text(encoding="utf-8").replace("skills: any", "skills: some", 1),
        encoding="utf-8",
    )
    refused = runner.invoke(app, ["cs", "check", str(bad)])
    assert refused.exit_code == 1
    line = next(
        i
        for i, t in enumerate(bad.read_text(encoding="utf-8").splitlines(), 1)
        if "skills: some" in t
    )
    assert f"{bad}:{line}" in refused.output
    assert "bad-skill-mode" in refused.output


@pytest.mark.slow
def test_route_prints_the_decision_as_json(market: Path) -> None:
    result = runner.invoke(
        app,
        [
            "cs",
            "route",
            "--shop",
            "S000003",
            "--intent",
            "presale",
            "--at",
            "2026-11-10 14:00",
            "--waited",
            "50",
            "--json",
            "--db",
            str(market),
        ],
    )
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["step_id"] in ("step.partial", "step.any")
    assert [r["from"] for r in decision["relaxations"]][:2] == ["step.certified", "step.skilled"]
    assert decision["agent_id"].startswith("S000003-kf")


@pytest.mark.slow
def test_route_refuses_an_unknown_intent_and_shop(market: Path) -> None:
    result = runner.invoke(
        app,
        [
            "cs",
            "route",
            "--shop",
            "S000003",
            "--intent",
            "chitchat",
            "--at",
            "2026-11-10 14:00",
            "--db",
            str(market),
        ],
    )
    assert result.exit_code == 2
    assert "--intent must be one of" in result.output
    result = runner.invoke(
        app,
        [
            "cs",
            "route",
            "--shop",
            "S999",
            "--intent",
            "presale",
            "--at",
            "2026-11-10 14:00",
            "--db",
            str(market),
        ],
    )
    assert result.exit_code == 3


@pytest.mark.slow
def test_staffing_direct_and_from_history(market: Path) -> None:
    direct = runner.invoke(
        app, ["cs", "staffing", "--rate", "120", "--aht", "240"], env={"COLUMNS": "200"}
    )
    assert direct.exit_code == 0, direct.output
    assert "│      11 │" in direct.output or " 11 " in direct.output
    history = runner.invoke(
        app,
        [
            "cs",
            "staffing",
            "--shop",
            "S000003",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--db",
            str(market),
        ],
        env={"COLUMNS": "200"},
    )
    assert history.exit_code == 0, history.output
    assert "need." in history.output


@pytest.mark.slow
def test_replay_certifications_ask_and_evaluate(market: Path) -> None:
    replay = runner.invoke(
        app,
        ["cs", "replay", "--from", "2026-10-01", "--to", "2026-10-10", "--db", str(market)],
        env={"COLUMNS": "200"},
    )
    assert replay.exit_code == 0, replay.output
    for word in (
        "recorded",
        "round_robin",
        "rulebook",
        "response_3min_rate",
        "dissatisfaction_rate",
    ):
        assert word in replay.output
    checks = runner.invoke(
        app,
        ["cs", "certifications", "--from", "2026-10-01", "--to", "2026-11-19", "--db", str(market)],
        env={"COLUMNS": "200"},
    )
    assert checks.exit_code == 0, checks.output
    assert "check(s)" in checks.output
    asked = runner.invoke(
        app, ["cs", "ask", "--shop", "S000003", "--json", "我要投诉", "--db", str(market)]
    )
    assert asked.exit_code == 0, asked.output
    body = json.loads(asked.output)
    assert body["handoff"]["reason"] == "complaint"
    assert body["handoff"]["agent_id"].startswith("S000003-kf")
