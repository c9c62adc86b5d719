"""The API's two ways into the warehouse: many readers, one writer at a time.

Reads open the latest published snapshot read-only
(:func:`merchantry.service.snapshot.open_snapshot`; the live file read-only
before any snapshot exists), so reads keep working while a stage runs. Writes
(an overturn's reversal, a simulation) take this process's writer lock, open the
live file read-write, retrying for a while when another process (a close,
another worker) holds it, then answer 503 naming the holder; after a write they
publish a new snapshot so the next read sees it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from merchantry.api.errors import Unavailable
from merchantry.kit.errors import NotFound
from merchantry.service.snapshot import current_snapshot, open_snapshot, publish_snapshot
from merchantry.store.warehouse import WarehouseLocked, connect

_WRITER = threading.Lock()


@contextmanager
def reading(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the latest published state of the warehouse."""
    try:
        con = open_snapshot(path)
    except NotFound as err:
        raise Unavailable(
            f"the warehouse {path} is not there yet; ingest data and run the stages first"
        ) from err
    try:
        yield con
    finally:
        con.close()


@contextmanager
def writing(path: Path, wait_s: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, one per process at a time, published as a snapshot when
    the block succeeds; ``WarehouseLocked`` (503) when another process holds the file
    for longer than ``wait_s``."""
    if not path.exists():
        raise Unavailable(f"the warehouse {path} is not there yet")
    deadline = time.monotonic() + wait_s
    with _WRITER:
        while True:
            try:
                con = connect(path)
                break
            except WarehouseLocked:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)
        try:
            yield con
        finally:
            con.close()
        publish_snapshot(path)


def publish_if_missing(path: Path) -> None:
    """Publish a first snapshot at start, so reads never open the live file (best effort:
    a warehouse another process holds is left to its writer to publish)."""
    if not path.is_file() or current_snapshot(path) is not None:
        return
    with _WRITER:
        try:
            publish_snapshot(path)
        except WarehouseLocked:
            return
