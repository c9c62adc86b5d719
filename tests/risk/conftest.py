"""A small generated marketplace shared by the risk tests that need planted truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from merchantry.ingest import ingest_dir
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
