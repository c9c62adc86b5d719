"""Every task condition, every eligibility rule and every gate, at its boundary."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from merchantry.programs import load_programme, run_programme
from tests.programs.factories import order, orders, programme, rows, score, shop, signup

HEAD = """\
program: test-programme
title_zh: 测试
title_en: Test
platform: douyin
window: {from: 2026-01-01, to: 2026-12-31, assumption: true, note: test}
"""


def task(kind: str, numbers: str, extra: str = "") -> str:
    return (
        HEAD
        + extra
        + f"""tasks:
  - id: t
    title: t
    kind: {kind}
{numbers}    rewards:
      - {{kind: cash, amount_fen: {{value: 100, source: test}}}}
"""
    )


def n(key: str, value: int) -> str:
    return f"    {key}: {{value: {value}, source: test}}\n"


def state(con: duckdb.DuckDBPyConnection, shop_id: str, task_id: str = "t") -> tuple[object, ...]:
    found = rows(
        con,
        "SELECT state, completed_on, progress FROM program_tasks WHERE shop_id = ? AND task_id = ?",
        shop_id,
        task_id,
    )
    return found[0] if found else ("not eligible", None, None)


DAY = date(2026, 3, 2)
END = date(2026, 3, 31)


def test_orders_complete_on_the_day_of_the_nth_order(con: duckdb.DuckDBPyConnection) -> None:
    shop(con, "A", opened=date(2025, 1, 1))
    shop(con, "B", opened=date(2025, 1, 1))
    orders(con, "A", DAY, 9)
    orders(con, "A", DAY + timedelta(days=3), 1)
    orders(con, "B", DAY, 9)
    run_programme(con, programme(task("orders", n("count", 10))), END)
    assert state(con, "A") == ("completed", DAY + timedelta(days=3), 10)
    assert state(con, "B") == ("in_progress", None, 9)


def test_orders_before_the_window_do_not_count(con: duckdb.DuckDBPyConnection) -> None:
    shop(con, "A", opened=date(2025, 1, 1))
    orders(con, "A", date(2025, 12, 31), 5)
    orders(con, "A", DAY, 1)
    run_programme(con, programme(task("orders", n("count", 2))), END)
    assert state(con, "A") == ("in_progress", None, 1)


def test_shipping_within_hours_counts_at_the_limit_not_past_it(
    con: duckdb.DuckDBPyConnection,
) -> None:
    shop(con, "A", opened=date(2025, 1, 1))
    shop(con, "B", opened=date(2025, 1, 1))
    paid = datetime(2026, 3, 2, 10)
    order(con, "A", paid, shipped_after_hours=48)
    order(con, "B", paid, shipped_after_hours=48 + 1 / 3600)
    run_programme(
        con, programme(task("orders_shipped_within", n("count", 1) + n("hours", 48))), END
    )
    assert state(con, "A") == ("completed", date(2026, 3, 4), 1)
    assert state(con, "B")[0] == "in_progress"


def test_live_orders_count_only_live_room_sales(con: duckdb.DuckDBPyConnection) -> None:
    shop(con, "A", opened=date(2025, 1, 1))
    orders(con, "A", DAY, 5, scene="short_video")
    orders(con, "A", DAY + timedelta(days=1), 1, scene="live")
    run_programme(con, programme(task("live_orders", n("count", 1))), END)
    assert state(con, "A") == ("completed", DAY + timedelta(days=1), 1)


def test_products_listed(con: duckdb.DuckDBPyConnection) -> None:
    shop(con, "A", opened=date(2025, 1, 1), products=2)
    shop(con, "B", opened=date(2026, 2, 1), products=3)
    run_programme(con, programme(task("products_listed", n("count", 3))), END)
    assert state(con, "A") == ("in_progress", None, 2)
    assert state(con, "B") == ("completed", date(2026, 2, 1), 3)


def test_beidou_star_needs_daily_sales_strictly_over_10000_yuan(
    con: duckdb.DuckDBPyConnection,
) -> None:
    beidou = load_programme("douyin-2022-beidou-apparel")
    day = date(2022, 6, 1)
    for shop_id, fen in (("AT", 1_000_000), ("OVER", 1_000_001)):
        shop(con, shop_id, opened=date(2021, 1, 1))
        order(con, shop_id, datetime(2022, 6, 1, 9), goods_fen=fen - 1)
        order(con, shop_id, datetime(2022, 6, 1, 20), goods_fen=1)
    run_programme(con, beidou, date(2022, 6, 30))
    assert state(con, "AT", "beidou-star")[0] == "in_progress"
    assert state(con, "OVER", "beidou-star")[:2] == ("completed", day)
    label = rows(
        con, "SELECT status_label FROM program_tasks WHERE shop_id='OVER' AND task_id='beidou-star'"
    )
    assert label == [("北斗之星",)]


def test_beidou_cohorts_need_a_calendar_month_at_the_amount(
    con: duckdb.DuckDBPyConnection,
) -> None:
    beidou = load_programme("douyin-2022-beidou-apparel")
    shop(con, "BELOW", opened=date(2021, 1, 1))
    shop(con, "AT", opened=date(2021, 1, 1))
    shop(con, "SPLIT", opened=date(2021, 1, 1))
    order(con, "BELOW", datetime(2022, 6, 3, 9), goods_fen=9_999_999)
    order(con, "AT", datetime(2022, 6, 3, 9), goods_fen=5_000_000)
    order(con, "AT", datetime(2022, 6, 20, 9), goods_fen=5_000_000)
    order(con, "SPLIT", datetime(2022, 6, 30, 9), goods_fen=5_000_000)
    order(con, "SPLIT", datetime(2022, 7, 1, 9), goods_fen=5_000_000)  # two months: not one
    run_programme(con, beidou, date(2022, 7, 31))
    assert state(con, "BELOW", "month-100k")[0] == "in_progress"
    assert state(con, "AT", "month-100k")[:2] == ("completed", date(2022, 6, 20))
    assert state(con, "SPLIT", "month-100k")[0] == "in_progress"


def test_score_reached_reads_the_best_score_each_day(con: duckdb.DuckDBPyConnection) -> None:
    shop(con, "A", opened=date(2025, 1, 1))
    score(con, "A", DAY, 479)
    score(con, "A", DAY + timedelta(days=1), 9000, platform="taobao")  # not this platform
    score(con, "A", DAY + timedelta(days=2), 480)
    run_programme(con, programme(task("score_reached", n("score_cp", 480))), END)
    assert state(con, "A") == ("completed", DAY + timedelta(days=2), 480)


def test_hot_category_tasks_must_finish_within_30_days_of_entry(
    con: duckdb.DuckDBPyConnection,
) -> None:
    hot = load_programme("douyin-2022-hot-category-incentive")
    entry = date(2022, 5, 20)
    shop(con, "DAY29", opened=entry)
    shop(con, "DAY30", opened=entry)
    orders(con, "DAY29", entry + timedelta(days=29), 10)
    orders(con, "DAY30", entry + timedelta(days=30), 10)
    run_programme(con, hot, date(2022, 8, 31))
    assert state(con, "DAY29", "hot-ten-orders")[0] == "completed"
    assert state(con, "DAY30", "hot-ten-orders")[0] == "late"
    granted = rows(con, "SELECT DISTINCT shop_id FROM program_rewards WHERE amount_fen > 0")
    assert granted == [("DAY29",)]


def test_hot_categories_are_apparel_and_bags_only(con: duckdb.DuckDBPyConnection) -> None:
    hot = load_programme("douyin-2022-hot-category-incentive")
    shop(con, "DRESS", opened=date(2022, 6, 1))
    shop(con, "BAGS", opened=date(2022, 6, 1), industry="shoes_bags", category="C3")
    shop(con, "SNACKS", opened=date(2022, 6, 1), industry="food_snacks", category="C2")
    run_programme(con, hot, date(2022, 6, 30))
    shops = {r[0] for r in rows(con, "SELECT DISTINCT shop_id FROM program_tasks")}
    assert shops == {"DRESS", "BAGS"}


@pytest.mark.parametrize(
    ("opened", "eligible"),
    [
        (date(2022, 5, 9), False),
        (date(2022, 5, 10), True),
        (date(2022, 7, 9), True),
        (date(2022, 7, 10), False),
    ],
)
def test_new_merchant_rights_entry_window(
    con: duckdb.DuckDBPyConnection, opened: date, eligible: bool
) -> None:
    rights = load_programme("douyin-2022-new-merchant-rights")
    shop(con, "S", opened=opened)
    run_programme(con, rights, date(2022, 12, 31))
    assert (state(con, "S", "first-product")[0] != "not eligible") is eligible


def test_static_eligibility_rules(con: duckdb.DuckDBPyConnection) -> None:
    extra = """eligibility:
  store_types: {values: [enterprise], source: t}
  category_names: {values: [女装], source: t}
  regions: {values: [浙江], source: t}
  counties: {values: ['330106'], source: t}
  tags_any: {values: [industry_belt, rural], source: t}
  days_since_entry_max: {value: 60, source: t}
"""
    opened = date(2026, 3, 1)
    shop(con, "OK", opened=opened, tags=("rural",))
    shop(con, "PERSONAL", opened=opened, tags=("rural",), store_type="personal")
    shop(con, "SNACKS", opened=opened, tags=("rural",), category="C2", industry="food_snacks")
    shop(con, "BEIJING", opened=opened, tags=("rural",), region="北京")
    shop(con, "COUNTY", opened=opened, tags=("rural",), county="330109")
    shop(con, "UNTAGGED", opened=opened, tags=("brand",))
    for s in ("OK", "PERSONAL", "SNACKS", "BEIJING", "COUNTY", "UNTAGGED"):
        orders(con, s, date(2026, 3, 5), 1)
    run_programme(con, programme(task("orders", n("count", 1), extra)), END)
    assert {r[0] for r in rows(con, "SELECT shop_id FROM program_tasks")} == {"OK"}


def test_days_since_entry_limit_is_inclusive(con: duckdb.DuckDBPyConnection) -> None:
    extra = "eligibility:\n  days_since_entry_max: {value: 60, source: t}\n"
    opened = date(2026, 1, 10)
    shop(con, "DAY60", opened=opened)
    shop(con, "DAY61", opened=opened)
    orders(con, "DAY60", opened + timedelta(days=60), 1)
    orders(con, "DAY61", opened + timedelta(days=61), 1)
    run_programme(con, programme(task("orders", n("count", 1), extra)), date(2026, 4, 30))
    assert state(con, "DAY60")[0] == "completed"
    assert state(con, "DAY61")[0] == "late"


def test_gmv_band_is_read_over_the_days_before(con: duckdb.DuckDBPyConnection) -> None:
    extra = """eligibility:
  gmv_band:
    days: {value: 7, source: t}
    min_fen: {value: 1000, source: t}
    max_fen: {value: 5000, source: t}
"""
    for s, fen in (("LOW", 999), ("MIN", 1000), ("TOP", 4999), ("HIGH", 5000)):
        shop(con, s, opened=date(2025, 1, 1))
        order(con, s, datetime(2026, 3, 1, 9), goods_fen=fen)
        order(con, s, datetime(2026, 3, 8, 9), goods_fen=1)
    text = task("orders", n("count", 2), extra)
    run_programme(con, programme(text), date(2026, 3, 8))
    assert state(con, "MIN")[0:2] == ("completed", date(2026, 3, 8))
    assert state(con, "TOP")[0] == "completed"
    assert state(con, "LOW")[0] == "gated"
    assert state(con, "HIGH")[0] == "gated"


def test_a_gate_that_holds_later_completes_the_task_that_day(
    con: duckdb.DuckDBPyConnection,
) -> None:
    extra = "eligibility:\n  score_min_cp: {value: 480, source: t}\n"
    shop(con, "A", opened=date(2025, 1, 1))
    orders(con, "A", DAY, 1)
    score(con, "A", DAY, 479)
    score(con, "A", DAY + timedelta(days=4), 480)
    run_programme(con, programme(task("orders", n("count", 1), extra)), END)
    assert state(con, "A")[:2] == ("completed", DAY + timedelta(days=4))
    assert rows(con, "SELECT granted_on FROM program_rewards") == [(DAY + timedelta(days=4),)]


def test_settlement_and_shipping_rate_gates(con: duckdb.DuckDBPyConnection) -> None:
    extra = """eligibility:
  settlement_rate:
    min_bp: {value: 9000, source: t}
    days: {value: 30, source: t}
  shipped_48h_rate:
    min_bp: {value: 9000, source: t}
    days: {value: 30, source: t}
"""
    for s in ("GOOD", "REFUNDS", "SLOW"):
        shop(con, s, opened=date(2025, 1, 1))
    day = date(2026, 3, 1)
    orders(con, "GOOD", day, 9, shipped_after_hours=10)
    orders(con, "GOOD", day, 1, shipped_after_hours=10, refunded=True)  # 90%: at the line
    orders(con, "REFUNDS", day, 8, shipped_after_hours=10)
    orders(con, "REFUNDS", day, 2, shipped_after_hours=10, refunded=True)  # 80%
    orders(con, "SLOW", day, 8, shipped_after_hours=10)
    orders(con, "SLOW", day, 2, shipped_after_hours=60)  # 80% within 48 h
    for s in ("GOOD", "REFUNDS", "SLOW"):
        orders(con, s, date(2026, 3, 10), 1, shipped_after_hours=10)
    run_programme(con, programme(task("orders", n("count", 11), extra)), date(2026, 3, 12))
    assert state(con, "GOOD")[:2] == ("completed", date(2026, 3, 10))
    assert state(con, "REFUNDS")[0] == "gated"
    assert state(con, "SLOW")[0] == "gated"


def test_transaction_certainty_needs_a_score(con: duckdb.DuckDBPyConnection) -> None:
    p = load_programme("douyin-2026-transaction-certainty")
    shop(con, "A", opened=date(2025, 1, 1))
    orders(con, "A", date(2026, 3, 1), 40, shipped_after_hours=5)
    run_programme(con, p, date(2026, 3, 10))
    assert state(con, "A", "certainty-month")[0] == "gated"
    # a Taobao score of 5.00 is on another platform's scale: it opens no Douyin gate
    score(con, "A", date(2026, 3, 4), 500, platform="taobao")
    score(con, "A", date(2026, 3, 4), 8999)  # Douyin 89.99: below the assumed 90
    run_programme(con, p, date(2026, 3, 10))
    assert state(con, "A", "certainty-month")[0] == "gated"
    score(con, "A", date(2026, 3, 5), 9000)
    run_programme(con, p, date(2026, 3, 10))
    assert state(con, "A", "certainty-month")[:2] == ("completed", date(2026, 3, 5))


def test_the_shipping_gate_reads_its_deadline(con: duckdb.DuckDBPyConnection) -> None:
    """Orders shipped 30 hours after payment are fast under a 48-hour gate, not a 24-hour one."""
    gate = """eligibility:
  shipped_48h_rate:
    min_bp: {{value: 10000, source: t}}
    days: {{value: 30, source: t}}
{hours}"""
    cases = [("", "completed"), (48, "completed"), (24, "gated"), (31, "completed"), (29, "gated")]
    for i, (deadline, expected) in enumerate(cases):
        s = f"S{i}"
        shop(con, s, opened=date(2025, 1, 1))
        orders(con, s, date(2026, 3, 1), 2, shipped_after_hours=30)
        orders(con, s, date(2026, 3, 5), 1, shipped_after_hours=1)
        hours = f"    hours: {{value: {deadline}, source: t}}\n" if deadline else ""
        text = task("orders", n("count", 3), gate.format(hours=hours))
        run_programme(con, programme(text), date(2026, 3, 8))
        assert state(con, s)[0] == expected, deadline


def test_a_signup_programme_starts_each_shop_on_its_signup_day(
    con: duckdb.DuckDBPyConnection,
) -> None:
    belts = load_programme("douyin-2026-industry-belts")
    assert belts.signup_required
    for s in ("EARLY", "LATE", "NEVER"):
        shop(con, s, opened=date(2025, 1, 1), tags=("industry_belt",))
        orders(con, s, date(2026, 3, 2), 20)
    signup(con, "EARLY", belts.name, date(2026, 3, 1))
    signup(con, "LATE", belts.name, date(2026, 3, 3))  # its earlier orders do not count
    run_programme(con, belts, date(2026, 3, 31))
    assert state(con, "EARLY", "belt-twenty-orders")[:2] == ("completed", date(2026, 3, 2))
    assert state(con, "LATE", "belt-twenty-orders") == ("in_progress", None, 0)
    assert state(con, "NEVER", "belt-twenty-orders")[0] == "not eligible"


def test_beidou_million_cohort_boundary(con: duckdb.DuckDBPyConnection) -> None:
    beidou = load_programme("douyin-2022-beidou-apparel")
    shop(con, "BELOW", opened=date(2021, 1, 1))
    shop(con, "AT", opened=date(2021, 1, 1))
    order(con, "BELOW", datetime(2022, 6, 3, 9), goods_fen=99_999_999)
    order(con, "AT", datetime(2022, 6, 3, 9), goods_fen=100_000_000)
    run_programme(con, beidou, date(2022, 6, 30))
    assert state(con, "BELOW", "month-1m")[0] == "in_progress"
    assert state(con, "AT", "month-1m")[:2] == ("completed", date(2022, 6, 3))
