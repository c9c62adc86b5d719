"""``merchantry ingest`` prints the counts and exits non-zero only for unreadable input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.model.tables import TABLES


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


def test_a_quarantine_file_that_is_a_pipe_is_written_not_replaced(valid_dir: Path, tmp_path: Path):
    """``--quarantine-file /dev/null`` (or any device or pipe) is written in place: moving the
    finished file over it would replace the device itself. A FIFO stands in for /dev/null."""
    import os
    import stat
    import threading

    pipe = tmp_path / "quarantine.pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = CliRunner().invoke(
        app,
        [
            "ingest",
            str(valid_dir),
            "--db",
            str(tmp_path / "w.duckdb"),
            "--quarantine-file",
            str(pipe),
            "--no-progress",
        ],
    )
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(pipe.stat().st_mode)  # still the pipe, not a regular file
    assert received
    assert received[0].startswith(b"ingest_id")


def test_one_file_at_a_time_loads_what_its_folder_loads(valid_dir: Path, tmp_path: Path):
    """`merchantry ingest orders.csv` reads the one file as a folder holding only it: the
    folder's files given one by one, parents first, leave each table as the folder does."""
    order = {t.name: i for i, t in enumerate(TABLES)}
    files = sorted(valid_dir.iterdir(), key=lambda p: order[p.name.split(".")[0].split("-")[0]])
    assert len(files) > 5
    whole, singly = tmp_path / "whole.duckdb", tmp_path / "singly.duckdb"
    said = CliRunner().invoke(app, ["ingest", str(valid_dir), "--db", str(whole), "--no-progress"])
    assert said.exit_code == 0, said.output
    for path in files:
        said = CliRunner().invoke(app, ["ingest", str(path), "--db", str(singly), "--no-progress"])
        assert said.exit_code == 0, (path, said.output)
        assert path.name in said.output or "accepted" in said.output
    con = duckdb.connect(str(whole))
    try:
        con.execute(f"ATTACH '{singly}' AS singly (READ_ONLY)")
        for t in TABLES:
            columns = ", ".join(f'"{c.name}"' for c in t.columns)
            rows = con.execute(f"SELECT count(*) FROM {t.name}").fetchone()
            differ = con.execute(
                f"SELECT count(*) FROM ((SELECT {columns} FROM {t.name} EXCEPT ALL "
                f"SELECT {columns} FROM singly.{t.name}) UNION ALL (SELECT {columns} FROM "
                f"singly.{t.name} EXCEPT ALL SELECT {columns} FROM {t.name}))"
            ).fetchone()
            assert differ == (0,), (t.name, rows, differ)
        accepted = con.execute("SELECT count(*) FROM orders").fetchone()
        assert accepted is not None
        assert accepted[0] > 0
    finally:
        con.close()
