"""The Olist adapter's reading rules, on a hand-made Olist directory (no shared data needed).

Three Olist orders, two sellers:

- ``A`` (delivered, late): items A-1 and A-3 of seller S1, A-2 of seller S2; paid by card in
  instalments, R$283.01 for R$275.00 of price + freight (R$8.01 interest); reviewed twice:
  ``R1`` (1 star) and ``R9`` (4 stars).
- ``B`` (canceled): item of S2, handed to the carrier and carrying a customer delivery date
  (a refused delivery); no approval time.
- ``C`` (delivered on time): item of S1, paid with a voucher and a boleto; Olist dates the
  carrier hand-over after the delivery; reviewed ``R2`` (5 stars) and again ``R9``: Olist reuses
  a review id across one customer's orders.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from merchantry.ingest import ingest_dir
from merchantry.kit.errors import InputError

FILES: dict[str, list[list[str]]] = {
    "olist_sellers_dataset": [
        ["seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"],
        ["S1", "01001", "sao paulo", "SP"],
        ["S2", "20010", "rio de janeiro", "RJ"],
    ],
    "olist_customers_dataset": [
        [
            "customer_id",
            "customer_unique_id",
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ],
        ["CA", "U1", "30110", "belo horizonte", "MG"],
        ["CB", "U2", "40010", "salvador", "BA"],
        ["CC", "U1", "30110", "belo horizonte", "MG"],
    ],
    "olist_products_dataset": [
        [
            "product_id",
            "product_category_name",
            "product_name_lenght",
            "product_description_lenght",
            "product_photos_qty",
            "product_weight_g",
            "product_length_cm",
            "product_height_cm",
            "product_width_cm",
        ],
        ["P1", "moveis_decoracao", "40", "300", "1", "500", "20", "10", "15"],
        ["P2", "beleza_saude", "35", "200", "2", "100", "10", "5", "5"],
    ],
    "product_category_name_translation": [
        ["product_category_name", "product_category_name_english"],
        ["moveis_decoracao", "furniture_decor"],
        ["beleza_saude", "health_beauty"],
    ],
    "olist_orders_dataset": [
        [
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_approved_at",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ],
        [
            "A",
            "CA",
            "delivered",
            "2018-01-01 10:00:00",
            "2018-01-01 10:30:00",
            "2018-01-02 09:00:00",
            "2018-01-05 12:00:00",
            "2018-01-05 00:00:00",
        ],
        [
            "B",
            "CB",
            "canceled",
            "2018-01-02 11:00:00",
            "",
            "2018-01-03 10:00:00",
            "2018-01-06 10:00:00",
            "2018-01-10 00:00:00",
        ],
        [
            "C",
            "CC",
            "delivered",
            "2018-01-03 08:00:00",
            "2018-01-03 09:00:00",
            "2018-01-08 11:00:00",
            "2018-01-07 15:00:00",
            "2018-01-20 00:00:00",
        ],
    ],
    "olist_order_items_dataset": [
        [
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "shipping_limit_date",
            "price",
            "freight_value",
        ],
        ["A", "1", "P1", "S1", "2018-01-03 10:00:00", "100.00", "10.00"],
        ["A", "2", "P2", "S2", "2018-01-04 10:00:00", "50.00", "5.00"],
        ["A", "3", "P1", "S1", "2018-01-03 10:00:00", "100.00", "10.00"],
        ["B", "1", "P2", "S2", "2018-01-04 11:00:00", "20.00", "3.50"],
        ["C", "1", "P1", "S1", "2018-01-05 08:00:00", "30.00", "0.00"],
    ],
    "olist_order_payments_dataset": [
        [
            "order_id",
            "payment_sequential",
            "payment_type",
            "payment_installments",
            "payment_value",
        ],
        ["A", "1", "credit_card", "10", "283.01"],
        ["B", "1", "credit_card", "1", "23.50"],
        ["C", "1", "voucher", "1", "10.00"],
        ["C", "2", "boleto", "1", "20.00"],
    ],
    "olist_order_reviews_dataset": [
        [
            "review_id",
            "order_id",
            "review_score",
            "review_comment_title",
            "review_comment_message",
            "review_creation_date",
            "review_answer_timestamp",
        ],
        ["R1", "A", "1", "", "chegou quebrado", "2018-01-06 00:00:00", "2018-01-07 10:00:00"],
        ["R9", "A", "4", "", "", "2018-01-08 00:00:00", "2018-01-08 10:00:00"],
        ["R9", "C", "4", "", "", "2018-01-08 00:00:00", "2018-01-08 10:00:00"],
        ["R2", "C", "5", "", "otimo", "2018-01-09 00:00:00", "2018-01-09 10:00:00"],
    ],
}


@pytest.fixture
def olist_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "olist"
    directory.mkdir()
    for stem, rows in FILES.items():
        with (directory / f"{stem}.csv").open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
    return directory


@pytest.fixture
def loaded(warehouse: duckdb.DuckDBPyConnection, olist_dir: Path) -> duckdb.DuckDBPyConnection:
    ingest_dir(warehouse, olist_dir, fmt="olist", progress=False)
    return warehouse


def _all(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def test_lines_carry_purchase_time_promises_parent_and_payments(
    loaded: duckdb.DuckDBPyConnection,
) -> None:
    rows = _all(
        loaded,
        "SELECT order_id, parent_order_id, strftime(paid_at, '%d %H:%M'), "
        "strftime(ship_by_at, '%d %H:%M'), strftime(promised_delivery_at, '%d %H:%M'), "
        "goods_fen + shipping_fen, payment_difference_fen, amount_paid_fen "
        "FROM orders ORDER BY order_id",
    )
    assert rows == [
        # R$8.01 of interest shared by price + freight: 320.4 + 160.2 + 320.4 centavos,
        # rounded down, the remainder on the first item.
        ("A-1", "A", "01 10:00", "03 10:00", "05 00:00", 11_000, 321, 11_321),
        ("A-2", "A", "01 10:00", "04 10:00", "05 00:00", 5_500, 160, 5_660),
        ("A-3", "A", "01 10:00", "03 10:00", "05 00:00", 11_000, 320, 11_320),
        ("B-1", "B", "02 11:00", "04 11:00", "10 00:00", 2_350, 0, 2_350),
        ("C-1", "C", "03 08:00", "05 08:00", "20 00:00", 3_000, 0, 3_000),
    ]


def test_only_delivered_orders_are_delivered_and_a_late_hand_over_is_refused(
    loaded: duckdb.DuckDBPyConnection,
) -> None:
    events = _all(
        loaded,
        "SELECT order_id, list(event ORDER BY event) FROM logistics_events "
        "WHERE order_id IN ('A-1', 'B-1', 'C-1') GROUP BY 1 ORDER BY 1",
    )
    # No receipt_confirmed: Olist records none, and the ledger derives the receipt of a
    # delivered order from the rulebook's auto-confirm rule.
    assert events == [
        ("A-1", ["delivered", "picked_up", "shipped"]),
        ("B-1", ["picked_up", "shipped"]),  # refused: no delivery
        ("C-1", ["delivered"]),
    ]
    refused = _all(
        loaded,
        "SELECT row_key, reason FROM quarantine WHERE table_name = 'logistics_events' ORDER BY 1",
    )
    assert refused == [("C-1, picked_up", "sequence_order"), ("C-1, shipped", "sequence_order")]


def test_reviews_apply_to_every_seller_and_reused_ids_are_kept(
    loaded: duckdb.DuckDBPyConnection,
) -> None:
    per_shop = _all(
        loaded,
        "SELECT o.shop_id, count(*), sum(r.rating), count(*) FILTER (WHERE r.rating <= 2) "
        "FROM reviews r JOIN orders o USING (order_id) GROUP BY 1 ORDER BY 1",
    )
    assert per_shop == [("S1", 4, 14, 1), ("S2", 2, 5, 1)]
    assert _all(loaded, "SELECT count(*) FROM quarantine") == [(2,)]  # the two hand-overs only


def test_lateness_and_delivered_orders_per_seller(loaded: duckdb.DuckDBPyConnection) -> None:
    rows = _all(
        loaded,
        "SELECT shop_id, count(DISTINCT placed_order_id) FILTER (WHERE delivered_at IS NOT NULL), "
        "count(DISTINCT placed_order_id) FILTER (WHERE late_delivered), "
        "count(*) FILTER (WHERE late_shipped) "
        "FROM order_fulfilment GROUP BY 1 ORDER BY 1",
    )
    # A arrived 12:00 on its estimated day (given as 00:00): late, as the raw dates read.
    # No line was handed over after its shipping_limit_date (C's hand-over was refused).
    assert rows == [("S1", 2, 1, 0), ("S2", 1, 1, 0)]
    # C-1 was delivered although its hand-over was refused: it is not awaiting one.
    assert _all(
        loaded,
        "SELECT handed_over_at, awaiting_hand_over FROM order_fulfilment WHERE order_id = 'C-1'",
    ) == [(None, False)]


def test_the_marketplace_is_brazilian(loaded: duckdb.DuckDBPyConnection) -> None:
    assert _all(loaded, "SELECT marketplace_id, currency, time_zone FROM marketplace") == [
        ("olist", "BRL", "America/Sao_Paulo")
    ]


def test_olist_is_refused_into_a_warehouse_of_another_marketplace(
    warehouse: duckdb.DuckDBPyConnection, olist_dir: Path
) -> None:
    warehouse.execute("INSERT INTO marketplace VALUES ('douyin', 'Douyin', 'CNY', 'Asia/Shanghai')")
    with pytest.raises(InputError, match=r"douyin \(CNY\).*own --db"):
        ingest_dir(warehouse, olist_dir, fmt="olist", progress=False)
    assert _all(warehouse, "SELECT count(*) FROM orders") == [(0,)]


def test_a_missing_payments_file_is_named(
    warehouse: duckdb.DuckDBPyConnection, olist_dir: Path
) -> None:
    (olist_dir / "olist_order_payments_dataset.csv").unlink()
    with pytest.raises(InputError, match="olist_order_payments_dataset"):
        ingest_dir(warehouse, olist_dir, fmt="olist", progress=False)
