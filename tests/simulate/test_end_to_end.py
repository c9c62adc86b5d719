"""End to end with the real fee engine: douyin-2025 against douyin-2026.

Two apparel shops (5% technical service fee under both rulebooks), March 2026:

* E1: enterprise shop, livestream order of ¥100. 2025 charges 5% (¥5.00); 2026's
  content-scene waiver cuts the rate by 10% (¥4.50): ¥0.50 saved.
* E2: personal shop, product-card order of ¥100 from the Douyin app. 2025's
  product-card waiver kept only 0.6% (¥0.60); 2026 excludes personal stores
  (¥5.00): ¥4.40 lost, blamed on the 2025 waiver that ended.
* E3: enterprise shop, product card from the mall tab, ¥200: 0.6% under both.
* E4: enterprise shop, livestream order of ¥100 with ¥10 of ad cost: the same
  ¥0.50 content-scene saving; the promotion fee is the same under both.
"""

from __future__ import annotations

from datetime import date
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import pytest

from merchantry.service.simulation import run_simulation
from merchantry.simulate.report import write_report
from tests.report.test_page import loaded_urls
from tests.simulate.factories import Market

if find_spec("merchantry.fees") is None or not hasattr(
    import_module("merchantry.fees"), "compute_fees"
):
    pytest.skip("merchantry.fees.compute_fees is not written yet", allow_module_level=True)

START, END = date(2026, 3, 1), date(2026, 3, 31)


def build(m: Market) -> None:
    m.category("dress", "apparel", after_sales_days=7)
    m.shop("ENT", industry="apparel", store_type="enterprise")
    m.shop("PER", industry="apparel", store_type="personal")
    m.product("sku-ent", "ENT", "dress")
    m.product("sku-per", "PER", "dress")
    day = date(2026, 3, 10)
    m.order("E1", "ENT", paid=day, paid_fen=10_000, scene="live", sku_id="sku-ent")
    m.order("E2", "PER", paid=day, paid_fen=10_000, scene="product_card", sku_id="sku-per")
    m.order(
        "E3",
        "ENT",
        paid=day,
        paid_fen=20_000,
        scene="product_card",
        sku_id="sku-ent",
        entry_point="mall_tab",
    )
    m.order(
        "E4",
        "ENT",
        paid=day,
        paid_fen=10_000,
        scene="live",
        sku_id="sku-ent",
        ad_product="qianchuan_standard",
        ad_cost_fen=1_000,
    )


def test_douyin_2026_against_2025_on_four_orders(market: Market, tmp_path: Path) -> None:
    build(market)
    result = run_simulation(market.con, "douyin-2025", "douyin-2026", START, END)

    direct = market.con.execute(
        "SELECT sum(CASE WHEN rulebook = 'douyin-2025' THEN cost ELSE -cost END) FROM ("
        " SELECT rulebook, amount_fen * ((payer = 'merchant')::INT - (payee = 'merchant')::INT)"
        " AS cost FROM fee_lines) AS t"
    ).fetchone()
    assert direct is not None
    assert result.summary.saving_fen == direct[0]

    by_line = {(line.line_rulebook, line.line_id): line for line in result.by_line}
    content = by_line[("douyin-2026", "tsf.waiver.content-scenes")]
    assert (content.saving_fen, content.orders) == (100, 2)
    ended = by_line[("douyin-2025", "tsf.waiver.product-card")]
    assert (ended.saving_fen, ended.orders) == (-440, 1)
    assert content.title != content.line_id  # titles come from the rule catalogue
    assert content.assumption is True  # the waiver type for content scenes is assumed
    assert ("douyin-2026", "tsf.waiver.content-scenes") in {
        (a.rulebook, a.rule_id) for a in result.assumptions
    }

    shops = {s.shop_id: s.saving_fen for s in (*result.gainers, *result.losers)}
    assert shops == {"ENT": 100, "PER": -440}

    html = write_report(result, tmp_path / "sim.html").read_text(encoding="utf-8")
    assert loaded_urls(html) == []
    assert content.title in html
