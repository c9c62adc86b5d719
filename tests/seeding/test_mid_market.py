"""A period that ends before the market does: later views, searches and orders exist.

On a random market of twenty days, attribution over the first twelve must find exactly what
a plain Python reading of the rules finds (last touch), and the same rows as the whole
market's run for those days; and the statement that pairs orders with views must do so by
buyer and key, never by time alone (the plan that made such runs take minutes).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import duckdb
import pytest

from merchantry.seeding import SeedingRules
from merchantry.seeding.attribution import (
    LAST_SEARCH,
    ORDERS,
    TOUCHES,
    VIEWS,
    statement_inputs,
)
from merchantry.store.sql import fill_sql, records, run_sql
from merchantry.store.warehouse import transaction
from tests.seeding.factories import Market, rules

FIRST = date(2026, 10, 1)
DAYS = 20
MID = FIRST + timedelta(days=11)
LAST = FIRST + timedelta(days=DAYS - 1)
SKUS = ("S1-a", "S1-b", "S2-a", "S2-b")
BUYERS = tuple(f"B{b}" for b in range(6))
VIDEOS = {f"V{i}": SKUS[i % len(SKUS)] for i in range(8)}


def _moment(rng: random.Random) -> datetime:
    return datetime(2026, 9, 27) + timedelta(seconds=rng.randrange((DAYS + 4) * 86_400))


@pytest.fixture(scope="module")
def market() -> Iterator[Market]:
    """Views and searches from four days before the first order to the last day; orders,
    some gifts and some refunded, on every day. Few buyers and products, so journeys meet."""
    con = duckdb.connect()
    try:
        m = Market(con)
        rng = random.Random(20261001)
        for video, sku in VIDEOS.items():
            m.video(video, creator=f"CR{int(video[1:]) % 3}", sku=sku)
        for _ in range(400):
            m.view(rng.choice(list(VIDEOS)), _moment(rng), buyer=rng.choice(BUYERS))
        for _ in range(300):
            sku = rng.choice((*SKUS, None))
            m.search(_moment(rng), sku=sku, buyer=rng.choice(BUYERS))
        for n in range(160):
            paid = datetime(2026, 10, 1) + timedelta(seconds=rng.randrange(DAYS * 86_400))
            order_id = f"O{n:03d}"
            gift = rng.random() < 0.05
            sku = rng.choice(SKUS)
            m.order(order_id, paid, gmv_fen=rng.randrange(1, 400_000), sku=sku,
                    buyer=rng.choice(BUYERS), is_gift=gift)  # fmt: skip
            if rng.random() < 0.15:
                m.refund(order_id, paid + timedelta(days=rng.randrange(1, 20)), 100)
        yield m
    finally:
        con.close()


def _key(book: SeedingRules, sku: str) -> str:
    return sku if book.match == "product" else sku.split("-")[0]


def _expected_last_touch(m: Market, book: SeedingRules, end: date) -> set[tuple[Any, ...]]:
    """The rules read plainly, order by order: (order, video, viewed_at, searched_at, videos)."""
    views = records(
        m.con,
        "SELECT v.buyer_id, v.video_id, v.viewed_at, c.sku_id "
        "FROM video_views v JOIN creator_videos c USING (video_id)",
    )
    searches = records(m.con, "SELECT * FROM searches WHERE clicked_sku_id IS NOT NULL")
    orders = records(m.con, "SELECT * FROM orders WHERE NOT is_gift")
    found = set()
    for o in orders:
        paid = o["paid_at"]
        if not FIRST <= paid.date() <= end:
            continue
        key = _key(book, o["sku_id"])
        found_at = [
            s["searched_at"]
            for s in searches
            if s["buyer_id"] == o["buyer_id"]
            and _key(book, s["clicked_sku_id"]) == key
            and paid - timedelta(days=book.search_window_days) <= s["searched_at"] <= paid
        ]
        if not found_at:
            continue
        searched = max(found_at)
        last: dict[str, datetime] = {}
        for v in views:
            if (
                v["buyer_id"] == o["buyer_id"]
                and _key(book, v["sku_id"]) == key
                and paid - timedelta(days=book.view_window_days) <= v["viewed_at"] <= searched
            ):
                last[v["video_id"]] = max(last.get(v["video_id"], v["viewed_at"]), v["viewed_at"])
        if last:
            video = min(last, key=lambda name: (-last[name].timestamp(), name))
            found.add((o["order_id"], video, last[video], searched, len(last)))
    return found


def _rows(m: Market, book: SeedingRules, end: date) -> list[dict[str, Any]]:
    return records(
        m.con,
        "SELECT * EXCLUDE (rulebook) FROM seeding_attributions WHERE rulebook = ? "
        "AND paid_on <= ? ORDER BY order_id, video_id",
        [book.name, end],
    )


@pytest.mark.parametrize("match", ["product", "shop"])
def test_a_period_ending_mid_market_finds_what_the_rules_say(market: Market, match: str) -> None:
    book = rules(match=match, name=f"mid-{match}", split="last_touch")
    market.run(book, FIRST, MID)
    mid = _rows(market, book, MID)
    got = {(r["order_id"], r["video_id"], r["viewed_at"], r["searched_at"], r["videos"])
           for r in mid}  # fmt: skip
    expected = _expected_last_touch(market, book, MID)
    assert len(expected) >= 15  # the market is dense enough to mean something
    assert got == expected
    later = market.con.execute(
        "SELECT count(*) FROM orders WHERE paid_at >= ?", [MID + timedelta(days=1)]
    ).fetchone()
    assert later is not None
    assert later[0] > 0  # the period really ends mid-market

    market.run(book, FIRST, LAST)  # the whole market: the same rows for the first days
    assert _rows(market, book, MID) == mid
    assert len(_rows(market, book, LAST)) > len(mid)


def test_views_meet_orders_by_buyer_and_key_not_by_time_alone(market: Market) -> None:
    """Inside the run's transaction the temporary tables carry no statistics the optimizer
    trusts; the old statement let it pair every view with every search by time first."""
    book = rules(name="mid-plan")
    subs, params = statement_inputs(book, FIRST, MID)
    with transaction(market.con):
        for template in (ORDERS, LAST_SEARCH, VIEWS):
            run_sql(market.con, fill_sql(template, subs), params)
        rows = run_sql(market.con, "EXPLAIN " + fill_sql(TOUCHES, subs), params).fetchall()
    # operator names as DuckDB prints them ("Hash Join" or HASH_JOIN, by version)
    plan = "\n".join(str(row[1]) for row in rows).upper().replace(" ", "_")
    assert "HASH_JOIN" in plan
    for operator in ("PIECEWISE_MERGE_JOIN", "IE_JOIN", "NESTED_LOOP_JOIN", "CROSS_PRODUCT"):
        assert operator not in plan, plan
