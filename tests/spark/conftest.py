"""One local Spark session for the whole test session (starting one costs ~10 s).

Skips when Java or PySpark is missing, except under CI, where `make test` installs
both (scripts/ensure-system-packages.sh) and their absence is a failure.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from merchantry.ingest import ingest_dir
from merchantry.spark.session import java_missing, start
from merchantry.store.warehouse import connect
from merchantry.synth import generate

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def _unavailable() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed"
    return java_missing()


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A ``local[2]`` session with the engine's settings, stopped at the end."""
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason + "; `make test` should have installed it")
        pytest.skip(reason)
    session = start("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


@pytest.fixture(scope="session")
def market_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated marketplace (10 shops × 6 days, affiliate orders given plan lists),
    ingested and not scored: each module copies the file and works on its copy."""
    root = tmp_path_factory.mktemp("spark-market")
    generate(root / "data", shops=10, days=6, seed=21, progress=False)
    with_affiliate_plans(root / "data" / "orders.parquet")
    db = root / "market.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, root / "data", progress=False)
    finally:
        con.close()
    return db


PLAN_SETS: tuple[str, ...] = (
    "NULL",
    "[]",
    "['colonel']",
    "['hosted_colonel', 'all_creators']",
    "['designated']",
    "['shop_targeted', 'pure_commission']",
    "['platform_campaign']",
    "['crowd_selected', 'all_creators']",
    "['all_creators']",
)
"""Plan lists given to affiliate orders in turn: none recorded, an empty list, one plan,
and plans of different priority together (the generator leaves the column empty)."""


def with_affiliate_plans(orders: Path) -> None:
    """Rewrite the generated orders file so that affiliate orders carry plan lists (in
    turn from :data:`PLAN_SETS`, by order id); ingest then checks them like any input."""
    cases = " ".join(f"WHEN {i} THEN {plans}" for i, plans in enumerate(PLAN_SETS))
    staged = orders.with_name("orders.staged.parquet")
    orders.rename(staged)
    duckdb.execute(
        f"""
        COPY (
          SELECT * EXCLUDE (turn) REPLACE (
            CASE WHEN creator_id IS NULL THEN NULL
                 ELSE CAST(CASE CAST(turn % {len(PLAN_SETS)} AS INTEGER) {cases} END
                      AS VARCHAR[])
            END AS affiliate_plans)
          FROM (
            SELECT *, row_number() OVER (PARTITION BY creator_id IS NULL ORDER BY order_id) AS turn
            FROM read_parquet('{staged}')
          )
          ORDER BY order_id
        ) TO '{orders}' (FORMAT parquet)
        """
    )
    staged.unlink()
