"""`merchantry risk …` on the generated market: rings, train, score, cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from tests.risk.conftest import Market

pytestmark = pytest.mark.slow


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def test_rings_train_score_and_cases(market: Market, tmp_path: Path):
    db = str(market.db)
    out = invoke("risk", "rings", "--db", db, "--truth", str(market.truth))
    assert "ring precision 1.000 recall 1.000" in out
    model = tmp_path / "m.pkl"
    out = invoke("risk", "train", "--db", db, "--truth", str(market.truth), "--out", str(model))
    assert "rules + model" in out
    assert model.is_file()
    out = invoke("risk", "score", "--db", db, "--model", str(model))
    assert "拦截 / Intercept" in out
    store = f"sqlite:///{tmp_path / 'risk.sqlite'}"
    assert "new cases" in invoke("risk", "cases", "open", "--db", db, "--store", store)
    listing = invoke("risk", "cases", "list", "--store", store, "--state", "open")
    assert "售后申请 / After-sales request" in listing
    assert "no cases" in invoke("risk", "cases", "list", "--store", store, "--shop", "S999999")


def test_moving_a_case_the_wrong_way_is_a_clean_error(market: Market, tmp_path: Path):
    store = f"sqlite:///{tmp_path / 'risk.sqlite'}"
    result = CliRunner().invoke(
        app,
        ["risk", "cases", "move", "RC-missing", "--to", "upheld", "--note", "x", "--store", store],
    )
    assert result.exit_code != 0
