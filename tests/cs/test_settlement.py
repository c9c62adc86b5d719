"""The assistant's settlement answer is the fee rulebook's own decision, per category.

Each test builds a tiny warehouse by hand; what the answer must say is written out from the
rulebook text (douyin-2026: over 30 days of after-sales → 10 days, listed categories → 15 or
10, instant-retail pharmacies → 10, zero-deposit → 21, otherwise 3; cross-border adds 2
working days), never read from the code under test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import InputError
from merchantry.service.cs import assistant_desk, fee_rulebook_for
from merchantry.store.warehouse import connect, ensure_schema

DAY = date(2026, 10, 1)
QUESTION = "货款多久结算？"

THRESHOLD_40 = """\
rulebook: douyin-2026-forty
title: douyin-2026 with the long after-sales threshold at 40 days
platform: douyin
effective: {from: 2026-01-08}
extends: douyin-2026
rules:
  - id: settle.long-after-sales
    override: true
    title: Categories with an after-sales period over 40 days settle 10 days after receipt
    priority: 20
    when: category.after_sales_days > 40
    effect: {kind: settlement_days, days: 10}
    assumption: true
    note: a test
"""

LIVE_ORDERS = """\
rulebook: douyin-2026-live
title: douyin-2026 with live-room orders settling in 5 days
platform: douyin
effective: {from: 2026-01-08}
extends: douyin-2026
rules:
  - id: settle.live
    title: Live-room orders settle 5 days after receipt
    priority: 5
    when: order.scene = 'live'
    effect: {kind: settlement_days, days: 5}
    assumption: true
    note: a test
"""


def _warehouse(
    con: duckdb.DuckDBPyConnection,
    categories: list[tuple[str, str, str, int]],
    *,
    entry_plan: str = "standard",
    mode: str = "domestic",
) -> None:
    """Shop S1 selling one product in each of ``categories`` (id, name, industry, days)."""
    for cat_id, name, industry, days in categories:
        con.execute(
            "INSERT INTO categories VALUES (?, ?, ?, NULL, ?)", [cat_id, name, industry, days]
        )
    con.execute(
        "INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, "
        "region, county_code, entry_plan, business_mode) VALUES ('S1', '小店', ?, ?, "
        "'personal', DATE '2025-01-01', 'r', '110000', ?, ?)",
        [categories[0][2], categories[0][0], entry_plan, mode],
    )
    for i, (cat_id, name, _, _) in enumerate(categories, 1):
        con.execute(
            "INSERT INTO products VALUES (?, 'S1', ?, ?, 9900, NULL)",
            [f"K0000000{i}", cat_id, f"{name}精选好物{i}号"],
        )


def _book(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = text.split("\n", 1)[0].removeprefix("rulebook: ")
    path = folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return folder


def _ask(
    con: duckdb.DuckDBPyConnection,
    question: str = QUESTION,
    *,
    rulebook: str | None = None,
    dirs: tuple[Path, ...] = (),
) -> tuple[list[str], str]:
    desk = assistant_desk(
        con, DAY, fee_rulebook=rulebook, rulebook_dirs=dirs, with_routing=False, use_model=False
    )
    answer = desk.ask("S1", question)
    assert answer.handoff is None, answer.handoff
    return [f.fact_id for f in answer.citations], answer.text


def test_a_35_day_category_follows_the_rulebooks_threshold(
    empty_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """35 days is over douyin-2026's 30 (10 days after receipt) but not over a child's 40:
    under the child the default rule applies (3 days), and the answer says so."""
    _warehouse(empty_con, [("C35", "户外帐篷", "outdoor", 35)])
    cited, text = _ask(empty_con, rulebook="douyin-2026")
    assert cited == ["rule:settle.long-after-sales"]
    assert "确认收货后10天结算" in text
    dirs = (_book(tmp_path / "books", THRESHOLD_40),)
    cited, text = _ask(empty_con, rulebook="douyin-2026-forty", dirs=dirs)
    assert cited == ["rule:settle.default"]
    assert "douyin-2026-forty settle.default" in text
    assert "确认收货后3天结算" in text
    assert "10天" not in text


@pytest.mark.parametrize(
    ("category", "shop", "rule", "days"),
    [
        (("CW", "手表", "watches", 7), {}, "settle.special-15", 15),
        (("CB", "电动车电池", "ebike_battery", 7), {}, "settle.special-10", 10),
        (
            ("CP", "药品", "pharmacy_medical", 7),
            {"mode": "instant_retail"},
            "settle.instant-retail-pharmacy",
            10,
        ),
        (
            ("CA", "计生用品", "adult_family_planning", 7),
            {"mode": "instant_retail"},
            "settle.instant-retail-adult",
            7,
        ),
        (("CT", "玩具", "toys", 45), {"entry_plan": "zero_deposit"}, "settle.zero-deposit", 21),
    ],
)
def test_special_rules_reach_the_shops_they_name(
    empty_con: duckdb.DuckDBPyConnection,
    category: tuple[str, str, str, int],
    shop: dict[str, str],
    rule: str,
    days: int,
) -> None:
    _warehouse(empty_con, [category], **shop)
    cited, text = _ask(empty_con)
    assert cited == [f"rule:{rule}"]
    assert f"确认收货后{days}天结算" in text
    assert f"本店{category[1]}类目的货款" in text


def test_each_category_gets_its_own_rule_and_a_product_question_its_categorys(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    _warehouse(empty_con, [("C35", "户外帐篷", "outdoor", 35), ("C7", "玩具", "toys", 7)])
    cited, text = _ask(empty_con)
    assert sorted(cited) == ["rule:settle.default", "rule:settle.long-after-sales"]
    assert "本店户外帐篷类目的货款在确认收货后10天结算" in text
    assert "本店玩具类目的货款在确认收货后3天结算" in text
    cited, text = _ask(empty_con, "玩具精选好物2号多久结算")
    assert cited == ["rule:settle.default", "product:K00000002"]
    assert "10天" not in text


def test_cross_border_goods_add_the_working_days(empty_con: duckdb.DuckDBPyConnection) -> None:
    _warehouse(empty_con, [("C7", "奶粉", "infant_formula", 7)], mode="cross_border")
    cited, text = _ask(empty_con)
    assert cited == ["rule:settle.cross-border", "rule:settle.default"]
    assert "在结算日后再延后2个工作日结算" in text
    assert "确认收货后3天结算" in text


def test_a_rule_on_the_order_itself_is_said_to_apply_to_some_orders(
    empty_con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """A category cannot know an order's scene: the category's rule is the default, and the
    live-room rule is quoted for the orders that meet it."""
    _warehouse(empty_con, [("C7", "玩具", "toys", 7)])
    dirs = (_book(tmp_path / "books", LIVE_ORDERS),)
    cited, text = _ask(empty_con, rulebook="douyin-2026-live", dirs=dirs)
    assert cited == ["rule:settle.default", "rule:settle.live"]
    assert "本店玩具类目的货款在确认收货后3天结算" in text
    assert "本店玩具类目中符合该规则条件的订单在确认收货后5天结算" in text


def test_the_fee_rulebook_in_force_is_the_default_and_a_score_rulebook_is_refused() -> None:
    assert fee_rulebook_for(DAY).name == "douyin-2026"
    assert fee_rulebook_for(date(2025, 6, 1)).name == "douyin-2025"
    with pytest.raises(InputError, match="taobao-score-2026"):
        fee_rulebook_for(DAY, "taobao-score-2026")


def test_cs_ask_takes_the_rulebook_and_its_folder(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    try:
        ensure_schema(con)
        _warehouse(con, [("C35", "户外帐篷", "outdoor", 35)])
    finally:
        con.close()
    books = _book(tmp_path / "books", THRESHOLD_40)
    args = ["cs", "ask", "--shop", "S1", "--on", "2026-10-01", "--json", "--db", str(db)]
    result = CliRunner().invoke(
        app, [*args, "--rulebook", "douyin-2026-forty", "--rulebook-dir", str(books), QUESTION]
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert [c["fact_id"] for c in body["citations"]] == ["rule:settle.default"]
    shipped = CliRunner().invoke(app, [*args, QUESTION])
    assert shipped.exit_code == 0, shipped.output
    body = json.loads(shipped.output)
    assert [c["fact_id"] for c in body["citations"]] == ["rule:settle.long-after-sales"]
