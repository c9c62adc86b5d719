"""The ledger's fact relations carry exactly the columns conditions may use.

The order facts are the shared relation (merchantry.rulebook.facts); the shop facts
are the ledger's own, and this test fails as soon as a condition column is added
without a shop-facts column for it.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb

from merchantry.ledger.facts import (
    EXTRA_SHOP_COLUMNS,
    FACT_COLUMNS,
    ORDER_FACTS,
    shop_facts,
)
from merchantry.ledger.journal import run_sql
from merchantry.rulebook.facts import INTERNAL_FACT_COLUMNS
from tests.ledger.factories import add_category, add_order, add_shop


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def test_order_facts_have_every_condition_column(warehouse: duckdb.DuckDBPyConnection) -> None:
    run_sql(warehouse, ORDER_FACTS, {"start": date(2026, 1, 1), "end": date(2026, 1, 31)})
    expected = [*FACT_COLUMNS, *INTERNAL_FACT_COLUMNS]
    assert sorted(_columns(warehouse, "ledger_facts")) == sorted(expected)


def test_shop_facts_have_every_condition_column(warehouse: duckdb.DuckDBPyConnection) -> None:
    shop_facts(warehouse, date(2026, 1, 8))
    expected = [*FACT_COLUMNS, *EXTRA_SHOP_COLUMNS]
    assert sorted(_columns(warehouse, "ledger_shop_facts")) == sorted(expected)


def _gmv(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT gmv_fen FROM ledger_shop_facts WHERE shop_shop_id = 'S1'").fetchone()
    assert row is not None
    return int(row[0])


def test_last_months_gmv_is_read_again_unless_the_step_says_it_is_in_place(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """March's GMV is ¥6,000 for the facts of April 8th; a ¥4,000 March order arrives. Asked
    again for April with the month the first call returned, the facts keep the GMV read
    (nothing in a step changes the orders); asked afresh they read ¥10,000; asked for May
    with April's month, they read April's orders (none), not March's again."""
    add_category(warehouse)
    add_shop(warehouse)
    add_order(warehouse, "O1", datetime(2026, 3, 2, 10), 600_000)
    april = shop_facts(warehouse, date(2026, 4, 8))
    assert april == date(2026, 4, 1)
    assert _gmv(warehouse) == 600_000

    add_order(warehouse, "O2", datetime(2026, 3, 20, 10), 400_000)
    assert shop_facts(warehouse, date(2026, 4, 9), gmv_of=april) == april
    assert _gmv(warehouse) == 600_000
    assert shop_facts(warehouse, date(2026, 4, 9)) == april
    assert _gmv(warehouse) == 1_000_000

    assert shop_facts(warehouse, date(2026, 5, 3), gmv_of=april) == date(2026, 5, 1)
    assert _gmv(warehouse) == 0
