"""Late shipping and late delivery are measured against the order's promise where it has one.

* Douyin missed-pickup count (growth bar, pickup bad events): picked up after the
  promised ship-by time (承诺发货时间; pre-sale orders); without one, after 23:59:59 of the
  day after payment (in-stock orders, article 103956).
* Douyin on-time delivery rate: delivered by the promised delivery time; without one, by
  pickup + the route standard (72 h here, an assumption; +96 h to remote regions).
* Taobao 48-hour pickup rate: picked up within the seller's declared ship time; without
  one, within 48 hours of payment (rule 20009524).
"""

from __future__ import annotations

from .market import Market, at

MAY, TAOBAO = "douyin-score-2026-05", "taobao-score-2026"


def test_a_pre_sale_promise_moves_the_douyin_pickup_deadline(market: Market) -> None:
    """Four orders picked up 50 h after payment: late against the day-after deadline (the
    growth score drops to 60 above three), on time against a 72-hour promise (stays 70)."""
    market.shop("NO_PROMISE")
    market.orders("NO_PROMISE", 4, picked_after_h=50, delivered_after_h=70)
    market.shop("PRE_SALE")
    market.orders("PRE_SALE", 4, picked_after_h=50, delivered_after_h=70, ship_by_h=72)
    market.shop("BROKEN")  # promised 30 h, picked up at 31 h: late though it is the next day
    market.orders("BROKEN", 4, picked_after_h=31, delivered_after_h=70, ship_by_h=30)
    market.score(MAY)
    rows = market.scores(MAY)
    pickups = market.indicators("pickup_score", MAY)
    assert {s: pickups[s]["bad_events"] for s in rows} == {
        "NO_PROMISE": 4,
        "PRE_SALE": 0,
        "BROKEN": 4,
    }
    assert {s: rows[s]["score_cp"] for s in rows} == {
        "NO_PROMISE": 6000,
        "PRE_SALE": 7000,
        "BROKEN": 6000,
    }


def test_douyin_on_time_delivery_reads_the_promised_delivery_time(market: Market) -> None:
    market.shop("S1")
    market.order("S1", at(3), delivered_after_h=40, promised_h=30)  # promised 30 h: late
    market.order("S1", at(4), delivered_after_h=150, promised_h=200)  # beyond 72 h: on time
    market.order("S1", at(5), delivered_after_h=60)  # no promise: 2 h + 72 h standard
    market.order("S1", at(6), delivered_after_h=80)  # no promise: late
    market.score(MAY)
    rate = market.indicator("S1", "on_time_delivery_rate", MAY)
    assert (rate["numerator"], rate["denominator"]) == (2, 4)


def test_taobao_48_hour_pickup_reads_the_declared_ship_time(market: Market) -> None:
    market.shop("S1")
    market.order("S1", at(3), picked_after_h=60, delivered_after_h=80, ship_by_h=96)  # on time
    market.order("S1", at(4), picked_after_h=30, delivered_after_h=50, ship_by_h=24)  # late
    market.order("S1", at(5), picked_after_h=47, delivered_after_h=60)  # no promise: 48 h
    market.order("S1", at(6), picked_after_h=49, delivered_after_h=60)  # no promise: late
    market.score(TAOBAO)
    rate = market.indicator("S1", "pickup_48h_rate", TAOBAO)
    assert (rate["numerator"], rate["denominator"]) == (2, 4)
