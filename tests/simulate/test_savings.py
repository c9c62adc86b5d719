"""Savings arithmetic on a small, hand-made market.

Two rulebooks, ``old`` (baseline) and ``new`` (candidate), priced for January
2026. Three shops:

* S1, established apparel key account (GMV ¥330): a product-card commission
  waiver (¥5.00 → ¥0.60), an insurance price cut (¥3.00 → ¥2.00), a platform
  coupon subsidy of ¥5.00 paid to it under ``new`` only, an affiliate
  commission unchanged at ¥10.00, and a creator service fee (creator → platform)
  cut from ¥1.00 to ¥0.50, which is not the merchant's money.
* S2, new food shop opened 30 days before the period (GMV ¥90, small): a
  promotion-fee refund of ¥8.00 under ``new``, and the end of ``old``'s
  product-card waiver (¥0.30 → ¥1.50).
* S3, opened exactly 90 days before the period (established), GMV ¥100 (mid),
  no fee lines at all.

An order paid in February has lines too; it lies outside the period.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from merchantry.simulate import SegmentParams, SimulationResult, simulate
from tests.simulate.factories import Market

START, END = date(2026, 1, 1), date(2026, 1, 31)
PARAMS = SegmentParams(new_shop_days=90, small_below_fen=10_000, key_account_from_fen=30_000)


def build_market(m: Market) -> None:
    m.shop("S1", industry="apparel", store_type="flagship", opened=date(2024, 5, 1))
    m.shop("S2", industry="food", store_type="personal", opened=date(2025, 12, 2))
    m.shop("S3", industry="food", store_type="enterprise", opened=date(2025, 10, 3))
    m.order("O1", "S1", paid_fen=10_000, scene="product_card")
    m.order("O2", "S1", paid_fen=20_000, scene="live")
    m.order("O5", "S1", paid_fen=3_000, scene="search")
    m.order("O3", "S2", paid_fen=5_000, scene="live")
    m.order("O4", "S2", paid_fen=4_000, scene="product_card")
    m.order("O6", "S3", paid_fen=10_000, scene="short_video")
    m.order("O7", "S1", paid_fen=99_900, scene="live", paid=date(2026, 2, 3))

    tsf = "technical_service_fee"
    # baseline
    m.line("old", "O1", tsf, 500, rule_id="tsf.apparel")
    m.line("old", "O2", "insurance_premium", 300, rule_id="ins.2025")
    m.line("old", "O2", "affiliate_commission", 1_000, payee="creator", rule_id="aff")
    m.line("old", "O2", "creator_service_fee", 100, payer="creator", rule_id="creator.tier")
    m.line("old", "O3", tsf, 100, rule_id="tsf.food")
    m.line("old", "O3", "promotion_fee", 800, rule_id="promo")
    m.line("old", "O4", tsf, 30, rule_id="tsf.food", waiver="card.2025", baseline_fen=150)
    m.line("old", "O7", tsf, 999, rule_id="tsf.apparel")
    # candidate
    m.line("new", "O1", tsf, 60, rule_id="tsf.apparel", waiver="card.2026", baseline_fen=500)
    m.line("new", "O2", "insurance_premium", 200, rule_id="ins.2026")
    m.line("new", "O2", "affiliate_commission", 1_000, payee="creator", rule_id="aff")
    m.line("new", "O2", "creator_service_fee", 50, payer="creator", rule_id="creator.tier")
    m.line("new", "O3", tsf, 100, rule_id="tsf.food")
    m.line("new", "O3", "promotion_fee", 800, rule_id="promo")
    m.line("new", "O3", "promotion_fee_refund", -800, rule_id="promo.refund")
    m.line("new", "O4", tsf, 150, rule_id="tsf.food")
    m.line("new", "O5", "coupon_subsidy", 500, payer="platform", payee="merchant", rule_id="cpn")
    m.line("new", "O7", tsf, 0, rule_id="tsf.apparel")


@pytest.fixture
def result(market: Market) -> SimulationResult:
    build_market(market)
    return simulate(market.con, "old", "new", START, END, params=PARAMS)


def test_total_saving_is_baseline_cost_minus_candidate_cost(result: SimulationResult) -> None:
    s = result.summary
    # baseline: 500 + 300 + 1000 + 100 + 800 + 30; candidate: 60 + 200 + 1000 + 100 + 800
    # - 800 + 150 - 500 (the coupon subsidy is paid to the merchant).
    assert (s.baseline_cost_fen, s.candidate_cost_fen) == (2_730, 1_010)
    assert s.saving_fen == 1_720
    assert (s.orders, s.shops, s.gmv_fen) == (6, 3, 52_000)


def test_each_difference_goes_to_its_policy_line(result: SimulationResult) -> None:
    by_line = {(line.line_rulebook, line.line_id): line.saving_fen for line in result.by_line}
    assert by_line == {
        ("new", "card.2026"): 440,  # the candidate's waiver
        ("new", "ins.2026"): 100,  # no waiver: the candidate's charging rule
        ("new", "promo.refund"): 800,  # a refund only the candidate has
        ("old", "card.2025"): -120,  # a baseline waiver that ended
        ("new", "cpn"): 500,  # a subsidy paid to the merchant
    }
    refund = next(line for line in result.by_line if line.line_id == "promo.refund")
    assert refund.fee_kinds == ("promotion_fee_refund",)
    assert (refund.orders, refund.shops) == (1, 1)


def test_titles_fall_back_to_rule_ids_without_a_rule_catalogue(result: SimulationResult) -> None:
    assert {line.title for line in result.by_line} == {
        "card.2026",
        "ins.2026",
        "promo.refund",
        "card.2025",
        "cpn",
    }


def test_savings_per_shop_and_share_of_gmv(result: SimulationResult) -> None:
    shops = {shop.shop_id: shop for shop in (*result.gainers, *result.losers)}
    assert shops["S1"].saving_fen == 440 + 100 + 500
    assert shops["S1"].saving_share_bp == 315  # 1,040 / 33,000 = 3.1515%
    assert shops["S2"].saving_fen == 800 - 120
    assert shops["S2"].saving_share_bp == 756  # 680 / 9,000 = 7.5556%, rounded half up
    assert "S3" not in shops  # unchanged: neither a gainer nor a loser
    assert (result.summary.shops_gain, result.summary.shops_lose) == (2, 0)
    assert result.summary.shops_unchanged == 1


def test_segments_by_tenure_size_and_scene(result: SimulationResult) -> None:
    def savings(dimension: str) -> dict[str, int]:
        return {seg.segment: seg.saving_fen for seg in result.segments(dimension)}

    # S3 opened exactly 90 days before the start: not new.
    assert savings("tenure") == {"new": 680, "established": 1_040}
    # S3's GMV equals the small threshold: mid, not small.
    assert savings("size") == {"key_account": 1_040, "small": 680, "mid": 0}
    assert savings("industry") == {"apparel": 1_040, "food": 680}
    assert savings("store_type") == {"flagship": 1_040, "personal": 680, "enterprise": 0}
    assert savings("scene") == {"product_card": 320, "live": 900, "search": 500, "short_video": 0}
    scene_shops = {seg.segment: seg.shops for seg in result.segments("scene")}
    assert scene_shops["live"] == 2


def test_platform_give_up_subsidies_and_other_parties(result: SimulationResult) -> None:
    s = result.summary
    # platform receipts: every merchant → platform line plus the creator service fee.
    assert s.platform_baseline_fen == 500 + 300 + 100 + 100 + 800 + 30
    assert s.platform_candidate_fen == 60 + 200 + 50 + 100 + 800 - 800 + 150 - 500
    assert s.platform_giveup_fen == 1_770
    assert (s.subsidy_baseline_fen, s.subsidy_candidate_fen) == (0, 500)
    # the creator keeps ¥0.50 more of its fee: the platform gives up more than merchants save.
    assert s.others_change_fen == 50


def test_distribution_of_savings_per_shop(result: SimulationResult) -> None:
    spread = result.saving_spread  # shop savings: 0, 680, 1,040
    assert spread.percentiles == (
        (10, 0),
        (25, 0),
        (50, 680),
        (75, 1_040),
        (90, 1_040),
        (99, 1_040),
    )
    assert spread.mean == 573  # 1,720 / 3
    assert result.share_spread.value(50) == 315


def test_orders_outside_the_period_are_left_out(
    result: SimulationResult, warehouse: duckdb.DuckDBPyConnection
) -> None:
    stored = warehouse.execute("SELECT sum(orders) FROM sim_shop_savings").fetchone()
    assert stored == (6,)
    assert result.period.start == START


def test_default_period_is_every_order(market: Market) -> None:
    build_market(market)
    result = simulate(market.con, "old", "new", params=PARAMS)
    assert (result.period.start, result.period.end) == (date(2026, 1, 15), date(2026, 2, 3))
    assert result.summary.orders == 7
    assert result.summary.saving_fen == 1_720 + 999


def test_a_shop_missing_from_shops_lands_in_unknown_segments(market: Market) -> None:
    market.order("O1", "GHOST", paid_fen=20_000)
    market.line("old", "O1", "technical_service_fee", 1_000)
    market.line("new", "O1", "technical_service_fee", 400, waiver="w")
    result = simulate(market.con, "old", "new", START, END, params=PARAMS)
    for dimension in ("tenure", "industry", "store_type"):
        assert [(s.segment, s.saving_fen) for s in result.segments(dimension)] == [("unknown", 600)]
    assert result.gainers[0].shop_name is None
