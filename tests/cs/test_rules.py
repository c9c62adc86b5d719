"""The shipped routing rulebook: every confirmed number pinned, every assumption explained,
and the checker's errors, each with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from merchantry.cs.rules import RoutingRules, load_rules, parse_rules, shipped_rules_dir
from merchantry.kit.errors import InputError, NotFound

SHIPPED = shipped_rules_dir() / "cs-routing-2026.yaml"

PINNED = {
    "certifications.pet_adviser.satisfaction_min_bp": 8000,
    "certifications.pet_adviser.satisfaction_min_ratings": 30,
    "certifications.pet_adviser.response_3min_min_bp": 9000,
    "certifications.pet_adviser.response_min_rounds": 100,
    "certifications.pet_adviser.check_day": 20,
    "certifications.pet_adviser.online_from_hour": 10,
    "certifications.pet_adviser.online_to_hour": 20,
}
"""platform-rules.md §2.2 (pet-advisor rule 20009423). The 3-minute reply target (§2.1) and
the unanswered round's 10 minutes (§1.2) are the score rulebooks' (``test_conventions.py``)."""


def test_every_confirmed_number_is_pinned(rules: RoutingRules) -> None:
    confirmed = {name: n.value for name, n in rules.numbers() if not n.assumption}
    assert confirmed == PINNED


def test_every_assumption_says_why(rules: RoutingRules) -> None:
    assumptions = [(name, n) for name, n in rules.numbers() if n.assumption]
    assert len(assumptions) >= 20
    assert all(n.note.strip() for _, n in assumptions)
    assert (
        rules.quality["satisfaction_weight"].value + rules.quality["response_weight"].value == 100
    )


def test_the_first_step_is_certified_and_the_last_accepts_anyone(rules: RoutingRules) -> None:
    steps = rules.steps
    assert (steps[0].id, steps[0].certified, steps[0].after_seconds) == ("step.certified", True, 0)
    assert [s.after_seconds for s in steps] == [0, 20, 45, 90]
    assert (steps[-1].skills, steps[-1].language, steps[-1].certified) == ("none", False, False)


def _mutated(old: str, new: str) -> list[tuple[int | None, str]]:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    _, problems = parse_rules(text.replace(old, new, 1), "cs.yaml")
    return [(d.line, d.code) for d in problems]


def _line_of(fragment: str) -> int:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if fragment in line)


def test_a_bare_number_is_refused_with_its_line() -> None:
    found = _mutated(
        "    check_day:\n      value: 20\n      source: platform-rules.md §2.2 "
        "(checked monthly on the 20th; badge removed when missed)",
        "    check_day: 20",
    )
    assert (_line_of("    check_day:"), "number-without-provenance") in found


def test_an_assumption_without_a_note_is_refused() -> None:
    found = _mutated(
        "      value: 20\n      assumption: true\n      note: How long a buyer waits",
        "      value: 20\n      assumption: true\n      nonote: How long a buyer waits",
    )
    codes = {code for _, code in found}
    assert {"assumption-without-note", "unknown-key"} <= codes


def test_steps_must_wait_longer_each_time() -> None:
    found = _mutated("      value: 45\n", "      value: 15\n")
    assert (_line_of("  - id: step.partial"), "steps-out-of-order") in found


def test_the_last_step_must_be_a_fallback() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    tail = text.index("  - id: step.any")
    mutated = text[:tail] + text[tail:].replace("    skills: none", "    skills: any", 1)
    _, problems = parse_rules(mutated, "cs.yaml")
    assert [(d.line, d.code) for d in problems] == [(_line_of("  - id: step.any"), "no-fallback")]


def test_unknown_skills_intents_and_certifications_are_named() -> None:
    found = _mutated("    skills: [pet_care]", "    skills: [pet_caer]")
    assert (_line_of("    skills: [pet_care]"), "unknown-name") in found
    found = _mutated("    intents: [order_status]", "    intents: [where_is_it]")
    assert (_line_of("    intents: [order_status]"), "unknown-name") in found
    found = _mutated("    certification: makeup_artist", "    certification: barber")
    assert (_line_of("    certification: makeup_artist"), "unknown-certification") in found


def test_out_of_range_and_bad_yaml_are_reported() -> None:
    found = _mutated(
        "      value: 8000\n      source: platform-rules.md §2.2 (pet",
        "      value: 18000\n      source: platform-rules.md §2.2 (pet",
    )
    assert (_line_of("      value: 8000"), "out-of-range") in found
    _, problems = parse_rules("name: [unclosed\n", "bad.yaml")
    assert [d.code for d in problems] == ["bad-yaml"]
    assert problems[0].line is not None


def test_every_problem_is_reported_at_once() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace("    skills: [pet_care]", "    skills: [pet_caer]", 1)
    text = text.replace("      value: 45\n", "      value: 15\n", 1)
    text = text.replace(
        "  satisfaction_weight:\n    value: 60", "  satisfaction_weight:\n    value: 70", 1
    )
    _, problems = parse_rules(text, "cs.yaml")
    assert {d.code for d in problems} == {"unknown-name", "steps-out-of-order", "weights-not-100"}


def test_load_rules_by_name_path_and_refusal(tmp_path: Path) -> None:
    assert load_rules("cs-routing-2026").name == "cs-routing-2026"
    assert load_rules(str(SHIPPED)).name == "cs-routing-2026"
    with pytest.raises(NotFound, match="shipped: cs-routing-2026"):
        load_rules("cs-routing-1999")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        SHIPPED.read_text(encoding="utf-8").replace("value: 8000", "value: 8000.5"),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as refused:
        load_rules(str(bad))
    assert refused.value.diagnostics[0].code == "not-an-integer"
