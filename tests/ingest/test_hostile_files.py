"""Hostile files and options around the ingest: the warehouse file, the quarantine file,
and the share of bad rows. Through the real command (a subprocess): exit codes matter."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.ingest.dataset import Rows, write_csv


def _ingest(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "merchantry.cli.main", "ingest", *args, "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    return " ".join((result.stdout + result.stderr).split())


def _stored(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(found[0]) if found else 0
    finally:
        con.close()


def test_a_db_that_is_not_a_duckdb_file_is_refused_and_left_alone(valid_dir: Path, tmp_path: Path):
    db = tmp_path / "notes.duckdb"
    db.write_text("my notes, not a warehouse\n", encoding="utf-8")
    result = _ingest(str(valid_dir), "--db", str(db))
    assert result.returncode == 2, result.stderr
    assert "is not a DuckDB warehouse file" in _one_line(result)
    assert "Traceback" not in result.stderr
    assert db.read_text(encoding="utf-8") == "my notes, not a warehouse\n"


def test_a_db_in_a_missing_folder_is_refused_without_creating_it(valid_dir: Path, tmp_path: Path):
    db = tmp_path / "no" / "such" / "w.duckdb"
    result = _ingest(str(valid_dir), "--db", str(db))
    assert result.returncode == 3  # not found (docs/cli.md)
    assert "does not exist" in _one_line(result)
    assert not (tmp_path / "no").exists()


def test_a_quarantine_file_that_cannot_be_written_stops_before_anything_is_committed(
    valid_dir: Path, tmp_path: Path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    db = tmp_path / "w.duckdb"
    for target in (blocker / "q.csv", tmp_path):  # under a file; a folder
        result = _ingest(str(valid_dir), "--db", str(db), "--quarantine-file", str(target))
        assert result.returncode == 2, result.stdout
        assert "quarantine" in _one_line(result)
        assert "Traceback" not in result.stderr
        assert _stored(db, "orders") == 0


def _bad_creators(directory: Path, rows: Rows) -> None:
    for row in rows:
        row["followers"] = "many"
    write_csv(directory / "creators.csv", "creators", rows)


def test_a_file_with_too_many_bad_rows_commits_nothing_and_exits_1(
    valid_dir: Path, tmp_path: Path, base: dict[str, Rows]
):
    _bad_creators(valid_dir, base["creators"])
    db, qfile = tmp_path / "w.duckdb", tmp_path / "q" / "quarantine.csv"
    result = _ingest(str(valid_dir), "--db", str(db), "--quarantine-file", str(qfile))
    text = _one_line(result)
    assert result.returncode == 1, text
    assert "creators.csv" in text
    assert "above --max-bad-share 0.5" in text
    assert "nothing was ingested" in text
    assert _stored(db, "orders") == 0
    assert _stored(db, "quarantine") == 0
    with qfile.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {(Path(r["source_file"]).name, r["row_number"], r["reason"]) for r in rows} >= {
        ("creators.csv", "1", "bad_integer")
    }

    accepted = _ingest(str(valid_dir), "--db", str(db), "--max-bad-share", "1")
    assert accepted.returncode == 0, _one_line(accepted)
    assert _stored(db, "orders") > 0


def test_max_bad_share_out_of_range_is_a_usage_error(valid_dir: Path, tmp_path: Path):
    result = _ingest(str(valid_dir), "--db", str(tmp_path / "w.duckdb"), "--max-bad-share", "2")
    assert result.returncode == 2
    assert "max-bad-share" in _one_line(result)


def test_every_quarantined_row_reaches_the_quarantine_file(
    valid_dir: Path, tmp_path: Path, base: dict[str, Rows]
):
    base["orders"][0]["quantity"] = "1.5"
    write_csv(valid_dir / "orders.csv", "orders", base["orders"])
    db, qfile = tmp_path / "w.duckdb", tmp_path / "quarantine.csv"
    result = _ingest(str(valid_dir), "--db", str(db), "--quarantine-file", str(qfile))
    assert result.returncode == 0, _one_line(result)
    with qfile.open(encoding="utf-8") as fh:
        in_file = len(list(csv.DictReader(fh)))
    assert in_file == _stored(db, "quarantine") > 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_entries_not_read_are_each_named_with_why(valid_dir: Path, tmp_path: Path):
    """The generator's truth folder is named as ground truth left out on purpose (not an
    unknown file); another folder and a stray file are reported, each with its own reason
    (never silently skipped, never a folder called a file name)."""
    (valid_dir / "truth").mkdir(exist_ok=True)
    (valid_dir / "archive").mkdir()
    (valid_dir / "notes.txt").write_text("hello", encoding="utf-8")
    result = _ingest(str(valid_dir), "--db", str(tmp_path / "w.duckdb"))
    assert result.returncode == 0, _one_line(result)
    said = _one_line(result)
    assert f"note {valid_dir / 'truth'}: ground truth written by `merchantry generate`" in said
    assert f"unknown file {valid_dir / 'truth'}" not in said
    assert f"{valid_dir / 'archive'}: a folder: ingest reads the files of one folder" in said
    assert f"{valid_dir / 'notes.txt'}: file name names no table" in said
