"""The effect-kind registry: kinds and their describers assembled once, read-only."""

from __future__ import annotations

import pytest

from merchantry.rulebook.effects import Effect, EffectKind, EffectValue, FieldSpec, Stacking
from merchantry.rulebook.registry import (
    DESCRIBERS,
    EFFECT_KINDS,
    assemble_describers,
    describe_effect,
)


def example_effect(kind: EffectKind) -> Effect:
    """An effect of ``kind`` with every field (optional ones too) at its default, first
    choice or minimum."""
    values: list[tuple[str, EffectValue]] = []
    for spec in kind.fields:
        fallback: EffectValue = spec.choices[0] if spec.is_text else spec.minimum
        values.append((spec.name, spec.default if spec.default is not None else fallback))
    return Effect(kind.name, tuple(values))


def test_every_kind_has_exactly_one_describer_in_reference_order() -> None:
    assert list(DESCRIBERS) == list(EFFECT_KINDS)


@pytest.mark.parametrize("name", sorted(EFFECT_KINDS))
def test_every_kind_is_described_in_words(name: str) -> None:
    effect = example_effect(EFFECT_KINDS[name])
    words = describe_effect(effect)
    assert words.strip()
    raw = ", ".join(f"{k}={v}" for k, v in effect.values)
    assert raw not in words, f"{name} is described as raw fields: {words}"


def test_the_registry_cannot_be_changed_after_assembly() -> None:
    with pytest.raises(TypeError):
        DESCRIBERS["base_rate"] = lambda e: "changed"  # type: ignore[index]
    with pytest.raises(TypeError):
        EFFECT_KINDS["new"] = EFFECT_KINDS["base_rate"]  # type: ignore[index]


def _kind(name: str) -> EffectKind:
    return EffectKind(name, "test", (FieldSpec("n", "a number"),), (Stacking.FIRST,))


def test_assembly_refuses_a_kind_without_words_and_words_without_a_kind() -> None:
    kinds = {"a": _kind("a"), "b": _kind("b")}
    words = {"a": lambda e: "a", "b": lambda e: "b"}
    assert list(assemble_describers(kinds, [words])) == ["a", "b"]
    with pytest.raises(ValueError, match=r"without a describer: \['b'\]"):
        assemble_describers(kinds, [{"a": words["a"]}])
    with pytest.raises(ValueError, match=r"do not exist: \['c'\]"):
        assemble_describers(kinds, [words, {"c": words["a"]}])
    with pytest.raises(ValueError, match="'a' is described twice"):
        assemble_describers(kinds, [words, {"a": words["a"]}])
