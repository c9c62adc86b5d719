"""One writer, published snapshots: how reads keep working while a stage runs.

DuckDB lets one process write a warehouse file, and while it writes no other
process may open the file at all. So the stages run in one writer (``merchantry
run`` or the service's job), and after a run the writer *publishes* a snapshot:
it checkpoints the file (the write-ahead log folded in), copies it to
``<db>.snapshot/<n>.duckdb`` and then atomically replaces the pointer file
``<db>.snapshot/CURRENT`` with the new name. Readers (API workers, the console)
open the snapshot the pointer names, read-only, and reopen when it moves
(:class:`SnapshotReader`). A reader never sees a half-written snapshot: the copy
is complete and flushed before the pointer names it. The last few snapshots are
kept so a reader still on an older one is not cut off mid-request (on POSIX an
open file stays readable after it is removed anyway).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Final

import duckdb

from merchantry.kit.errors import NotFound
from merchantry.store.warehouse import apply_resources, connect, derive_missing

POINTER: Final = "CURRENT"
KEEP: Final = 3
"""Snapshots kept after publishing (the newest ones)."""
_NUMBERED = re.compile(r"^(\d+)\.duckdb$")


def snapshot_dir(db_path: Path | str) -> Path:
    """``<db>.snapshot``, next to the warehouse file."""
    db = Path(db_path)
    return db.with_name(db.name + ".snapshot")


def _numbers(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    found = (_NUMBERED.match(p.name) for p in folder.iterdir())
    return sorted(int(m[1]) for m in found if m)


def current_snapshot(db_path: Path | str) -> Path | None:
    """The snapshot the pointer names, or ``None`` when none was published."""
    folder = snapshot_dir(db_path)
    try:
        name = (folder / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = folder / name
    return path if name and path.is_file() else None


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def publish_snapshot(db_path: Path | str, *, keep: int = KEEP) -> Path:
    """Checkpoint the warehouse, copy it to the next numbered snapshot, move the pointer.

    Call it from the one writer after a run (no other process may be writing; the
    writer's own open connection in this process is fine: DuckDB shares it). Raises
    ``NotFound`` for a missing warehouse and ``WarehouseLocked`` when another process
    holds it.
    """
    db = Path(db_path)
    if not db.is_file():
        raise NotFound(f"no warehouse {db} to publish a snapshot of")
    con = connect(db)
    try:
        con.execute("CHECKPOINT")
        folder = snapshot_dir(db)
        folder.mkdir(exist_ok=True)
        numbers = _numbers(folder)
        target = folder / f"{(numbers[-1] + 1) if numbers else 1}.duckdb"
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        shutil.copyfile(db, partial)
    finally:
        con.close()
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, target)
    _write_atomically(folder / POINTER, target.name + "\n")
    for old in _numbers(folder)[:-keep] if keep > 0 else []:
        (folder / f"{old}.duckdb").unlink(missing_ok=True)
    return target


def open_snapshot(db_path: Path | str) -> duckdb.DuckDBPyConnection:
    """The latest published snapshot, read-only; the live file read-only when none exists.

    Opening the live file fails while a writer holds it: that raises
    ``WarehouseLocked`` naming the process (never DuckDB's traceback).
    """
    snapshot = current_snapshot(db_path)
    if snapshot is not None:
        con = duckdb.connect(str(snapshot), read_only=True)
        apply_resources(con)  # the same memory and thread bounds as every stage
        derive_missing(con)  # a snapshot published before a derived table existed
        return con
    if not Path(db_path).is_file():
        raise NotFound(f"no warehouse {db_path} and no published snapshot of it")
    return connect(db_path, read_only=True)


class SnapshotReader:
    """A reader's connection that follows the pointer: reopened when a new snapshot appears.

    One per worker (a DuckDB connection is not shared between threads without a
    cursor); call :meth:`connection` at the start of each request.
    """

    def __init__(self, db_path: Path | str) -> None:
        self.db_path = Path(db_path)
        self._opened: Path | None = None
        self._con: duckdb.DuckDBPyConnection | None = None

    def connection(self) -> duckdb.DuckDBPyConnection:
        latest = current_snapshot(self.db_path)
        if self._con is None or (latest is not None and latest != self._opened):
            self.close()
            self._con = open_snapshot(self.db_path)
            self._opened = latest
        return self._con

    @property
    def opened(self) -> Path | None:
        """The snapshot the connection reads (``None``: the live file)."""
        return self._opened

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
