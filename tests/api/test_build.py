"""A worker builds its online state without starving its other threads.

uvicorn's supervisor pings each worker and kills one that does not answer in time;
the answer comes from a thread of the worker, which needs the GIL. At the demo's size
under load, workers were replaced while still building: the build held the GIL for
seconds at a time, in full garbage collections over a heap growing to gigabytes (and
one more at the end) and in fetching a million rows at once. The build now turns the
collector off and freezes what it built instead of collecting it, and fetches rows a
slice at a time (:mod:`merchantry.service.online.rows`).
"""

from __future__ import annotations

import gc
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from merchantry.ops import open_ops
from merchantry.service.online.rows import SLICE, rows_of
from merchantry.service.online.service import OnlineService
from merchantry.store.warehouse import connect


def test_a_build_runs_no_garbage_collection_and_leaves_the_collector_as_it_was(
    tmp_path: Path, market_db: Path
) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(market_db, db)

    @contextmanager
    def opener() -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(db, read_only=True)
        try:
            yield con
        finally:
            con.close()

    engine = open_ops(f"sqlite:///{tmp_path / 'ops.sqlite'}")
    service = OnlineService(engine, opener)
    collections: list[int] = []
    in_build = threading.Event()

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and in_build.is_set():
            collections.append(int(info["generation"]))

    beats = 0
    done = threading.Event()

    def heartbeat() -> None:
        nonlocal beats
        while not done.is_set():
            beats += 1
            time.sleep(0.001)

    gc.callbacks.append(note)
    ticker = threading.Thread(target=heartbeat)
    try:
        assert gc.isenabled()
        ticker.start()
        in_build.set()
        built = service.build()
        in_build.clear()
    finally:
        done.set()
        ticker.join()
        gc.callbacks.remove(note)
        gc.unfreeze()
        engine.dispose()

    assert built.orders > 0
    assert collections == []  # not one collection, of any generation, while building
    assert gc.isenabled()
    assert beats > 0  # the other thread ran meanwhile


def test_rows_come_a_slice_at_a_time() -> None:
    con = duckdb.connect()
    cursor = con.execute("SELECT range AS n FROM range(?)", [2 * SLICE + 5])
    fetched: list[int] = []
    real = cursor.fetchmany

    class Counting:
        def fetchmany(self, size: int) -> list[tuple[Any, ...]]:
            batch = real(size)
            fetched.append(len(batch))
            return batch

    rows = list(rows_of(Counting()))  # type: ignore[arg-type]
    assert [r[0] for r in rows] == list(range(2 * SLICE + 5))
    assert fetched == [SLICE, SLICE, 5, 0]
    con.close()
