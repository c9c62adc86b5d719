"""The simulator's output tables, declared in :mod:`merchantry.model.simulation`.

They are created on first use by :func:`ensure_sim_tables` rather than by
``store.warehouse.ensure_schema``, so a warehouse that never simulates stays
free of them.
"""

from __future__ import annotations

import duckdb

from merchantry.model.simulation import (
    ALL_SIM_TABLES,
    SIM_BY_LINE,
    SIM_BY_SEGMENT,
    SIM_DISTRIBUTION,
    SIM_EFFECTS,
    SIM_LEDGER,
    SIM_RULEBOOKS,
    SIM_RUNS,
    SIM_SHOP_SAVINGS,
    SIM_SUMMARY,
    SIM_TABLES,
)
from merchantry.store.warehouse import create_table_sql

__all__ = [
    "ALL_SIM_TABLES",
    "SIM_BY_LINE",
    "SIM_BY_SEGMENT",
    "SIM_DISTRIBUTION",
    "SIM_EFFECTS",
    "SIM_LEDGER",
    "SIM_RULEBOOKS",
    "SIM_RUNS",
    "SIM_SHOP_SAVINGS",
    "SIM_SUMMARY",
    "SIM_TABLES",
    "ensure_sim_tables",
]


def ensure_sim_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the simulator's tables if they do not exist yet."""
    for table in ALL_SIM_TABLES:
        con.execute(create_table_sql(table))
