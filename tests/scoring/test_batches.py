"""Big markets are scored in hash partitions of shops; the rows do not change."""

from __future__ import annotations

from merchantry.scoring import score_shops

from .market import SCORE_DAY, Market, at


def test_partitions_give_the_same_scores_as_one_batch(market: Market) -> None:
    for n, industry in enumerate(("digital_3c", "apparel", "toys", "skincare", "apparel")):
        shop = market.shop(f"S{n}", industry=industry)
        market.orders(shop, 30 + 7 * n, rating=5 - n % 3, picked_after_h=2 + 11 * n)
        market.violation(shop, "refused_invoice", at(n + 1))
    query = "SELECT * FROM shop_scores ORDER BY shop_id, score_date"
    score_shops(market.con, "douyin-score-2026-07", SCORE_DAY)
    whole = market.con.execute(query).fetchall()
    score_shops(market.con, "douyin-score-2026-07", SCORE_DAY, batch_shops=2)
    assert market.con.execute(query).fetchall() == whole
    assert len(whole) == 5
