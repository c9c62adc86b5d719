"""Score rulebooks are checked like every rulebook, plus what only scoring needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from merchantry.kit.errors import InputError
from merchantry.rulebook import check_file, load_rulebook
from merchantry.rulebook.library import shipped_dir
from merchantry.rulebook.score_effects import SCORE_INDICATORS
from merchantry.scoring.indicators import INDICATORS
from merchantry.scoring.rules import check_score_rules
from merchantry.scoring.stage import prepare

SHIPPED = ("douyin-score-2026-05", "douyin-score-2026-07", "taobao-score-2026")


def test_the_indicator_catalogue_and_the_effect_choices_are_one_list() -> None:
    assert tuple(INDICATORS) == SCORE_INDICATORS


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_score_rulebooks_are_clean(name: str) -> None:
    _, diagnostics = check_file(shipped_dir() / f"{name}.yaml")
    assert diagnostics == []
    assert check_score_rules(load_rulebook(name)) == []


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "bad-score.yaml"
    path.write_text(
        "rulebook: bad-score\ntitle: t\neffective: {from: 2026-01-01}\nrules:\n" + body,
        encoding="utf-8",
    )
    return path


def codes(tmp_path: Path, body: str) -> list[tuple[str, int | None]]:
    _, found = check_file(write(tmp_path, body))
    return [(d.code, d.line) for d in found]


def test_cut_offs_must_run_the_right_way(tmp_path: Path) -> None:
    body = """  - id: t
    title: backwards
    effect: {kind: score_tier, indicator: product_rating, direction: higher_better,
             cut_1: 460, cut_2: 445, cut_3: 430, cut_4: 415, cut_5: 400}
    assumption: true
    note: x
"""
    assert ("bad-effect-field", 8) in codes(tmp_path, body)  # the line of cut_2


def test_the_pickup_score_has_no_tiers_and_unknown_indicators_are_named(tmp_path: Path) -> None:
    body = """  - id: a
    title: direct
    effect: {kind: score_tier, indicator: pickup_score, direction: higher_better,
             cut_1: 1, cut_2: 2, cut_3: 3, cut_4: 4, cut_5: 5}
    source: x
  - id: b
    title: typo
    effect: {kind: score_indicator_weight, indicator: product_ratin, dimension: product,
             weight_bp: 5000}
    source: x
"""
    found = codes(tmp_path, body)
    assert ("bad-effect-field", 7) in found
    assert ("bad-effect-value", 12) in found


def test_scoring_refuses_a_rulebook_without_a_scale(tmp_path: Path) -> None:
    body = """  - id: w
    title: weight
    effect: {kind: score_dimension_weight, dimension: product, weight_bp: 10000}
    source: x
"""
    book = load_rulebook("bad-score", [write(tmp_path, body).parent])
    with pytest.raises(InputError, match="missing-score-scale"):
        prepare(book)


def test_only_gates_may_read_the_score_and_shared_caps_must_agree(tmp_path: Path) -> None:
    body = """  - id: scale
    title: s
    effect: {kind: score_scale, platform: douyin, low_cp: 5000, high_cp: 10000, tier_0_cp: 5000,
             tier_1_cp: 6000, tier_2_cp: 7000, tier_3_cp: 8000, tier_4_cp: 9000,
             tier_5_cp: 10000, no_data_tier: 3, display: douyin_stars, window_days: 30}
    source: x
  - id: circular
    title: c
    when: shop.experience_score > 80
    effect: {kind: score_dimension_weight, dimension: product, weight_bp: 10000}
    source: x
  - id: d1
    title: d1
    effect: {kind: score_deduction, violation: brushing, points_cp: 1500, cap_cp: 1500,
             cap_group: 2}
    source: x
  - id: d2
    title: d2
    effect: {kind: score_deduction, violation: fake_review, points_cp: 1500, cap_cp: 1000,
             cap_group: 2}
    source: x
"""
    book = load_rulebook("bad-score", [write(tmp_path, body).parent])
    found = [(d.code, d.line) for d in check_score_rules(book)]
    assert found == [("score-reads-score", 11), ("cap-group-mismatch", 21)]


def test_only_gates_read_the_violation_columns(tmp_path: Path) -> None:
    """``shop.violations_30d`` and ``shop.has_counterfeit_record`` are computed by the gate
    step alone: a fee or score rule naming one is refused, a gate rule is not."""
    body = """  - id: fee
    title: f
    when: shop.violations_30d >= 3
    effect: {kind: base_rate, rate_bp: 100}
    source: x
  - id: weight
    title: w
    when: NOT shop.has_counterfeit_record
    effect: {kind: score_dimension_weight, dimension: product, weight_bp: 10000}
    source: x
  - id: gate
    title: g
    when: shop.violations_30d < 3 AND NOT shop.has_counterfeit_record
    effect: {kind: score_gate, gate: recommendation_pool}
    source: x
"""
    assert codes(tmp_path, body) == [("gate-column", 7), ("gate-column", 12)]
