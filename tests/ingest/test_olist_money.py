"""Olist figures are Brazilian reais: the commands print R$, never ¥."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from tests.conftest import shared_data_path


@pytest.mark.shared_data
@pytest.mark.slow
def test_fee_figures_of_olist_sellers_print_in_reais(tmp_path: Path) -> None:
    sample = shared_data_path("olist", "sample_8k_orders")
    db = str(tmp_path / "olist.duckdb")
    runner = CliRunner()
    ingested = runner.invoke(
        app, ["ingest", str(sample), "--format", "olist", "--db", db, "--no-progress"]
    )
    assert ingested.exit_code == 0, ingested.output
    fees = runner.invoke(
        app,
        [
            *("fees", "--rulebook", "douyin-2026"),
            *("--from", "2018-01-01", "--to", "2018-01-31", "--db", db),
        ],
    )
    assert fees.exit_code == 0, fees.output
    assert "R$" in fees.output
    assert "¥" not in fees.output
