"""Indicator names and diagnosis advice quote the numbers of the rulebook the score was computed
under, in Chinese and English: a child rulebook that moves ``reply_target_seconds``,
``pickup_due_hours``, the night clocks or the best pickup band moves the words with the figures,
and the shipped rulebooks still say what they always said.

The expected words are written out here, never derived from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.console.i18n import Translator
from merchantry.console.render import indicator_name
from merchantry.report.names import Vocabulary, label
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.scoring import score_shops
from merchantry.scoring.diagnosis import Finding, action, diagnose_score
from merchantry.scoring.inputs import label_terms
from merchantry.scoring.report import write_score_report
from merchantry.service.console_reads import indicator_titles, score_findings

from .market import SCORE_DAY, Market, at, shipped
from .test_taobao_rules import perfect_shop

TAOBAO = "taobao-score-2026"
DOUYIN = "douyin-score-2026-05"
EFFECTIVE = {TAOBAO: "2026-01-01", DOUYIN: "2026-05-07"}

FAST_BAND = """rules:
  - id: pickup.24h
    override: true
    title: Picked up within 12 hours scores 100
    priority: 10
    effect: {kind: score_pickup_band, max_hours: 12, score_cp: 10000}
    assumption: true
    note: a test
"""
"""Douyin's best pickup band moved from 24 to 12 hours."""


def child(folder: Path, parent: str, rules: str = "", **values: int) -> Rulebook:
    """A child of a shipped score rulebook (``mine``) that sets ``values``, one parameter a
    line, plus any ``rules`` YAML; written to ``folder`` and loaded from there."""
    folder.mkdir(exist_ok=True)
    lines = [
        "rulebook: mine",
        "title: a child that moves the numbers the names quote",
        f"extends: {parent}",
        f"effective: {{from: {EFFECTIVE[parent]}}}",
        "parameters:",
    ]
    for name, value in values.items():
        lines += [f"  {name}:", f"    value: {value}", "    assumption: true", "    note: a test"]
    (folder / "mine.yaml").write_text("\n".join(lines) + "\n" + rules, encoding="utf-8")
    return load_rulebook("mine", [folder])


def names(book: Rulebook, indicator: str) -> str:
    return label(Vocabulary.INDICATOR, indicator, label_terms(book))


def test_the_shipped_rulebooks_say_what_they_always_said() -> None:
    taobao, douyin = shipped(TAOBAO), shipped(DOUYIN)
    assert names(taobao, "pickup_48h_rate") == "48小时揽收率 / 48-hour pickup rate"
    assert names(taobao, "response_3min_rate") == "旺旺3分钟人工响应率 / 3-minute response rate"
    assert action("pickup_48h_rate", label_terms(taobao)) == (
        "确保付款后48小时内揽收",
        "Make sure every parcel is picked up within 48 hours of payment",
    )
    assert action("response_3min_rate", label_terms(taobao)) == (
        "保证人工客服3分钟内响应",
        "Answer every chat round by a human within 3 minutes",
    )
    assert action("pickup_score", label_terms(douyin)) == (
        "当天发货、18点前下单当日揽收，与快递约定固定揽收时间",
        "Ship the same day and book fixed courier pickups so parcels leave within 24 hours",
    )
    assert action("after_sales_review_minutes", label_terms(douyin)) == (
        "开启售后自动审核，早8点前集中处理夜间申请",
        "Turn on automatic after-sales review and clear overnight requests by 08:00",
    )
    # with no rulebook at hand (prose, the console's rule titles) a name reads the defaults
    assert label(Vocabulary.INDICATOR, "pickup_48h_rate") == "48小时揽收率 / 48-hour pickup rate"


@pytest.mark.parametrize(
    ("seconds", "zh", "en", "within"),
    [
        (60, "1分钟", "1-minute", "within 1 minute"),
        (90, "90秒", "90-second", "within 90 seconds"),
        (120, "2分钟", "2-minute", "within 2 minutes"),
    ],
)
def test_a_child_taobao_rulebook_moves_the_reply_target_in_the_name_and_the_advice(
    tmp_path: Path, seconds: int, zh: str, en: str, within: str
) -> None:
    book = child(tmp_path / "books", TAOBAO, reply_target_seconds=seconds)
    assert names(book, "response_3min_rate") == f"旺旺{zh}人工响应率 / {en} response rate"
    assert action("response_3min_rate", label_terms(book)) == (
        f"保证人工客服{zh}内响应",
        f"Answer every chat round by a human {within}",
    )
    assert names(book, "pickup_48h_rate") == "48小时揽收率 / 48-hour pickup rate"  # unmoved


def test_a_child_taobao_rulebook_moves_the_pickup_hours(tmp_path: Path) -> None:
    book = child(tmp_path / "books", TAOBAO, pickup_due_hours=24)
    assert names(book, "pickup_48h_rate") == "24小时揽收率 / 24-hour pickup rate"
    assert action("pickup_48h_rate", label_terms(book)) == (
        "确保付款后24小时内揽收",
        "Make sure every parcel is picked up within 24 hours of payment",
    )


def test_a_child_douyin_rulebook_moves_the_clocks_and_the_best_pickup_band(
    tmp_path: Path,
) -> None:
    book = child(
        tmp_path / "books",
        DOUYIN,
        FAST_BAND,
        pickup_clock_after_hour=17,
        review_clock_start_hour=9,
    )
    assert action("pickup_score", label_terms(book)) == (
        "当天发货、17点前下单当日揽收，与快递约定固定揽收时间",
        "Ship the same day and book fixed courier pickups so parcels leave within 12 hours",
    )
    assert action("after_sales_review_minutes", label_terms(book)) == (
        "开启售后自动审核，早9点前集中处理夜间申请",
        "Turn on automatic after-sales review and clear overnight requests by 09:00",
    )


def one_slow_taobao_shop(market: Market, book: Rulebook) -> None:
    """Four perfect 3C shops and one whose chats take 5 minutes a round, scored under
    ``book``."""
    for shop in ("P1", "P2", "P3", "P4"):
        perfect_shop(market, shop)
    market.shop("SLOW")
    market.orders("SLOW", 40, rating=5, delivered_after_h=24)
    for day in range(1, 25):
        market.session("SLOW", at(day, hour=11), total_seconds=300, rating=5)
    score_shops(market.con, book, SCORE_DAY)


def by_indicator(findings: tuple[Finding, ...]) -> dict[str, Finding]:
    return {f.indicator: f for f in findings}


def test_the_diagnosis_of_a_score_under_a_child_quotes_the_childs_numbers(
    market: Market, tmp_path: Path
) -> None:
    book = child(tmp_path / "books", TAOBAO, reply_target_seconds=60, pickup_due_hours=24)
    one_slow_taobao_shop(market, book)
    for diagnosis in (
        diagnose_score(market.con, book, "SLOW"),
        score_findings(market.con, book, "SLOW", SCORE_DAY),  # the console's one-pass read
    ):
        found = by_indicator(diagnosis.findings)
        reply, pickup = found["response_3min_rate"], found["pickup_48h_rate"]
        assert reply.title == "旺旺1分钟人工响应率 / 1-minute response rate"
        assert (reply.action_zh, reply.action_en) == (
            "保证人工客服1分钟内响应",
            "Answer every chat round by a human within 1 minute",
        )
        assert pickup.title == "24小时揽收率 / 24-hour pickup rate"
        assert pickup.action_en == "Make sure every parcel is picked up within 24 hours of payment"
        assert "response_3min_rate" in {a.indicator for a in diagnosis.actions}


def test_the_shipped_rulebooks_diagnosis_still_says_3_minutes_and_48_hours(
    market: Market,
) -> None:
    one_slow_taobao_shop(market, shipped(TAOBAO))
    found = by_indicator(diagnose_score(market.con, shipped(TAOBAO), "SLOW").findings)
    assert found["response_3min_rate"].title == "旺旺3分钟人工响应率 / 3-minute response rate"
    assert found["response_3min_rate"].action_en.endswith("within 3 minutes")
    assert found["pickup_48h_rate"].title == "48小时揽收率 / 48-hour pickup rate"


def test_diagnose_score_in_the_terminal_quotes_the_childs_numbers(
    market: Market, tmp_path: Path
) -> None:
    folder = tmp_path / "books"
    one_slow_taobao_shop(market, child(folder, TAOBAO, reply_target_seconds=60))
    market.con.execute("CHECKPOINT")
    result = CliRunner().invoke(
        app,
        ["diagnose", "score", "--shop", "SLOW", "--rulebook", "mine",
         "--rulebook-dir", str(folder), "--db", str(tmp_path / "test.duckdb")],
        env={"COLUMNS": "250"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "旺旺1分钟人工响应率 / 1-minute response rate" in out
    assert re.search(
        r"\+\d+\.\d\d 旺旺1分钟人工响应率 / 1-minute response rate: 保证人工客服1分钟内响应 / "
        r"Answer every chat round by a human within 1 minute",
        out,
    ), out
    assert "3-minute" not in out
    assert "3分钟" not in out


def test_the_score_report_names_the_indicators_as_the_child_does(
    market: Market, tmp_path: Path
) -> None:
    folder = tmp_path / "books"
    one_slow_taobao_shop(market, child(folder, TAOBAO, pickup_due_hours=24))
    path = write_score_report(
        market.con, "mine", SCORE_DAY, tmp_path / "s.html", rulebook_dirs=[folder]
    )
    html = path.read_text(encoding="utf-8")
    assert "24小时揽收率 / 24-hour pickup rate" in html
    assert "48-hour" not in html
    assert "48小时" not in html


def test_the_console_names_the_indicators_in_the_page_language(tmp_path: Path) -> None:
    titles = indicator_titles(child(tmp_path / "books", TAOBAO, reply_target_seconds=60))
    zh, en = Translator("zh"), Translator("en")
    title = titles["response_3min_rate"]
    assert indicator_name(zh, title, "response_3min_rate") == "旺旺1分钟人工响应率"
    assert indicator_name(en, title, "response_3min_rate") == "1-minute response rate"
    shipped_titles = indicator_titles(shipped(TAOBAO))
    assert indicator_name(zh, shipped_titles["pickup_48h_rate"], "x") == "48小时揽收率"
    assert indicator_name(en, shipped_titles["pickup_48h_rate"], "x") == "48-hour pickup rate"
    # the other names read as they always did on the page, in either language
    assert indicator_name(zh, shipped_titles["product_rating"], "x") == "商品综合评分"
    assert indicator_name(en, shipped_titles["product_rating"], "x") == "product composite rating"
