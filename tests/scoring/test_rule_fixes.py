"""Hand-checked shops for the score rules that used to say something other than the texts.

* Gifts, lucky bags, low-price, 秒退 and abnormal orders count in no indicator (article
  103956 §2.1.2), while deductions still see every order.
* Taobao: the logistics bad-review rate counts only where a rule gives it a weight; the
  bonus items go to the industries the announcement names.
(Scope, personal stores, the 80-point rule, the 300-order list and the rated-session
exemption are in ``test_pins_douyin.py``; the good-service list in ``test_pins_gates.py``.)
"""

from __future__ import annotations

from .market import Market, at

MAY, JULY, TAOBAO = "douyin-score-2026-05", "douyin-score-2026-07", "taobao-score-2026"


def test_excluded_orders_count_in_no_indicator_but_deductions_see_them(market: Market) -> None:
    """40 good orders, then five orders that should change nothing: a gift with a one-star
    review and a quality return, a ¥1 order (low price) likewise, an abnormal (brushed)
    order likewise, a 秒退 order, and a dissatisfied chat about the gift. Only the brushing
    deduction of the brushed order shows."""
    for shop in ("CLEAN", "NOISY"):
        market.shop(shop)
        market.orders(shop, 40, rating=5)
        with market.batch():
            for day in range(1, 9):
                market.session(shop, at(day, hour=11), total_seconds=20, rating=5)
    quality = {"reason": "quality", "escalated": True}
    gift = market.order("NOISY", at(5), rating=1, case=quality, gift=True)
    market.order("NOISY", at(6), rating=1, case=quality, paid_fen=100)
    brushed = market.order("NOISY", at(7), rating=1, case=quality)
    market.violation("NOISY", "brushing", at(7, hour=12), order_id=brushed)
    instant = {"reason": "changed_mind", "type": "refund_only", "asked_after_h": 0.2,
               "closed_after_h": 0.3, "party": "buyer"}  # fmt: skip
    market.order("NOISY", at(8), picked_after_h=None, case=instant)
    market.session("NOISY", at(5, hour=15), rating=1, escalated=True, order_id=gift)
    market.order("NOISY", at(9), paid_fen=101)  # above the low-price line: a valid order
    market.score(MAY)
    market.score(JULY)
    for rulebook in (MAY, JULY):
        clean = market.scores(rulebook)["CLEAN"]
        noisy = market.scores(rulebook)["NOISY"]
        assert noisy["valid_orders"] == clean["valid_orders"] + 1 == 41
        for dim in ("product_cp", "logistics_cp", "service_cp"):
            assert noisy[dim] == clean[dim], (rulebook, dim)
        assert (noisy["deduction_cp"], clean["deduction_cp"]) == (1500, 0)
    rating = market.indicator("NOISY", "product_rating", MAY)
    assert (rating["numerator"], rating["denominator"], rating["bad_events"]) == (200, 40, 0)
    assert market.indicator("NOISY", "quality_return_rate", MAY)["numerator"] == 0
    dissatisfied = market.indicator("NOISY", "dissatisfaction_rate", JULY)
    assert (dissatisfied["numerator"], dissatisfied["denominator"]) == (0, 8)
    assert market.indicator("NOISY", "help_seeking_rate", JULY)["numerator"] == 0


def test_taobao_logistics_bad_reviews_count_only_where_the_category_uses_them(
    market: Market,
) -> None:
    for shop, industry in (("FRESH", "fresh_produce"), ("DIGITAL", "digital_3c")):
        market.shop(shop, industry=industry)
        market.orders(shop, 40, rating=5)
    market.score(TAOBAO)
    rows = market.indicators("logistics_bad_review_rate", TAOBAO)
    assert (rows["FRESH"]["dimension"], rows["FRESH"]["weight_bp"]) == ("logistics", 2000)
    assert (rows["DIGITAL"]["dimension"], rows["DIGITAL"]["weight_bp"]) == (None, None)


def test_taobao_bonus_items_go_to_the_industries_the_announcement_names(market: Market) -> None:
    """Home improvement: delivery and installation, free removal of old items; pets: the
    one-to-one pet doctor; food: SF free shipping; maternal and infant: free size exchange.
    The same service elsewhere earns nothing."""
    pairs = {
        "HOME": ("home_furniture", ("delivery_installation", "free_old_item_removal")),
        "PET": ("pet_food", ("pet_doctor",)),
        "FOOD": ("food_snacks", ("sf_free_shipping",)),
        "BABY": ("baby", ("free_size_exchange",)),
        "APPAREL": ("apparel", ("free_size_exchange", "sf_free_shipping")),
        "APPLIANCE": ("large_appliance", ("delivery_installation", "free_old_item_removal")),
        "DIGITAL": ("digital_3c", ("pet_doctor", "sf_free_shipping")),
    }
    for shop, (industry, services) in pairs.items():
        market.shop(shop, industry=industry)
        market.orders(shop, 40, rating=3, delivered_after_h=24)
        for service in services:
            market.service(shop, service)
    market.score(TAOBAO)
    got = {shop: sorted(market.adjustments(shop, TAOBAO)) for shop in pairs}
    assert got == {
        "HOME": ["bonus.delivery_installation:bonus", "bonus.free_old_item_removal:bonus"],
        "PET": ["bonus.pet_doctor:bonus"],
        "FOOD": ["bonus.sf_free_shipping:bonus"],
        "BABY": ["bonus.free_size_exchange:bonus"],
        "APPAREL": [],
        "APPLIANCE": [],
        "DIGITAL": [],
    }


def test_manipulation_hides_the_douyin_score_from_consumers(market: Market) -> None:
    """An intervention the rule allows (hiding; which cases trigger it is an assumption):
    the score is still computed for the merchant, but not shown."""
    for shop in ("HIDDEN", "SHOWN"):
        market.shop(shop)
        market.orders(shop, 40, rating=5)
    market.violation("HIDDEN", "brushing", at(10))
    market.score(MAY)
    rows = market.scores(MAY)
    assert rows["HIDDEN"]["score_cp"] is not None
    assert rows["HIDDEN"]["display_tenths"] is None
    assert rows["SHOWN"]["display_tenths"] is not None
