"""A stopped application leaves nothing of its online state behind: the event desk's
in-memory DuckDB database is closed and what the build froze for the collector is released
(before this, DuckDB's objects outlived every app and were reported leaked at exit)."""

from __future__ import annotations

import gc
from pathlib import Path

import duckdb
import pytest

from tests.api.conftest import build_api


def test_stopping_the_app_closes_the_event_desk_and_unfreezes(
    tmp_path: Path, market_db: Path
) -> None:
    running = build_api(
        tmp_path, market_db, f"sqlite:///{tmp_path / 'ops.sqlite'}", dispatcher=False
    )
    api = next(running)
    service = api.client.app.state.online  # type: ignore[attr-defined]
    assert service._ready.wait(120), "the online state was never built"
    desk = service._desk
    assert desk is not None
    assert desk.con.execute("SELECT 1").fetchone() == (1,)
    assert gc.get_freeze_count() > 0  # the build froze the long-lived state
    with pytest.raises(StopIteration):
        next(running)  # leaves the client: the application's shutdown runs
    assert service._desk is None
    with pytest.raises(duckdb.ConnectionException):
        desk.con.execute("SELECT 1")
    assert gc.get_freeze_count() == 0
