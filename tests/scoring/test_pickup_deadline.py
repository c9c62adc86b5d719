"""Pin of ``pickup.deadline.flowers`` (douyin-score-2026-05, inherited by 2026-07): an in-stock
order of a flowers, green plants or succulents shop is picked up on time within 48 hours of
payment (article 103956, the missed-pickup count); every other shop has until 23:59:59 of the
day after payment. Orders are paid at 10:00, so 47 h is the day after next, 09:00.

Pin of ``pickup.deadline.qic``: a QIC-inspected order (质检订单) of any shop has the same 48
hours; the shop's other orders keep the day-after deadline."""

from __future__ import annotations

import pytest

from .market import Market

BOOKS = ("douyin-score-2026-05", "douyin-score-2026-07")


@pytest.mark.parametrize("book", BOOKS)
def test_flower_shops_have_48_hours_to_hand_over(market: Market, book: str) -> None:
    shops = {  # shop: (industry, hours from payment to pickup, promised ship-by hours)
        "FLOWERS_48H": ("flowers_plants", 48.0, None),  # the boundary itself: on time
        "FLOWERS_48H_1M": ("flowers_plants", 48 + 1 / 60, None),  # one minute over: late
        "SUCCULENTS_47H": ("succulents", 47.0, None),
        "FLOWERS_PRE_SALE": ("flowers_plants", 60.0, 72.0),  # a later promise still counts
        "DIGITAL_47H": ("digital_3c", 47.0, None),  # the day-after deadline: late
    }
    for shop, (industry, hours, ship_by) in shops.items():
        market.shop(shop, industry=industry)
        market.orders(shop, 4, picked_after_h=hours, delivered_after_h=70, ship_by_h=ship_by)
    market.score(book)
    pickups = market.indicators("pickup_score", book)
    assert {shop: pickups[shop]["bad_events"] for shop in shops} == {
        "FLOWERS_48H": 0,
        "FLOWERS_48H_1M": 4,
        "SUCCULENTS_47H": 0,
        "FLOWERS_PRE_SALE": 0,
        "DIGITAL_47H": 4,
    }


@pytest.mark.parametrize("book", BOOKS)
def test_qic_inspected_orders_have_48_hours_to_hand_over(market: Market, book: str) -> None:
    cases = {  # shop: (hours from payment to pickup, QIC-inspected)
        "QIC_48H": (48.0, True),  # the boundary itself: on time
        "QIC_48H_1M": (48 + 1 / 60, True),  # one minute over: late
        "PLAIN_47H": (47.0, False),  # not inspected: the day-after deadline, late
        "UNRECORDED_47H": (47.0, None),  # no mark: read as not inspected
    }
    for shop, (hours, qic) in cases.items():
        market.shop(shop, industry="gold_jewellery")
        market.orders(shop, 4, picked_after_h=hours, delivered_after_h=70, qic=qic)
    market.score(book)
    pickups = market.indicators("pickup_score", book)
    assert {shop: pickups[shop]["bad_events"] for shop in cases} == {
        "QIC_48H": 0,
        "QIC_48H_1M": 4,
        "PLAIN_47H": 4,
        "UNRECORDED_47H": 4,
    }
