"""Diagnosis promises are recomputed, so acting on one delivers exactly what it said."""

from __future__ import annotations

from merchantry.scoring.diagnosis import diagnose_score

from .market import Market, at
from .test_douyin_rules import perfect_shop

RULEBOOK = "douyin-score-2026-05"


def industry_with_one_slow_shop(market: Market) -> None:
    """Four perfect 3C shops and one whose chats take 5 minutes per round."""
    for shop in ("P1", "P2", "P3", "P4"):
        perfect_shop(market, shop)
    market.shop("SLOW")
    market.orders("SLOW", 40, rating=5)
    for day in range(1, 25):
        market.session("SLOW", at(day, hour=11), total_seconds=300, rating=5)


def test_the_top_action_is_the_indicator_furthest_below_the_industry(market: Market) -> None:
    industry_with_one_slow_shop(market)
    market.score()
    diagnosis = diagnose_score(market.con, RULEBOOK, "SLOW")
    top = diagnosis.actions[0]
    # 40 orders: the 80-point rule holds rating, quality and logistics returns at 80, so
    # product 80, logistics 0.4 x 100 + 0.3 x 100 + 0.3 x 80 = 94, service (80 + 50) / 2 = 65
    assert (diagnosis.stage, diagnosis.score_cp) == ("formal", 7970)  # 32 + 28.2 + 19.5
    assert (top.indicator, top.value, top.industry_median) == ("feige_response_seconds", 300, 20)
    # service (80 + 50) / 2 = 65 -> (80 + 100) / 2 = 90: +25 x 30% = +7.50 points
    assert top.gain_cp == 750
    assert [a.indicator for a in diagnosis.actions] == ["feige_response_seconds"]
    assert top.action_en
    assert top.action_zh


def test_applying_the_top_fix_raises_the_score_by_exactly_the_promise(market: Market) -> None:
    industry_with_one_slow_shop(market)
    market.score()
    before = market.row("SLOW")["score_cp"]
    top = diagnose_score(market.con, RULEBOOK, "SLOW").actions[0]

    # The merchant fixes it: chats are now answered as fast as the industry median.
    market.con.execute(
        "UPDATE cs_sessions SET total_response_seconds = ? * rounds WHERE shop_id = 'SLOW'",
        [top.industry_median],
    )
    market.score()

    assert market.row("SLOW")["score_cp"] == before + top.gain_cp


def test_growth_stage_shops_get_no_indicator_actions(market: Market) -> None:
    industry_with_one_slow_shop(market)
    market.shop("NEW")
    market.orders("NEW", 5)
    market.score()
    diagnosis = diagnose_score(market.con, RULEBOOK, "NEW")
    assert (diagnosis.stage, diagnosis.score_cp, diagnosis.actions) == ("growth", 7000, ())
