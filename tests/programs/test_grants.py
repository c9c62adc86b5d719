"""Caps and budgets stop grants exactly; ids are stable; re-runs change nothing; subsidies."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import duckdb

from merchantry.programs import load_programme, reward_id, run_programme
from merchantry.programs.rulebook import Budget, Number
from tests.programs.factories import order, orders, programme, rows, shop, signup


def fen(value: int) -> Number:
    return Number(value, "test", False, "", 0)


def granted(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return rows(
        con,
        "SELECT shop_id, task_id, reward_kind, amount_fen, held_fen, limit_kind "
        "FROM program_rewards ORDER BY granted_on, shop_id, task_id, reward_id",
    )


def busy_new_merchant(con: duckdb.DuckDBPyConnection, shop_id: str, opened: date) -> None:
    shop(con, shop_id, opened=opened)
    orders(con, shop_id, opened + timedelta(days=2), 12, scene="live", shipped_after_hours=5)


def test_new_merchant_traffic_coupons_stop_at_500_yuan(con: duckdb.DuckDBPyConnection) -> None:
    rights = load_programme("douyin-2022-new-merchant-rights")
    busy_new_merchant(con, "A", date(2022, 5, 10))
    run_programme(con, rights, date(2022, 12, 31))
    assert sum(int(r[3]) for r in granted(con)) == 50_000  # type: ignore[call-overload]
    # one fen more in any task and the cap holds back exactly that fen
    first = rights.tasks[0]
    bigger = dataclasses.replace(
        first,
        rewards=(dataclasses.replace(first.rewards[0], amount_fen=fen(10_001)),),
    )
    run_programme(
        con, dataclasses.replace(rights, tasks=(bigger, *rights.tasks[1:])), date(2022, 12, 31)
    )
    got = granted(con)
    assert sum(int(r[3]) for r in got) == 50_000  # type: ignore[call-overload]
    assert sum(int(r[4]) for r in got) == 1  # type: ignore[call-overload]
    assert [r[5] for r in got if r[4]] == ["cap"]


def test_hot_category_rewards_reach_their_caps(con: duckdb.DuckDBPyConnection) -> None:
    hot = load_programme("douyin-2022-hot-category-incentive")
    shop(con, "A", opened=date(2022, 5, 10))
    orders(con, "A", date(2022, 5, 11), 10, goods_fen=20_000)
    run_programme(con, hot, date(2022, 12, 31))
    by_kind: dict[object, int] = {}
    for r in granted(con):
        by_kind[r[2]] = by_kind.get(r[2], 0) + int(r[3])  # type: ignore[call-overload]
    assert by_kind == {"ad_coupon": 100_000, "commission_discount": 50_000}


def budget_programme(budget: Budget):  # type: ignore[no-untyped-def]
    p = programme(
        """\
program: test-programme
title_zh: 测试
title_en: Test
platform: douyin
window: {from: 2026-01-01, to: 2026-12-31, assumption: true, note: test}
tasks:
  - id: t
    title: t
    kind: orders
    count: {value: 1, source: t}
    rewards:
      - {kind: cash, amount_fen: {value: 300, source: t}}
"""
    )
    return dataclasses.replace(p, budget=budget)


def test_total_budget_is_spent_to_the_fen_in_time_order(con: duckdb.DuckDBPyConnection) -> None:
    for i, s in enumerate(("A", "B", "C", "D")):
        shop(con, s, opened=date(2025, 1, 1))
        order(con, s, datetime(2026, 3, 1 + i, 10))
    run_programme(con, budget_programme(Budget(total_fen=fen(700))), date(2026, 3, 31))
    assert [(r[0], r[3], r[4], r[5]) for r in granted(con)] == [
        ("A", 300, 0, "none"),
        ("B", 300, 0, "none"),
        ("C", 100, 200, "total_budget"),
        ("D", 0, 300, "total_budget"),
    ]


def test_month_budget_resets_each_month(con: duckdb.DuckDBPyConnection) -> None:
    for s, day in (("A", date(2026, 3, 1)), ("B", date(2026, 3, 2)), ("C", date(2026, 4, 1))):
        shop(con, s, opened=date(2025, 1, 1))
        orders(con, s, day, 1)
    run_programme(con, budget_programme(Budget(per_month_fen=fen(400))), date(2026, 4, 30))
    assert [(r[0], r[3], r[5]) for r in granted(con)] == [
        ("A", 300, "none"),
        ("B", 100, "month_budget"),
        ("C", 300, "none"),
    ]


def test_per_merchant_budget(con: duckdb.DuckDBPyConnection) -> None:
    shop(con, "A", opened=date(2025, 1, 1))
    signup(con, "A", "douyin-2026-industry-belts", date(2026, 3, 1))
    orders(con, "A", date(2026, 3, 1), 10, scene="live")
    rights = load_programme("douyin-2026-industry-belts")  # ¥500 + ¥300, merchant budget ¥800
    p = dataclasses.replace(rights, budget=Budget(per_merchant_fen=fen(79_999)))
    shop(con, "B", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "B", "douyin-2026-industry-belts", date(2026, 3, 1))
    orders(con, "B", date(2026, 3, 1), 20, scene="live")
    run_programme(con, p, date(2026, 3, 31))
    got = granted(con)
    assert {r[0] for r in got} == {"B"}  # A is not in an industry belt
    assert sum(int(r[3]) for r in got) == 79_999  # type: ignore[call-overload]
    assert [r[5] for r in got if r[4]] == ["merchant_budget"]


def test_rerun_changes_nothing_and_later_runs_keep_earlier_grants(
    con: duckdb.DuckDBPyConnection,
) -> None:
    p = budget_programme(Budget(total_fen=fen(10_000)))
    shop(con, "A", opened=date(2025, 1, 1))
    shop(con, "B", opened=date(2025, 1, 1))
    orders(con, "A", date(2026, 3, 1), 1)
    orders(con, "B", date(2026, 3, 20), 1)
    run_programme(con, p, date(2026, 3, 10))
    first = rows(con, "SELECT * FROM program_rewards")
    assert [r[0] for r in first] == [reward_id("test-programme", "A", "t", 0)]
    run_programme(con, p, date(2026, 3, 10))
    assert rows(con, "SELECT * FROM program_rewards") == first
    run_programme(con, p, date(2026, 3, 31))
    later = rows(con, "SELECT * FROM program_rewards ORDER BY granted_on")
    assert later[0] == first[0]
    assert len(later) == 2


def test_reward_ids_differ_by_every_part() -> None:
    ids = {
        reward_id("p", "s", "t", 0),
        reward_id("p2", "s", "t", 0),
        reward_id("p", "s2", "t", 0),
        reward_id("p", "s", "t2", 0),
        reward_id("p", "s", "t", 1),
    }
    assert len(ids) == 5


def test_coupon_subsidy_charges_orders_in_arrival_order_until_the_budget(
    con: duckdb.DuckDBPyConnection,
) -> None:
    plan = load_programme("douyin-2026-coupon-subsidy")
    small = dataclasses.replace(plan, budget=Budget(total_fen=fen(10_000)))
    shop(con, "A", opened=date(2025, 1, 1))
    shop(con, "SNACK", opened=date(2025, 1, 1), industry="food_snacks", category="C2")
    shop(con, "GOLD", opened=date(2025, 1, 1), industry="gold_jewellery", category="C2")
    t = datetime(2026, 3, 1, 9)
    order(con, "A", t, goods_fen=20_000, coupon_fen=4_000, order_id="O1")
    order(con, "GOLD", t + timedelta(minutes=1), goods_fen=20_000, coupon_fen=4_000, order_id="O2")
    order(con, "SNACK", t + timedelta(minutes=2), goods_fen=20_000, coupon_fen=6_000, order_id="O3")
    order(con, "A", t + timedelta(minutes=3), goods_fen=20_000, coupon_fen=3_000, order_id="O4")
    order(con, "A", t + timedelta(minutes=4), goods_fen=20_000, coupon_fen=1_000, order_id="O5")
    order(con, "A", t + timedelta(minutes=5), goods_fen=20_000, order_id="O6")
    run_programme(con, small, date(2026, 3, 31))
    got = rows(
        con,
        "SELECT order_id, coupon_fen, charged_fen, unfunded_fen FROM program_order_subsidies "
        "ORDER BY paid_at",
    )
    # O3's ¥60 coupon is above the ¥50 per-order cap; gold is not a covered category
    assert got == [
        ("O1", 4_000, 4_000, 0),
        ("O3", 6_000, 5_000, 1_000),
        ("O4", 3_000, 1_000, 2_000),
        ("O5", 1_000, 0, 1_000),
    ]
    assert sum(int(r[2]) for r in got) == 10_000  # type: ignore[call-overload]


def test_the_10bn_plan_has_room_for_every_order_of_a_small_market(
    con: duckdb.DuckDBPyConnection,
) -> None:
    plan = load_programme("douyin-2026-coupon-subsidy")
    assert plan.budget.total_fen is not None
    assert plan.budget.total_fen.value == 10_000_000_000 * 100  # ¥10 bn in fen
    shop(con, "A", opened=date(2025, 1, 1))
    order(con, "A", datetime(2026, 3, 1, 9), goods_fen=20_000, coupon_fen=2_000)
    run_programme(con, plan, date(2026, 3, 31))
    assert rows(con, "SELECT charged_fen FROM program_order_subsidies") == [(2_000,)]


def test_hot_category_ad_coupon_cap_holds_one_fen_more(con: duckdb.DuckDBPyConnection) -> None:
    hot = load_programme("douyin-2022-hot-category-incentive")
    first = hot.tasks[0]
    rewards = (dataclasses.replace(first.rewards[0], amount_fen=fen(50_001)), first.rewards[1])
    bigger = dataclasses.replace(
        hot, tasks=(dataclasses.replace(first, rewards=rewards), hot.tasks[1])
    )
    shop(con, "A", opened=date(2022, 5, 10))
    orders(con, "A", date(2022, 5, 11), 10, goods_fen=20_000)
    run_programme(con, bigger, date(2022, 12, 31))
    ads = [r for r in granted(con) if r[2] == "ad_coupon"]
    assert sum(int(r[3]) for r in ads) == 100_000  # type: ignore[call-overload]
    assert [(r[4], r[5]) for r in ads if r[4]] == [(1, "cap")]
