"""``merchantry ingest`` prints the counts and exits non-zero only for unreadable input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app


def test_ingest_prints_read_accepted_quarantined(valid_dir: Path, tmp_path: Path):
    result = CliRunner().invoke(
        app, ["ingest", str(valid_dir), "--db", str(tmp_path / "w.duckdb"), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    assert "logistics_events" in result.output
    assert "quarantined" in result.output


def test_unreadable_input_exits_non_zero_naming_the_file(valid_dir: Path, tmp_path: Path):
    (valid_dir / "orders-00002.parquet").write_bytes(b"not parquet")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "merchantry.cli.main",
            "ingest",
            str(valid_dir),
            "--db",
            str(tmp_path / "w.duckdb"),
            "--no-progress",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "orders-00002.parquet" in result.stderr.replace("\n", "")
