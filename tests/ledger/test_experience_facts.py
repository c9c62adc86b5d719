"""The experience deposit's facts read only what its rules read.

Each day closed evaluates the ``experience_deposit`` rules on every order paid in the
rules' ``clean_days`` (30) before it. The shipped rules read the order's category only, so
those facts are the window's orders joined to their products and categories: the refund,
score, creator and colonel joins of the full fact relation (a cost that grew with the
history on every day closed) are left out, and the matches are the same.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from merchantry.ledger.deposits import compute_experience_orders
from merchantry.rulebook.checker import load_rulebook
from tests.ledger.factories import add_category, add_order, add_shop

UNREAD = ("after_sales", "logistics_events", "shop_scores", "creators", "order_colonel_fees")


@pytest.fixture
def market(warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    add_category(warehouse, "C1")
    add_category(warehouse, "C2")
    warehouse.execute("UPDATE categories SET industry = 'tv' WHERE category_id = 'C2'")
    for shop, category in (("S1", "C1"), ("S2", "C2"), ("S3", "C2")):
        add_shop(warehouse, shop, category_id=category)  # and its product K-<shop>
    add_order(warehouse, "O1", datetime(2026, 3, 20, 9), 10_000, shop_id="S1")  # apparel
    add_order(warehouse, "O2", datetime(2026, 3, 1, 9), 10_000, shop_id="S2")  # a television
    add_order(warehouse, "O3", datetime(2026, 2, 10, 9), 10_000, shop_id="S3")  # out of window
    add_order(warehouse, "O4", datetime(2026, 3, 21, 9), 10_000, shop_id="S2")  # after the day
    return warehouse


def test_experience_facts_read_neither_refunds_nor_scores(
    market: duckdb.DuckDBPyConnection,
) -> None:
    """With the tables the rules do not read replaced by views that fail when read, the
    experience orders of 20 March are still found: the television paid on 1 March (within
    30 days) and nothing else."""
    for table in UNREAD:
        market.execute(f"DROP TABLE {table}")
        market.execute(f"CREATE VIEW {table} AS SELECT error('{table} was read') AS never")
    raised = compute_experience_orders(
        market, load_rulebook("douyin-2026"), date(2026, 3, 20), date(2026, 3, 20)
    )
    assert raised == []  # no television paid on the 20th itself
    rows = market.execute(
        "SELECT shop_id, paid_on, amount_fen, clean_days, rule_id FROM ledger_experience_orders"
    ).fetchall()
    assert rows == [("S2", date(2026, 3, 1), 5_000_000, 30, "deposit.experience.tv")]
