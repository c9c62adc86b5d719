"""Watch → search → pay attribution, case by case, on a real DuckDB warehouse.

The default order (``factories.T0``) is 100 yuan of goods (10,000 fen GMV, shipping
excluded): the shipped rulebook's middle tier (from 5,000 fen) pays 5%, 500 fen.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import duckdb
import pytest

from tests.seeding.factories import DAY, T0, Market, ago, rules


@pytest.fixture
def m() -> Iterator[Market]:
    con = duckdb.connect()  # in memory: each test starts from an empty warehouse
    try:
        yield Market(con)
    finally:
        con.close()


def test_watch_then_search_then_pay_is_attributed(m: Market) -> None:
    m.video("V1", creator="CR1")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1")
    summary = m.run()
    [row] = m.rows()
    assert (row["order_id"], row["video_id"], row["creator_id"]) == ("O1", "V1", "CR1")
    assert row["attributed_gmv_fen"] == 10_000  # shipping is not GMV
    assert (row["tier_rate_bp"], row["rule_id"]) == (500, "seeding.tier-mid")
    assert row["reward_fen"] == row["payout_fen"] == 500
    assert row["share_bp"] == 10_000
    assert row["status"] == "payable"
    assert row["pay_on"] == DAY + timedelta(days=7)
    assert row["viewed_at"] == ago(hours=2)
    assert row["searched_at"] == ago(hours=1)
    assert (summary.orders, summary.payout_fen, summary.attributed_gmv_fen) == (1, 500, 10_000)
    [payout] = m.table("payouts")
    assert (payout["creator_id"], payout["amount_fen"], payout["orders"]) == ("CR1", 500, 1)


def test_order_before_the_view_is_not_attributed(m: Market) -> None:
    m.video("V1")
    m.search(ago(hours=1))
    m.order("O1")
    m.view("V1", T0 + timedelta(minutes=5))  # watched after paying
    m.run()
    assert m.rows() == []


def test_view_after_the_search_does_not_count(m: Market) -> None:
    m.video("V1")
    m.search(ago(hours=2))
    m.view("V1", ago(hours=1))  # watched, but the search came first
    m.order("O1")
    m.run()
    assert m.rows() == []


def test_search_without_a_view_is_not_attributed(m: Market) -> None:
    m.video("V1")
    m.view("V1", ago(hours=2), buyer="B2")  # someone else watched
    m.search(ago(hours=1))
    m.order("O1")
    m.run()
    assert m.rows() == []


def test_view_without_a_search_is_not_attributed(m: Market) -> None:
    m.video("V1")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1), sku=None)  # searched, clicked nothing
    m.order("O1")
    m.run()
    assert m.rows() == []


def test_same_product_scope_needs_the_same_sku(m: Market) -> None:
    m.video("V1", sku="S1-b")  # a video of another product of the same shop
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1), sku="S1-b")
    m.order("O1", sku="S1-a")
    m.run(rules(match="product"))
    assert m.rows() == []
    m.run(rules(match="shop"))
    [row] = m.rows()
    assert row["video_id"] == "V1"
    assert row["sku_id"] == "S1-a"


def test_shop_scope_still_needs_the_same_shop(m: Market) -> None:
    m.video("V1", sku="S2-a")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1), sku="S2-a")
    m.order("O1", sku="S1-a")
    m.run(rules(match="shop"))
    assert m.rows() == []


def test_the_search_must_be_for_the_bought_product(m: Market) -> None:
    m.video("V1", sku="S1-a")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1), sku="S1-b")
    m.order("O1", sku="S1-a")
    m.run(rules(match="product"))
    assert m.rows() == []


@pytest.mark.parametrize("days", [1, 3, 7, 14])
def test_view_window_edge(m: Market, days: int) -> None:
    m.video("V1")
    m.video("V2")
    m.view("V1", ago(days=days))  # exactly at the window's start: counts
    m.view("V2", ago(days=days, seconds=1))  # one second earlier: does not
    m.search(ago(seconds=1))
    m.order("O1")
    m.run(rules(view_window_days=days, search_window_days=1, split="linear"))
    assert [r["video_id"] for r in m.rows()] == ["V1"]


@pytest.mark.parametrize("days", [1, 3, 7])
def test_search_window_edge(m: Market, days: int) -> None:
    book = rules(view_window_days=14, search_window_days=days)
    m.video("V1")
    m.view("V1", ago(days=days, seconds=10))
    m.search(ago(days=days, seconds=1))  # one second too early
    m.order("O1")
    m.run(book)
    assert m.rows() == []
    m.search(ago(days=days))  # exactly at the window's start
    m.run(book)
    assert [r["order_id"] for r in m.rows()] == ["O1"]


def test_view_search_and_payment_in_the_same_second_count(m: Market) -> None:
    m.video("V1")
    m.view("V1", T0)
    m.search(T0)
    m.order("O1")
    m.run()
    assert len(m.rows()) == 1


def _two_videos(m: Market) -> None:
    m.video("V1", creator="CR1")
    m.video("V2", creator="CR2")
    m.view("V1", ago(hours=5))
    m.view("V2", ago(hours=3))
    m.view("V1", ago(hours=4))  # V1 watched again, still before V2's view
    m.search(ago(hours=1))
    m.order("O1", gmv_fen=10_001)  # odd GMV: the split must still add up


def test_two_videos_last_touch(m: Market) -> None:
    _two_videos(m)
    m.run(rules(split="last_touch"))
    [row] = m.rows()
    assert (row["video_id"], row["attributed_gmv_fen"], row["reward_fen"]) == ("V2", 10_001, 500)
    assert row["videos"] == 2
    assert row["viewed_at"] == ago(hours=3)


def test_two_videos_first_touch(m: Market) -> None:
    _two_videos(m)
    m.run(rules(split="first_touch"))
    [row] = m.rows()
    assert (row["video_id"], row["creator_id"], row["reward_fen"]) == ("V1", "CR1", 500)
    assert row["viewed_at"] == ago(hours=5)


def test_two_videos_linear(m: Market) -> None:
    _two_videos(m)
    m.run(rules(split="linear"))
    rows = m.rows()
    assert [r["video_id"] for r in rows] == ["V1", "V2"]
    # 10,001 fen in two: the odd fen goes to the first video by id (largest remainder tie)
    assert [r["attributed_gmv_fen"] for r in rows] == [5_001, 5_000]
    assert [r["reward_fen"] for r in rows] == [250, 250]
    assert [r["share_bp"] for r in rows] == [5_000, 5_000]
    assert {r["creator_id"] for r in m.table("payouts")} == {"CR1", "CR2"}


def test_linear_three_ways_shares_add_up_exactly(m: Market) -> None:
    for v in ("V1", "V2", "V3"):
        m.video(v, creator=f"C-{v}")
        m.view(v, ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1", gmv_fen=10_000)  # 500 fen reward: 167 + 167 + 166
    m.run(rules(split="linear"))
    rows = m.rows()
    assert sorted(r["reward_fen"] for r in rows) == [166, 167, 167]
    assert sum(r["attributed_gmv_fen"] for r in rows) == 10_000


def test_repeated_views_and_searches_are_deduplicated(m: Market) -> None:
    m.video("V1")
    for hours in (6, 5, 4, 3):
        m.view("V1", ago(hours=hours))
    m.search(ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1")
    m.run()
    [row] = m.rows()
    assert row["payout_fen"] == 500
    assert row["viewed_at"] == ago(hours=3)  # the last qualifying view
    assert row["searched_at"] == ago(hours=1)  # the last qualifying search


def test_rerun_is_idempotent(m: Market) -> None:
    _two_videos(m)
    m.order("O2", ago(minutes=30))
    m.run(rules(split="linear"))
    first = (m.rows(), m.table("payouts"), m.table("clawbacks"))
    m.run(rules(split="linear"))
    assert (m.rows(), m.table("payouts"), m.table("clawbacks")) == first
    assert len(first[0]) == 4


def test_gift_orders_are_not_attributed(m: Market) -> None:
    m.video("V1")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1", is_gift=True)
    m.run()
    assert m.rows() == []


def test_refund_before_the_payout_drops_the_order(m: Market) -> None:
    m.video("V1")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1")
    m.refund("O1", T0 + timedelta(days=7))  # closed on the payout date: before it is paid
    summary = m.run()
    [row] = m.rows()
    assert (row["status"], row["payout_fen"], row["reward_fen"]) == ("dropped_refund", 0, 500)
    assert m.table("payouts") == []
    assert m.table("clawbacks") == []
    assert summary.attributed_gmv_fen == 0
    assert summary.dropped_refunds == 1


def test_rejected_refunds_and_exchanges_do_not_count(m: Market) -> None:
    m.video("V1")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1")
    m.refund("O1", T0 + timedelta(days=1), outcome="rejected")
    m.refund("O1", T0 + timedelta(days=1), kind="exchange")
    m.run()
    assert [r["status"] for r in m.rows()] == ["payable"]


def test_refund_after_the_payout_is_clawed_back(m: Market) -> None:
    m.video("V1", creator="CR1")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1")
    m.run()
    assert m.table("clawbacks") == []
    refunded = T0 + timedelta(days=9)
    m.refund("O1", refunded)
    # the refund is seen by any later run, here one over another day
    m.run(start=DAY + timedelta(days=9), end=DAY + timedelta(days=9))
    [row] = m.rows()
    assert (row["status"], row["payout_fen"]) == ("clawed_back", 500)
    [claw] = m.table("clawbacks")
    assert (claw["order_id"], claw["creator_id"], claw["amount_fen"]) == ("O1", "CR1", 500)
    assert claw["clawed_on"] == refunded.date()
    assert claw["paid_out_on"] == DAY + timedelta(days=7)
    [payout] = m.table("payouts")  # what was paid stays paid; the clawback takes it back
    assert payout["amount_fen"] == 500


def test_tier_amount_is_capped_per_order(m: Market) -> None:
    m.video("V1")
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1", gmv_fen=100_000)  # 8% of 1,000 yuan is 8,000 fen; the order cap is 5,000
    m.order("O2", ago(minutes=1), gmv_fen=4_999)  # small tier: 3% = 149.97 -> 150 fen
    m.run()
    rows = {r["order_id"]: r for r in m.rows()}
    assert (rows["O1"]["tier_rate_bp"], rows["O1"]["reward_fen"]) == (800, 5_000)
    assert (rows["O2"]["tier_rate_bp"], rows["O2"]["reward_fen"]) == (300, 150)


def test_creator_daily_cap_cuts_in_payment_order(m: Market) -> None:
    m.video("V1", creator="CR1")
    m.view("V1", ago(hours=3))
    m.search(ago(hours=2))
    for i, minutes in enumerate((50, 40, 30)):
        m.order(f"O{i}", ago(minutes=minutes))
    m.run(rules(max_per_creator_day_fen=1_200))
    assert [r["payout_fen"] for r in m.rows()] == [500, 500, 200]
    [payout] = m.table("payouts")
    assert payout["amount_fen"] == 1_200


def test_dropped_orders_leave_room_under_the_cap(m: Market) -> None:
    m.video("V1", creator="CR1")
    m.view("V1", ago(hours=3))
    m.search(ago(hours=2))
    m.order("O0", ago(minutes=50))
    m.order("O1", ago(minutes=40))
    m.refund("O0", T0 + timedelta(days=1))
    m.run(rules(max_per_creator_day_fen=500))
    assert [(r["order_id"], r["payout_fen"]) for r in m.rows()] == [("O0", 0), ("O1", 500)]


def test_only_the_period_is_replaced(m: Market) -> None:
    m.video("V1")
    m.view("V1", ago(days=1, hours=2))
    m.search(ago(days=1, hours=1))
    m.order("O-before", ago(days=1))
    m.view("V1", ago(hours=2))
    m.search(ago(hours=1))
    m.order("O1")
    m.run(start=DAY - timedelta(days=1), end=DAY - timedelta(days=1))
    m.run()
    assert [r["order_id"] for r in m.rows()] == ["O-before", "O1"]


def test_period_must_not_end_before_it_starts(m: Market) -> None:
    with pytest.raises(ValueError, match="before it starts"):
        m.run(start=date(2026, 10, 2), end=date(2026, 10, 1))
