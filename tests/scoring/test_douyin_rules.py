"""Hand-checked shops for every rule of the Douyin score (2026-05-07 text, shipped rulebook).

A *perfect* shop (every order picked up in 2 h, delivered next day, no case, every
review 5 stars, chats answered in 20 s) with 650 orders scores 97.00, not 100: it has no
refund cases, so its after-sales on-time rate has no data and counts as tier 3 (80). With
service = (80 + 100) / 2 = 90 and weights 40/30/30: 0.4 × 100 + 0.3 × 100 + 0.3 × 90 = 97.
It needs 500 valid orders in the window: below that the 80-point rule fixes its rating,
quality-return and logistics-return scores at exactly 80 (a 40-order perfect shop: 87.20).
"""

from __future__ import annotations

from .market import Market, at


def perfect_shop(market: Market, shop: str = "S1", orders: int = 650, **kw: object) -> str:
    market.shop(shop, **kw)  # type: ignore[arg-type]
    market.orders(shop, orders, rating=5)
    with market.batch():
        for day in range(1, 25):
            market.session(shop, at(day, hour=11), total_seconds=20, rating=5)
    return shop


def test_a_perfect_shop_scores_97_because_after_sales_has_no_data(market: Market) -> None:
    perfect_shop(market)
    market.score()
    row = market.row("S1")
    assert row["stage"] == "formal"
    assert (row["product_cp"], row["logistics_cp"], row["service_cp"]) == (10000, 10000, 9000)
    assert row["score_cp"] == 9700
    assert row["display_tenths"] == 50  # 97 -> 5.0
    assert market.indicator("S1", "after_sales_on_time_rate")["value"] is None


def test_a_perfect_shop_scores_87_20_with_the_80_point_rule(market: Market) -> None:
    """40 orders: rating, quality-return and logistics-return rates score exactly 80 (the
    rule text: 该指标得分为80分), though their tiers would give 100. Product 80; logistics
    0.4 × 100 + 0.3 × 100 + 0.3 × 80 = 94; service 90; 0.4 × 80 + 0.3 × 94 + 0.3 × 90 = 87.2."""
    perfect_shop(market, orders=40)
    market.score()
    row = market.row("S1")
    assert (row["product_cp"], row["logistics_cp"], row["service_cp"]) == (8000, 9400, 9000)
    assert row["score_cp"] == 8720
    assert row["display_tenths"] == 47  # 87 -> 4.0 + ceil(27 / 4) × 0.1
    for indicator in ("product_rating", "quality_return_rate", "logistics_return_rate"):
        found = market.indicator("S1", indicator)
        assert (found["tier_cp"], found["indicator_cp"], found["floor_applied"]) == (
            10000,
            8000,
            True,
        )


def test_under_30_valid_orders_the_growth_stage_fixes_the_score_at_70(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 29)
    market.score()
    row = market.row("S1")
    assert (row["stage"], row["score_cp"], row["display_tenths"]) == ("growth", 7000, None)


def test_instant_refunds_and_gifts_are_not_valid_orders(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 27)
    market.order("S1", at(3), gift=True)
    instant = {"reason": "changed_mind", "type": "refund_only", "asked_after_h": 0.2,
               "closed_after_h": 0.3, "party": "buyer"}  # fmt: skip
    market.order("S1", at(4), picked_after_h=None, case=instant)
    market.order("S1", at(5))
    market.score()
    row = market.row("S1")
    assert row["valid_orders"] == 28  # 30 paid: one gift, one 秒退 excluded
    assert row["stage"] == "growth"


def test_a_violation_in_the_window_drops_the_growth_score_to_60(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 10)
    market.violation("S1", "refused_invoice", at(20))
    market.shop("S2")
    market.orders("S2", 10)
    market.violation("S2", "refused_invoice", at(-5))  # 35 days before: out of the window
    market.score()
    assert market.row("S1")["score_cp"] == 6000
    assert market.row("S2")["score_cp"] == 7000


def test_more_than_three_missed_pickups_drop_the_growth_score_to_60(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 6, picked_after_h=50)  # picked up two days after payment
    market.score()
    assert market.row("S1")["score_cp"] == 6000


def test_low_volume_floor_lifts_a_poor_rating_to_80_with_at_most_three_bad_reviews(
    market: Market,
) -> None:
    for shop, bad in (("S1", 3), ("S2", 4)):
        market.shop(shop)
        market.orders(shop, 40)
        for day in range(bad):
            market.order(shop, at(2 + day), rating=1)  # a 1.0 rating is tier 0 (50)
    market.score()
    protected = market.indicator("S1", "product_rating")
    exposed = market.indicator("S2", "product_rating")
    assert (protected["bad_events"], protected["tier_cp"]) == (3, 5000)
    assert (protected["indicator_cp"], protected["floor_applied"]) == (8000, True)
    assert protected["floor_rule_id"] == "floor.product_rating"
    assert (exposed["bad_events"], exposed["indicator_cp"], exposed["floor_applied"]) == (
        4,
        5000,
        False,
    )


def test_flagship_shops_lose_the_floor_at_300_orders(market: Market) -> None:
    perfect_shop(market, "S1", orders=320, store_type="flagship")
    market.order("S1", at(2), rating=1)
    market.score()
    rating = market.indicator("S1", "product_rating")
    assert rating["floor_rule_id"] == "floor.product_rating.big"
    assert rating["floor_applied"] is False  # 321 valid orders >= 300


def test_negative_service_costs_3_per_case_and_at_most_15_together(market: Market) -> None:
    perfect_shop(market, "S1")
    for day in range(1, 5):
        market.violation("S1", "refused_invoice", at(day))
    for day in range(5, 7):
        market.violation("S1", "abnormal_return_address", at(day))
    market.score()
    row = market.row("S1")
    assert row["deduction_cp"] == 1500  # 6 cases x 3 = 18, one shared cap of 15
    assert row["score_cp"] == 9700 - 1500
    assert market.adjustments("S1") == {
        "deduct.refused_invoice:deduction": -1200,
        "deduct.abnormal_return_address:deduction": -600,
        "deduct.abnormal_return_address:deduction_cap": 300,  # the shared cap gives back 3
    }


def test_brushing_costs_15_at_once_and_is_capped_at_15(market: Market) -> None:
    perfect_shop(market, "S1")
    market.violation("S1", "brushing", at(3))
    market.violation("S1", "fake_review", at(9))
    market.score()
    assert market.row("S1")["deduction_cp"] == 1500
    assert market.row("S1")["score_cp"] == 8200


def test_the_score_is_clamped_at_50(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 40, picked_after_h=90, delivered_after_h=200, rating=1)
    for day in range(1, 7):
        market.violation("S1", "refused_invoice", at(day))
    market.violation("S1", "brushing", at(8))
    market.score()
    row = market.row("S1")
    assert row["weighted_cp"] - row["deduction_cp"] < 5000
    assert row["score_cp"] == 5000
    assert row["display_tenths"] is None  # a brushing case in the window hides the score


def test_pickup_clock_starts_at_06_00_for_orders_paid_between_18_00_and_06_00(
    market: Market,
) -> None:
    market.shop("S1")
    market.order("S1", at(2, hour=17, minute=59), picked_after_h=24.5)  # 24.5 h -> 90
    market.order("S1", at(3, hour=18), picked_after_h=24.5)  # clock 06:00: 12.5 h -> 100
    market.order("S1", at(4, hour=2), picked_after_h=28)  # clock 06:00: 24 h -> 100
    market.order("S1", at(5, hour=10), picked_after_h=70)  # 70 h -> 60
    market.score()
    pickup = market.indicator("S1", "pickup_score")
    assert (pickup["numerator"], pickup["denominator"]) == (9000 + 10000 + 10000 + 6000, 4)
    assert pickup["value"] == 8750


def test_an_unanswered_feige_round_counts_as_ten_minutes(market: Market) -> None:
    perfect_shop(market, "S1", orders=30)
    market.con.execute("DELETE FROM cs_sessions")
    market.session("S1", at(3, hour=11), rounds=3, unanswered=1, total_seconds=60)
    market.session("S1", at(4, hour=23), rounds=1, total_seconds=900)  # 23:00: not counted
    market.session("S1", at(5, hour=11), rounds=1, total_seconds=900, agent="bot")  # bot
    market.score()
    response = market.indicator("S1", "feige_response_seconds")
    assert (response["numerator"], response["denominator"]) == (60 + 600, 3)
    assert response["value"] == 220


def test_the_remote_area_bonus_adds_3_to_logistics_capped_at_100(market: Market) -> None:
    perfect_shop(market, "S1")
    market.order("S1", at(3), region="新疆", delivered_after_h=100)
    market.service("S1", "remote_area_logistics")
    market.score()
    row = market.row("S1")
    assert row["logistics_cp"] == 10000  # already 100: the bonus cannot pass the top
    assert market.adjustments("S1") == {"bonus.remote_area:bonus": 300}
