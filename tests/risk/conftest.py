"""A small generated marketplace shared by the risk tests that need planted truth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine, create_engine

from merchantry.ingest import ingest_dir
from merchantry.risk.store import metadata, open_store
from merchantry.store.warehouse import connect
from merchantry.synth import generate


@dataclass(frozen=True)
class Market:
    """A generated, ingested marketplace: its warehouse file and its truth folder."""

    db: Path
    truth: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return connect(self.db)


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    """120 shops x 21 days (about 40,000 orders, 2 planted rings, 3 decoys), seed 11."""
    root = tmp_path_factory.mktemp("risk-market")
    generate(root / "data", shops=120, days=21, seed=11, progress=False)
    con = connect(root / "market.duckdb")
    try:
        ingest_dir(con, root / "data", progress=False)
    finally:
        con.close()
    return Market(root / "market.duckdb", root / "data" / "truth")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh operational database per test: SQLite, and PostgreSQL when it is available."""
    if request.param == "sqlite":
        engine = open_store(f"sqlite:///{tmp_path / 'risk.sqlite'}")
    else:
        url = request.getfixturevalue("postgres_url")
        cleaner = create_engine(url)
        metadata.drop_all(cleaner)
        cleaner.dispose()
        engine = open_store(url)
    try:
        yield engine
    finally:
        engine.dispose()
