"""The store sub-type (专营店 / 专卖店 / ordinary enterprise store) in the score gates.

Notice aJnqsVF4GoLD limits affiliate entry in the medical-device categories to flagship,
专营店 and 专卖店 stores with a store score of 80 and a product score of 75. A hand-made
shop on each side of each bar, per sub-type, through the real gate stage.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from tests.scoring.market import Market

DAY = date(2026, 6, 15)
RULEBOOK = "douyin-score-2026-05"


def _gate(market: Market, shops: list[tuple[str, str, str | None, int, int]]) -> dict[str, bool]:
    for shop, store_type, subtype, score, product in shops:
        market.shop(shop, industry="medical_devices", store_type=store_type)
        market.con.execute("UPDATE shops SET store_subtype = ? WHERE shop_id = ?", [subtype, shop])
        market.published(
            RULEBOOK, shop, DAY, score, stage="formal", product_cp=product,
            logistics_cp=10_000, service_cp=10_000,
        )  # fmt: skip
    gates = market.gates(RULEBOOK, DAY, "affiliate_entry")
    return {s: passed for s, (passed, _) in gates.items()}


def test_medical_devices_admit_flagship_specialty_and_franchise_stores_only(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    got = _gate(Market(warehouse), [
        ("FLAG", "flagship", None, 8_000, 7_500),
        ("SPEC", "enterprise", "specialty", 8_000, 7_500),
        ("FRAN", "enterprise", "franchise", 8_000, 7_500),
        ("ORD", "enterprise", "ordinary", 10_000, 10_000),
        ("UNREC", "enterprise", None, 8_000, 7_500),
        ("PERS", "personal", None, 10_000, 10_000),
        ("SPEC_S", "enterprise", "specialty", 7_999, 10_000),
        ("FRAN_P", "enterprise", "franchise", 10_000, 7_499),
    ])  # fmt: skip
    assert got == {
        "FLAG": True, "SPEC": True, "FRAN": True, "ORD": False, "UNREC": True,
        "PERS": False, "SPEC_S": False, "FRAN_P": False,
    }  # fmt: skip


def medical_devices_30_day_product_mean(market: Market) -> None:
    """近30天商品体验分均值 >= 75: one day at 74.99 inside the 30 days (the score date and the
    29 before it) brings the mean under 75; the same day a day earlier is outside it."""
    days = [DAY - timedelta(days=k) for k in range(31)]  # DAY back to DAY - 30
    plans = {
        "ALL75": {d: 7_500 for d in days},
        "LOW_D0": {d: (7_499 if d == DAY - timedelta(days=29) else 7_500) for d in days},
        "LOW_D30": {d: (7_499 if d == DAY - timedelta(days=30) else 7_500) for d in days},
        "LOW_OLD": {d: (6_000 if d == DAY - timedelta(days=30) else 7_500) for d in days},
        "LOW_NOW": {d: (7_499 if d == DAY else 8_000) for d in days},
    }
    for shop, product in plans.items():
        market.shop(shop, industry="medical_devices", store_type="flagship")
        for day, cp in product.items():
            market.published(
                RULEBOOK, shop, day, 9_000, stage="formal", product_cp=cp,
                logistics_cp=10_000, service_cp=10_000,
            )  # fmt: skip
    gates = market.gates(RULEBOOK, DAY, "affiliate_entry")
    got = {s: passed for s, (passed, _) in gates.items()}
    # LOW_NOW: the day's product score 74.99 fails the day's bar though the mean is above 75
    assert got == {
        "ALL75": True, "LOW_D0": False, "LOW_D30": True, "LOW_OLD": True, "LOW_NOW": False,
    }  # fmt: skip


def test_medical_devices_need_a_30_day_product_mean_of_75(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    medical_devices_30_day_product_mean(Market(warehouse))


def cherries_bad_review_rate(market: Market) -> None:
    """Cherries: store >= 72, product >= 70 and a bad-review rate under 20% (商品差评率<20%):
    19.99% passes, exactly 20% does not; no rated orders counts as no bad reviews."""
    shops = {  # shop: (score, product, bad reviews, rated orders)
        "OK": (7_200, 7_000, 1_999, 10_000),
        "AT20": (9_000, 9_000, 2_000, 10_000),
        "NONE": (7_200, 7_000, 0, 0),
        "LOW": (7_199, 9_000, 0, 10_000),
        "LOWP": (9_000, 6_999, 0, 10_000),
    }
    for shop, (score, product, bad, rated) in shops.items():
        market.shop(shop, industry="cherries")
        market.published(
            RULEBOOK, shop, DAY, score, stage="formal", product_cp=product,
            logistics_cp=10_000, service_cp=10_000,
        )  # fmt: skip
        market.con.execute(
            "INSERT INTO shop_score_indicators (rulebook, shop_id, score_date, indicator, unit,"
            " numerator, denominator, bad_events, floor_applied)"
            " VALUES (?, ?, ?, 'product_rating', '0.01 star', ?, ?, ?, FALSE)",
            [RULEBOOK, shop, DAY, 5 * rated, rated, bad],
        )
    gates = market.gates(RULEBOOK, DAY, "affiliate_entry")
    got = {s: passed for s, (passed, _) in gates.items()}
    assert got == {"OK": True, "AT20": False, "NONE": True, "LOW": False, "LOWP": False}


def test_cherries_need_a_bad_review_rate_under_20_percent(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    cherries_bad_review_rate(Market(warehouse))


def test_a_taobao_counterfeit_cuts_the_score_within_the_shared_penalty_cap(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """Counterfeits (出售假冒/盗版商品) are a violation kind: the Taobao penalty takes its
    (assumed) 0.1 per case, sharing the 0.5 cap with the other penalties; a shop with none
    loses nothing."""
    from tests.scoring.market import at

    market = Market(warehouse)
    for shop in ("CLEAN", "ONE", "MANY"):
        market.shop(shop)
        market.orders(shop, 40, rating=5, delivered_after_h=24)
    market.violation("ONE", "counterfeit", at(3))
    for day in range(4):
        market.violation("MANY", "counterfeit", at(2 + day))
        market.violation("MANY", "false_advertising", at(2 + day))
    market.score("taobao-score-2026")
    rows = market.scores("taobao-score-2026")
    assert {s: rows[s]["deduction_cp"] for s in ("CLEAN", "ONE", "MANY")} == {
        "CLEAN": 0,
        "ONE": 10,
        "MANY": 50,
    }
