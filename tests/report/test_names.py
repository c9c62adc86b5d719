"""The display-name registry: every code the engine can produce has a name, and values read
in human units."""

from __future__ import annotations

import re

import pytest

from merchantry.model.outputs import FEE_KINDS
from merchantry.model.score_outputs import ADJUSTMENT_KINDS, SCORE_STAGES
from merchantry.model.tables import SCENES, STORE_TYPES
from merchantry.report.names import (
    REGISTRY,
    UNITS,
    Coded,
    Vocabulary,
    fill,
    format_duration,
    format_value,
    humanize,
    label,
    named,
    quote,
)
from merchantry.risk.rules import DecisionKind
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.library import shipped_dir
from merchantry.rulebook.score_effects import DIMENSIONS, SCORE_INDICATORS
from merchantry.scoring.diagnosis import MoveKind
from merchantry.scoring.indicators import INDICATORS
from merchantry.simulate.savings import SHOP_DIMENSIONS
from merchantry.synth.catalogue import ALL_INDUSTRIES


def shipped_gates() -> set[str]:
    gates: set[str] = set()
    for path in shipped_dir().glob("*.yaml"):
        book = load_rulebook(path.stem)
        gates |= {r.effect.text("gate") for r in book.rules if r.effect.kind == "score_gate"}
    return gates


@pytest.mark.parametrize(
    ("vocabulary", "codes"),
    [
        (Vocabulary.INDICATOR, set(SCORE_INDICATORS)),
        (Vocabulary.SCORE_DIMENSION, set(DIMENSIONS)),
        (Vocabulary.INDUSTRY, {i.code for i in ALL_INDUSTRIES}),  # special ones too
        (Vocabulary.SCENE, set(SCENES)),
        (Vocabulary.FEE_KIND, set(FEE_KINDS)),
        (Vocabulary.SEGMENT_DIMENSION, {*SHOP_DIMENSIONS, "scene"}),
        (Vocabulary.SEGMENT, {*STORE_TYPES, "new", "established", "small", "mid", "key_account"}),
        (Vocabulary.SCORE_STAGE, set(SCORE_STAGES)),
        (Vocabulary.DECISION, {d.value for d in DecisionKind}),
        (Vocabulary.ADJUSTMENT, {*ADJUSTMENT_KINDS, *(m.value for m in MoveKind)}),
        (Vocabulary.GATE, shipped_gates()),
    ],
)
def test_every_code_the_engine_produces_has_a_name(vocabulary: Vocabulary, codes: set[str]):
    missing = codes - set(REGISTRY[vocabulary])
    assert not missing, f"{vocabulary} codes without a display name: {sorted(missing)}"
    for code in codes:
        name = REGISTRY[vocabulary][code]
        assert re.search(r"[\u4e00-\u9fff]", name.zh), code  # a Chinese name
        assert name.en, code
        assert name.en != code, code  # an English name, not the code again


def test_each_indicator_declares_the_unit_its_value_is_stored_in():
    for code, spec in INDICATORS.items():
        assert REGISTRY[Vocabulary.INDICATOR][code].unit == spec.unit, code
        assert spec.unit in UNITS, spec.unit


def test_the_generator_and_the_registry_agree_on_industry_names():
    for industry in ALL_INDUSTRIES:  # the rulebooks' own names for the special industries
        assert REGISTRY[Vocabulary.INDUSTRY][industry.code].zh == industry.name


@pytest.mark.parametrize(
    ("unit", "value", "shown"),
    [
        ("bp", 1234, "12.34%"),
        ("bp", 9950, "99.5%"),
        ("0.01 star", 483, "4.83 ★"),
        ("0.01 point", 9512, "95.12 分 pts"),
        ("s", 45, "45 s"),
        ("s", 150, "2 min 30 s"),
        ("min", 125, "2 h 05 min"),
        ("min", 3 * 24 * 60, "72 h 00 min"),
        ("orders", 12_345, "12,345"),
        ("bp", None, "—"),
    ],
)
def test_values_read_in_human_units(unit: str, value: int | None, shown: str):
    assert format_value(unit, value) == shown


def test_a_duration_keeps_its_sign():
    assert format_duration(-90) == "-1 min 30 s"


def test_unknown_codes_show_as_they_are_and_known_ones_keep_their_code_as_tooltip():
    assert label(Vocabulary.INDUSTRY, "cama_mesa_banho") == "cama_mesa_banho"  # Olist's own
    assert label(Vocabulary.INDUSTRY, None) == "—"
    cell = named(Vocabulary.INDUSTRY, "pet_food")
    assert cell == Coded("宠物食品 / Pet food", "pet_food")


def test_codes_in_rulebook_prose_are_named_but_references_are_left_alone():
    text = "unknown industries (e.g. home_furniture); see w.after_sales.digital_3c.flagship"
    assert humanize(text) == (
        "unknown industries (e.g. 家居家具 / Home & furniture); "
        "see w.after_sales.digital_3c.flagship"
    )
    assert humanize("no_such_code stays") == "no_such_code stays"


@pytest.mark.parametrize(
    ("parameter", "value", "zh", "en", "noun"),
    [
        ("reply_target_seconds", 180, "3分钟", "3-minute", "3 minutes"),
        ("reply_target_seconds", 90, "90秒", "90-second", "90 seconds"),
        ("reply_target_seconds", 60, "1分钟", "1-minute", "1 minute"),
        ("pickup_due_hours", 48, "48小时", "48-hour", "48 hours"),
        ("after_sales_standard_minutes", 2_880, "48小时", "48-hour", "48 hours"),
        ("after_sales_standard_minutes", 90, "90分钟", "90-minute", "90 minutes"),
        ("pickup_clock_after_hour", 18, "18点", "18:00", "18:00"),
        ("review_clock_start_hour", 8, "8点", "08:00", "08:00"),
    ],
)
def test_a_quoted_rulebook_number_reads_in_its_largest_whole_unit(
    parameter: str, value: int, zh: str, en: str, noun: str
):
    assert quote(parameter, value, "zh") == zh
    assert quote(parameter, value, "en") == en
    assert quote(parameter, value, "en", "noun") == noun


def test_a_name_quotes_the_numbers_it_is_given_and_the_defaults_without():
    assert label(Vocabulary.INDICATOR, "response_3min_rate", {"reply_target_seconds": 30}) == (
        "旺旺30秒人工响应率 / 30-second response rate"
    )
    assert label(Vocabulary.INDICATOR, "response_3min_rate") == (
        "旺旺3分钟人工响应率 / 3-minute response rate"
    )
    assert humanize("weights pickup_48h_rate") == "weights 48小时揽收率 / 48-hour pickup rate"
    assert named(Vocabulary.INDICATOR, "pickup_48h_rate", {"pickup_due_hours": 72}) == Coded(
        "72小时揽收率 / 72-hour pickup rate", "pickup_48h_rate"
    )


def test_a_placeholder_nothing_gives_a_value_is_a_bug_not_a_blank():
    with pytest.raises(KeyError, match="no_such_hours"):
        fill("within {no_such_hours}", {}, "en")
    with pytest.raises(ValueError, match="neither"):
        quote("pickup_rate", 5, "en")
