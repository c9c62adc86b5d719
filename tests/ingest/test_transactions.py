"""Re-ingesting changes nothing, and a killed ingest leaves the warehouse as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from merchantry.ingest import ingest_dir
from merchantry.model.tables import TABLES
from merchantry.store.warehouse import connect
from tests.ingest.conftest import quarantined
from tests.ingest.dataset import Rows, write_csv, write_dataset_csv

BOOKS = ("quarantine", "ingest_files")


def snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every event table and of ingestion's own tables, sorted."""
    names = [t.name for t in TABLES] + list(BOOKS)
    return {name: sorted(con.table(name).fetchall(), key=repr) for name in names}


def test_ingesting_the_same_files_again_adds_nothing(
    warehouse: duckdb.DuckDBPyConnection, valid_dir: Path
):
    first = ingest_dir(warehouse, valid_dir, progress=False)
    before = snapshot(warehouse)
    again = ingest_dir(warehouse, valid_dir, progress=False)
    assert again.files == ()
    assert len(again.skipped) == len(first.files)
    assert all("already ingested" in s.reason for s in again.skipped)
    assert snapshot(warehouse) == before


def test_a_new_file_with_stored_rows_quarantines_them_as_duplicates(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    ingest_dir(warehouse, write_dataset_csv(tmp_path / "first", base), progress=False)
    second = tmp_path / "second"
    second.mkdir()
    # Same orders, different bytes (reversed order), so the file is not skipped as known.
    write_csv(second / "orders-00002.csv", "orders", base["orders"][::-1])
    report = ingest_dir(warehouse, second, progress=False)
    assert (report.table("orders").accepted, report.table("orders").quarantined) == (0, 4)
    assert {q[3] for q in quarantined(warehouse)} == {"duplicate_in_warehouse"}
    assert warehouse.execute("SELECT count(*) FROM orders").fetchall() == [(4,)]


_CHILD = """
import sys, time
from pathlib import Path
import merchantry.ingest.pipeline as pipeline
from merchantry.store.warehouse import connect

real = pipeline.load_table
calls = []

def slow_load_table(*args, **kwargs):
    result = real(*args, **kwargs)
    calls.append(1)
    if len(calls) == 3:  # categories, shops, products are inserted: now die
        Path(sys.argv[3]).write_text("mid-ingest")
        time.sleep(60)
    return result

pipeline.load_table = slow_load_table
con = connect(sys.argv[1])
pipeline.ingest_dir(con, sys.argv[2], progress=False)
"""


def test_a_killed_ingest_leaves_the_warehouse_unchanged(tmp_path: Path, base: dict[str, Rows]):
    db = tmp_path / "w.duckdb"
    first = {k: base[k] for k in ("categories", "shops")}
    con = connect(db)
    ingest_dir(con, write_dataset_csv(tmp_path / "first", first), progress=False)
    before = snapshot(con)
    con.close()

    more = dict(base)
    more["categories"] = [dict(base["categories"][1], category_id="c9")]
    more["shops"] = [dict(base["shops"][0], shop_id="s9")]
    marker = tmp_path / "marker"
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(_CHILD), encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    child = subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(db),
            str(write_dataset_csv(tmp_path / "more", more)),
            str(marker),
        ],
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert child.poll() is None, "the child ingest ended before it could be killed"
            assert time.monotonic() < deadline, "the child ingest never reached mid-point"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL

    con = connect(db)
    try:
        assert snapshot(con) == before
    finally:
        con.close()
