"""Pins: every confirmed number of the shipped money rulebooks, on hand-made orders.

Each case is one order put through the real fee stage under a shipped rulebook, with the
amount worked out by hand from the platform's number (docs/sources.md): on ¥100 of goods
1 bp is exactly 1 fen, so a rate moved one step up or down changes the amount. A dated
rule has a case on each side of its date. ``tests/rulebook/test_pins_mutation.py`` moves
every confirmed number one step each way in a copy of the rulebooks and checks these pins
(and the ledger's, ``test_pins_ledger.py``) catch it; ``docs/rulebooks.md`` (Confirmed rules) lists
which case pins which rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from merchantry.fees import compute_fees
from merchantry.store.warehouse import ensure_schema
from tests.fees.market import Market

MAR25 = datetime(2025, 3, 10, 12, 0)
NOV25 = datetime(2025, 11, 10, 12, 0)
MAR26 = datetime(2026, 3, 10, 12, 0)
JUL14 = datetime(2026, 7, 14, 23, 59)
"""Last minute before the fee table's 2026-07-15 revision (no channel supplement)."""
JUL15 = datetime(2026, 7, 15, 0, 0)
"""First minute of the revision: the channel supplement is added to the base."""

PERIODS = {
    "douyin-2025": (date(2025, 1, 1), date(2026, 1, 7)),
    "douyin-2026": (date(2026, 1, 8), date(2026, 7, 31)),
    "taobao-2026": (date(2026, 3, 1), date(2026, 3, 31)),
}


@dataclass(frozen=True, slots=True)
class FeeCase:
    """One order, the rulebook it runs under, and the line amount expected (fen)."""

    rulebook: str
    pins: str
    """The rule (or parameter) whose number the case pins."""
    expected: int
    why: str
    kind: str = "technical_service_fee"
    industry: str = "apparel"
    goods: int = 10_000
    paid_at: datetime = MAR25
    shop: dict[str, Any] = field(default_factory=dict)
    order: dict[str, Any] = field(default_factory=dict)
    creator_tier: str | None = None

    @property
    def label(self) -> str:
        return f"{self.rulebook}:{self.pins}:{self.why}"


C = FeeCase
PERSONAL = {"store_type": "personal"}
"""A personal store: no 2026 waiver reaches it, so the bare rate shows."""
XB = {"business_mode": "cross_border"}
XB_PERSONAL = {"business_mode": "cross_border", "store_type": "personal"}
MALL = {"entry_point": "mall_app"}
XB_SPECIALTY = {"business_mode": "cross_border", "store_subtype": "specialty"}
XB_FRANCHISE = {"business_mode": "cross_border", "store_subtype": "franchise"}
XB_ORDINARY = {"business_mode": "cross_border", "store_subtype": "ordinary"}
SMALL = {"insurance": "small", "insured_by": "merchant"}
BULKY = {"insurance": "bulky", "insured_by": "merchant"}


def _rate(rulebook: str, rule: str, industry: str, bp: int, **kw: Any) -> FeeCase:
    return C(rulebook, rule, bp, f"{industry} at {bp} bp", industry=industry, **kw)


def _specialty(rule: str, industry: str, before: int, after: int) -> list[FeeCase]:
    """Cross-border specialty / franchise livestream orders either side of 2026-07-15, and the
    orders the higher rate does not reach: an ordinary store's, a Mall app order (base and
    supplement as for every cross-border shop)."""
    return [
        C(D26, rule, before, f"{industry} specialty 07-14", industry=industry, paid_at=JUL14,
          shop=XB_SPECIALTY),
        C(D26, rule, after, f"{industry} specialty 07-15", industry=industry, paid_at=JUL15,
          shop=XB_SPECIALTY),
        C(D26, rule, after, f"{industry} franchise 07-15", industry=industry, paid_at=JUL15,
          shop=XB_FRANCHISE),
        C(D26, rule, before, f"{industry} ordinary store 07-15", industry=industry,
          paid_at=JUL15, shop=XB_ORDINARY),
        C(D26, rule, before, f"{industry} sub-type not recorded 07-15", industry=industry,
          paid_at=JUL15, shop=XB),
    ]  # fmt: skip


def _plan(
    rule: str, plans: list[str], offered: int, expected: int, why: str, colonel: int | None = None
) -> FeeCase:
    order = {"commission_bp": offered, "plans": plans, "colonel_bp": colonel}
    return C(D25, rule, expected, why, kind="affiliate_commission", creator_tier="A",
             order=order)  # fmt: skip


def _supplement(
    rule: str, industry: str, base: int, supp: int, shop: dict[str, Any]
) -> list[FeeCase]:
    """Douyin Mall app order on each side of 2026-07-15: base only, then base + supplement."""
    return [
        C("douyin-2026", rule, base, f"{industry} mall app 07-14", industry=industry,
          paid_at=JUL14, shop=shop, order=MALL),
        C("douyin-2026", rule, base + supp, f"{industry} mall app 07-15", industry=industry,
          paid_at=JUL15, shop=shop, order=MALL),
    ]  # fmt: skip


D25 = "douyin-2025"
D26 = "douyin-2026"
TB = "taobao-2026"

FEE_CASES: list[FeeCase] = [
    # --- Douyin base rates (livestream orders, 2025: no waiver reaches them)
    _rate(D25, "tsf.base.fashion-toys-pets", "apparel", 500),
    _rate(D25, "tsf.base.fashion-toys-pets", "luxury_beauty", 500),
    _rate(D25, "tsf.base.fashion-toys-pets", "second_hand_3c", 500),
    _rate(D25, "tsf.base.fashion-toys-pets", "mens_wear", 500, paid_at=NOV25),
    _rate(D25, "tsf.base.beauty", "skincare", 400),
    _rate(D25, "tsf.base.appliance-nutrition", "large_appliance", 300),
    _rate(D25, "tsf.base.care-petfood", "personal_care", 250),
    _rate(D25, "tsf.base.care-petfood", "electric_toothbrush", 250),
    _rate(D25, "tsf.base.digital-food-baby", "digital_3c", 200),
    _rate(D25, "tsf.base.grain-oil", "grain_oil", 100),
    _rate(D25, "tsf.base.education", "education", 60),
    _rate(D25, "tsf.base.phone-topup", "phone_topup", 30),
    # --- cross-border (全球购) base rates
    _rate(D25, "tsf.base.cross-border.600", "apparel", 600, shop=XB),
    _rate(D25, "tsf.base.cross-border.600", "second_hand_3c", 600, shop=XB),
    _rate(D25, "tsf.base.cross-border.500", "makeup", 500, shop=XB),
    _rate(D25, "tsf.base.cross-border.500", "luxury_beauty", 500, shop=XB),
    _rate(D25, "tsf.base.cross-border.400", "nutrition", 400, shop=XB),
    _rate(D25, "tsf.base.cross-border.350", "pet_food", 350, shop=XB),
    _rate(D25, "tsf.base.cross-border.350", "electric_toothbrush", 350, shop=XB),
    _rate(D25, "tsf.base.cross-border.300", "food_snacks", 300, shop=XB),
    _rate(D25, "tsf.base.cross-border.300", "phone_topup", 300, shop=XB),
    _rate(D25, "tsf.base.cross-border.200", "grain_oil", 200, shop=XB),
    _rate(D25, "tsf.base.cross-border.160", "education", 160, shop=XB),
    # --- 2025 waivers
    C(D25, "param.waiver_floor_bp", 60, "fresh produce keeps 0.6%", industry="fresh_produce"),
    C(D25, "param.waiver_floor_cross_border_bp", 100, "cross-border product card keeps 1%",
      shop=XB, order={"scene": "product_card"}),
    C(D25, "tsf.waiver.multi-category-rebate", 60, "men's wear 5% - 4.4% on 09-30",
      industry="mens_wear", paid_at=datetime(2025, 9, 30, 23, 59)),
    C(D25, "tsf.waiver.multi-category-rebate", 500, "no rebate from 10-01",
      industry="mens_wear", paid_at=datetime(2025, 10, 1, 0, 0)),
    C(D25, "tsf.waiver.multi-category-accessories", 60, "accessories 0.6% on 2025-12-31",
      industry="fashion_accessories", paid_at=datetime(2025, 12, 31, 12, 0)),
    C(D25, "tsf.waiver.multi-category-accessories", 500, "accessories 5% in 2026",
      industry="fashion_accessories", paid_at=datetime(2026, 1, 1, 12, 0)),
    C(D25, "tsf.waiver.new-merchant-2025-03", 60, "opened 2025-03-01",
      shop={"opened": date(2025, 3, 1)}, paid_at=datetime(2025, 4, 10, 12, 0)),
    C(D25, "tsf.waiver.new-merchant-2025-03", 500, "opened 2025-02-28",
      shop={"opened": date(2025, 2, 28)}, paid_at=datetime(2025, 4, 10, 12, 0)),
    C(D25, "tsf.waiver.new-merchant-2025-03", 60, "opened 2025-03-31",
      shop={"opened": date(2025, 3, 31)}, paid_at=datetime(2025, 4, 10, 12, 0)),
    C(D25, "tsf.waiver.new-merchant-2025-03", 500, "opened 2025-04-01",
      shop={"opened": date(2025, 4, 1)}, paid_at=datetime(2025, 4, 10, 12, 0)),
    # --- insurance: the third price cut starts 2025-10-09
    C(D25, "insurance.small-cut3", 180, "small premium on 10-08", kind="insurance_premium",
      paid_at=datetime(2025, 10, 8, 23, 59), order=SMALL),
    C(D25, "insurance.small-cut3", 144, "small premium on 10-09", kind="insurance_premium",
      paid_at=datetime(2025, 10, 9, 0, 0), order=SMALL),
    C(D25, "insurance.small-upgraded-cut3", 300, "upgraded on 10-08", kind="insurance_premium",
      paid_at=datetime(2025, 10, 8, 23, 59),
      order={"insurance": "small_upgraded", "insured_by": "merchant"}),
    C(D25, "insurance.small-upgraded-cut3", 240, "upgraded on 10-09", kind="insurance_premium",
      paid_at=datetime(2025, 10, 9, 0, 0),
      order={"insurance": "small_upgraded", "insured_by": "merchant"}),
    C(D25, "insurance.bulky-cut3", 1_500, "bulky on 10-08", kind="insurance_premium",
      paid_at=datetime(2025, 10, 8, 23, 59), order=BULKY),
    C(D25, "insurance.bulky-cut3", 1_200, "bulky on 10-09", kind="insurance_premium",
      paid_at=datetime(2025, 10, 9, 0, 0), order=BULKY),
    # --- affiliate: commission range and the creator-side fee by tier
    C(D25, "aff.daily", 500, "4.99% offered is raised to the 5% floor", kind="affiliate_commission",
      creator_tier="A", order={"commission_bp": 499}),
    C(D25, "aff.daily", 9_000, "90.01% offered is cut to the 90% ceiling",
      kind="affiliate_commission", creator_tier="A", order={"commission_bp": 9_001}),
    C(D25, "aff.range.special", 100, "gold: 0.99% raised to the 1% floor",
      kind="affiliate_commission", industry="gold_jewellery", creator_tier="A",
      order={"commission_bp": 99}),
    C(D25, "aff.range.special", 9_000, "gold: 90.01% cut to 90%", kind="affiliate_commission",
      industry="gold_jewellery", creator_tier="A", order={"commission_bp": 9_001}),
    # --- affiliate plan ranges and plan priority (the highest-priority plan's range applies)
    _plan("aff.plan.all-creators", ["all_creators"], 5_001, 5_000, "all-creator 50.01% cut to 50%"),
    _plan("aff.plan.all-creators", ["all_creators"], 4_999, 4_999, "all-creator 49.99% kept"),
    _plan("aff.plan.all-creators", ["all_creators"], 499, 500, "all-creator 4.99% raised to 5%"),
    _plan("aff.plan.designated", ["designated"], 8_001, 8_000, "designated 80.01% cut to 80%"),
    _plan("aff.plan.designated", ["shop_targeted"], 7_999, 7_999, "shop-targeted 79.99% kept"),
    _plan("aff.plan.designated", ["shop_targeted"], 499, 500, "shop-targeted 4.99% to 5%"),
    _plan("aff.plan.designated", ["all_creators", "designated"], 6_000, 6_000,
          "designated before all-creator: 60% kept"),
    _plan("aff.plan.colonel", ["colonel"], 9_001, 9_000, "colonel 90.01% cut to 90%"),
    _plan("aff.plan.colonel", ["hosted_colonel"], 8_999, 8_999, "hosted colonel 89.99% kept"),
    _plan("aff.plan.colonel", ["colonel"], 499, 500, "colonel 4.99% raised to 5%"),
    _plan("aff.plan.colonel", ["designated", "colonel"], 8_500, 8_500,
          "colonel before designated: 85% kept"),
    _plan("aff.plan.colonel", ["shop_targeted", "hosted_colonel"], 8_500, 8_500,
          "hosted colonel before shop-targeted: 85% kept"),
    _plan("aff.plan.colonel", ["colonel"], 6_000, 6_000, "60% + colonel 30% = 90%: kept",
          colonel=3_000),
    _plan("aff.plan.colonel", ["hosted_colonel"], 6_001, 6_000,
          "60.01% + colonel 30% cut to 60%", colonel=3_000),
    _plan("aff.plan.colonel", ["colonel"], 500, 200,
          "5% + colonel 88%: cut to 2%, below the plan floor", colonel=8_800),
    _plan("aff.plan.other", ["all_creators", "crowd_selected"], 6_000, 6_000,
          "crowd-selected before all-creator: 60% kept"),
    C(D25, "creator.fee.a-b", 1_000, "tier B pays 10% of a 10,000 commission",
      kind="creator_service_fee", goods=50_000, creator_tier="B", order={"commission_bp": 2_000}),
    C(D25, "creator.fee.c", 2_000, "tier C pays 20% of a 10,000 commission",
      kind="creator_service_fee", goods=50_000, creator_tier="C", order={"commission_bp": 2_000}),
    C(D25, "creator.fee.d", 4_000, "tier D pays 40% of a 10,000 commission",
      kind="creator_service_fee", goods=50_000, creator_tier="D", order={"commission_bp": 2_000}),
    # --- the colonel (团长) fee: ¥500 of goods, colonel rate 20% -> 10,000 fen to the colonel,
    # of which the colonel pays the platform 10% (1 bp of it is exactly 1 fen)
    C(D25, "colonel.fee", 10_000, "colonel 20% of a 50,000 commission base",
      kind="colonel_service_fee", goods=50_000, creator_tier="B",
      order={"commission_bp": 2_000, "colonel_bp": 2_000, "plans": ["colonel"]}),
    C(D25, "colonel.fee", 1_000, "the colonel pays the platform 10% of a 10,000 fee",
      kind="colonel_technical_fee", goods=50_000, creator_tier="B",
      order={"commission_bp": 2_000, "colonel_bp": 2_000, "plans": ["hosted_colonel"]}),
    C(D26, "colonel.fee", 1_000, "under douyin-2026 as well", kind="colonel_technical_fee",
      goods=50_000, creator_tier="B", paid_at=MAR26,
      order={"commission_bp": 2_000, "colonel_bp": 2_000, "plans": ["colonel"]}),
    # --- 2026: Chengfang 0.6%, dual commission range, the channel supplement from 07-15
    C(D26, "param.chengfang_rate_bp", 60, "Chengfang order of an enterprise shop", paid_at=MAR26,
      order={"ad_product": "qianchuan_chengfang"}),
    C(D26, "aff.dual-ad-period", 500, "ad-period 4.99% raised to 5%", kind="affiliate_commission",
      paid_at=MAR26, creator_tier="B",
      order={"commission_bp": 2_000, "ad_commission_bp": 499, "ad_product": "qianchuan_omni"}),
    C(D26, "aff.dual-ad-period", 9_000, "ad-period 90.01% cut to 90%", kind="affiliate_commission",
      paid_at=MAR26, creator_tier="B",
      order={"commission_bp": 2_000, "ad_commission_bp": 9_001, "ad_product": "qianchuan_omni"}),
    *_supplement("tsf.channel.fashion-toys-pets", "apparel", 500, 500, PERSONAL),
    *_supplement("tsf.channel.beauty", "skincare", 400, 520, PERSONAL),
    *_supplement("tsf.channel.appliance-nutrition", "large_appliance", 300, 390, PERSONAL),
    *_supplement("tsf.channel.care-petfood", "electric_toothbrush", 250, 330, PERSONAL),
    *_supplement("tsf.channel.digital-food-baby", "digital_3c", 200, 260, PERSONAL),
    *_supplement("tsf.channel.grain-oil", "grain_oil", 100, 130, PERSONAL),
    *_supplement("tsf.channel.education", "education", 60, 80, PERSONAL),
    *_supplement("tsf.channel.phone-topup", "phone_topup", 30, 40, PERSONAL),
    *_supplement("tsf.channel.gold", "gold_jewellery", 60, 80, PERSONAL),
    *_supplement("tsf.channel.cross-border.400", "apparel", 600, 400, XB_PERSONAL),
    *_supplement("tsf.channel.cross-border.500", "makeup", 500, 500, XB_PERSONAL),
    *_supplement("tsf.channel.cross-border.520", "nutrition", 400, 520, XB_PERSONAL),
    *_supplement("tsf.channel.cross-border.460", "pet_food", 350, 460, XB_PERSONAL),
    *_supplement("tsf.channel.cross-border.390", "food_snacks", 300, 390, XB_PERSONAL),
    *_supplement("tsf.channel.cross-border.260", "grain_oil", 200, 260, XB_PERSONAL),
    *_supplement("tsf.channel.cross-border.210", "education", 160, 210, XB_PERSONAL),
    # --- cross-border specialty and franchise stores, outside the Mall app and Doubao
    *_specialty("tsf.base.cross-border.specialty.650", "apparel", 600, 650),
    *_specialty("tsf.base.cross-border.specialty.650", "shoes_bags", 600, 650),
    *_specialty("tsf.base.cross-border.specialty.650", "eyewear", 600, 650),
    *_specialty("tsf.base.cross-border.specialty.550", "makeup", 500, 550),
    *_specialty("tsf.base.cross-border.specialty.400", "personal_care", 350, 400),
    C(D26, "tsf.base.cross-border.specialty.650", 1_000, "specialty Mall app order 6% + 4%",
      paid_at=JUL15, shop=XB_SPECIALTY, order=MALL),
    C(D26, "tsf.base.cross-border.specialty.650", 1_000, "specialty Doubao order 6% + 4%",
      paid_at=JUL15, shop=XB_SPECIALTY, order={"entry_point": "doubao"}),
    C(D26, "tsf.base.cross-border.specialty.650", 500, "domestic specialty store: no change",
      paid_at=JUL15, shop={"store_subtype": "specialty"}, order={"scene": "product_card"}),
    # --- Tmall software fee (goods value, shipping left out)
    _rate(TB, "tsf.apparel", "apparel", 500, paid_at=MAR26, order={"shipping": 800}),
    _rate(TB, "tsf.grain-oil", "grain_oil", 100, paid_at=MAR26),
    _rate(TB, "tsf.snacks", "food_snacks", 200, paid_at=MAR26),
    _rate(TB, "tsf.cosmetics", "makeup", 400, paid_at=MAR26),
    _rate(TB, "tsf.large-appliance", "large_appliance", 200, paid_at=MAR26),
    _rate(TB, "tsf.gift-cards", "gift_card", 10, paid_at=MAR26),
]  # fmt: skip


def place(market: Market, case: FeeCase) -> str:
    """Write the case's shop, creator and order; the order id."""
    shop = market.shop(industry=case.industry, **case.shop)
    extra = dict(case.order)
    if case.creator_tier is not None:
        extra["creator"] = market.creator(case.creator_tier)
    return market.order(
        shop, industry=case.industry, goods=case.goods, paid_at=case.paid_at, **extra
    )


def fee_failures(
    con: duckdb.DuckDBPyConnection,
    rulebooks: Sequence[str],
    rulebook_dirs: Sequence[Path] = (),
    only: str | None = None,
) -> list[str]:
    """Run each rulebook's cases through the fee stage; one message per case that fails.
    ``only`` keeps the cases that pin that rule (the mutation check's first, cheap round)."""
    market = Market(con)
    cases = [c for c in FEE_CASES if c.rulebook in rulebooks and only in (None, c.pins)]
    placed = [(case, place(market, case)) for case in cases]
    failures: list[str] = []
    for rulebook in dict.fromkeys(c.rulebook for c in cases):
        compute_fees(con, rulebook, *PERIODS[rulebook], rulebook_dirs=rulebook_dirs)
    for case, order in placed:
        row = con.execute(
            "SELECT amount_fen FROM fee_lines WHERE rulebook = ? AND order_id = ? AND fee_kind = ?",
            [case.rulebook, order, case.kind],
        ).fetchone()
        got = None if row is None else int(row[0])
        if got != case.expected:
            failures.append(f"{case.label}: expected {case.expected}, got {got}")
    return failures


def fee_failures_in_fresh_warehouse(
    rulebooks: Sequence[str], rulebook_dirs: Sequence[Path] = (), only: str | None = None
) -> list[str]:
    """:func:`fee_failures` in a warehouse of its own (the mutation check calls this)."""
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    try:
        return fee_failures(con, rulebooks, rulebook_dirs, only)
    finally:
        con.close()


@pytest.mark.parametrize("rulebook", sorted(PERIODS))
def test_fee_pins_hold_on_the_shipped_rulebooks(
    warehouse: duckdb.DuckDBPyConnection, rulebook: str
) -> None:
    assert fee_failures(warehouse, [rulebook]) == []


def test_every_case_pins_a_rule_of_its_rulebook() -> None:
    """A pin naming a rule its rulebook does not have is a typo, not a pin."""
    from merchantry.rulebook.checker import load_rulebook

    for case in FEE_CASES:
        book = load_rulebook(case.rulebook)
        names = {r.id for r in book.rules} | {f"param.{p.name}" for p in book.parameters}
        assert case.pins in names, case.label
