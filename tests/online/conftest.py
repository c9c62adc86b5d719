"""A generated marketplace replayed through the API, shared by the online tests.

``replayed`` is expensive (generate, ingest, the batch risk path, then every event
posted in time order through the API); it runs once per session.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from merchantry.ingest import ingest_dir
from merchantry.risk.evaluation import train_on_truth
from merchantry.risk.model import RiskModel, save_model
from merchantry.risk.rings import find_rings
from merchantry.risk.settings import load_settings
from merchantry.store.warehouse import connect
from merchantry.synth import generate

REPLAYED_TABLES = ("orders", "logistics_events", "after_sales", "reviews", "cs_sessions")
"""The event tables the API takes in; the rest of the market is the starting warehouse."""


@dataclass(frozen=True)
class Market:
    """A generated market: the full warehouse (batch path) and its risk model."""

    root: Path
    db: Path
    model: RiskModel | None
    model_path: Path | None

    def connect(self) -> duckdb.DuckDBPyConnection:
        return connect(self.db)

    def starting_warehouse(self, path: Path) -> Path:
        """A copy without the replayed events (shops, products, rings in force remain)."""
        shutil.copy(self.db, path)
        con = connect(path)
        try:
            for table in REPLAYED_TABLES:
                con.execute(f"DELETE FROM {table}")
        finally:
            con.close()
        return path


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    """60 shops x 12 days, seed 23: rings found over the whole history, a model trained
    on the planted truth (rules only if the history is too short to train on)."""
    root = tmp_path_factory.mktemp("online-market")
    generate(root / "data", shops=60, days=12, seed=23, progress=False)
    db = root / "market.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, root / "data", progress=False)
        settings = load_settings()
        model: RiskModel | None = train_on_truth(
            con, root / "data" / "truth", settings, max_iter=60
        )
        find_rings(con, settings)
    finally:
        con.close()
    path = save_model(model, root / "model.pkl") if model else None
    return Market(root, db, model, path)
