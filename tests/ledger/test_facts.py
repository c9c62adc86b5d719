"""The ledger's fact relations carry exactly the columns conditions may use.

The order facts are the shared relation (merchantry.rulebook.facts); the shop facts
are the ledger's own, and this test fails as soon as a condition column is added
without a shop-facts column for it.
"""

from __future__ import annotations

from datetime import date

import duckdb

from merchantry.ledger.facts import (
    EXTRA_SHOP_COLUMNS,
    FACT_COLUMNS,
    ORDER_FACTS,
    SHOP_FACTS,
)
from merchantry.ledger.journal import run_sql
from merchantry.rulebook.facts import INTERNAL_FACT_COLUMNS


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def test_order_facts_have_every_condition_column(warehouse: duckdb.DuckDBPyConnection) -> None:
    run_sql(warehouse, ORDER_FACTS, {"start": date(2026, 1, 1), "end": date(2026, 1, 31)})
    expected = [*FACT_COLUMNS, *INTERNAL_FACT_COLUMNS]
    assert sorted(_columns(warehouse, "ledger_facts")) == sorted(expected)


def test_shop_facts_have_every_condition_column(warehouse: duckdb.DuckDBPyConnection) -> None:
    run_sql(warehouse, SHOP_FACTS, {"as_of": date(2026, 1, 8)})
    expected = [*FACT_COLUMNS, *EXTRA_SHOP_COLUMNS]
    assert sorted(_columns(warehouse, "ledger_shop_facts")) == sorted(expected)
