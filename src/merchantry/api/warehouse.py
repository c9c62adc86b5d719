"""The API's two ways into the warehouse: many readers, one writer at a time.

Reads open the latest published snapshot read-only
(``merchantry.service.snapshot.open_snapshot``) when the service layer provides
it, else the warehouse file itself read-only, so reads never block behind a
stage. Writes (an overturn's reversal, a simulation) take this process's writer
lock and open the file read-write, retrying for a while when another process
(a close, another worker) holds it, then answering 503 with DuckDB's account of
who holds it.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import duckdb

from merchantry.api.errors import Unavailable
from merchantry.store.warehouse import connect

_WRITER = threading.Lock()


def _snapshot_opener() -> Callable[[Path], duckdb.DuckDBPyConnection] | None:
    try:
        module = importlib.import_module("merchantry.service.snapshot")
    except ImportError:
        return None
    return cast(
        Callable[[Path], duckdb.DuckDBPyConnection] | None, getattr(module, "open_snapshot", None)
    )


def _missing(path: Path) -> Unavailable:
    return Unavailable(
        f"the warehouse {path} is not there yet; ingest data and run the stages first"
    )


@contextmanager
def reading(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the latest published state of the warehouse."""
    opener = _snapshot_opener()
    if not path.exists() and opener is None:
        raise _missing(path)
    try:
        con = opener(path) if opener is not None else connect(path, read_only=True)
    except duckdb.IOException as err:
        raise Unavailable(f"cannot read the warehouse {path}: {err}") from err
    try:
        yield con
    finally:
        con.close()


@contextmanager
def writing(path: Path, wait_s: float) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, one per process at a time; 503 when another process holds
    the file for longer than ``wait_s``."""
    if not path.exists():
        raise _missing(path)
    deadline = time.monotonic() + wait_s
    with _WRITER:
        while True:
            try:
                con = connect(path)
                break
            except duckdb.IOException as err:
                if time.monotonic() >= deadline:
                    raise Unavailable(
                        f"the warehouse {path} is held by another writer; try again later "
                        f"({str(err).splitlines()[0]})"
                    ) from err
                time.sleep(0.2)
        try:
            yield con
        finally:
            con.close()
