"""One writer, published snapshots, and the clear error a locked warehouse gives.

A real second process holds the warehouse file open for writing (DuckDB then lets
no other process open it); this process must get ``WarehouseLocked`` naming that
process and its command line, the CLI a one-line error and no traceback, and
readers the last published snapshot.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from merchantry.kit.errors import NotFound
from merchantry.service.snapshot import (
    SnapshotReader,
    current_snapshot,
    open_snapshot,
    publish_snapshot,
    snapshot_dir,
)
from merchantry.store.warehouse import WarehouseLocked, connect

HOLD = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE IF NOT EXISTS held (x INTEGER)")
print("holding", flush=True)
time.sleep(120)
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    con = connect(path)
    con.execute(
        "INSERT INTO shops (shop_id, name, industry, main_category_id, store_type,"
        " opened_date, region, county_code, entry_plan, business_mode) VALUES"
        " ('S1', 'a', 'apparel', 'C1', 'enterprise', DATE '2024-01-01', '浙江', '330106',"
        " 'standard', 'domestic')"
    )
    con.close()
    return path


@pytest.fixture
def holder(db: Path) -> Iterator[subprocess.Popen[str]]:
    """A second process holding the warehouse for writing, marked with a recognisable argv."""
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), "--marker-for-test"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "holding"
    yield proc
    proc.kill()
    proc.wait()
    proc.stdout.close()


def shops(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM shops").fetchone()
    return int(row[0]) if row else -1


def test_a_locked_warehouse_names_the_process_that_holds_it(
    db: Path, holder: subprocess.Popen[str]
) -> None:
    for read_only in (False, True):
        with pytest.raises(WarehouseLocked) as caught:
            connect(db, read_only=read_only)
        assert caught.value.pid == holder.pid
        assert "--marker-for-test" in caught.value.holder
        assert f"process {holder.pid} (" in str(caught.value)
        assert "one process write" in str(caught.value)


def test_the_cli_says_so_in_one_line_without_a_traceback(
    db: Path, holder: subprocess.Popen[str]
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "merchantry.cli.main", "ledger-check", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == WarehouseLocked.exit_code
    assert "Traceback" not in done.stderr + done.stdout
    assert f"is in use by process {holder.pid}" in " ".join(done.stderr.split())


def test_readers_read_the_published_snapshot_while_a_writer_holds_the_file(db: Path) -> None:
    first = publish_snapshot(db)
    assert first == snapshot_dir(db) / "1.duckdb"
    assert current_snapshot(db) == first
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "holding"
        con = open_snapshot(db)  # the live file is locked; the snapshot is not
        assert shops(con) == 1
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM shops")  # read-only
        con.close()
    finally:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def test_the_pointer_moves_only_to_a_complete_snapshot_and_readers_follow_it(db: Path) -> None:
    reader = SnapshotReader(db)
    assert shops(reader.connection()) == 1  # no snapshot yet: the live file, read-only
    assert reader.opened is None
    reader.close()  # a read-only and a read-write handle on one file cannot mix in a process

    publish_snapshot(db)
    con = connect(db)
    con.execute("DELETE FROM shops")
    con.close()
    assert shops(reader.connection()) == 1  # the snapshot is what was published
    assert reader.opened == snapshot_dir(db) / "1.duckdb"

    second = publish_snapshot(db)
    assert second.name == "2.duckdb"
    assert shops(reader.connection()) == 0  # the reader reopened on the new pointer
    assert reader.opened == second
    reader.close()
    leftovers = [p.name for p in snapshot_dir(db).iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no partial copy or temporary pointer left behind


def test_only_the_newest_snapshots_are_kept(db: Path) -> None:
    for _ in range(5):
        publish_snapshot(db, keep=2)
    names = sorted(p.name for p in snapshot_dir(db).glob("*.duckdb"))
    assert names == ["4.duckdb", "5.duckdb"]
    assert (snapshot_dir(db) / "CURRENT").read_text(encoding="utf-8") == "5.duckdb\n"


def test_nothing_to_open_or_publish_is_named(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no warehouse"):
        publish_snapshot(tmp_path / "missing.duckdb")
    with pytest.raises(NotFound, match="no published snapshot"):
        open_snapshot(tmp_path / "missing.duckdb")
