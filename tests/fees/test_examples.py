"""Hand-checked examples, one or more per shipped rule.

Each test is an order, the expected line in fen, and why. Rates are in
basis points; every amount is rounded once, half away from zero.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from .market import Market

MARCH_2025 = datetime(2025, 3, 10, 12, 0)
JULY_2026 = datetime(2026, 7, 20, 12, 0)
"""After the fee table's 2026-07-15 revision, which brought the channel supplement."""


class TestDouyin2025TechnicalServiceFee:
    """Base rate by category industry; the Douyin Mall app / Doubao supplement only came with
    the 2026-07-15 revision of the fee table."""

    def test_apparel_from_the_mall_app_pays_base_plus_supplement_from_july_2026(
        self, market: Market, run
    ):
        # 5% + 5% of 12,345 fen = 1,234.5 -> 1,235 fen (half away from zero); a personal
        # store so that no 2026 waiver applies
        shop = market.shop(store_type="personal")
        order = market.order(shop, goods=12_345, entry_point="mall_app", paid_at=JULY_2026)
        line = run("douyin-2026").get(order)
        assert line["amount_fen"] == 1_235
        assert line["rate_bp"] == 1_000
        assert line["rule_id"] == "tsf.base.fashion-toys-pets"
        assert line["waiver_rule_id"] is None

    def test_the_mall_app_adds_nothing_in_2025(self, market: Market, run):
        order = market.order(goods=12_345, entry_point="mall_app", paid_at=MARCH_2025)
        assert run("douyin-2025").amount(order) == 617

    def test_apparel_from_a_livestream_pays_the_base_rate_only(self, market: Market, run):
        # 5% of 12,345 = 617.25 -> 617 fen
        order = market.order(goods=12_345, entry_point="douyin_app", paid_at=MARCH_2025)
        assert run("douyin-2025").amount(order) == 617

    def test_fee_base_counts_shipping_and_platform_coupons_not_merchant_coupons(
        self, market: Market, run
    ):
        # paid 10,000 + 1,000 shipping - 2,000 platform - 500 merchant = 8,500;
        # base = 8,500 + 2,000 platform coupon = 10,500; 5% = 525
        order = market.order(
            goods=10_000,
            shipping=1_000,
            platform_coupon=2_000,
            merchant_coupon=500,
            paid_at=MARCH_2025,
        )
        line = run("douyin-2025").get(order)
        assert line["base_fen"] == 10_500
        assert line["amount_fen"] == 525

    def test_grain_and_oil_pay_one_percent(self, market: Market, run):
        order = market.order(industry="grain_oil", goods=10_000, paid_at=MARCH_2025)
        assert run("douyin-2025").amount(order) == 100

    def test_gold_from_doubao_pays_point_six_plus_point_eight(self, market: Market, run):
        # 0.6% + 0.8% of 10,000 = 140 from 2026-07-15; 0.6% before
        shop = market.shop(industry="gold_jewellery", store_type="personal")
        late = market.order(
            shop, industry="gold_jewellery", entry_point="doubao", paid_at=JULY_2026
        )
        early = market.order(shop, industry="gold_jewellery", entry_point="doubao")
        lines = run("douyin-2026")
        assert (lines.amount(late), lines.amount(early)) == (140, 60)

    def test_an_unknown_industry_falls_to_the_catch_all(self, market: Market, run):
        order = market.order(industry="home_furniture", goods=10_000, paid_at=MARCH_2025)
        line = run("douyin-2025").get(order)
        assert (line["amount_fen"], line["rule_id"]) == (500, "tsf.base.default")


class TestDouyin2025Waivers:
    def test_product_card_order_keeps_point_six_percent(self, market: Market, run):
        # baseline 5% of 10,000 = 500; waiver floors the rate to 0.6% -> 60
        order = market.order(scene="product_card", paid_at=MARCH_2025)
        line = run("douyin-2025").get(order)
        assert (line["amount_fen"], line["baseline_fen"]) == (60, 500)
        assert line["waiver_rule_id"] == "tsf.waiver.product-card"

    def test_product_card_in_the_separate_mall_app_is_not_waived_in_2025(self, market: Market, run):
        order = market.order(scene="product_card", entry_point="mall_app", paid_at=MARCH_2025)
        assert run("douyin-2025").amount(order) == 500

    def test_gift_orders_are_excluded(self, market: Market, run):
        order = market.order(scene="product_card", is_gift=True, paid_at=MARCH_2025)
        assert run("douyin-2025").amount(order) == 500

    def test_cross_border_product_card_keeps_one_percent(self, market: Market, run):
        shop = market.shop(business_mode="cross_border")
        order = market.order(shop, scene="product_card", paid_at=MARCH_2025)
        assert run("douyin-2025").amount(order) == 100

    def test_fresh_produce_keeps_only_the_payment_channel_fee(self, market: Market, run):
        # fresh 2% live order -> floored to 0.6% = 60
        order = market.order(industry="fresh_produce", paid_at=MARCH_2025)
        line = run("douyin-2025").get(order)
        assert (line["amount_fen"], line["waiver_rule_id"]) == (60, "tsf.waiver.fresh-produce")


class TestDouyin2025OtherKinds:
    def test_affiliate_commission_excludes_shipping(self, market: Market, run):
        # 20% of 10,000 goods (shipping 800 left out) = 2,000, merchant -> creator
        creator = market.creator("C")
        order = market.order(shipping=800, creator=creator, commission_bp=2_000, paid_at=MARCH_2025)
        lines = run("douyin-2025")
        commission = lines.get(order, "affiliate_commission")
        assert (commission["amount_fen"], commission["payer"], commission["payee"]) == (
            2_000,
            "merchant",
            "creator",
        )

    def test_creator_service_fee_follows_the_tier(self, market: Market, run):
        # tier C pays 20% of its 2,000 commission = 400; tier D 40% = 800; tier A 10% = 200
        orders = {
            tier: market.order(
                creator=market.creator(tier), commission_bp=2_000, paid_at=MARCH_2025
            )
            for tier in ("A", "C", "D")
        }
        lines = run("douyin-2025")
        fees = {t: lines.amount(o, "creator_service_fee") for t, o in orders.items()}
        assert fees == {"A": 200, "C": 400, "D": 800}
        assert lines.get(orders["D"], "creator_service_fee")["payer"] == "creator"

    def test_promotion_fee_is_billed_and_refunded_pro_rata(self, market: Market, run):
        # ad cost 3,000 billed; half the order refunded -> 1,500 refunded (negative line)
        order = market.order(ad_product="qianchuan_standard", ad_cost=3_000, paid_at=MARCH_2025)
        market.refund(order, 5_000)
        lines = run("douyin-2025")
        assert lines.amount(order, "promotion_fee") == 3_000
        assert lines.amount(order, "promotion_fee_refund") == -1_500

    def test_insurance_premium_is_paid_by_whoever_insured(self, market: Market, run):
        by_merchant = market.order(insurance="small", insured_by="merchant", paid_at=MARCH_2025)
        by_buyer = market.order(insurance="bulky", insured_by="buyer", paid_at=MARCH_2025)
        lines = run("douyin-2025")
        assert lines.get(by_merchant, "insurance_premium")["payer"] == "merchant"
        assert lines.amount(by_merchant, "insurance_premium") == 180
        assert lines.get(by_buyer, "insurance_premium")["payer"] == "buyer"
        assert lines.amount(by_buyer, "insurance_premium") == 1_500

    def test_platform_coupon_is_credited_to_the_merchant(self, market: Market, run):
        order = market.order(platform_coupon=1_500, paid_at=MARCH_2025)
        line = run("douyin-2025").get(order, "coupon_subsidy")
        assert (line["amount_fen"], line["payer"], line["payee"]) == (1_500, "platform", "merchant")

    def test_fee_is_refunded_pro_rata_inside_the_after_sales_period(self, market: Market, run):
        # fee 500 on 10,000; 4,000 refunded two days after payment (period: 7 days) -> -200
        order = market.order(paid_at=MARCH_2025)
        market.refund(order, 4_000, after=timedelta(days=2))
        assert run("douyin-2025").amount(order, "fee_refund") == -200

    def test_fee_is_kept_when_the_refund_comes_after_the_period(self, market: Market, run):
        # receipt confirmed on day 3; 7-day period ends day 10; refund asked on day 15
        order = market.order(paid_at=MARCH_2025)
        market.confirm_receipt(order, after=timedelta(days=3))
        market.refund(order, 4_000, after=timedelta(days=15))
        assert run("douyin-2025").get(order, "fee_refund") is None

    def test_refunds_not_approved_do_not_count(self, market: Market, run):
        order = market.order(paid_at=MARCH_2025)
        market.refund(order, 4_000, outcome="rejected")
        assert run("douyin-2025").get(order, "fee_refund") is None


class TestDouyin2026:
    def test_chengfang_orders_pay_point_six_the_largest_waiver_wins(self, market: Market, run):
        # baseline 10% (mall app, July 2026) = 1,000; content ×0.9 would give 900;
        # Chengfang 0.6% = 60
        order = market.order(
            entry_point="mall_app", ad_product="qianchuan_chengfang", paid_at=JULY_2026
        )
        line = run("douyin-2026").get(order)
        assert (line["amount_fen"], line["baseline_fen"]) == (60, 1_000)
        assert line["waiver_rule_id"] == "tsf.waiver.chengfang"

    def test_livestream_orders_get_ten_percent_off(self, market: Market, run):
        # 5% × 0.9 = 4.5% of 10,000 = 450
        order = market.order(scene="live")
        line = run("douyin-2026").get(order)
        assert (line["amount_fen"], line["waiver_rule_id"]) == (450, "tsf.waiver.content-scenes")

    def test_rates_at_or_below_point_six_are_not_cut(self, market: Market, run):
        order = market.order(industry="gold_jewellery", scene="short_video")
        line = run("douyin-2026").get(order)
        assert (line["amount_fen"], line["waiver_rule_id"]) == (60, None)

    def test_personal_stores_are_excluded(self, market: Market, run):
        order = market.order(market.shop(store_type="personal"), scene="product_card")
        assert run("douyin-2026").amount(order) == 500

    def test_product_card_waiver_covers_the_douyin_mall_page_only(self, market: Market, run):
        inside = [
            market.order(scene="product_card", entry_point=e) for e in ("mall_app", "mall_tab")
        ]
        outside = [
            market.order(scene="product_card", entry_point=e)
            for e in ("douyin_app", "douyin_lite", "doubao")
        ]
        lines = run("douyin-2026")
        assert [lines.amount(o) for o in inside] == [60, 60]
        assert [lines.amount(o) for o in outside] == [500, 500, 500]

    def test_chengfang_does_not_reach_personal_stores(self, market: Market, run):
        personal = market.shop(store_type="personal")
        kept = market.order(personal, ad_product="qianchuan_chengfang")
        cut = market.order(market.shop(), ad_product="qianchuan_chengfang", scene="product_card")
        lines = run("douyin-2026")
        assert (lines.amount(kept), lines.amount(cut)) == (500, 60)

    def test_net_deal_billing_drops_instant_refund_ad_cost(self, market: Market, run):
        order = market.order(ad_product="qianchuan_omni", ad_cost=3_000)
        market.refund(order, 10_000, after=timedelta(minutes=20))
        line = run("douyin-2026").get(order, "promotion_fee")
        assert (line["amount_fen"], line["baseline_fen"]) == (0, 3_000)
        assert line["waiver_rule_id"] == "promo.billing"

    def test_promotion_fee_is_waived_on_refunded_orders(self, market: Market, run):
        order = market.order(ad_product="qianchuan_omni", ad_cost=3_000)
        market.refund(order, 2_000, after=timedelta(days=2))
        lines = run("douyin-2026")
        line = lines.get(order, "promotion_fee")
        assert (line["amount_fen"], line["waiver_rule_id"]) == (0, "promo.waiver-refunded")
        assert lines.get(order, "promotion_fee_refund") is None  # 2025 refund disabled

    def test_ad_cost_is_billed_on_orders_kept(self, market: Market, run):
        order = market.order(ad_product="qianchuan_omni", ad_cost=3_000)
        assert run("douyin-2026").amount(order, "promotion_fee") == 3_000

    def test_dual_commission_settles_ad_orders_at_the_ad_period_rate(self, market: Market, run):
        creator = market.creator("B")
        boosted = market.order(
            creator=creator,
            commission_bp=2_000,
            ad_commission_bp=1_000,
            ad_product="qianchuan_omni",
            ad_cost=500,
        )
        organic = market.order(creator=creator, commission_bp=2_000, ad_commission_bp=1_000)
        lines = run("douyin-2026")
        assert lines.get(boosted, "affiliate_commission")["rule_id"] == "aff.dual-ad-period"
        assert lines.amount(boosted, "affiliate_commission") == 1_000
        assert lines.amount(organic, "affiliate_commission") == 2_000

    def test_insurance_is_cheaper_after_the_third_cut(self, market: Market, run):
        order = market.order(insurance="small", insured_by="merchant")
        assert run("douyin-2026").amount(order, "insurance_premium") == 144


class TestOtherRulebooks:
    def test_tmall_software_fee_excludes_shipping(self, market: Market, run):
        # goods 10,000 - merchant coupon 500 = 9,500 (shipping 1,000 left out); 5% = 475
        order = market.order(goods=10_000, shipping=1_000, merchant_coupon=500)
        line = run("taobao-2026").get(order)
        assert (line["base_fen"], line["amount_fen"]) == (9_500, 475)

    def test_taobao_personal_store_pays_point_six(self, market: Market, run):
        order = market.order(market.shop(store_type="personal"), goods=9_500)
        assert run("taobao-2026").amount(order) == 57

    def test_2022_new_shops_get_no_fee_waiver(self, market: Market, run):
        """The 2022 article describes coupons and a ¥500 commission discount, not a rate: a
        new shop pays the same fee as an old one (and no 2025 waiver reaches back)."""
        from datetime import date

        new = market.shop(opened=date(2022, 3, 1))
        old = market.shop(opened=date(2021, 1, 1))
        paid = datetime(2022, 4, 10, 9, 0)
        young, veteran = market.order(new, paid_at=paid), market.order(old, paid_at=paid)
        card = market.order(old, scene="product_card", paid_at=paid)
        lines = run("douyin-2022-new-merchant")
        assert (lines.amount(young), lines.amount(veteran), lines.amount(card)) == (500, 500, 500)


# Every base-rate rule of douyin-2025, as (industry, base bp, mall-app supplement bp): a ¥100
# order from a livestream pays the base; the same order from the Douyin Mall app adds the
# supplement from 2026-07-15 (docs/sources.md#dy-tsf-table; catch-all 5% + 5% for an
# industry the table lacks). Personal stores, so that no 2026 waiver applies.
DOUYIN_RATES = [
    ("apparel", 500, 500),
    ("shoes_bags", 500, 500),
    ("toys", 500, 500),
    ("skincare", 400, 520),
    ("makeup", 400, 520),
    ("large_appliance", 300, 390),
    ("nutrition", 300, 390),
    ("personal_care", 250, 330),
    ("pet_food", 250, 330),
    ("digital_3c", 200, 260),
    ("food_snacks", 200, 260),
    ("baby", 200, 260),
    ("grain_oil", 100, 130),
    ("education", 60, 80),
    ("home_furniture", 500, 500),
]


@pytest.mark.parametrize(("industry", "base_bp", "supplement_bp"), DOUYIN_RATES)
def test_douyin_rate_table(market: Market, run, industry, base_bp, supplement_bp):
    shop = market.shop(industry=industry, store_type="personal")
    live = market.order(shop, industry=industry, goods=10_000, paid_at=JULY_2026)
    mall = market.order(
        shop, industry=industry, goods=10_000, entry_point="mall_app", paid_at=JULY_2026
    )
    before = market.order(shop, industry=industry, goods=10_000, entry_point="mall_app")
    lines = run("douyin-2026")
    # on 10,000 fen, 1 bp is exactly 1 fen
    assert lines.amount(live) == base_bp
    assert lines.amount(mall) == base_bp + supplement_bp
    assert lines.amount(before) == base_bp


TMALL_RATES = [
    ("apparel", 500),
    ("grain_oil", 100),
    ("food_snacks", 200),
    ("skincare", 400),
    ("makeup", 400),
    ("large_appliance", 200),
    ("gold_jewellery", 50),
    ("toys", 500),
]


@pytest.mark.parametrize(("industry", "rate_bp"), TMALL_RATES)
def test_tmall_category_software_fee_table(market: Market, run, industry, rate_bp):
    # 10,000 fen of goods plus 800 shipping: shipping is not in the base
    order = market.order(industry=industry, goods=10_000, shipping=800)
    assert run("taobao-2026").amount(order) == rate_bp
