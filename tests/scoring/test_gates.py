"""Scores gate other rules: programme gates in the score stage, and a fee waiver."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from merchantry.fees import compute_fees
from merchantry.rulebook import check_file
from merchantry.rulebook.facts import score_gaps
from merchantry.service.simulation import run_simulation
from merchantry.simulate.report import build_page

from .market import SCORE_DAY, Market, at
from .test_douyin_rules import perfect_shop

RULEBOOKS = Path(__file__).parent / "rulebooks"


def gates(market: Market, gate: str) -> dict[str, tuple[bool, str | None]]:
    rows = market.con.execute(
        "SELECT shop_id, passed, rule_id FROM shop_gates WHERE gate = ?", [gate]
    ).fetchall()
    return {str(s): (bool(p), r) for s, p, r in rows}


def test_affiliate_entry_needs_70_and_a_product_score_of_65(market: Market) -> None:
    perfect_shop(market, "GOOD")  # 97, product 100
    market.shop("BAD")
    market.orders("BAD", 40, rating=1, case={"reason": "quality"})  # product score 50
    market.shop("NEW")
    market.orders("NEW", 5)  # growth stage, 70 but no product score
    market.score()
    assert gates(market, "affiliate_entry") == {
        "GOOD": (True, "gate.affiliate"),
        "BAD": (False, None),
        "NEW": (False, None),
    }


def test_mega_sale_sign_up_reads_the_7_day_average_or_the_growth_score(market: Market) -> None:
    perfect_shop(market, "GOOD")
    market.shop("NEW")
    market.orders("NEW", 5)
    market.score()
    signup = gates(market, "mega_sale_signup")
    assert signup["GOOD"] == (True, "gate.mega_sale")
    assert signup["NEW"] == (True, "gate.mega_sale")  # growth score 70
    week = market.con.execute(
        "SELECT score_7d_avg_cp FROM shop_scores WHERE shop_id = 'GOOD'"
    ).fetchone()
    assert week == (9700,)


def test_the_fee_stage_honours_a_score_gated_waiver(market: Market) -> None:
    perfect_shop(market, "GOOD")  # 97 on the score day
    market.shop("BAD")
    market.orders("BAD", 40, rating=1, case={"reason": "quality"})
    market.score()
    paid_after = {s: market.order(s, at(30, hour=12)) for s in ("GOOD", "BAD")}
    paid_before = market.order("GOOD", at(20))  # before any score existed: NULL, no waiver
    covered = compute_fees(
        market.con, "douyin-2026-score-gated", SCORE_DAY, SCORE_DAY, rulebook_dirs=[RULEBOOKS]
    )
    early = compute_fees(
        market.con,
        "douyin-2026-score-gated",
        date(2026, 6, 5),
        date(2026, 6, 5),
        rulebook_dirs=[RULEBOOKS],
    )
    assert covered.warnings == ()
    assert early.warnings == (
        "rule 'tsf.waiver.quality_merchant' reads shop.experience_score but no douyin score "
        "is dated on or before 2026-06-05: it matches nothing; run `merchantry score` for the "
        "period first",
    )
    lines = dict(
        market.con.execute(
            "SELECT order_id, waiver_rule_id FROM fee_lines "
            "WHERE fee_kind = 'technical_service_fee'"
        ).fetchall()
    )
    assert lines[paid_after["GOOD"]] == "tsf.waiver.quality_merchant"
    assert lines[paid_after["BAD"]] != "tsf.waiver.quality_merchant"  # 2026 scene waiver
    assert lines[paid_before] != "tsf.waiver.quality_merchant"


def test_one_warning_per_rule_and_platform_it_reads(market: Market, tmp_path: Path) -> None:
    path = tmp_path / "two-platforms.yaml"
    path.write_text(
        "rulebook: two-platforms\ntitle: Two platforms\neffective: {from: 2026-01-01}\nrules:\n"
        "  - id: both\n    title: Good on both platforms\n"
        "    when: shop.experience_score >= 90 AND shop.product_score >= 80"
        " AND shop.taobao_score >= 4.8\n"
        "    effect: {kind: fee_waiver, mode: floor, rate_bp: 100}\n"
        "    assumption: true\n    note: test\n",
        encoding="utf-8",
    )
    book, problems = check_file(path)
    assert book is not None, problems
    perfect_shop(market, "GOOD")
    market.score()  # Douyin only, on SCORE_DAY
    warnings = score_gaps(market.con, book, SCORE_DAY, SCORE_DAY, lambda _rule: True)
    assert warnings == [
        "rule 'both' reads shop.taobao_score but no taobao score is dated on or before "
        f"{SCORE_DAY}: it matches nothing; run `merchantry score` for the period first"
    ]
    earlier = score_gaps(market.con, book, date(2026, 6, 1), SCORE_DAY, lambda _rule: True)
    assert [w.split(" but ")[0] for w in earlier] == [
        "rule 'both' reads shop.experience_score",  # once, though it reads two Douyin columns
        "rule 'both' reads shop.taobao_score",
    ]


def test_recommendation_pool_at_60_and_lucky_bag_prizes_at_80(market: Market) -> None:
    perfect_shop(market, "GOOD")  # 97
    market.shop("BAD")  # late, 1-star and a brushing case: clamped at 50
    market.orders("BAD", 40, picked_after_h=90, delivered_after_h=200, rating=1)
    market.violation("BAD", "brushing", at(8))
    market.shop("NEW")
    market.orders("NEW", 5)  # growth stage: 70
    market.score()
    scores = {s: market.row(s)["score_cp"] for s in ("GOOD", "BAD", "NEW")}
    assert scores["GOOD"] == 9700
    assert scores["BAD"] < 6000
    assert scores["NEW"] == 7000
    assert gates(market, "recommendation_pool") == {
        "GOOD": (True, "gate.recommendation"),
        "BAD": (False, None),
        "NEW": (True, "gate.recommendation"),
    }
    assert gates(market, "lucky_bag_prize") == {
        "GOOD": (True, "gate.lucky_bag"),
        "BAD": (False, None),
        "NEW": (False, None),
    }


def test_fresh_produce_needs_75_and_more_than_72_for_the_affiliate_programme(
    market: Market,
) -> None:
    """The fresh-produce block sits before the general rule: a fresh shop that passes the
    general bar (70/65) but not 75/72 is blocked; other industries are not."""
    for shop, industry in (("FRESH", "fresh_produce"), ("FOOD", "food_snacks")):
        market.shop(shop, industry=industry)
        market.orders(shop, 40, rating=3)
        market.orders(shop, 4, rating=3, case={"reason": "quality"})
        for day in range(1, 25):
            market.session(shop, at(day, hour=11), total_seconds=20, rating=5)
    market.score()
    for shop in ("FRESH", "FOOD"):  # the same events: between the two bars
        row = market.row(shop)
        assert row["score_cp"] >= 7500
        assert 6500 <= row["product_cp"] <= 7200
    assert gates(market, "affiliate_entry") == {
        "FRESH": (False, "gate.affiliate.fresh"),
        "FOOD": (True, "gate.affiliate"),
    }
    # product 65 < 70: no geographical-indication label for either, though both score >= 70
    assert gates(market, "geo_indication_label") == {"FRESH": (False, None), "FOOD": (False, None)}


def test_the_geographical_indication_label_needs_70_and_a_product_score_of_70(
    market: Market,
) -> None:
    perfect_shop(market, "GOOD")  # 97, product 100
    market.shop("NEW")
    market.orders("NEW", 5)  # growth stage: 70 but no product score
    market.score()
    assert gates(market, "geo_indication_label") == {
        "GOOD": (True, "gate.geo_indication"),
        "NEW": (False, None),
    }


def test_a_simulation_says_when_a_score_gated_candidate_has_no_scores(market: Market) -> None:
    """The simulator is where an operator prices a score-gated rule before it goes live:
    without scores the waiver would look free, so the result and its page say so."""
    perfect_shop(market, "GOOD")
    market.order("GOOD", at(30, hour=12))
    unscored = run_simulation(
        market.con,
        "douyin-2026",
        "douyin-2026-score-gated",
        SCORE_DAY,
        SCORE_DAY,
        rulebook_dirs=[RULEBOOKS],
    )
    assert [w.split(" reads ")[0] for w in unscored.warnings] == [
        "douyin-2026-score-gated: rule 'tsf.waiver.quality_merchant'"
    ]
    assert "注意 / Warnings" in build_page(unscored).to_html()
    market.score()
    scored = run_simulation(
        market.con,
        "douyin-2026",
        "douyin-2026-score-gated",
        SCORE_DAY,
        SCORE_DAY,
        rulebook_dirs=[RULEBOOKS],
    )
    assert scored.warnings == ()
    assert "注意 / Warnings" not in build_page(scored).to_html()
    assert scored.summary.saving_fen > unscored.summary.saving_fen == 0  # the waiver now applies
