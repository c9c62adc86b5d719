from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from merchantry.store.warehouse import connect
from tests.programs.factories import open_warehouse


@pytest.fixture(scope="session")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file with every table and three categories, built once (copy it)."""
    path = tmp_path_factory.mktemp("programs") / "empty.duckdb"
    open_warehouse(path).close()
    return path


@pytest.fixture
def con(tmp_path: Path, empty_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh warehouse with three categories (女装 apparel, 零食 food, 男包 bags)."""
    path = tmp_path / "w.duckdb"
    shutil.copy(empty_warehouse, path)
    c = connect(path)
    try:
        yield c
    finally:
        c.close()
