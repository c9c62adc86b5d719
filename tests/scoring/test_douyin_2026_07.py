"""Hand-checked shops for the 2026-07-14 revision (shipped douyin-score-2026-07, §1.4).

What changed from the 2026-05-07 text: the service dimension is four indicators with
per-industry sub-weights, two deductions are gone, and the 80-point low-volume floor
also covers the dissatisfaction and help-seeking rates. Scored on the same hand-made
window as the other tests (the stage warns that the date is before 07-14; the rules are
what is under test here).
"""

from __future__ import annotations

from merchantry.kit.money import div_round

from .market import Market, at
from .test_douyin_rules import perfect_shop

JULY = "douyin-score-2026-07"
MAY = "douyin-score-2026-05"
SERVICE = (
    "dissatisfaction_rate",
    "feige_response_seconds",
    "after_sales_review_minutes",
    "help_seeking_rate",
)


def service_rows(market: Market, shop: str) -> dict[str, tuple[int | None, int | None, str]]:
    rows = market.con.execute(
        "SELECT indicator, weight_bp, indicator_cp, weight_rule_id FROM shop_score_indicators"
        " WHERE rulebook = ? AND shop_id = ? AND dimension = 'service'",
        [JULY, shop],
    ).fetchall()
    return {str(i): (w, cp, str(r)) for i, w, cp, r in rows}


def test_mocking_consumers_and_refusing_after_sales_no_longer_cost_points(
    market: Market,
) -> None:
    perfect_shop(market, "S1")
    market.violation("S1", "mocking_consumer", at(3))
    market.violation("S1", "refused_after_sales", at(4))
    market.violation("S1", "abnormal_return_address", at(5))
    market.score(MAY)
    market.score(JULY)
    assert market.row("S1", MAY)["deduction_cp"] == 900  # three cases x 3 under the May text
    assert market.adjustments("S1", JULY) == {"deduct.abnormal_return_address:deduction": -300}
    assert market.row("S1", JULY)["deduction_cp"] == 300


def test_the_service_dimension_uses_the_industry_sub_weights(market: Market) -> None:
    """Make-up (non-flagship): dissatisfaction 35%, response 15%, review 30%, help 20%;
    3C (non-flagship) 25% each. Service = weighted mean of the indicator
    scores that have one, rounded half away from zero."""
    for shop, industry in (("MK", "makeup"), ("3C", "digital_3c")):
        perfect_shop(market, shop, industry=industry)
        market.orders(shop, 6, case={"reason": "wrong_size", "type": "return_refund"})  # refunds
        for day in (2, 3, 4):
            market.session(shop, at(day, hour=15), rating=2, total_seconds=200)
    market.score(JULY)
    expected_weights = {
        "MK": dict(zip(SERVICE, (3500, 1500, 3000, 2000), strict=True)),
        "3C": dict.fromkeys(SERVICE, 2500),
    }
    for shop, weights in expected_weights.items():
        rows = service_rows(market, shop)
        assert {i: w for i, (w, _, _) in rows.items()} == weights
        scored = [(w, cp) for w, cp, _ in rows.values() if w is not None and cp is not None]
        assert len(scored) == 4  # every service indicator has data here
        total = sum(w for w, _ in scored)
        assert market.row(shop, JULY)["service_cp"] == div_round(
            sum(w * cp for w, cp in scored), total
        )
    assert service_rows(market, "MK")["dissatisfaction_rate"][2] == (
        "svc.dissatisfaction.makeup.non_flagship"
    )
    assert service_rows(market, "3C")["dissatisfaction_rate"][2] == (
        "svc.dissatisfaction.digital_3c.non_flagship"
    )


def test_the_80_point_rule_covers_dissatisfaction_with_at_most_three_rated_sessions(
    market: Market,
) -> None:
    """Notice aJmVWbCJyD8M counts *rated* sessions (有人工客服评价会话数 <= 3), not dissatisfied
    ones: three one-star sessions score exactly 80; a fourth rated session, even a happy
    one, ends the exemption."""
    for shop, ratings in (("FEW", (1, 1, 1)), ("MANY", (1, 1, 1, 5))):
        market.shop(shop)
        market.orders(shop, 40, rating=5)
        for day, rating in enumerate(ratings):
            market.session(shop, at(2 + day, hour=11), rating=rating)
    market.score(JULY)
    few = market.indicator("FEW", "dissatisfaction_rate", JULY)
    many = market.indicator("MANY", "dissatisfaction_rate", JULY)
    assert (few["denominator"], many["denominator"]) == (3, 4)
    assert (few["tier"], many["tier"]) == (0, 0)  # 100% and 75% dissatisfied
    assert (few["floor_applied"], few["indicator_cp"], few["floor_rule_id"]) == (
        True,
        8000,
        "floor.dissatisfaction_rate",
    )
    assert many["floor_applied"] is False
    assert many["indicator_cp"] == many["tier_cp"] == 5000
