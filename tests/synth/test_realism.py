"""The market looks like a Douyin-style marketplace, within stated bounds.

Bounds are wide enough for the realistic test market (240 shops × 14 days,
about 56,000 orders) and narrow enough that a broken distribution fails.
"""

from __future__ import annotations

import re

import duckdb
import pytest

from tests.synth.market import scalar

REMOTE = "('新疆', '西藏', '青海')"
CJK = re.compile(r"[\u4e00-\u9fff]")


def share(con: duckdb.DuckDBPyConnection, where: str) -> float:
    return float(scalar(con, f"SELECT avg(CASE WHEN {where} THEN 1 ELSE 0 END) FROM orders"))


def test_live_is_about_half_of_orders_and_short_video_a_fifth(
    market: duckdb.DuckDBPyConnection,
) -> None:
    assert 0.45 <= share(market, "scene = 'live'") <= 0.55
    assert 0.15 <= share(market, "scene = 'short_video'") <= 0.25
    for scene in ("product_card", "search", "mall"):
        assert 0.03 <= share(market, f"scene = '{scene}'") <= 0.20, scene


def test_most_orders_come_from_the_douyin_app(market: duckdb.DuckDBPyConnection) -> None:
    assert share(market, "entry_point = 'douyin_app'") > 0.5
    for entry in ("mall_tab", "mall_app", "doubao", "douyin_lite"):
        assert share(market, f"entry_point = '{entry}'") > 0.01, entry


def test_the_top_tenth_of_shops_takes_over_half_of_gmv(market: duckdb.DuckDBPyConnection) -> None:
    top = scalar(
        market,
        """WITH g AS (SELECT shop_id, sum(amount_paid_fen) AS gmv FROM orders GROUP BY 1),
                r AS (SELECT gmv, row_number() OVER (ORDER BY gmv DESC) AS rk,
                             count(*) OVER () AS n FROM g)
           SELECT sum(gmv) FILTER (WHERE rk <= ceil(n / 10)) / sum(gmv) FROM r""",
    )
    assert top >= 0.5


def test_ads_creators_coupons_and_insurance_appear_in_plausible_shares(
    market: duckdb.DuckDBPyConnection,
) -> None:
    assert 0.15 <= share(market, "ad_product IS NOT NULL") <= 0.45
    assert share(market, "ad_product = 'qianchuan_chengfang'") > 0.03
    assert 0.2 <= share(market, "creator_id IS NOT NULL") <= 0.5
    assert share(market, "ad_commission_rate_bp IS NOT NULL") > 0.03
    assert 0.1 <= share(market, "platform_coupon_fen > 0") <= 0.4
    assert 0.2 <= share(market, "merchant_coupon_fen > 0") <= 0.5
    assert 0.25 <= share(market, "insurance_type IS NOT NULL") <= 0.6
    assert 0.0 < share(market, "is_gift") < 0.02
    # Commissions stay inside 5-50%, except that the affiliate rule lets gold, computers,
    # second-hand 3C and contract phones go down to 1% (platform-rules.md, affiliate ranges).
    bad_rates = scalar(
        market,
        """SELECT count(*) FROM orders AS o
           JOIN products AS p USING (sku_id)
           JOIN categories AS c ON c.category_id = p.category_id
           WHERE o.creator_id IS NOT NULL AND NOT (
             o.commission_rate_bp BETWEEN
               CASE WHEN c.industry IN ('gold_jewellery', 'computers', 'second_hand_3c',
                                        'contract_phones') THEN 100 ELSE 500 END
               AND 5000
             AND coalesce(o.ad_commission_rate_bp, 0) <= o.commission_rate_bp)""",
    )
    assert bad_rates == 0


def test_ad_spend_covers_the_ad_cost_of_the_orders(market: duckdb.DuckDBPyConnection) -> None:
    uncovered = scalar(
        market,
        """WITH c AS (SELECT shop_id, CAST(paid_at AS DATE) AS day, ad_product,
                            sum(ad_cost_fen) AS cost
                     FROM orders WHERE ad_product IS NOT NULL GROUP BY ALL)
           SELECT count(*) FROM c LEFT JOIN ad_spend s USING (shop_id, day, ad_product)
           WHERE s.spend_fen IS NULL OR s.spend_fen < c.cost""",
    )
    assert uncovered == 0


def industry_rates(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[float, float]]:
    """Per industry: any after-sales case, and return-refunds, per order (first week only)."""
    rows = con.execute(
        """SELECT c.industry, avg(CASE WHEN a.case_id IS NOT NULL THEN 1 ELSE 0 END),
                  avg(CASE WHEN a.type = 'return_refund' THEN 1 ELSE 0 END)
           FROM orders o JOIN products p USING (sku_id) JOIN categories c USING (category_id)
           LEFT JOIN after_sales a USING (order_id)
           WHERE o.paid_at < (SELECT min(paid_at) + INTERVAL 7 DAY FROM orders)
           GROUP BY 1"""
    ).fetchall()
    return {industry: (float(case), float(ret)) for industry, case, ret in rows}


def test_apparel_comes_back_far_more_often_than_food(market: duckdb.DuckDBPyConnection) -> None:
    rates = industry_rates(market)
    apparel_cases, apparel_returns = rates["apparel"]

    assert 0.15 <= apparel_cases <= 0.40
    assert 0.08 <= apparel_returns <= 0.30
    for food in ("food_snacks", "grain_oil"):
        assert rates[food][0] < apparel_cases / 3, food


def test_instant_refunds_are_refund_only_within_minutes_before_shipment(
    market: duckdb.DuckDBPyConnection,
) -> None:
    instant = scalar(
        market,
        """SELECT count(*) FROM after_sales a JOIN orders o USING (order_id)
           WHERE a.type = 'refund_only' AND a.outcome = 'approved'
             AND a.requested_at <= o.paid_at + INTERVAL 15 MINUTE
             AND NOT EXISTS (SELECT 1 FROM logistics_events e WHERE e.order_id = a.order_id)""",
    )
    assert instant > 0.01 * scalar(market, "SELECT count(*) FROM orders")


def test_receipts_are_confirmed_by_buyers_or_automatically_a_week_after_delivery(
    market: duckdb.DuckDBPyConnection,
) -> None:
    auto_share, auto_wait_days = market.execute(
        """WITH e AS (SELECT order_id,
                        max(event_at) FILTER (WHERE event = 'delivered') AS delivered,
                        max(event_at) FILTER (WHERE event = 'receipt_confirmed') AS confirmed,
                        bool_or(auto_confirmed) AS auto
                      FROM logistics_events GROUP BY 1)
           SELECT avg(CASE WHEN auto THEN 1 ELSE 0 END),
                  avg(epoch(confirmed) - epoch(delivered)) FILTER (WHERE auto) / 86400
           FROM e JOIN orders o USING (order_id)
           WHERE confirmed IS NOT NULL
             AND o.paid_at < (SELECT min(paid_at) + INTERVAL 3 DAY FROM orders)"""
    ).fetchall()[0]
    assert 0.35 <= auto_share <= 0.75
    assert 7.0 <= auto_wait_days <= 7.5


def test_recent_orders_are_still_in_transit(market: duckdb.DuckDBPyConnection) -> None:
    unconfirmed_recent = scalar(
        market,
        """SELECT avg(CASE WHEN EXISTS (SELECT 1 FROM logistics_events e
                     WHERE e.order_id = o.order_id AND e.event = 'receipt_confirmed')
                     THEN 0 ELSE 1 END)
           FROM orders o WHERE o.paid_at >= (SELECT max(paid_at) - INTERVAL 1 DAY FROM orders)""",
    )
    assert unconfirmed_recent > 0.95


def test_remote_regions_wait_longer_for_their_parcels(market: duckdb.DuckDBPyConnection) -> None:
    hours = dict(
        market.execute(
            f"""WITH e AS (SELECT order_id,
                      max(event_at) FILTER (WHERE event = 'picked_up') AS picked_up,
                      max(event_at) FILTER (WHERE event = 'delivered') AS delivered
                    FROM logistics_events GROUP BY 1)
               SELECT o.ship_to_region IN {REMOTE},
                      avg(epoch(delivered) - epoch(picked_up)) / 3600
               FROM e JOIN orders o USING (order_id) WHERE delivered IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )
    assert hours[True] > hours[False] + 36


def test_ratings_fall_when_quality_goes_wrong(market: duckdb.DuckDBPyConnection) -> None:
    by_reason = dict(
        market.execute(
            """SELECT coalesce(a.reason_code, 'none'), avg(r.rating)
               FROM reviews r LEFT JOIN after_sales a USING (order_id) GROUP BY 1"""
        ).fetchall()
    )
    assert by_reason["none"] >= 4.0
    assert by_reason["quality"] <= 2.5


@pytest.mark.parametrize(
    ("sql", "least"),
    [
        ("SELECT title FROM products", 0.99),
        ("SELECT text FROM reviews WHERE text IS NOT NULL", 0.99),
        ("SELECT reason_text FROM after_sales WHERE reason_text IS NOT NULL", 0.99),
        ("SELECT name FROM categories", 1.0),
        ("SELECT query FROM searches", 0.99),
    ],
)
def test_texts_are_chinese_and_varied(
    market: duckdb.DuckDBPyConnection, sql: str, least: float
) -> None:
    texts = [row[0] for row in market.execute(sql).fetchall()]
    chinese = sum(1 for t in texts if CJK.search(t)) / len(texts)
    assert chinese >= least
    assert len(set(texts)) >= min(len(texts), 40)


def test_catalogue_covers_the_fee_table_industries_with_after_sales_periods(
    market: duckdb.DuckDBPyConnection,
) -> None:
    industries = {row[0] for row in market.execute("SELECT industry FROM categories").fetchall()}
    assert {
        "digital_3c",
        "large_appliance",
        "apparel",
        "shoes_bags",
        "skincare",
        "makeup",
        "personal_care",
        "food_snacks",
        "grain_oil",
        "fresh_produce",
        "nutrition",
        "pet_food",
        "pet_other",
        "baby",
        "toys",
        "gold_jewellery",
        "education",
    } <= industries
    days = [
        row[0]
        for row in market.execute(
            "SELECT after_sales_days FROM categories WHERE parent_id IS NOT NULL"
        ).fetchall()
    ]
    assert sum(7 <= d <= 15 for d in days) / len(days) >= 0.7
    long = {
        row[0]
        for row in market.execute(
            "SELECT industry FROM categories WHERE after_sales_days > 30"
        ).fetchall()
    }
    assert {"large_appliance", "home_furniture", "gold_jewellery"} <= long


def test_shops_vary_like_real_merchants(market: duckdb.DuckDBPyConnection) -> None:
    counts = dict(market.execute("SELECT store_type, count(*) FROM shops GROUP BY 1").fetchall())
    assert set(counts) == {"personal", "enterprise", "flagship"}
    new = scalar(
        market,
        "SELECT avg(CASE WHEN opened_date >= DATE '2026-10-01' - 90 THEN 1 ELSE 0 END) FROM shops",
    )
    assert 0.05 <= new <= 0.25
    assert scalar(market, "SELECT max(opened_date) - min(opened_date) FROM shops") > 3 * 365
    assert scalar(market, "SELECT count(*) FROM shops WHERE entry_plan = 'zero_deposit'") >= 1
    assert scalar(market, "SELECT count(*) FROM shops WHERE business_mode = 'cross_border'") >= 1
    assert (
        scalar(
            market, "SELECT count(*) FROM shops WHERE regexp_full_match(county_code, '[0-9]{6}')"
        )
        == 240
    )
    tags = {row[0] for row in market.execute("SELECT DISTINCT unnest(tags) FROM shops").fetchall()}
    assert {"industry_belt", "treasure_shop", "small_merchant", "new_merchant"} <= tags


def test_zero_deposit_shops_get_no_platform_coupons_or_creators(
    market: duckdb.DuckDBPyConnection,
) -> None:
    leaks = scalar(
        market,
        """SELECT count(*) FROM orders o JOIN shops s USING (shop_id)
           WHERE s.entry_plan = 'zero_deposit'
             AND (o.platform_coupon_fen > 0 OR o.creator_id IS NOT NULL)""",
    )
    assert leaks == 0


def test_creators_span_every_tier(market: duckdb.DuckDBPyConnection) -> None:
    tiers = {row[0] for row in market.execute("SELECT DISTINCT tier FROM creators").fetchall()}
    assert tiers == {"A", "B+", "B", "C", "D"}


def test_service_chats_have_plausible_response_figures(market: duckdb.DuckDBPyConnection) -> None:
    median_first, unanswered, rated = market.execute(
        """SELECT median(first_response_seconds),
                  avg(CASE WHEN first_response_seconds IS NULL THEN 1 ELSE 0 END),
                  avg(CASE WHEN rating IS NOT NULL THEN 1 ELSE 0 END)
           FROM cs_sessions"""
    ).fetchall()[0]
    assert 5 <= median_first <= 120
    assert 0.0 < unanswered < 0.1
    assert 0.2 < rated < 0.5
