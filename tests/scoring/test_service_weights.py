"""The per-industry service weights: every row of revision notice aJmVWbCJyD8M.

``data/service_weights.tsv`` is the notice's table transcribed (industry, store-type split,
the weights before and after 2026-07-14) with the industry codes Merchantry gives each row.
One shop per row and store type is scored through the real stage under both Douyin
rulebooks; the weight the stage applied to each service indicator must be the table's.
A shop of a split industry is tried as a flagship and as an enterprise store, a shop of an
undivided ("通用") industry as both too.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import NamedTuple

import pytest

from .market import Market, at

TABLE = Path(__file__).parent / "data" / "service_weights.tsv"
MAY, JULY = "douyin-score-2026-05", "douyin-score-2026-07"
BEFORE = ("after_sales_on_time_rate", "feige_response_seconds")
AFTER = (
    "dissatisfaction_rate",
    "feige_response_seconds",
    "after_sales_review_minutes",
    "help_seeking_rate",
)


class Row(NamedTuple):
    industry_zh: str
    store_type: str
    codes: tuple[str, ...]
    before: tuple[int, int]
    after: tuple[int, int, int, int]


def rows() -> list[Row]:
    lines = [line for line in TABLE.read_text("utf-8").splitlines() if not line.startswith("#")]
    out = []
    for rec in list(csv.reader(lines, delimiter="\t"))[1:]:
        zh, store_type, codes, *pct = rec
        n = [int(p) * 100 for p in pct]
        out.append(
            Row(zh, store_type, tuple(codes.split(",")), (n[0], n[1]), (n[2], n[3], n[4], n[5]))
        )
    return out


def test_the_table_is_the_notices() -> None:
    """101 rows; each side of the table sums to 100%; spot rows read off the notice."""
    table = {(r.industry_zh, r.store_type): r for r in rows()}
    assert len(table) == 101
    assert all(sum(r.before) == 10_000 and sum(r.after) == 10_000 for r in table.values())
    assert table[("本地生活", "all")].after == (2500, 2500, 2000, 3000)
    assert table[("男装", "flagship")].after == (2000, 2000, 3000, 3000)
    assert table[("翡翠玉石", "all")].after == (4000, 2000, 2000, 2000)
    assert table[("男装", "flagship")].before == (7000, 3000)


def _cases() -> list[tuple[str, str, Row]]:
    """(shop id, industry code, store type) for every row and every code of the row."""
    cases: list[tuple[str, str, Row]] = []
    for row in rows():
        types = (
            ("flagship", "enterprise")
            if row.store_type == "all"
            else (("flagship",) if row.store_type == "flagship" else ("enterprise", "personal"))
        )
        for code in row.codes:
            for store_type in types:
                cases.append((f"{code}.{store_type}", store_type, row))
    return cases


def score_every_row(market: Market, rulebook: str) -> None:
    """One shop per row, code and store type (and one of an unlisted industry), scored."""
    for shop, store_type, _row in _cases():
        market.shop(shop, industry=shop.split(".")[0], store_type=store_type)
    # industry codes nobody lists fall under "其他"
    market.shop("unlisted.enterprise", industry="no_such_industry")
    market.score(rulebook)


def applied_weights(market: Market, rulebook: str) -> dict[str, dict[str, tuple[int, str]]]:
    """The weight the stage applied to each service indicator of each shop, with the rule
    that gave it: {shop: {indicator: (weight_bp, weight rule id)}}."""
    found: dict[str, dict[str, tuple[int, str]]] = {}
    for indicator in BEFORE if rulebook == MAY else AFTER:
        for shop, rec in market.indicators(indicator, rulebook).items():
            assert rec["dimension"] == "service"
            found.setdefault(shop, {})[indicator] = (rec["weight_bp"], rec["weight_rule_id"])
    return found


def notice_weights(rulebook: str) -> dict[str, dict[str, int]]:
    """What the notice's table says each scored shop's service weights are."""
    indicators = BEFORE if rulebook == MAY else AFTER
    other = next(r for r in rows() if r.industry_zh == "其他")
    expected = {
        shop: dict(zip(indicators, row.before if rulebook == MAY else row.after, strict=True))
        for shop, _, row in _cases()
    }
    expected["unlisted.enterprise"] = dict(
        zip(indicators, other.before if rulebook == MAY else other.after, strict=True)
    )
    return expected


@pytest.mark.parametrize("rulebook", [MAY, JULY])
def test_every_row_weighs_the_service_indicators_as_the_notice_says(
    market: Market, rulebook: str
) -> None:
    score_every_row(market, rulebook)
    applied = applied_weights(market, rulebook)
    weights = {shop: {i: w for i, (w, _) in got.items()} for shop, got in applied.items()}
    assert weights == notice_weights(rulebook)


def test_the_july_weights_make_the_service_score(market: Market) -> None:
    """Men's wear flagship (20/20/30/30), jade (40/20/20/20) and local services
    (25/25/20/30), hand-checked. Every session rated 1 star (dissatisfaction tier 0: 50),
    replies in 20 s (tier 5: 100), no refund and no help asked (no data: tier 3, 80)."""
    shops = (
        ("MW", "mens_wear", "flagship"),
        ("JD", "jade", "enterprise"),
        ("LS", "local_services", "enterprise"),
    )
    for shop, industry, store_type in shops:
        market.shop(shop, industry=industry, store_type=store_type)
        market.orders(shop, 40, rating=5)
        with market.batch():
            for day in range(1, 9):  # 8 rated sessions: more than 3, no 80-point rule
                market.session(shop, at(day, hour=11), total_seconds=20, rating=1)
    market.score(JULY)
    for shop in ("MW", "JD", "LS"):
        cps = [market.indicator(shop, i, JULY)["indicator_cp"] for i in AFTER]
        assert cps == [5000, 10000, 8000, 8000], shop
    # MW: 0.2×50 + 0.2×100 + 0.3×80 + 0.3×80 = 78.0
    # JD: 0.4×50 + 0.2×100 + 0.2×80 + 0.2×80 = 72.0
    # LS: 0.25×50 + 0.25×100 + 0.2×80 + 0.3×80 = 77.5
    expected = {"MW": 7800, "JD": 7200, "LS": 7750}
    got = market.scores(JULY)
    assert {s: got[s]["service_cp"] for s in expected} == expected
