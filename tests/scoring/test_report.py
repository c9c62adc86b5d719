"""The score report and the published good-service ranking, on hand-made shops."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import NotFound
from merchantry.report import Metrics, Table
from merchantry.scoring.inputs import label_terms
from merchantry.scoring.report import build_score_page, ranking, write_ranking_csv

from .market import SCORE_DAY, Market, shipped
from .test_taobao_rules import RULEBOOK, perfect_shop


@pytest.fixture
def scored(market: Market) -> Market:
    """Food shops S2 and S4 offer SF free shipping, their industry's bonus item (S4's 4-star
    ratings and silent chats rank it second); maternal-and-infant S5 offers free size
    exchange; 3C S1 offers nothing, 3C S3 is far below 4.8."""
    perfect_shop(market, "S1")
    perfect_shop(market, "S2", industry="food_snacks")
    market.service("S2", "sf_free_shipping")
    market.shop("S4", industry="food_snacks")
    market.orders("S4", 40, rating=4, delivered_after_h=24)
    market.service("S4", "sf_free_shipping")
    perfect_shop(market, "S5", industry="baby")
    market.service("S5", "free_size_exchange")
    market.shop("S3")
    market.orders("S3", 40, rating=2)
    market.service("S3", "sf_free_shipping")
    market.score(RULEBOOK)
    return market


def test_the_ranking_is_published_per_industry_best_first(scored: Market) -> None:
    ranked = ranking(scored.con, RULEBOOK, SCORE_DAY)
    table = scored.con.execute(
        "SELECT industry, rank, shop_id, score_cp FROM service_rankings"
        " WHERE rulebook = ? ORDER BY industry, rank",
        [RULEBOOK],
    ).fetchall()
    assert [(r.industry, r.rank, r.shop_id, r.score_cp) for r in ranked] == table
    # S1 has no characteristic service, S3 is below 4.8; S4 (4.93 + 0.05) ranks after S2
    # (4.98 + 0.05, capped at 5.00); S5 is 4.98 + 0.10, capped
    assert [(r.industry, r.rank, r.shop_id, r.score_cp) for r in ranked] == [
        ("baby", 1, "S5", 500),
        ("food_snacks", 1, "S2", 500),
        ("food_snacks", 2, "S4", 498),
    ]


def test_the_ranking_csv_has_every_ranked_shop_with_two_decimals(
    scored: Market, tmp_path: Path
) -> None:
    ranked = ranking(scored.con, RULEBOOK, SCORE_DAY)
    path = write_ranking_csv(ranked, tmp_path / "ranking.csv")
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(ranked) >= 2
    for row, shop in zip(rows, ranked, strict=True):
        assert row["shop_id"] == shop.shop_id
        assert row["score"] == f"{shop.score_cp // 100}.{shop.score_cp % 100:02d}"


def test_the_page_reports_what_the_tables_hold(scored: Market) -> None:
    terms = label_terms(shipped(RULEBOOK))
    page = build_score_page(scored.con, RULEBOOK, SCORE_DAY, terms=terms, scale_low_cp=300)
    html = page.to_html()
    titles = [s.title for s in page.sections]
    assert titles == [
        "分数分布 · Distribution",
        "行业 · Industries",
        "指标 · Indicators",
        "准入 · Gates",
        "好服务榜单 · Good-service ranking",
        "最低分店铺 · Lowest shops",
    ]
    stages = dict(
        scored.con.execute(
            "SELECT stage, count(*) FROM shop_scores WHERE rulebook = ? GROUP BY stage",
            [RULEBOOK],
        ).fetchall()
    )
    headline = page.sections[0].blocks[0]
    assert isinstance(headline, Metrics)
    shown = {m.label: m.value for m in headline.items}
    assert shown["正式阶段 / Formal stage"] == str(stages.get("formal", 0)) == "5"
    assert shown["无分 / No score"] == str(stages.get("none", 0))
    lowest = scored.con.execute(
        "SELECT shop_id, score_cp FROM shop_scores WHERE rulebook = ?"
        " ORDER BY score_cp, shop_id LIMIT 1",
        [RULEBOOK],
    ).fetchone()
    assert lowest is not None
    table = page.sections[-1].blocks[0]
    assert isinstance(table, Table)
    assert lowest[0] == "S3"
    shop, industry, score = table.rows[0][:3]
    assert (shop, str(industry), score) == ("S3", "3C数码 / Phones & electronics", lowest[1])
    assert f"{lowest[1] // 100}.{lowest[1] % 100:02d}" in html  # shown as points
    assert re.search(r"<script[^>]+src=\"https?://", html) is None  # offline


def test_no_scores_is_a_clear_error(market: Market) -> None:
    with pytest.raises(NotFound, match="no taobao-score-2026 scores on 2026-01-01"):
        build_score_page(
            market.con, RULEBOOK, date(2026, 1, 1), terms=label_terms(shipped(RULEBOOK))
        )


def test_the_command_writes_the_page_and_the_csv(scored: Market, tmp_path: Path) -> None:
    db = tmp_path / "test.duckdb"  # the warehouse fixture's file (same process: shared)
    scored.con.execute("CHECKPOINT")
    out, ranked = tmp_path / "scores.html", tmp_path / "ranking.csv"
    result = CliRunner().invoke(
        app,
        [
            "score-report",
            "--rulebook",
            RULEBOOK,
            "--date",
            SCORE_DAY.isoformat(),
            "--db",
            str(db),
            "--out",
            str(out),
            "--ranking-csv",
            str(ranked),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Good-service ranking" in out.read_text(encoding="utf-8")
    assert "in 2 industries" in result.output
    with ranked.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "industry",
        "industry_name",
        "rank",
        "shop_id",
        "shop_name",
        "score",
        "special_services",
        "rule_id",
    ]
    names = dict(scored.con.execute("SELECT shop_id, name FROM shops").fetchall())
    for row in rows:  # the shop's name beside its id; the industry's name beside its code
        assert row["shop_name"] == (names[row["shop_id"]] or "")
    assert {(r["industry"], r["industry_name"]) for r in rows} == {
        ("baby", "母婴 / Mother & baby"),
        ("food_snacks", "食品饮料 / Food & drinks"),
    }


def test_one_typical_score_on_the_terminal_and_the_page(scored: Market, tmp_path: Path) -> None:
    """The typical score is the median of the formal-stage scores (an even count's middle
    pair averaged, half away from zero); the terminal and the page print that same figure."""
    perfect_shop(scored, "S6", industry="baby")  # six formal shops: an even count
    scored.shop("G1")
    scored.orders("G1", 3, rating=1)  # a growth-stage shop, left out of the typical score
    db = tmp_path / "test.duckdb"
    scored.con.execute("CHECKPOINT")
    runner = CliRunner()
    day = ["--rulebook", RULEBOOK, "--date", SCORE_DAY.isoformat(), "--db", str(db)]
    printed = runner.invoke(app, ["score", *day], env={"COLUMNS": "200"})
    assert printed.exit_code == 0, printed.output
    out = tmp_path / "scores.html"
    page = runner.invoke(app, ["score-report", *day, "--out", str(out)])
    assert page.exit_code == 0, page.output
    formal = sorted(
        int(r[0])
        for r in scored.con.execute(
            "SELECT score_cp FROM shop_scores WHERE rulebook = ? AND score_date = ?"
            " AND stage = 'formal'",
            [RULEBOOK, SCORE_DAY],
        ).fetchall()
    )
    everyone = scored.con.execute(
        "SELECT count(*) FROM shop_scores WHERE rulebook = ? AND score_date = ?",
        [RULEBOOK, SCORE_DAY],
    ).fetchone()
    assert everyone is not None
    assert len(formal) < everyone[0]  # a growth or unscored shop that must not count
    middle = len(formal) // 2
    typical = (
        formal[middle]
        if len(formal) % 2
        else int((Decimal(formal[middle - 1] + formal[middle]) / 2).quantize(1, ROUND_HALF_UP))
    )
    shown = f"{typical // 100}.{typical % 100:02d}"
    terminal = " ".join(printed.output.split())
    assert f"typical score {shown} (median of the formal stage)" in terminal
    html = out.read_text(encoding="utf-8")
    assert re.search(rf"typical score \(median, formal stage\)</div>\s*<div[^>]*>{shown}<", html)
    assert "mean" not in terminal.split("typical score")[0]  # no rival figure on the terminal
