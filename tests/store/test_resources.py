"""The memory, thread and spill settings reach DuckDB on every warehouse connection."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from merchantry.kit.errors import InputError
from merchantry.store.warehouse import (
    DEFAULT_MEMORY_LIMIT,
    MEMORY_ENV,
    TEMP_ENV,
    THREADS_ENV,
    VACUUM_ENV,
    Resources,
    connect,
    out_of_memory,
)

BIG_LIST = "SELECT len(list(i)) FROM range(4000000) t(i)"
"""Builds one 4-million-element list: at least 32 MB that DuckDB cannot spill."""

BIG_SORT = (
    "SELECT count(*) FROM ("
    "SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(600000) t(i) ORDER BY h)"
)
"""A sort far larger than 16 MB: DuckDB sorts it out of core, in the temp directory."""


def _setting(con: duckdb.DuckDBPyConnection, name: str) -> str:
    row = con.execute("SELECT current_setting(?)", [name]).fetchone()
    assert row is not None
    return str(row[0])


def test_defaults_and_settings_reach_duckdb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (MEMORY_ENV, THREADS_ENV, TEMP_ENV, VACUUM_ENV):
        monkeypatch.delenv(name, raising=False)
    assert Resources.from_env().memory_limit == DEFAULT_MEMORY_LIMIT
    con = connect(tmp_path / "w.duckdb")
    assert _setting(con, "memory_limit") == "8.0 GiB"
    con.close()

    monkeypatch.setenv(MEMORY_ENV, "300MB")
    monkeypatch.setenv(THREADS_ENV, "1")
    monkeypatch.setenv(TEMP_ENV, str(tmp_path / "spill"))
    con = connect(tmp_path / "w.duckdb")
    assert _setting(con, "memory_limit") == "286.1 MiB"  # 300 MB in DuckDB's binary units
    assert _setting(con, "threads") == "1"
    assert _setting(con, "temp_directory") == str(tmp_path / "spill")
    con.close()
    ro = connect(tmp_path / "w.duckdb", read_only=True)  # readers are bounded too
    assert _setting(ro, "memory_limit") == "286.1 MiB"
    ro.close()


def test_a_tiny_limit_spills_what_it_can_and_refuses_what_it_cannot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(THREADS_ENV, "1")
    monkeypatch.setenv(TEMP_ENV, str(tmp_path / "spill"))
    roomy = connect(tmp_path / "w.duckdb")
    assert roomy.execute(BIG_LIST).fetchone() == (4_000_000,)
    roomy.close()

    monkeypatch.setenv(MEMORY_ENV, "16MB")
    tight = connect(tmp_path / "w.duckdb")
    assert tight.execute(BIG_SORT).fetchone() == (600_000,)  # spilled, still right
    with pytest.raises(duckdb.OutOfMemoryException, match=r"15\.2 MiB used") as failed:
        tight.execute(BIG_LIST).fetchone()
    tight.close()
    told = out_of_memory(failed.value)  # what the command line prints instead of a traceback
    assert told is not None
    assert told.startswith(f"out of memory under {MEMORY_ENV}=16MB: ")
    assert "15.2 MiB used" in told
    assert f"raise {MEMORY_ENV}" in told
    assert out_of_memory(duckdb.CatalogException("no such table")) is None
    monkeypatch.delenv(MEMORY_ENV)
    assert f"{MEMORY_ENV}={DEFAULT_MEMORY_LIMIT} (the default)" in str(out_of_memory(failed.value))


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        (MEMORY_ENV, "lots", "not a size"),
        (MEMORY_ENV, "8", "not a size"),
        (THREADS_ENV, "0", "whole number"),
        (VACUUM_ENV, "-1", "whole number"),
        (VACUUM_ENV, "a few", "whole number"),
    ],
)
def test_malformed_settings_are_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(InputError, match=f"{name}.*{says}"):
        connect(tmp_path / "w.duckdb")


def _row_groups(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('t')"
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize("tasks", [None, "0"])
def test_the_vacuum_setting_governs_what_a_checkpoint_merges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tasks: str | None
) -> None:
    """Four full row groups, two thirds of each row deleted: a checkpoint under DuckDB's
    default merges what is left into fewer groups; with MERCHANTRY_VACUUM_TASKS=0 it merges
    nothing (the deleted rows stay as tombstones) and the rows read are the same."""
    if tasks is None:
        monkeypatch.delenv(VACUUM_ENV, raising=False)
    else:
        monkeypatch.setenv(VACUUM_ENV, tasks)
    con = connect(tmp_path / "w.duckdb")
    default = duckdb.connect().execute("SELECT current_setting('max_vacuum_tasks')").fetchone()
    assert _setting(con, "max_vacuum_tasks") == (tasks or str(default[0] if default else ""))
    con.execute("CREATE TABLE t AS SELECT range AS i FROM range(4 * 122880)")
    con.execute("CHECKPOINT")
    assert _row_groups(con) == 4
    con.execute("DELETE FROM t WHERE i % 3 <> 0")
    con.execute("CHECKPOINT")
    assert con.execute("SELECT count(*), sum(i % 3) FROM t").fetchone() == (163840, 0)
    if tasks == "0":
        assert _row_groups(con) == 4
    else:
        assert _row_groups(con) < 4
    con.close()
