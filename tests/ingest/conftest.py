"""Helpers shared by the ingestion tests."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.ingest.dataset import Rows, valid_dataset, write_dataset_csv

Quarantined = set[tuple[str, int, str | None, str]]


def quarantined(con: duckdb.DuckDBPyConnection) -> Quarantined:
    """Every quarantine row as (file name, row number, column, reason)."""
    rows = con.execute(
        "SELECT source_file, row_number, column_name, reason FROM quarantine"
    ).fetchall()
    return {(Path(f).name, int(r), c, str(reason)) for f, r, c, reason in rows}


def keys(con: duckdb.DuckDBPyConnection, table: str, column: str) -> set[str]:
    """The values of one column of a warehouse table."""
    return {str(r[0]) for r in con.table(table).select(column).fetchall()}


@pytest.fixture
def base() -> dict[str, Rows]:
    """A fresh copy of the valid dataset."""
    return valid_dataset()


@pytest.fixture
def valid_dir(tmp_path: Path, base: dict[str, Rows]) -> Path:
    """The valid dataset written as one CSV per table."""
    return write_dataset_csv(tmp_path / "in", base)
