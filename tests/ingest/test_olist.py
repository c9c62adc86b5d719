"""The Olist sample (../shared/data) through the adapter: the counts documented in docs/olist.md."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from merchantry.ingest import ingest_dir
from tests.conftest import shared_data_path

EXPECTED = {
    # table: (read, accepted, quarantined)
    "marketplace": (1, 1, 0),
    "categories": (74, 74, 0),
    "shops": (1610, 1610, 0),
    "products": (5566, 5566, 0),
    "orders": (9140, 8365, 775),
    # no receipt_confirmed events (5,904 before): the ledger derives receipt by its rule
    "logistics_events": (20248, 20220, 28),
    "after_sales": (549, 549, 0),
    "reviews": (8301, 7523, 778),
}
SOURCES = {
    # Olist file: (rows, accepted, quarantined): each source row once, whatever it fed
    "olist_orders_dataset": (8135, 7354, 781),
    "olist_order_items_dataset": (8365, 8365, 0),
    "olist_order_reviews_dataset": (8225, 7447, 778),
    "olist_order_payments_dataset": (8924, 8924, 0),
    "olist_customers_dataset": (8135, 8135, 0),
    "olist_products_dataset": (5460, 5460, 0),
    "olist_sellers_dataset": (1610, 1610, 0),
    "product_category_name_translation": (71, 71, 0),
}
QUARANTINE = {
    ("orders", "null_value", "shop_id"): 775,
    ("logistics_events", "sequence_order", "event_at"): 22,
    ("logistics_events", "time_order", "event_at"): 6,
    ("reviews", "missing_reference", "order_id"): 778,
}


@pytest.mark.shared_data
def test_olist_sample_counts(warehouse: duckdb.DuckDBPyConnection, tmp_path: Path):
    sample = shared_data_path("olist", "sample_8k_orders")
    report = ingest_dir(
        warehouse, sample, fmt="olist", progress=False, quarantine_file=tmp_path / "q.csv"
    )
    got = {t.table: (t.read, t.accepted, t.quarantined) for t in report.tables}
    assert got == EXPECTED
    assert {s.name: (s.read, s.accepted, s.quarantined) for s in report.sources} == SOURCES
    rows = warehouse.execute(
        "SELECT table_name, reason, column_name, count(*) FROM quarantine GROUP BY ALL"
    ).fetchall()
    assert {(t, r, c): n for t, r, c, n in rows} == QUARANTINE
    assert any("geolocation" in note for note in report.notes)
    # The marketplace is Brazilian: BRL amounts, São Paulo time.
    assert warehouse.execute("SELECT currency, time_zone FROM marketplace").fetchall() == [
        ("BRL", "America/Sao_Paulo")
    ]
    # Money: Olist BRL prices become whole centavos, stored in the fen columns.
    assert warehouse.execute(
        "SELECT goods_fen, shipping_fen FROM orders "
        "WHERE order_id = '0009792311464db532ff765bf7b182ae-1'"
    ).fetchall() == [(9990, 2765)]
    again = ingest_dir(warehouse, sample, fmt="olist", progress=False)
    assert again.files == ()
    assert len(again.skipped) == 8
