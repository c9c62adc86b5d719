"""Every confirmed number of the Taobao real experience score, pinned on hand-made shops
(rule 20009524 as summarised in platform-rules.md §2.1; the announcement in
seeds/taobao-tmall-2026-four-measures.md). The gates and the ranking are pinned in
``test_pins_gates.py``."""

from __future__ import annotations

from .market import Market, at

TAOBAO = "taobao-score-2026"


def test_30_valid_orders_in_30_days(market: Market) -> None:
    for shop, n in (("N29", 29), ("N30", 30)):
        market.shop(shop)
        market.orders(shop, n, rating=5)
    market.shop("WIN")
    market.orders("WIN", 29, rating=5)
    market.order("WIN", at(0, hour=12))  # 30 days before the score date: in
    market.order("WIN", at(-1, hour=12))  # 31 days before: out
    market.score(TAOBAO)
    rows = market.scores(TAOBAO)
    assert (rows["N29"]["stage"], rows["N29"]["score_cp"]) == ("none", None)
    assert rows["N30"]["stage"] == "formal"
    assert (rows["WIN"]["valid_orders"], rows["WIN"]["stage"]) == (30, "formal")


def test_48_hour_pickup_and_3_minute_reply(market: Market) -> None:
    market.shop("ON")
    market.orders("ON", 10, picked_after_h=48, delivered_after_h=60)
    market.session("ON", at(3, hour=11), rounds=1, total_seconds=180)
    market.shop("LATE")
    market.orders("LATE", 10, picked_after_h=48 + 1 / 60, delivered_after_h=60)
    market.session("LATE", at(3, hour=11), rounds=1, total_seconds=181)
    market.score(TAOBAO)
    pickup = market.indicators("pickup_48h_rate", TAOBAO)
    assert (pickup["ON"]["numerator"], pickup["ON"]["denominator"]) == (10, 10)
    assert (pickup["LATE"]["numerator"], pickup["LATE"]["denominator"]) == (0, 10)
    reply = market.indicators("response_3min_rate", TAOBAO)
    assert (reply["ON"]["numerator"], reply["LATE"]["numerator"]) == (1, 0)


def test_wangwang_rounds_count_when_started_from_08_00_to_22_59(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 10)
    with market.batch():
        for started, seconds in (
            (at(3, hour=7, minute=59), 20),  # before 08:00: out
            (at(4, hour=8), 20),
            (at(5, hour=22, minute=59), 200),
            (at(6, hour=23), 20),  # 23:00: out
        ):
            market.session("S1", started, total_seconds=seconds)
    market.score(TAOBAO)
    reply = market.indicator("S1", "response_3min_rate", TAOBAO)
    assert (reply["numerator"], reply["denominator"]) == (1, 2)


def test_the_score_stays_between_3_and_5(market: Market) -> None:
    """TOP: a food shop with its bonus item (SF free shipping) on top of a 4.98 base is
    held at 5.00. BOTTOM: every indicator in the lowest tier and five penalised cases fall
    below 3 and are held at 3.00."""
    market.shop("TOP", industry="food_snacks")
    market.orders("TOP", 40, rating=5, delivered_after_h=24)
    with market.batch():
        for day in range(1, 25):
            market.session("TOP", at(day, hour=11), total_seconds=20, rating=5)
    market.service("TOP", "sf_free_shipping")
    market.shop("BOTTOM")
    slow_refund = {"reason": "quality", "asked_after_h": 210, "closed_after_h": 400,
                   "escalated": True}  # fmt: skip
    market.orders("BOTTOM", 40, rating=1, picked_after_h=60, delivered_after_h=200,
                  case=slow_refund)  # fmt: skip
    with market.batch():
        for day in range(1, 25):
            market.session("BOTTOM", at(day, hour=11), total_seconds=900, rating=1)
    for day in range(5):
        market.violation("BOTTOM", "false_advertising", at(2 + day))
    market.score(TAOBAO)
    rows = market.scores(TAOBAO)
    top = rows["TOP"]
    assert top["weighted_cp"] + top["bonus_cp"] > 500
    assert top["score_cp"] == 500
    bottom = rows["BOTTOM"]
    assert bottom["weighted_cp"] - bottom["deduction_cp"] < 300
    assert bottom["score_cp"] == 300
    assert bottom["display_tenths"] == 30
