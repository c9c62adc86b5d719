"""Risk and simulation tables are declared once in the model, and the stages write exactly
the declared shape (names, order and types)."""

from __future__ import annotations

import duckdb

from merchantry.model.risk import DECISION_KINDS, IDENTIFIER_KINDS, RING_TABLES, RISK_TABLES
from merchantry.model.schema import Table
from merchantry.model.simulation import ALL_SIM_TABLES
from merchantry.risk.rings import IDENTIFIER_COLUMNS, find_rings
from merchantry.risk.rules import DecisionKind
from merchantry.risk.settings import RiskSettings
from merchantry.simulate.tables import ensure_sim_tables
from tests.risk.factories import add_order, add_shop


def shape(con: duckdb.DuckDBPyConnection, name: str) -> list[tuple[str, str]]:
    rows = con.execute(f'DESCRIBE "{name}"').fetchall()
    return [(str(r[0]), str(r[1])) for r in rows]


def declared(table: Table) -> list[tuple[str, str]]:
    return [(c.name, c.sql_type) for c in table.columns]


def test_a_ring_run_writes_the_declared_tables(warehouse: duckdb.DuckDBPyConnection) -> None:
    add_shop(warehouse)
    add_order(warehouse, "O1", "B1", device="d-shared")
    add_order(warehouse, "O2", "B2", device="d-shared")
    settings = RiskSettings(ring_identifier_max_buyers=3, ring_flag_score=50)
    find_rings(warehouse, settings)
    again = find_rings(warehouse, settings)  # a re-run replaces, never adds
    assert again.linked_groups == 1
    for table in RING_TABLES:
        assert shape(warehouse, table.name) == declared(table)
    assert warehouse.execute("SELECT count(*) FROM risk_ring_members").fetchone() == (2,)


def test_the_simulator_creates_the_declared_tables(warehouse: duckdb.DuckDBPyConnection) -> None:
    ensure_sim_tables(warehouse)
    for table in ALL_SIM_TABLES:
        assert shape(warehouse, table.name) == declared(table)


def test_model_choices_agree_with_the_stage_code() -> None:
    assert tuple(k.value for k in DecisionKind) == DECISION_KINDS
    assert tuple(IDENTIFIER_COLUMNS) == IDENTIFIER_KINDS
    names = [t.name for t in (*RISK_TABLES, *ALL_SIM_TABLES)]
    assert len(names) == len(set(names))
