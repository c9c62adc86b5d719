"""The cap of douyin-score-2026-09-listings, pinned by behaviour rather than by reading it back.

platform-rules.md §1.5 (CONFIRMED, public-notice stage of the 2026-09-08 proposal): false
advertising costs 10 points at once, at most 10. With the shipped points equal to the cap, a
cap that drifted (to 9 or 11, say) would still let one violation cost 10, so the boundary is
walked twice: with the shipped rules (one violation costs exactly 10, three still 10) and
with the shipped cap under smaller points per violation (4.00: two violations cost 8.00,
below the cap and not capped; three would cost 12.00 and cost exactly the cap).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from merchantry.listings.rulebook import ListingRulebook
from merchantry.listings.usecases import check_warehouse
from merchantry.rulebook.model import Rulebook
from merchantry.scoring import score_shops
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category
from tests.listings.test_flows import add_listing
from tests.scoring.market import SCORE_DAY, Market, at, shipped

BOOK = "douyin-score-2026-09-listings"
RULE = "deduct.false_advertising"
KEY = f"{RULE}:deduction"


def with_points(book: Rulebook, rule_id: str, points_cp: int) -> Rulebook:
    """``book`` with one deduction's points per violation changed, its cap as shipped."""
    rules = []
    for rule in book.rules:
        if rule.id == rule_id:
            values = tuple((k, points_cp if k == "points_cp" else v) for k, v in rule.effect.values)
            rule = replace(rule, effect=replace(rule.effect, values=values))
        rules.append(rule)
    return replace(book, rules=tuple(rules))


@pytest.fixture
def market(tmp_path: Path, book: ListingRulebook) -> Market:
    """Shops with 0, 1, 2 and 3 false material claims (one take-down each), 40 orders each."""
    con: duckdb.DuckDBPyConnection = connect(tmp_path / "w.duckdb")
    add_category(con)
    m = Market(con)
    for shop, n in (("G0", 0), ("G1", 1), ("G2", 2), ("G3", 3)):
        m.shop(shop)
        m.orders(shop, 40)
        for k in range(n):
            add_listing(con, f"{shop}K{k}", shop, f"纯羊绒大衣女款{k}", ["羊毛:60"], "digital_3c")
    check_warehouse(con, book, at=at(20))
    return m


def deductions(market: Market) -> dict[str, int]:
    return {s: -market.adjustments(s, BOOK).get(KEY, 0) for s in ("G0", "G1", "G2", "G3")}


@pytest.mark.slow
def test_the_shipped_cap_holds_the_deduction_at_ten_points(market: Market) -> None:
    """Slow (a second scoring run); CI has the same boundary with the shipped book's G2 in
    test_flows.py::test_douyin_listing_deductions_are_ten_each_and_capped_at_ten."""
    book = shipped(BOOK)
    assert book.rule(RULE).effect.int("cap_cp") == 1000
    score_shops(market.con, book, SCORE_DAY)
    # 10.00 per violation would be 20.00 and 30.00 for G2 and G3: the cap holds them at 10.00.
    assert deductions(market) == {"G0": 0, "G1": 1000, "G2": 1000, "G3": 1000}
    base = market.row("G0", BOOK)["score_cp"]
    assert [base - market.row(s, BOOK)["score_cp"] for s in ("G1", "G2", "G3")] == [1000] * 3


def test_below_the_cap_nothing_is_capped_and_above_it_exactly_the_cap_is_taken(
    market: Market,
) -> None:
    score_shops(market.con, with_points(shipped(BOOK), RULE, 400), SCORE_DAY)
    got = deductions(market)
    assert got["G1"] == 400
    assert got["G2"] == 800  # below the cap of 10.00: two full deductions
    assert got["G3"] == 1000  # 12.00 would exceed the cap: exactly the cap
    assert got["G0"] == 0
