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
    format_duration,
    format_value,
    humanize,
    label,
    named,
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
