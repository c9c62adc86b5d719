"""Every seller of the Olist sample: the warehouse agrees with the raw files.

The expected figures are computed here from the raw Olist CSVs with nothing but
Python's ``csv`` module, following the dataset's own meaning, independently of
the adapter's SQL:

- a **delivered order** of a seller is an Olist order whose ``order_status`` is
  ``delivered``, that has an ``order_delivered_customer_date`` and that holds at
  least one item of the seller (an order counts once however many items);
- it was **delivered late** when ``order_delivered_customer_date`` is after
  ``order_estimated_delivery_date`` (both compared as the timestamps Olist gives);
- a **review** applies to every seller of the reviewed order, once per seller; the
  same ``review_id`` on two orders is two reviews (Olist reuses ids across a
  customer's orders), and an order reviewed twice has two reviews.

The warehouse side is plain SQL over ``orders``, ``logistics_events`` and
``reviews`` after ``merchantry ingest --format olist``. Counts are compared
exactly, so equal counts mean equal shares and means.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from tests.conftest import shared_data_path

SAMPLE = ("olist", "sample_8k_orders")


@dataclass(frozen=True, slots=True)
class SellerFigures:
    """What is compared per seller; shares and means follow from these counts."""

    delivered_orders: int
    late_orders: int
    reviews: int
    stars: int
    low_reviews: int
    """Reviews of 1 or 2 stars."""

    @property
    def late_share(self) -> float | None:
        return self.late_orders / self.delivered_orders if self.delivered_orders else None

    @property
    def mean_review(self) -> float | None:
        return self.stars / self.reviews if self.reviews else None

    @property
    def low_share(self) -> float | None:
        return self.low_reviews / self.reviews if self.reviews else None


def _rows(directory: Path, stem: str) -> Iterator[dict[str, str]]:
    with gzip.open(directory / f"{stem}.csv.gz", "rt", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")


def expected_from_raw_files(directory: Path) -> dict[str, SellerFigures]:
    """Per seller, from the raw CSVs (see the module docstring for the definitions)."""
    sellers = [r["seller_id"] for r in _rows(directory, "olist_sellers_dataset")]
    orders = {r["order_id"]: r for r in _rows(directory, "olist_orders_dataset")}
    sellers_of: dict[str, set[str]] = defaultdict(set)
    for item in _rows(directory, "olist_order_items_dataset"):
        sellers_of[item["order_id"]].add(item["seller_id"])

    delivered: dict[str, int] = defaultdict(int)
    late: dict[str, int] = defaultdict(int)
    for order_id, order in orders.items():
        arrived = order["order_delivered_customer_date"]
        if order["order_status"] != "delivered" or not arrived:
            continue
        is_late = _when(arrived) > _when(order["order_estimated_delivery_date"])
        for seller in sellers_of[order_id]:
            delivered[seller] += 1
            late[seller] += is_late

    reviews: dict[str, int] = defaultdict(int)
    stars: dict[str, int] = defaultdict(int)
    low: dict[str, int] = defaultdict(int)
    for review in _rows(directory, "olist_order_reviews_dataset"):
        score = int(review["review_score"])
        for seller in sellers_of[review["order_id"]]:
            reviews[seller] += 1
            stars[seller] += score
            low[seller] += score <= 2

    return {s: SellerFigures(delivered[s], late[s], reviews[s], stars[s], low[s]) for s in sellers}


WAREHOUSE_FIGURES = """
WITH placed AS (
  SELECT o.shop_id, coalesce(o.parent_order_id, o.order_id) AS placed_id,
    max(d.event_at) AS delivered_at, max(o.promised_delivery_at) AS promised_at
  FROM orders AS o
  JOIN logistics_events AS d ON d.order_id = o.order_id AND d.event = 'delivered'
  GROUP BY ALL
), delivered AS (
  SELECT shop_id, count(*) AS delivered_orders,
    count(*) FILTER (WHERE delivered_at > promised_at) AS late_orders
  FROM placed GROUP BY shop_id
), rated AS (
  SELECT o.shop_id, count(*) AS reviews, sum(r.rating) AS stars,
    count(*) FILTER (WHERE r.rating <= 2) AS low_reviews
  FROM reviews AS r JOIN orders AS o ON o.order_id = r.order_id
  GROUP BY o.shop_id
)
SELECT s.shop_id, coalesce(d.delivered_orders, 0), coalesce(d.late_orders, 0),
  coalesce(r.reviews, 0), coalesce(r.stars, 0), coalesce(r.low_reviews, 0)
FROM shops AS s
LEFT JOIN delivered AS d ON d.shop_id = s.shop_id
LEFT JOIN rated AS r ON r.shop_id = s.shop_id
"""


def warehouse_figures(con: duckdb.DuckDBPyConnection) -> dict[str, SellerFigures]:
    rows = con.execute(WAREHOUSE_FIGURES).fetchall()
    return {str(r[0]): SellerFigures(*(int(v) for v in r[1:])) for r in rows}


@pytest.fixture(scope="module")
def olist_warehouse(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[duckdb.DuckDBPyConnection]:
    sample = shared_data_path(*SAMPLE)
    db = tmp_path_factory.mktemp("olist") / "olist.duckdb"
    result = CliRunner().invoke(
        app, ["ingest", str(sample), "--format", "olist", "--db", str(db), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    con = duckdb.connect(str(db), read_only=True)
    try:
        yield con
    finally:
        con.close()


@pytest.mark.shared_data
@pytest.mark.slow
def test_every_seller_matches_the_raw_files(olist_warehouse: duckdb.DuckDBPyConnection) -> None:
    expected = expected_from_raw_files(shared_data_path(*SAMPLE))
    got = warehouse_figures(olist_warehouse)
    assert set(got) == set(expected)
    mismatches = {s: (expected[s], got[s]) for s in expected if got[s] != expected[s]}
    assert not mismatches, f"{len(mismatches)} of {len(expected)} sellers differ: " + repr(
        list(mismatches.items())[:5]
    )
    # The comparison is not empty: the sample's totals, from its README and the raw files.
    assert len(expected) == 1_610
    assert sum(f.delivered_orders for f in expected.values()) >= 5_164
    assert sum(f.late_orders for f in expected.values()) > 0
    assert sum(f.reviews for f in expected.values()) > 7_000


@pytest.mark.shared_data
@pytest.mark.slow
def test_amounts_paid_are_the_payments_file(olist_warehouse: duckdb.DuckDBPyConnection) -> None:
    """Per Olist order, the lines' amounts paid add up to the order's payment rows."""
    directory = shared_data_path(*SAMPLE)
    paid: dict[str, int] = defaultdict(int)
    for row in _rows(directory, "olist_order_payments_dataset"):
        whole, _, cents = row["payment_value"].partition(".")
        paid[row["order_id"]] += int(whole) * 100 + int((cents + "00")[:2])
    stored = dict(
        olist_warehouse.execute(
            "SELECT parent_order_id, sum(amount_paid_fen) FROM orders GROUP BY ALL"
        ).fetchall()
    )
    assert stored, "no orders stored"
    differ = {o: (paid[o], int(v)) for o, v in stored.items() if paid[o] != v}
    assert not differ, list(differ.items())[:5]
    # Instalment interest shows as a payment difference, never as goods or shipping.
    assert (
        olist_warehouse.execute(
            "SELECT count(*) FROM orders WHERE payment_difference_fen > 0"
        ).fetchall()[0][0]
        > 0
    )


@pytest.mark.shared_data
@pytest.mark.slow
def test_the_lateness_view_counts_each_sellers_late_deliveries(
    olist_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """``order_fulfilment`` (the definition scoring uses) against the raw files."""
    expected = expected_from_raw_files(shared_data_path(*SAMPLE))
    rows = olist_warehouse.execute(
        "SELECT shop_id, count(DISTINCT placed_order_id) FILTER (WHERE delivered_at IS NOT NULL), "
        "count(DISTINCT placed_order_id) FILTER (WHERE late_delivered) "
        "FROM order_fulfilment GROUP BY shop_id"
    ).fetchall()
    got = {str(s): (int(d), int(n)) for s, d, n in rows}
    want = {s: (f.delivered_orders, f.late_orders) for s, f in expected.items() if s in got}
    assert got == want
    # Late shipping is measurable too: shipping_limit_date is the promise.
    late_shipped = olist_warehouse.execute(
        "SELECT count(*) FILTER (WHERE late_shipped), count(late_shipped) FROM order_fulfilment"
    ).fetchall()[0]
    assert 0 < late_shipped[0] < late_shipped[1]


def late_shipped_from_raw_files(directory: Path) -> dict[str, tuple[int, int]]:
    """Per seller: item lines handed to the carrier, and those handed over after the item's
    ``shipping_limit_date``. Two recorded anomalies have no usable hand-over and are left out:
    a hand-over before the purchase, and (for a delivered order) one after the delivery."""
    orders = {r["order_id"]: r for r in _rows(directory, "olist_orders_dataset")}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for item in _rows(directory, "olist_order_items_dataset"):
        order = orders[item["order_id"]]
        handed = order["order_delivered_carrier_date"]
        if not handed or _when(handed) < _when(order["order_purchase_timestamp"]):
            continue
        arrived = order["order_delivered_customer_date"]
        if order["order_status"] == "delivered" and arrived and _when(handed) > _when(arrived):
            continue
        counts[item["seller_id"]][0] += 1
        counts[item["seller_id"]][1] += _when(handed) > _when(item["shipping_limit_date"])
    return {s: (n, late) for s, (n, late) in counts.items()}


@pytest.mark.shared_data
@pytest.mark.slow
def test_the_lateness_view_counts_each_sellers_late_hand_overs(
    olist_warehouse: duckdb.DuckDBPyConnection,
) -> None:
    expected = late_shipped_from_raw_files(shared_data_path(*SAMPLE))
    rows = olist_warehouse.execute(
        "SELECT shop_id, count(late_shipped), count(*) FILTER (WHERE late_shipped) "
        "FROM order_fulfilment WHERE handed_over_at IS NOT NULL GROUP BY shop_id"
    ).fetchall()
    assert {str(s): (int(n), int(late)) for s, n, late in rows} == expected
    assert sum(late for _n, late in expected.values()) > 0
