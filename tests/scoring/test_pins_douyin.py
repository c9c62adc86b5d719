"""Every confirmed number of the Douyin score rulebooks, pinned on hand-made shops.

Each test puts shops on both sides of a number (29 and 30 valid orders; 3 and 4 bad
reviews; 499 and 500 orders …) and scores them through the real stage, so moving the
number one step up or down in the rulebook changes an asserted figure.
``tests/scoring/test_mutations.py`` checks that claim by editing the rulebooks.

The expected figures are the rule texts' (article 103956 and revision notice
aJmVWbCJyD8M), written here by hand: the tier ladder 50/60/70/80/90/100, the growth
score 70 and 60, the 80-point rule, the deductions.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from .market import SCORE_DAY, Market, at

MAY = "douyin-score-2026-05"
JULY = "douyin-score-2026-07"
LADDER = {0: 5000, 1: 6000, 2: 7000, 3: 8000, 4: 9000, 5: 10000}
"""The six tier scores of article 103956 §2.3.2, by tier."""


def perfect(market: Market, shop: str, orders: int = 40, **kw: Any) -> str:
    market.shop(shop, **kw)
    market.orders(shop, orders, rating=5)
    with market.batch():
        for day in range(1, 25):
            market.session(shop, at(day, hour=11), total_seconds=20, rating=5)
    return shop


def test_stage_window_minimum_growth_scores_unlock_and_scope(market: Market) -> None:
    """30 valid orders in 30 days make a formal score; below, 70 (60 after a violation);
    a shop older than 90 days needs a valid order; personal stores get no growth score;
    instant-retail and cross-border shops are not scored."""
    for shop, n in (("G29", 29), ("G30", 30)):
        market.shop(shop)
        market.orders(shop, n)
    market.shop("DOWN")
    market.orders("DOWN", 10)
    market.violation("DOWN", "refused_invoice", at(20))
    market.shop("WIN")
    market.orders("WIN", 29)
    market.order("WIN", at(0, hour=12))  # paid 30 days before the score date: in the window
    market.order("WIN", at(-1, hour=12))  # 31 days before: out
    market.shop("AGE90", opened=SCORE_DAY - timedelta(days=90))
    market.shop("AGE91", opened=SCORE_DAY - timedelta(days=91))
    for shop, n in (("P29", 29), ("P30", 30)):
        market.shop(shop, store_type="personal")
        market.orders(shop, n)
    for shop, mode in (("XB", "cross_border"), ("IR", "instant_retail")):
        market.shop(shop, business_mode=mode)
        market.orders(shop, 40, rating=5)
    market.score(MAY)
    rows = market.scores(MAY)

    def got(shop: str) -> tuple[str, int | None]:
        return rows[shop]["stage"], rows[shop]["score_cp"]

    assert got("G29") == ("growth", 7000)
    assert got("G30")[0] == "formal"
    assert got("DOWN") == ("growth", 6000)
    assert rows["WIN"]["valid_orders"] == 30
    assert got("WIN")[0] == "formal"
    assert got("AGE90") == ("growth", 7000)  # 90 days old: the product on sale unlocks it
    assert got("AGE91") == ("none", None)  # older than 90 days and no valid order
    assert got("P29") == ("none", None)
    assert got("P30")[0] == "formal"
    assert got("XB") == ("none", None)
    assert got("IR") == ("none", None)
    assert rows["XB"]["stage_rule_id"] == "stage.scope"
    assert rows["P29"]["stage_rule_id"] == "stage.personal"


def test_the_six_tier_scores(market: Market) -> None:
    """20 rated orders each: k five-star and 20 − k four-star ratings (4 + k/20 stars), or all
    one-star; whatever tier the cut-offs give, the tier's score is the text's ladder."""
    for shop, fives in (("K0", 0), ("K4", 4), ("K7", 7), ("K10", 10), ("K20", 20)):
        market.shop(shop)
        with market.batch():
            for i in range(20):
                market.order(shop, at(1 + i), rating=5 if i < fives else 4)
    market.shop("ONE")
    market.orders("ONE", 20, rating=1)
    market.score(MAY)
    rows = market.indicators("product_rating", MAY)
    tiers = {rows[s]["tier"] for s in rows}
    assert tiers == {0, 1, 2, 3, 4, 5}
    for shop, row in rows.items():
        assert row["tier_cp"] == LADDER[row["tier"]], shop


def _bad_orders(market: Market, shop: str, n: int, *, day: int = 2) -> None:
    """n one-star reviews, n quality returns and n logistics-quality returns, on 3n orders."""
    with market.batch():
        for k in range(n):
            market.order(shop, at(day + k, hour=8), rating=1)
            market.order(shop, at(day + k, hour=8, minute=5), case={"reason": "quality"})
            late = {"reason": "late_delivery", "type": "refund_only", "party": "merchant"}
            market.order(shop, at(day + k, hour=8, minute=10), case=late)


FLOORED = ("product_rating", "quality_return_rate", "logistics_return_rate")


def _cps(market: Market, rulebook: str = MAY) -> dict[str, dict[str, tuple[int, bool]]]:
    out: dict[str, dict[str, tuple[int, bool]]] = {}
    for indicator in FLOORED:
        for shop, row in market.indicators(indicator, rulebook).items():
            out.setdefault(shop, {})[indicator] = (row["indicator_cp"], row["floor_applied"])
    return out


def test_the_80_point_rule_below_500_orders_with_at_most_3_bad_events(market: Market) -> None:
    """Other shops: < 500 valid orders and <= 3 bad events -> the indicator scores exactly 80,
    even when its tier would give more (a quality-return rate in tier 5 becomes 80)."""
    for shop, total in (("N499", 499), ("N500", 500)):
        market.shop(shop)
        market.orders(shop, total - 3)
        _bad_orders(market, shop, 1)  # 3 orders: one of each bad event
    for shop, bad in (("B3", 3), ("B4", 4)):
        market.shop(shop)
        market.orders(shop, 40)
        _bad_orders(market, shop, bad)
    market.score(MAY)
    cps = _cps(market)
    assert cps["N499"] == dict.fromkeys(FLOORED, (8000, True))
    # at 500 orders: a 1-star rating is tier 0, one return in 500 is tier 5 (not lowered to 80)
    assert {i: cp for i, (cp, _) in cps["N500"].items()} == {
        "product_rating": 5000,
        "quality_return_rate": 10000,
        "logistics_return_rate": 10000,
    }
    assert cps["B3"] == dict.fromkeys(FLOORED, (8000, True))
    assert {i: applied for i, (_, applied) in cps["B4"].items()} == dict.fromkeys(FLOORED, False)
    assert {i: cp for i, (cp, _) in cps["B4"].items()} == dict.fromkeys(FLOORED, 5000)


def test_the_300_order_list_flagships_and_education(market: Market) -> None:
    """Flagships and the listed industries (education and training among them) lose the
    80-point rule at 300 valid orders; an ordinary shop keeps it at 300."""
    shops = {
        "FL299": ("digital_3c", "flagship", 299),
        "FL300": ("digital_3c", "flagship", 300),
        "ED299": ("education", "enterprise", 299),
        "ED300": ("education", "enterprise", 300),
        "JD300": ("jade", "enterprise", 300),
        "EN300": ("digital_3c", "enterprise", 300),
    }
    for shop, (industry, store_type, total) in shops.items():
        market.shop(shop, industry=industry, store_type=store_type)
        market.orders(shop, total - 3)
        _bad_orders(market, shop, 1)
    for shop, bad in (("FB3", 3), ("FB4", 4)):  # flagships: the same <= 3 bad events
        market.shop(shop, store_type="flagship")
        market.orders(shop, 40)
        _bad_orders(market, shop, bad)
    market.score(MAY)
    cps = _cps(market)
    for shop in ("FL299", "ED299", "EN300", "FB3"):
        assert cps[shop] == dict.fromkeys(FLOORED, (8000, True)), shop
    assert cps["FB4"] == dict.fromkeys(FLOORED, (5000, False))
    tiers = {i: market.indicators(i, MAY) for i in FLOORED}
    for shop in ("FL300", "ED300", "JD300"):
        for indicator in FLOORED:
            tier_cp = tiers[indicator][shop]["tier_cp"]
            assert tier_cp != 8000, (shop, indicator)  # 50 for the 1-star rating, 90-100 else
            assert cps[shop][indicator] == (tier_cp, False), (shop, indicator)
    rule = market.indicators("product_rating", MAY)["ED299"]["floor_rule_id"]
    assert rule == "floor.product_rating.big"


def test_the_remote_area_bonus_adds_exactly_3_with_one_clean_remote_order(market: Market) -> None:
    def shop(name: str, *, service: bool, clean: bool) -> None:
        market.shop(name)
        market.orders(name, 40, rating=5, picked_after_h=30, delivered_after_h=50)  # below 97
        case = None if clean else {"reason": "changed_mind", "type": "return_refund"}
        market.order(name, at(3), region="新疆", delivered_after_h=100, case=case)
        if service:
            market.service(name, "remote_area_logistics")

    shop("ON", service=True, clean=True)
    shop("OFF", service=False, clean=True)
    shop("DIRTY", service=True, clean=False)
    market.score(MAY)
    rows = market.scores(MAY)
    assert rows["OFF"]["logistics_cp"] <= 9700
    assert rows["ON"]["logistics_cp"] == rows["OFF"]["logistics_cp"] + 300
    assert rows["DIRTY"]["logistics_cp"] <= rows["OFF"]["logistics_cp"]
    assert market.adjustments("DIRTY", MAY) == {}


def test_deductions_3_per_case_capped_at_15_and_15_at_once(market: Market) -> None:
    cases = {
        "AR1": ["abnormal_return_address"],
        "RI1": ["refused_invoice"],
        "MC1": ["mocking_consumer"],
        "RS1": ["refused_after_sales"],
        "RI5": ["refused_invoice"] * 5,
        "RI6": ["refused_invoice"] * 6,
        "BR1": ["brushing"],
        "BR2": ["brushing"] * 2,
        "FR1": ["fake_review"],
        "BOTH": ["brushing", "fake_review"],
    }
    for shop, kinds in cases.items():
        perfect(market, shop)
        for k, kind in enumerate(kinds):
            market.violation(shop, kind, at(3 + k))
    market.score(MAY)
    rows = market.scores(MAY)
    expected = {
        "AR1": 300, "RI1": 300, "MC1": 300, "RS1": 300, "RI5": 1500, "RI6": 1500,
        "BR1": 1500, "BR2": 1500, "FR1": 1500, "BOTH": 1500,
    }  # fmt: skip
    assert {s: rows[s]["deduction_cp"] for s in cases} == expected
    assert market.adjustments("RI6", MAY) == {
        "deduct.refused_invoice:deduction": -1500,
    }


def test_an_unanswered_round_counts_600_seconds(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 5)
    market.session("S1", at(3, hour=11), rounds=2, unanswered=1, total_seconds=40)
    market.score(MAY)
    response = market.indicator("S1", "feige_response_seconds", MAY)
    assert (response["numerator"], response["denominator"], response["value"]) == (640, 2, 320)


def test_the_pickup_clock_of_an_order_paid_from_18_00_to_06_00_starts_at_06_00(
    market: Market,
) -> None:
    """Bands 100 up to 24 h, 90 up to 36 h. Each shop's one order sits an hour from a band
    edge on one side of 18:00 or 06:00, so moving either hour by one changes a score."""
    for shop, paid, picked_after_h in (
        ("P1700", at(3, hour=17), 24.5),  # its own clock: 24.5 h -> 90
        ("P1800", at(4, hour=18), 24.5),  # clock 06:00 the next day: 12.5 h -> 100
        ("P0500", at(5, hour=5), 25),  # clock 06:00 the same day: 24 h -> 100
        ("P0500B", at(6, hour=5), 25.5),  # clock 06:00: 24.5 h -> 90
    ):
        market.shop(shop)
        market.order(shop, paid, picked_after_h=picked_after_h)
    market.score(MAY)
    scores = {s: r["value"] for s, r in market.indicators("pickup_score", MAY).items()}
    assert scores == {"P1700": 9000, "P1800": 10000, "P0500": 10000, "P0500B": 9000}


def test_feige_sessions_count_when_started_from_08_00_to_22_59(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 5)
    with market.batch():
        for started, seconds in (
            (at(3, hour=7, minute=59), 1000),  # before 08:00: out
            (at(4, hour=8), 100),
            (at(5, hour=22, minute=59), 10),
            (at(6, hour=23), 1),  # 23:00: out
        ):
            market.session("S1", started, total_seconds=seconds)
    market.score(MAY)
    response = market.indicator("S1", "feige_response_seconds", MAY)
    assert (response["numerator"], response["denominator"]) == (110, 2)


def test_july_review_time_of_a_request_made_from_23_00_to_08_00_starts_at_08_00(
    market: Market,
) -> None:
    """After-sales review time (the 2026-07-14 revision): each shop's one refund was asked
    near 23:00 or 08:00 and approved at 09:00 the next morning (or the same morning)."""
    for shop, paid, asked_after_h, closed_after_h in (
        ("R2230", at(3, hour=10), 12.5, 23),  # asked 22:30: its own clock, 630 minutes
        ("R2300", at(4, hour=10), 13, 23),  # asked 23:00: clock 08:00, 60 minutes
        ("R0730", at(5, hour=10), 21.5, 23),  # asked 07:30 the next day: clock 08:00, 60
    ):
        market.shop(shop)
        market.order(shop, paid, case={"asked_after_h": asked_after_h,
                                       "closed_after_h": closed_after_h})  # fmt: skip
    market.score(JULY)
    review = market.indicators("after_sales_review_minutes", JULY)
    assert {s: r["value"] for s, r in review.items()} == {
        "R2230": 630,
        "R2300": 60,
        "R0730": 60,
    }


def test_july_80_point_rule_for_help_seeking_and_dissatisfaction(market: Market) -> None:
    """Help-seeking: < 500 orders (300 for flagships and listed industries) and <= 3
    escalated orders. Dissatisfaction: at most 3 *rated* sessions, whatever the orders."""
    escalated = {"reason": "quality", "escalated": True}
    for shop, total, n_esc, store_type in (
        ("H499", 499, 1, "enterprise"),
        ("H500", 500, 1, "enterprise"),
        ("HF299", 299, 1, "flagship"),
        ("HF300", 300, 1, "flagship"),
        ("H3", 40, 3, "enterprise"),
        ("H4", 40, 4, "enterprise"),
        ("HF3", 40, 3, "flagship"),
        ("HF4", 40, 4, "flagship"),
    ):
        market.shop(shop, store_type=store_type)
        market.orders(shop, total - n_esc)
        market.orders(shop, n_esc, case=escalated)
    for shop, rated, orders in (("R3", 3, 40), ("R4", 4, 40), ("R2BIG", 2, 600)):
        market.shop(shop)
        market.orders(shop, orders)
        with market.batch():
            for day in range(rated):
                market.session(shop, at(2 + day, hour=11), rating=5)  # none dissatisfied
    market.score(JULY)
    help_rows = market.indicators("help_seeking_rate", JULY)
    floored = {s: (r["indicator_cp"], r["floor_applied"]) for s, r in help_rows.items()}
    for shop in ("H499", "HF299", "H3", "HF3"):
        assert floored[shop] == (8000, True), shop
    for shop in ("H500", "HF300", "H4", "HF4"):
        assert floored[shop] == (help_rows[shop]["tier_cp"], False), shop
        assert help_rows[shop]["tier_cp"] == 5000, shop  # every ask escalated: tier 0
    dis = market.indicators("dissatisfaction_rate", JULY)
    assert (dis["R3"]["bad_events"], dis["R3"]["tier_cp"]) == (0, 10000)
    assert (dis["R3"]["indicator_cp"], dis["R3"]["floor_applied"]) == (8000, True)
    assert (dis["R4"]["indicator_cp"], dis["R4"]["floor_applied"]) == (10000, False)
    assert (dis["R2BIG"]["indicator_cp"], dis["R2BIG"]["floor_applied"]) == (8000, True)
