"""Every listing rule: a violating listing, a compliant one, and the near-misses beside it."""

from __future__ import annotations

from datetime import date

import pytest

from merchantry.listings.check import check_listing
from merchantry.listings.claims import Listing
from merchantry.listings.rulebook import ListingRulebook, Outcome, RuleKind
from merchantry.listings.rules import Authorisation, Context, make_context
from tests.listings.conftest import TODAY, listing

APPAREL = {"industry": "apparel"}
PRODUCE = {"industry": "fresh_produce"}
TISSUE = {"industry": "personal_care", "net_count": 100, "count_unit": "抽"}

CASES: list[tuple[str, Listing, RuleKind | None]] = [
    # material: the title names a material the composition lacks
    (
        "cashmere without cashmere",
        listing("羊绒围巾女冬季", composition={"腈纶": 100}, **APPAREL),
        RuleKind.MATERIAL_CLAIM,
    ),
    (
        "cashmere blend with a stated share",
        listing("羊绒混纺围巾女冬季", composition={"羊绒": 30, "羊毛": 70}, **APPAREL),
        None,
    ),
    ("imitation cashmere", listing("仿羊绒围巾女冬季", composition={"腈纶": 100}, **APPAREL), None),
    (
        "pure cashmere at 50%",
        listing("纯羊绒衫", composition={"羊绒": 50, "羊毛": 50}, **APPAREL),
        RuleKind.MATERIAL_CLAIM,
    ),
    (
        "100% wool at 60%",
        listing("100%羊毛大衣", composition={"羊毛": 60, "涤纶": 40}, **APPAREL),
        RuleKind.MATERIAL_CLAIM,
    ),
    (
        "pure wool at 98%",
        listing("纯羊毛大衣", composition={"羊毛": 98, "氨纶": 2}, **APPAREL),
        None,
    ),
    (
        "down jacket, polyester filling",
        listing("白鸭绒羽绒服", composition={"涤纶": 100}, **APPAREL),
        RuleKind.MATERIAL_CLAIM,
    ),
    (
        "down jacket with duck down stated",
        listing("白鸭绒羽绒服", composition={"白鸭绒": 90, "羽毛": 10}, **APPAREL),
        None,
    ),
    ("composition unknown: no guess", listing("羊绒围巾", composition=None, **APPAREL), None),
    # origin: the title's producing area against the ship-from province
    (
        "Aksu apples from Shandong",
        listing("阿克苏冰糖心苹果5斤", ship_from="山东", **PRODUCE),
        RuleKind.ORIGIN_CLAIM,
    ),
    (
        "Aksu apples from Xinjiang",
        listing("阿克苏冰糖心苹果5斤", ship_from="新疆", **PRODUCE),
        None,
    ),
    ("a city of the same province", listing("烟台红富士苹果", ship_from="栖霞", **PRODUCE), None),
    (
        "not produce: rule does not apply",
        listing("新疆风情围巾", ship_from="浙江", **APPAREL),
        None,
    ),
    # count: a count in the title above the stated one
    ("300 sheets claimed, 100 stated", listing("原木抽纸300抽6包", **TISSUE), RuleKind.COUNT_CLAIM),
    ("100 sheets claimed, 100 stated", listing("原木抽纸100抽6包", **TISSUE), None),
    ("fewer than stated", listing("原木抽纸90抽6包", **TISSUE), None),
    ("another unit is not compared", listing("原木抽纸3层加厚6包", **TISSUE), None),
    # absolute terms: segmented, not substring
    ("lowest price online", listing("全网最低价保湿面霜"), RuleKind.ABSOLUTE_TERMS),
    ("best seller number one", listing("销量第一保湿面霜"), RuleKind.ABSOLUTE_TERMS),
    ("national-grade", listing("国家级品质保湿面霜"), RuleKind.ABSOLUTE_TERMS),
    ("a 最 word not listed (最美)", listing("最美保湿面霜"), RuleKind.ABSOLUTE_TERMS),
    ("recently (最近) is honest", listing("最近热卖保湿面霜"), None),
    ("first item half price (第一件) is honest", listing("第一件半价保湿面霜"), None),
    ("first time (第一次) is honest", listing("第一次用就爱上保湿面霜"), None),
    (
        "caption uses a forbidden word",
        listing("保湿面霜", captions=("这是史上最好用的面霜",)),
        RuleKind.ABSOLUTE_TERMS,
    ),
    # national subsidy: label outside the programme
    ("国补 in a skincare title", listing("国补保湿面霜"), RuleKind.SUBSIDY_LABEL),
    (
        "国补 badge on apparel",
        listing("连衣裙", subsidy_label=True, **APPAREL),
        RuleKind.SUBSIDY_LABEL,
    ),
    (
        "国补 on a fridge",
        listing("国补一级能效冰箱", industry="large_appliance", subsidy_label=True),
        None,
    ),
    ("全国补货 is not 国补", listing("全国补货中保湿面霜"), None),
    # brand authorisation
    (
        "brand in title, no authorisation",
        listing("澜庭修护面霜", shop="S2"),
        RuleKind.UNAUTHORISED_BRAND,
    ),
    ("brand in title, authorised", listing("澜庭修护面霜", shop="S1"), None),
    (
        "declared brand, no authorisation",
        listing("修护面霜", shop="S2", brand="澜庭"),
        RuleKind.UNAUTHORISED_BRAND,
    ),
    ("compatible accessory (适用于)", listing("适用于澜庭面霜的替换装", shop="S2"), None),
    ("authorisation expired", listing("沐川精华液", shop="S1"), RuleKind.UNAUTHORISED_BRAND),
    # creator captions: held to the listing's attributes, as the title is
    (
        "caption claims cashmere the composition lacks",
        listing(
            "女士围巾冬季", composition={"腈纶": 100}, captions=("这款是羊绒的，很软",), **APPAREL
        ),
        RuleKind.CAPTION_CLAIM,
    ),
    (
        "caption says imitation cashmere",
        listing(
            "女士围巾冬季", composition={"腈纶": 100}, captions=("仿羊绒面料，平价",), **APPAREL
        ),
        None,
    ),
    (
        "caption names the blend's stated cashmere",
        listing(
            "女士围巾冬季",
            composition={"羊绒": 30, "羊毛": 70},
            captions=("羊绒混纺，含羊绒30%",),
            **APPAREL,
        ),
        None,
    ),
    (
        "caption names an origin it does not ship from",
        listing("新鲜苹果5斤", ship_from="山东", captions=("阿克苏产地直发",), **PRODUCE),
        RuleKind.CAPTION_CLAIM,
    ),
    (
        "caption names its ship-from city",
        listing("新鲜苹果5斤", ship_from="山东", captions=("烟台产地直发",), **PRODUCE),
        None,
    ),
    (
        "caption claims more sheets than stated",
        listing("原木抽纸", captions=("一提足足300抽",), **TISSUE),
        RuleKind.CAPTION_CLAIM,
    ),
    ("caption states the count", listing("原木抽纸", captions=("每包100抽",), **TISSUE), None),
    (
        "caption says 国补 on apparel",
        listing("连衣裙", captions=("国补价到手",), **APPAREL),
        RuleKind.CAPTION_CLAIM,
    ),
    (
        "caption says 国补 on a fridge",
        listing("一级能效冰箱", industry="large_appliance", captions=("国补价到手",)),
        None,
    ),
    ("caption says 全国补货", listing("连衣裙", captions=("全国补货中",), **APPAREL), None),
    (
        "an honest title with a false caption is the caption's finding only",
        listing("羊毛大衣", composition={"羊毛": 100}, captions=("这款是真丝的",), **APPAREL),
        RuleKind.CAPTION_CLAIM,
    ),
]


@pytest.mark.parametrize(("case", "item", "expected"), CASES, ids=[c[0] for c in CASES])
def test_rule(case: str, item: Listing, expected: RuleKind | None, ctx: Context) -> None:
    kinds = [f.kind for f in check_listing(item, ctx)]
    assert kinds == ([expected] if expected else []), case


def test_every_single_listing_rule_kind_has_a_violating_and_a_compliant_case() -> None:
    covered_bad = {e for _, _, e in CASES if e}
    singles = set(RuleKind) - {RuleKind.COPIED_LISTING, RuleKind.PRICE_BELOW_BAND}
    assert singles <= covered_bad


def test_price_far_below_the_brand_band_is_a_counterfeit_suspicion(book: ListingRulebook) -> None:
    auths = [Authorisation(s, "澜庭", date(2026, 1, 1)) for s in ("S1", "S2", "S3")]
    reference = [
        listing("澜庭精华液", sku=f"R{k}", shop=s, brand="澜庭", category_id="C1", price_fen=p)
        for k, (s, p) in enumerate((("S1", 30_000), ("S2", 32_000), ("S3", 28_000)))
    ]
    ctx = make_context(book, auths, reference, today=TODAY)
    cheap = listing(
        "澜庭精华液", sku="X", shop="S1", brand="澜庭", category_id="C1", price_fen=5_000
    )
    sale = listing(
        "澜庭精华液", sku="Y", shop="S1", brand="澜庭", category_id="C1", price_fen=21_000
    )
    other_category = listing(
        "澜庭精华液", sku="Z", shop="S1", brand="澜庭", category_id="C2", price_fen=5_000
    )
    found = check_listing(cheap, ctx)
    assert [f.kind for f in found] == [RuleKind.PRICE_BELOW_BAND]
    assert "30000" in found[0].evidence
    assert found[0].outcome is Outcome.WARN
    assert check_listing(sale, ctx) == []
    assert check_listing(other_category, ctx) == []  # no band for the category: no guess
    too_few = make_context(book, auths, reference[:2], today=TODAY)
    assert check_listing(cheap, too_few) == []  # two reference listings are not a band


def test_outcomes_points_and_violation_kinds_come_from_the_rulebook(ctx: Context) -> None:
    item = listing("羊绒围巾", composition={"腈纶": 100}, industry="apparel")
    (before,) = check_listing(item, ctx, live=False)
    (live,) = check_listing(item, ctx, live=True)
    assert before.outcome is Outcome.BLOCK
    assert live.outcome is Outcome.TAKE_DOWN
    assert (live.points, live.violation, live.rule_id) == (
        10,
        "false_advertising",
        "listing.material",
    )
    (word,) = check_listing(listing("全网最低价面霜"), ctx, live=True)
    assert word.outcome is Outcome.WARN
    assert word.violation is None
    assert word.points == 0
