"""Invariants of the fee stage over random small marketplaces (Hypothesis).

For any orders and any shipped rulebook:
* no line is negative unless it is a refund kind, and refund lines are never positive;
* a waiver never raises a fee: amount ≤ baseline (|amount| ≤ |baseline| for refunds);
* a shop's statement sums its lines exactly;
* the same run twice gives identical lines.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.fees import compute_fees, fee_statement
from merchantry.store.warehouse import connect

from .market import Market

RULEBOOKS = ("douyin-2025", "douyin-2026", "douyin-2022-new-merchant", "taobao-2026")
REFUND_KINDS = {"fee_refund", "promotion_fee_refund"}
START, END = date(2026, 3, 1), date(2026, 3, 31)


@st.composite
def order_specs(draw: st.DrawFn) -> dict[str, Any]:
    goods = draw(st.integers(0, 500_000))
    platform_coupon = draw(st.integers(0, goods))
    merchant_coupon = draw(st.integers(0, goods - platform_coupon))
    ad = draw(st.sampled_from([None, "qianchuan_chengfang", "qianchuan_omni", "search_ads"]))
    tier = draw(st.sampled_from([None, "A", "B+", "B", "C", "D"]))
    insurance = draw(st.sampled_from([None, "small", "small_upgraded", "bulky"]))
    return {
        "industry": draw(
            st.sampled_from(
                [
                    "apparel",
                    "grain_oil",
                    "gold_jewellery",
                    "fresh_produce",
                    "home_furniture",
                    "digital_3c",
                    "skincare",
                ]
            )
        ),
        "after_sales_days": draw(st.sampled_from([7, 15, 45])),
        "goods": goods,
        "shipping": draw(st.integers(0, 2_000)),
        "platform_coupon": platform_coupon,
        "merchant_coupon": merchant_coupon,
        "scene": draw(st.sampled_from(["live", "short_video", "product_card", "search", "mall"])),
        "entry_point": draw(st.sampled_from(["douyin_app", "mall_tab", "mall_app", "doubao"])),
        "ad_product": ad,
        "ad_cost": 0 if ad is None else draw(st.integers(0, 50_000)),
        "tier": tier,
        "commission_bp": None if tier is None else draw(st.integers(0, 9_000)),
        "ad_commission_bp": None if tier is None else draw(st.none() | st.integers(0, 9_000)),
        "insurance": insurance,
        "insured_by": None
        if insurance is None
        else draw(st.sampled_from(["merchant", "creator", "platform", "buyer"])),
        "is_gift": draw(st.booleans()),
        "day": draw(st.integers(1, 31)),
        "refund_share": draw(st.sampled_from([None, 0.25, 0.5, 1.0, 1.5])),
        "refund_minutes": draw(st.sampled_from([5, 90, 60 * 24 * 3, 60 * 24 * 40])),
        "shop": draw(st.integers(0, 2)),
    }


def build(market: Market, specs: list[dict[str, Any]]) -> None:
    shops = [
        market.shop(store_type="personal"),
        market.shop(opened=date(2026, 2, 1)),
        market.shop(business_mode="cross_border", entry_plan="zero_deposit"),
    ]
    for spec in specs:
        creator = market.creator(spec["tier"]) if spec["tier"] else None
        order = market.order(
            shops[spec["shop"]],
            industry=spec["industry"],
            after_sales_days=spec["after_sales_days"],
            goods=spec["goods"],
            shipping=spec["shipping"],
            platform_coupon=spec["platform_coupon"],
            merchant_coupon=spec["merchant_coupon"],
            scene=spec["scene"],
            entry_point=spec["entry_point"],
            ad_product=spec["ad_product"],
            ad_cost=spec["ad_cost"],
            creator=creator,
            commission_bp=spec["commission_bp"],
            ad_commission_bp=spec["ad_commission_bp"],
            insurance=spec["insurance"],
            insured_by=spec["insured_by"],
            is_gift=spec["is_gift"],
            paid_at=datetime(2026, 3, spec["day"], 10, 30),
        )
        if spec["refund_share"] is not None:
            paid = spec["goods"] + spec["shipping"] - spec["platform_coupon"]
            paid -= spec["merchant_coupon"]
            market.refund(
                order,
                int(paid * spec["refund_share"]),
                after=timedelta(minutes=spec["refund_minutes"]),
            )


def lines(con: Any, rulebook: str) -> list[tuple[Any, ...]]:
    return con.execute(
        "SELECT * FROM fee_lines WHERE rulebook = ? ORDER BY order_id, fee_kind", [rulebook]
    ).fetchall()


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs=st.lists(order_specs(), min_size=1, max_size=8), rulebook=st.sampled_from(RULEBOOKS))
def test_fee_invariants(specs: list[dict[str, Any]], rulebook: str) -> None:
    con = connect(":memory:")
    try:
        build(Market(con), specs)
        compute_fees(con, rulebook, START, END)
        first = lines(con, rulebook)
        for row in con.execute(
            "SELECT fee_kind, amount_fen, baseline_fen FROM fee_lines"
        ).fetchall():
            kind, amount, baseline = row
            if kind in REFUND_KINDS:
                assert amount <= 0, row
                assert baseline <= 0, row
                assert abs(amount) <= abs(baseline), row
            else:
                assert amount >= 0, row
                assert amount <= baseline, row

        shops = [r[0] for r in con.execute("SELECT DISTINCT shop_id FROM fee_lines").fetchall()]
        for shop in shops:
            statement = fee_statement(con, rulebook, shop, date(2026, 1, 1), date(2026, 12, 31))
            row = con.execute(
                "SELECT coalesce(sum(amount_fen), 0), count(*) FROM fee_lines "
                "WHERE rulebook = ? AND shop_id = ?",
                [rulebook, shop],
            ).fetchone()
            assert row is not None
            assert statement.total_fen == row[0]
            assert sum(x.lines for x in statement.lines) == row[1]

        compute_fees(con, rulebook, START, END)
        assert lines(con, rulebook) == first
    finally:
        con.close()
