"""`merchantry generate` on the command line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app


def test_generate_writes_every_table_and_reports_rows(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "--shops",
            "10",
            "--days",
            "2",
            "--seed",
            "4",
            "--out",
            str(tmp_path),
            "--format",
            "csv",
            "--start",
            "2026-11-01",
            "--orders-per-shop-day",
            "5",
        ],
    )

    assert result.exit_code == 0, result.output
    assert (tmp_path / "orders.csv").exists()
    assert (tmp_path / "truth" / "refund_rings.csv").exists()
    assert "orders" in result.output
    with (tmp_path / "orders.csv").open(encoding="utf-8") as fh:
        fh.readline()
        assert "2026-11-0" in fh.readline()


def test_a_bad_format_is_refused_with_the_allowed_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["generate", "--shops", "5", "--days", "1", "--out", str(tmp_path), "--format", "xml"]
    )

    assert result.exit_code != 0
    assert all(f"'{name}'" in result.output for name in ("parquet", "csv", "jsonl"))
