"""Hand-checked shops for the Taobao real experience score (shipped taobao-score-2026).

A perfect shop: every indicator in tier 5 (5.00) except those without data, which
count as tier 3 (4.70). Chats answered in 20 s and rated 5 give the service
indicators data; the shop has no refunds, so refund handling time has none.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlglot.expressions as exp

from merchantry.rulebook import load_rulebook
from merchantry.rulebook.model import Rule

from .market import Market, at

RULEBOOK = "taobao-score-2026"


def perfect_shop(market: Market, shop: str, industry: str = "digital_3c", n: int = 40) -> None:
    market.shop(shop, industry=industry)
    market.orders(shop, n, rating=5, delivered_after_h=24)
    for day in range(1, 25):
        market.session(shop, at(day, hour=11), total_seconds=20, rating=5)


def test_no_score_below_30_valid_orders(market: Market) -> None:
    market.shop("S1")
    market.orders("S1", 29, rating=5)
    market.score(RULEBOOK)
    row = market.row("S1", RULEBOOK)
    assert (row["stage"], row["score_cp"], row["display_tenths"]) == ("none", None, None)


def test_bonus_items_add_up_but_the_total_is_capped_at_5(market: Market) -> None:
    perfect_shop(market, "S1", industry="home_furniture")
    market.score(RULEBOOK)
    base = market.row("S1", RULEBOOK)["score_cp"]
    assert 480 <= base < 500
    # home improvement: delivery and installation (+0.10), free old-item removal (+0.05)
    market.service("S1", "delivery_installation")
    market.service("S1", "free_old_item_removal")
    market.score(RULEBOOK)
    row = market.row("S1", RULEBOOK)
    assert row["bonus_cp"] == 15
    assert row["score_cp"] == min(500, base + 15) == 500
    assert row["display_tenths"] == 50


def test_a_bonus_only_counts_in_its_industries_and_while_switched_on(market: Market) -> None:
    perfect_shop(market, "S1", industry="digital_3c")
    market.service("S1", "free_size_exchange")  # an apparel item: not for 3C
    market.service("S1", "sf_free_shipping", since=date(2026, 6, 20))  # after the score date
    market.score(RULEBOOK)
    assert market.row("S1", RULEBOOK)["bonus_cp"] == 0


def test_the_good_service_ranking_needs_4_8_and_a_characteristic_service(
    market: Market,
) -> None:
    perfect_shop(market, "S1")
    perfect_shop(market, "S2")
    market.service("S2", "sf_free_shipping")
    market.shop("S3")
    market.orders("S3", 40, rating=2)  # far below 4.8
    market.service("S3", "sf_free_shipping")
    market.score(RULEBOOK)
    ranked = market.con.execute(
        "SELECT industry, rank, shop_id FROM service_rankings WHERE rulebook = ?", [RULEBOOK]
    ).fetchall()
    assert ranked == [("digital_3c", 1, "S2")]
    gates = dict(
        market.con.execute(
            "SELECT shop_id, passed FROM shop_gates WHERE gate = 'quality_merchant'"
        ).fetchall()
    )
    assert gates == {"S1": True, "S2": True, "S3": False}


def _bonus_rules() -> list[Rule]:
    return [r for r in load_rulebook(RULEBOOK).rules_of("score_bonus") if r.effect.get("service")]


def _industries(rule: Rule) -> list[str]:
    """The industries a bonus rule's condition lists (empty: it has no industry condition)."""
    return [
        str(lit.this)
        for in_ in rule.condition.find_all(exp.In)
        for lit in in_.expressions
        if isinstance(lit, exp.Literal)
    ]


@pytest.mark.parametrize("rule", _bonus_rules(), ids=lambda r: r.id)
def test_every_service_bonus_adds_its_points_in_its_industries_only(
    market: Market, rule: Rule
) -> None:
    """Each shipped bonus item, read from the rulebook: a shop of a listed industry whose
    base score leaves room gains exactly the rule's points; a shop outside gains none."""
    service, points = rule.effect.text("service"), rule.effect.int("points_cp")
    listed = _industries(rule)
    inside = listed[0] if listed else "digital_3c"
    market.shop("IN", industry=inside)
    market.orders("IN", 40, rating=3, delivered_after_h=24)  # a base well below 5
    outside = next(
        i for i in ("digital_3c", "apparel", "food_snacks") if i not in _industries(rule)
    )
    market.shop("OUT", industry=outside)
    market.orders("OUT", 40, rating=3, delivered_after_h=24)
    market.score(RULEBOOK)
    base = {s: market.row(s, RULEBOOK)["score_cp"] for s in ("IN", "OUT")}
    assert base["IN"] + points <= 500
    for shop in ("IN", "OUT"):
        market.service(shop, service)
    market.score(RULEBOOK)
    assert market.row("IN", RULEBOOK)["score_cp"] == base["IN"] + points
    assert market.adjustments("IN", RULEBOOK) == {f"{rule.id}:bonus": points}
    expected_out = 0 if listed else points  # a bonus without an industry list applies to all
    assert market.row("OUT", RULEBOOK)["score_cp"] == base["OUT"] + expected_out
