"""Diagnosis promises are recomputed, so acting on one delivers exactly what it said."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.report.names import Vocabulary, label
from merchantry.rulebook import load_rulebook
from merchantry.scoring import score_shops
from merchantry.scoring.diagnosis import MoveKind, diagnose_score

from .market import SCORE_DAY, Market, at
from .test_douyin_rules import perfect_shop

RULEBOOK = "douyin-score-2026-05"


def industry_with_one_slow_shop(market: Market) -> None:
    """Four perfect 3C shops and one whose chats take 5 minutes per round."""
    for shop in ("P1", "P2", "P3", "P4"):
        perfect_shop(market, shop)
    market.shop("SLOW")
    market.orders("SLOW", 40, rating=5)
    for day in range(1, 25):
        market.session("SLOW", at(day, hour=11), total_seconds=300, rating=5)


def test_the_top_action_is_the_indicator_furthest_below_the_industry(market: Market) -> None:
    industry_with_one_slow_shop(market)
    market.score()
    diagnosis = diagnose_score(market.con, RULEBOOK, "SLOW")
    top = diagnosis.actions[0]
    # 40 orders: the 80-point rule holds rating, quality and logistics returns at 80, so
    # product 80, logistics 0.4 x 100 + 0.3 x 100 + 0.3 x 80 = 94, service (80 + 50) / 2 = 65
    assert (diagnosis.stage, diagnosis.score_cp) == ("formal", 7970)  # 32 + 28.2 + 19.5
    assert (top.indicator, top.value, top.industry_median) == ("feige_response_seconds", 300, 20)
    # service (80 + 50) / 2 = 65 -> (80 + 100) / 2 = 90: +25 x 30% = +7.50 points
    assert top.gain_cp == 750
    assert [a.indicator for a in diagnosis.actions] == ["feige_response_seconds"]
    assert top.action_en
    assert top.action_zh


def test_applying_the_top_fix_raises_the_score_by_exactly_the_promise(market: Market) -> None:
    industry_with_one_slow_shop(market)
    market.score()
    before = market.row("SLOW")["score_cp"]
    top = diagnose_score(market.con, RULEBOOK, "SLOW").actions[0]

    # The merchant fixes it: chats are now answered as fast as the industry median.
    market.con.execute(
        "UPDATE cs_sessions SET total_response_seconds = ? * rounds WHERE shop_id = 'SLOW'",
        [top.industry_median],
    )
    market.score()

    assert market.row("SLOW")["score_cp"] == before + top.gain_cp


def test_growth_stage_shops_get_no_indicator_actions(market: Market) -> None:
    industry_with_one_slow_shop(market)
    market.shop("NEW")
    market.orders("NEW", 5)
    market.score()
    diagnosis = diagnose_score(market.con, RULEBOOK, "NEW")
    assert (diagnosis.stage, diagnosis.score_cp, diagnosis.actions) == ("growth", 7000, ())


def diagnose_cli(market: Market, tmp_path: Path, shop: str) -> str:
    """`merchantry diagnose score` through the real command line, on the test's warehouse."""
    market.con.execute("CHECKPOINT")
    db = tmp_path / "test.duckdb"  # the warehouse fixture's file
    result = CliRunner().invoke(
        app,
        ["diagnose", "score", "--shop", shop, "--rulebook", RULEBOOK, "--db", str(db)],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_diagnose_names_every_deduction_and_floor_with_the_points_it_moved(
    market: Market, tmp_path: Path
) -> None:
    industry_with_one_slow_shop(market)
    market.violation("SLOW", "mocking_consumer", at(3))
    market.violation("SLOW", "mocking_consumer", at(5))
    market.score()
    with_cases = market.row("SLOW")["score_cp"]
    floors = market.con.execute(
        "SELECT indicator, floor_rule_id FROM shop_score_indicators"
        " WHERE shop_id = 'SLOW' AND rulebook = ? AND floor_applied",
        [RULEBOOK],
    ).fetchall()
    assert floors  # 40 orders: the low-volume floors hold three indicators
    out = diagnose_cli(market, tmp_path, "SLOW")

    # the oracle: the same shop scored again without the two violations
    market.con.execute("DELETE FROM violations WHERE shop_id = 'SLOW'")
    market.score()
    moved = with_cases - market.row("SLOW")["score_cp"]
    assert moved == -600
    assert re.search(
        r"扣分 / Deduction │ deduct\.mocking_consumer │ -6\.00 │ -6\.00 │ .*\(2 cases\)", out
    ), out
    for indicator, rule_id in floors:
        # each floor by its rule and the indicator's display name, never the raw code
        assert re.search(
            rf"指标保底 / Indicator floor │ {re.escape(rule_id)} │ [-+]?\d+\.\d\d │ .*"
            rf"{re.escape(label(Vocabulary.INDICATOR, indicator))}",
            out,
        ), (rule_id, out)
    assert "product_rating:" not in out  # indicators by name, not code, in the terminal


def test_a_floor_moves_exactly_what_scoring_without_it_gives(market: Market) -> None:
    """The points a floor moved equal the score of the same shop under the rulebook with that
    floor rule left out (an independent run of the whole stage)."""
    industry_with_one_slow_shop(market)
    market.score()
    before = market.row("SLOW")["score_cp"]
    diagnosis = diagnose_score(market.con, RULEBOOK, "SLOW")
    floors = [m for m in diagnosis.moves if m.kind is MoveKind.INDICATOR_FLOOR]
    assert floors
    first = floors[0]
    assert first.rule_id is not None
    book = load_rulebook(RULEBOOK)
    without = dataclasses.replace(book, rules=tuple(r for r in book.rules if r.id != first.rule_id))
    score_shops(market.con, without, SCORE_DAY)
    after = market.con.execute(
        "SELECT score_cp FROM shop_scores WHERE rulebook = ? AND shop_id = 'SLOW'"
        " AND score_date = ?",
        [RULEBOOK, SCORE_DAY],
    ).fetchone()
    assert after is not None
    assert first.moved_cp == before - after[0]
