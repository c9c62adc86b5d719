"""Property: every stage reads the score in force on an order's payment date.

The fee and ledger stages evaluate score gates on the one fact relation
(``rulebook/facts.py``), which joins the score series *as of* each order's payment date.
For random sparse series (two platforms, two score rulebooks of one platform with
different effective dates) and random orders, each order's score columns must equal
a plain Python reading of the series: the latest score dated on or before the payment
date, the later-effective version when two Douyin rulebooks scored the same day, and
NULL before a shop's first score.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.model.schema import ColumnType
from merchantry.model.score_outputs import SHOP_SCORES
from merchantry.rulebook.facts import FACT_SQL
from merchantry.store.warehouse import connect

from .market import Market

DAY0 = date(2026, 6, 1)
DAYS = 12
SHOPS = ("S1", "S2")
VERSIONS = {  # rulebook -> (platform, version_from)
    "dy-old": ("douyin", date(2026, 5, 7)),
    "dy-new": ("douyin", date(2026, 6, 5)),
    "tb": ("taobao", date(2026, 3, 16)),
}

score_rows = st.dictionaries(
    keys=st.tuples(
        st.sampled_from(sorted(VERSIONS)), st.sampled_from(SHOPS), st.integers(0, DAYS - 1)
    ),
    values=st.integers(0, 10_000),
    max_size=25,
)
order_rows = st.lists(
    st.tuples(st.sampled_from(SHOPS), st.integers(0, DAYS - 1), st.integers(0, 23)),
    min_size=1,
    max_size=15,
)


def score_row(rulebook: str, shop: str, day: date, score_cp: int) -> dict[str, Any]:
    """A ``shop_scores`` row: the fields under test set, every other one a plain default."""
    platform, version = VERSIONS[rulebook]
    row: dict[str, Any] = {}
    for column in SHOP_SCORES.columns:
        if column.nullable:
            row[column.name] = None
        elif column.choices:
            row[column.name] = column.choices[0]
        elif column.type is ColumnType.DATE:
            row[column.name] = day
        elif column.type is ColumnType.TEXT:
            row[column.name] = "x"
        elif column.type is ColumnType.BOOL:
            row[column.name] = False
        else:
            row[column.name] = 0
    row |= {
        "rulebook": rulebook,
        "shop_id": shop,
        "score_date": day,
        "platform": platform,
        "version_from": version,
        "stage": "formal",
        "score_cp": score_cp,
    }
    return row


def expected(
    scores: dict[tuple[str, str, int], int], shop: str, paid: int, platform: str
) -> Decimal | None:
    """The latest score of ``platform`` dated on or before day ``paid``; on a day both Douyin
    versions scored, the one that took effect later."""
    candidates = [
        (day, VERSIONS[rulebook][1], cp)
        for (rulebook, s, day), cp in scores.items()
        if s == shop and day <= paid and VERSIONS[rulebook][0] == platform
    ]
    if not candidates:
        return None
    latest_day = max(day for day, _, _ in candidates)
    _, _, cp = max(c for c in candidates if c[0] == latest_day)
    return Decimal(cp) / 100


@pytest.fixture(scope="module")
def shared_market(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Market]:
    """One warehouse with the two shops for every example (examples clear what they add)."""
    con = connect(tmp_path_factory.mktemp("asof") / "w.duckdb")
    market = Market(con)
    for shop in SHOPS:
        market.shop(shop)
    yield market
    con.close()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(scores=score_rows, orders=order_rows)
def test_each_order_reads_the_score_in_force_on_its_payment_date(
    shared_market: Market,
    scores: dict[tuple[str, str, int], int],
    orders: list[tuple[str, int, int]],
) -> None:
    market = shared_market
    con = market.con
    for table in ("shop_scores", "logistics_events", "orders"):
        con.execute(f"DELETE FROM {table}")
    placed = [
        (market.order(shop, datetime.combine(DAY0, datetime.min.time())
                      + timedelta(days=day, hours=hour)), shop, day)
        for shop, day, hour in orders
    ]  # fmt: skip
    for (rulebook, shop, day), cp in scores.items():
        row = score_row(rulebook, shop, DAY0 + timedelta(days=day), cp)
        columns = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        con.execute(f"INSERT INTO shop_scores ({columns}) VALUES ({marks})", list(row.values()))
    got = {
        str(order): (douyin, taobao)
        for order, douyin, taobao in con.execute(
            "SELECT order_order_id, shop_experience_score, shop_taobao_score FROM ("
            + FACT_SQL
            + ")",
            {"start": DAY0, "end": DAY0 + timedelta(days=DAYS - 1)},
        ).fetchall()
    }
    for order_id, shop, day in placed:
        assert got[order_id] == (
            expected(scores, shop, day, "douyin"),
            expected(scores, shop, day, "taobao"),
        ), (order_id, shop, day)
