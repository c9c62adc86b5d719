"""Every confirmed score bar of the gates (§1.3, §2.1-2.2), on both sides of the bar.

The series is written by hand (``Market.published``: a score as the stage publishes it),
so a bar of 70 is tried at exactly 70.00 and at 69.99; the gate step of the real stage
(``write_gates``, as ``merchantry score`` runs it) then decides. A bar moved one step either
way flips one of the two shops.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from .market import Market

MAY = "douyin-score-2026-05"
JULY = "douyin-score-2026-07"
TAOBAO = "taobao-score-2026"
DAY = date(2026, 6, 15)

Shop = tuple[str, str, str, dict[str, int | str | None]]
"""(shop, industry, store type, score columns)."""


def run(market: Market, rulebook: str, gate: str, shops: list[Shop]) -> dict[str, bool]:
    for shop, industry, store_type, cols in shops:
        market.shop(shop, industry=industry, store_type=store_type)
        values = dict(cols)
        score = values.pop("score_cp")
        stage = str(values.pop("stage", "formal"))
        platform = "taobao" if rulebook == TAOBAO else "douyin"
        market.published(
            rulebook,
            shop,
            DAY,
            None if score is None else int(score),
            stage=stage,
            platform=platform,
            **{k: None if v is None else int(v) for k, v in values.items()},
        )
    return {s: passed for s, (passed, _) in market.gates(rulebook, DAY, gate).items()}


def dims(score: int, product: int = 10000, logistics: int = 10000, service: int = 10000) -> dict:
    return {"score_cp": score, "product_cp": product, "logistics_cp": logistics,
            "service_cp": service}  # fmt: skip


def test_affiliate_70_and_product_65(market: Market) -> None:
    got = run(market, MAY, "affiliate_entry", [
        ("AT", "digital_3c", "enterprise", dims(7000, product=6500)),
        ("AS", "digital_3c", "enterprise", dims(6999, product=10000)),
        ("PS", "digital_3c", "enterprise", dims(10000, product=6499)),
    ])  # fmt: skip
    assert got == {"AT": True, "AS": False, "PS": False}


def test_affiliate_fresh_categories(market: Market) -> None:
    """Crabs: store >= 75 and product > 72, no personal store; live seafood >= 75 and >= 72;
    perishable fruit >= 72 and >= 70."""
    got = run(market, MAY, "affiliate_entry", [
        ("CR", "river_crab", "enterprise", dims(7500, product=7201)),
        ("CR_S", "river_crab", "enterprise", dims(7499, product=9000)),
        ("CR_P", "river_crab", "enterprise", dims(9000, product=7200)),
        ("CR_PERS", "river_crab", "personal", dims(9000, product=9000)),
        ("LS", "live_seafood", "enterprise", dims(7500, product=7200)),
        ("LS_S", "live_seafood", "enterprise", dims(7499, product=9000)),
        ("LS_P", "live_seafood", "enterprise", dims(9000, product=7199)),
        ("FR", "perishable_fruit", "enterprise", dims(7200, product=7000)),
        ("FR_S", "perishable_fruit", "enterprise", dims(7199, product=9000)),
        ("FR_P", "perishable_fruit", "enterprise", dims(9000, product=6999)),
    ])  # fmt: skip
    assert got == {
        "CR": True, "CR_S": False, "CR_P": False, "CR_PERS": False,
        "LS": True, "LS_S": False, "LS_P": False,
        "FR": True, "FR_S": False, "FR_P": False,
    }  # fmt: skip


def test_affiliate_industry_bars(market: Market) -> None:
    """Notice aJnqsVF4GoLD: coins and mammoth ivory >= 80; cordyceps and other listed tonics
    >= 75; medical devices >= 80 and product >= 75, no personal store; cherries >= 72 and
    product >= 70; multi-variety tea gift boxes from flagship stores only."""
    got = run(market, MAY, "affiliate_entry", [
        ("CO", "coins", "enterprise", dims(8000, product=6500)),
        ("CO_S", "coins", "enterprise", dims(7999)),
        ("MI_S", "mammoth_ivory", "enterprise", dims(7999)),
        ("TO", "cordyceps_tonics", "enterprise", dims(7500, product=6500)),
        ("TO_S", "cordyceps_tonics", "enterprise", dims(7499)),
        ("MD", "medical_devices", "flagship", dims(8000, product=7500)),
        ("MD_S", "medical_devices", "flagship", dims(7999)),
        ("MD_P", "medical_devices", "flagship", dims(9000, product=7499)),
        ("MD_PERS", "medical_devices", "personal", dims(9000)),
        ("CH", "cherries", "enterprise", dims(7200, product=7000)),
        ("CH_S", "cherries", "enterprise", dims(7199)),
        ("CH_P", "cherries", "enterprise", dims(9000, product=6999)),
        ("TEA", "tea_gift_box", "flagship", dims(7000, product=6500)),
        ("TEA_E", "tea_gift_box", "enterprise", dims(10000)),
    ])  # fmt: skip
    assert got == {
        "CO": True, "CO_S": False, "MI_S": False, "TO": True, "TO_S": False,
        "MD": True, "MD_S": False, "MD_P": False, "MD_PERS": False,
        "CH": True, "CH_S": False, "CH_P": False, "TEA": True, "TEA_E": False,
    }  # fmt: skip


def test_mega_sale_7_day_average_70_or_growth_70_not_personal(market: Market) -> None:
    got = run(market, MAY, "mega_sale_signup", [
        ("F", "digital_3c", "enterprise", {"score_cp": 6000, "avg7_cp": 7000}),
        ("F_S", "digital_3c", "enterprise", {"score_cp": 9000, "avg7_cp": 6999}),
        ("G", "digital_3c", "enterprise", {"score_cp": 7000, "stage": "growth"}),
        ("G_S", "digital_3c", "enterprise", {"score_cp": 6999, "stage": "growth"}),
        ("PERS", "digital_3c", "personal", {"score_cp": 9000, "avg7_cp": 9000}),
    ])  # fmt: skip
    assert got == {"F": True, "F_S": False, "G": True, "G_S": False, "PERS": False}


def test_recommendation_60_lucky_bag_80_authorised_70_geo_70(market: Market) -> None:
    shops: list[Shop] = [
        ("S60", "digital_3c", "enterprise", dims(6000, product=6999)),
        ("S5999", "digital_3c", "enterprise", dims(5999)),
        ("S80", "digital_3c", "enterprise", dims(8000, product=7000)),
        ("S7999", "digital_3c", "enterprise", dims(7999)),
        ("P80", "digital_3c", "personal", dims(9000)),
        ("GROW", "digital_3c", "enterprise", {"score_cp": 7000, "stage": "growth"}),
        ("S70", "digital_3c", "enterprise", dims(7000, product=7000)),
        ("S6999", "digital_3c", "enterprise", dims(6999)),
        ("GP", "digital_3c", "enterprise", dims(7000, product=6999)),
    ]
    assert run(market, MAY, "recommendation_pool", shops) == {
        "S60": True, "S5999": False, "S80": True, "S7999": True, "P80": True, "GROW": True,
        "S70": True, "S6999": True, "GP": True,
    }  # fmt: skip
    lucky = {s: p for s, (p, _) in market.gates(MAY, DAY, "lucky_bag_prize").items()}
    assert {s for s, p in lucky.items() if p} == {"S80"}
    authorised = {s: p for s, (p, _) in market.gates(MAY, DAY, "authorised_account").items()}
    assert {s for s, p in authorised.items() if p} == {"S80", "S7999", "P80", "S70", "GP"}
    geo = {s: p for s, (p, _) in market.gates(MAY, DAY, "geo_indication_label").items()}
    # S6999 misses the store bar by 0.01, GP the product bar by 0.01
    assert {s for s, p in geo.items() if p} == {"S80", "S7999", "P80", "S70"}


def _violations(market: Market, shop: str, kind: str, days_before: list[int]) -> None:
    for back in days_before:
        market.violation(shop, kind, datetime.combine(DAY - timedelta(days=back), time(23, 59)))


def test_recommendation_pool_fewer_than_3_violations_in_30_days(market: Market) -> None:
    """Notice aJngrvhjoCzW §3.2.1 (4): 违规处置次数3次以下 in the last 30 days, read as fewer
    than 3. Two pass, three block; a violation 30 days before the date counts, 31 days before
    does not, and one confirmed on the date itself comes after the morning decision."""
    shops: list[Shop] = [(s, "digital_3c", "enterprise", dims(9000)) for s in
                         ("V2", "V3", "EDGE30", "EDGE31", "TODAY", "WITHDRAWN")]  # fmt: skip
    _violations(market, "V2", "false_advertising", [1, 15])
    _violations(market, "V3", "false_advertising", [1, 15, 29])
    _violations(market, "EDGE30", "fake_review", [1, 2, 30])
    _violations(market, "EDGE31", "fake_review", [1, 2, 31])
    _violations(market, "TODAY", "fake_review", [1, 2])
    market.violation("TODAY", "fake_review", datetime.combine(DAY, time(0, 1)))
    _violations(market, "WITHDRAWN", "fake_review", [1, 2, 3])
    market.con.execute(  # an overturned case withdrew one of the three
        "INSERT INTO withdrawn_violations SELECT max(violation_id), 'C1', ?, 'overturned' "
        "FROM violations WHERE shop_id = 'WITHDRAWN'",
        [DAY - timedelta(days=1)],
    )
    got = run(market, MAY, "recommendation_pool", shops)
    assert got == {"V2": True, "V3": False, "EDGE30": False, "EDGE31": True, "TODAY": True,
                   "WITHDRAWN": True}  # fmt: skip
    rules = {s: r for s, (_, r) in market.gates(MAY, DAY, "recommendation_pool").items()}
    assert rules["V3"] == "gate.recommendation.violations"


def test_recommendation_pool_refuses_a_counterfeit_or_confusion_record(market: Market) -> None:
    """§3.2.1 (3): no counterfeit or confusing-information record, however old; other kinds
    of violation are not such a record."""
    shops: list[Shop] = [(s, "digital_3c", "enterprise", dims(9000)) for s in
                         ("FAKE", "OLD_FAKE", "CONFUSE", "OTHER", "LATER")]  # fmt: skip
    _violations(market, "FAKE", "counterfeit", [1])
    _violations(market, "OLD_FAKE", "counterfeit", [400])
    _violations(market, "CONFUSE", "brand_confusion", [60])
    _violations(market, "OTHER", "false_advertising", [1])
    market.violation("LATER", "counterfeit", datetime.combine(DAY + timedelta(days=1), time(9)))
    got = run(market, MAY, "recommendation_pool", shops)
    assert got == {"FAKE": False, "OLD_FAKE": False, "CONFUSE": False, "OTHER": True,
                   "LATER": True}  # fmt: skip
    rules = {s: r for s, (_, r) in market.gates(MAY, DAY, "recommendation_pool").items()}
    assert rules["FAKE"] == "gate.recommendation.counterfeit"


def test_affiliate_crabs_fewer_than_3_severe_violations_in_180_days(market: Market) -> None:
    """Notice aJnqsVF4GoLD, 河蟹: 近180天严重违规次数<3次. Two severe violations pass, three
    block; one 180 days before the date counts, 181 does not; a kind not counted as severe
    (the kind list is an assumption), a withdrawn one and one on the date itself do not
    count. Live seafood has no such condition."""
    names = ("S2", "S3", "EDGE180", "EDGE181", "MILD", "WITHDRAWN", "TODAY")
    shops: list[Shop] = [(s, "river_crab", "enterprise", dims(9000, product=9000)) for s in names]
    shops.append(("SEAFOOD3", "live_seafood", "enterprise", dims(9000, product=9000)))
    _violations(market, "S2", "counterfeit", [1])
    _violations(market, "S2", "brushing", [100])
    _violations(market, "S3", "counterfeit", [1])
    _violations(market, "S3", "brand_confusion", [50])
    _violations(market, "S3", "brushing", [179])
    _violations(market, "EDGE180", "fake_review", [1, 2, 180])
    _violations(market, "EDGE181", "fake_review", [1, 2, 181])
    _violations(market, "MILD", "brushing", [1, 2])
    _violations(market, "MILD", "false_advertising", [3, 4])
    _violations(market, "MILD", "refused_after_sales", [5])
    _violations(market, "WITHDRAWN", "brushing", [1, 2, 3])
    market.con.execute(  # an overturned case withdrew one of the three
        "INSERT INTO withdrawn_violations SELECT max(violation_id), 'C1', ?, 'overturned' "
        "FROM violations WHERE shop_id = 'WITHDRAWN'",
        [DAY - timedelta(days=1)],
    )
    _violations(market, "TODAY", "brushing", [1, 2])
    market.violation("TODAY", "brushing", datetime.combine(DAY, time(0, 1)))
    _violations(market, "SEAFOOD3", "counterfeit", [1, 2, 3])
    got = run(market, MAY, "affiliate_entry", shops)
    assert got == {"S2": True, "S3": False, "EDGE180": False, "EDGE181": True, "MILD": True,
                   "WITHDRAWN": True, "TODAY": True, "SEAFOOD3": True}  # fmt: skip
    rules = {s: r for s, (_, r) in market.gates(MAY, DAY, "affiliate_entry").items()}
    assert rules["S3"] == rules["EDGE180"] == "gate.affiliate.crab"


def test_lucky_bag_prizes_for_other_creators(market: Market) -> None:
    got = run(market, MAY, "lucky_bag_prize_creators", [
        ("OK", "digital_3c", "enterprise", dims(8000, product=7500, logistics=7500, service=7000)),
        ("P", "digital_3c", "enterprise", dims(9000, product=7499, logistics=9000, service=9000)),
        ("L", "digital_3c", "enterprise", dims(9000, product=9000, logistics=7499, service=9000)),
        ("V", "digital_3c", "enterprise", dims(9000, product=9000, logistics=9000, service=6999)),
        ("S", "digital_3c", "enterprise", dims(7999)),
    ])  # fmt: skip
    assert got == {"OK": True, "P": False, "L": False, "V": False, "S": False}


def test_seed_categories_enter_at_75_and_leave_below_72(market: Market) -> None:
    shops: list[Shop] = [
        ("E75", "agricultural_supplies", "enterprise", dims(7500)),
        ("E7499", "agricultural_supplies", "enterprise", dims(7499)),
        ("K72", "agricultural_supplies", "enterprise", dims(7200)),
        ("K7199", "agricultural_supplies", "enterprise", dims(7199)),
        ("PERS", "agricultural_supplies", "personal", dims(9000)),
        ("OTHER", "digital_3c", "enterprise", dims(9000)),
    ]
    assert run(market, MAY, "seed_entry", shops) == {
        "E75": True, "E7499": False, "K72": False, "K7199": False, "PERS": False,
        "OTHER": False,
    }  # fmt: skip
    keep = {s: p for s, (p, _) in market.gates(MAY, DAY, "seed_keep").items()}
    assert keep == {
        "E75": True, "E7499": True, "K72": True, "K7199": False, "PERS": True, "OTHER": False,
    }  # fmt: skip


def test_flagship_upgrade_needs_a_30_day_mean_at_least_the_industry_and_30_days(
    market: Market,
) -> None:
    """X's 30-day mean equals Y's exactly (80.00), so X reaches the peer mean; counting 29
    or 31 days would put it below. A shop is alone in its industry, so it is its own peer;
    it then only needs 30 days on the platform."""
    market.shop("X", industry="home_textiles")
    market.shop("Y", industry="home_textiles")
    market.shop("OLD", industry="tea", opened=DAY - timedelta(days=30))
    market.shop("NEW", industry="ceramics", opened=DAY - timedelta(days=29))
    market.shop("FLAG", industry="liquor", store_type="flagship")
    for back in range(31):
        day = DAY - timedelta(days=back)
        x = 5000 if back == 30 else 8290 if back == 29 else 7990
        market.published(MAY, "X", day, x)
        market.published(MAY, "Y", day, 8000)
        for shop in ("OLD", "NEW", "FLAG"):
            market.published(MAY, shop, day, 9000)
    got = market.gates(MAY, DAY, "flagship_upgrade")
    assert {s: p for s, (p, _) in got.items()} == {
        "X": True, "Y": True, "OLD": True, "NEW": False, "FLAG": False,
    }  # fmt: skip


def test_qianchuan_is_open_to_unscored_shops(market: Market) -> None:
    """The control line is an assumption; what is pinned is that a shop without a score is
    not blocked and a low one is."""
    got = run(market, MAY, "qianchuan_ads", [
        ("NONE", "digital_3c", "enterprise", {"score_cp": None, "stage": "none"}),
        ("LOW", "digital_3c", "enterprise", dims(5000)),
    ])  # fmt: skip
    assert got == {"NONE": True, "LOW": False}


def test_july_inherits_the_gates(market: Market) -> None:
    got = run(market, JULY, "affiliate_entry", [
        ("AT", "digital_3c", "enterprise", dims(7000, product=6500)),
        ("AS", "digital_3c", "enterprise", dims(6999, product=10000)),
    ])  # fmt: skip
    assert got == {"AT": True, "AS": False}


@pytest.mark.parametrize(("score", "passed"), [(480, True), (479, False)])
def test_taobao_quality_merchant_at_4_8(market: Market, score: int, passed: bool) -> None:
    got = run(market, TAOBAO, "quality_merchant", [("Q", "digital_3c", "enterprise",
                                                    {"score_cp": score})])  # fmt: skip
    assert got == {"Q": passed}


def test_taobao_good_service_list_takes_shops_strictly_above_4_8_with_a_service(
    market: Market,
) -> None:
    for shop, score, services in (("AT", 480, 2), ("ABOVE", 481, 1), ("NOSVC", 499, 0)):
        market.shop(shop)
        market.published(TAOBAO, shop, DAY, score, platform="taobao", services=services)
    assert market.ranking(TAOBAO, DAY) == [("digital_3c", 1, "ABOVE")]
