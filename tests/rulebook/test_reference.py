"""docs/rulebooks.md carries the generated reference tables, up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from merchantry.rulebook.reference import CHECK_CODES, SECTIONS, render

DOC = Path(__file__).resolve().parents[2] / "docs" / "rulebooks.md"


@pytest.mark.parametrize("section", sorted(set(SECTIONS) - {"functions"}))
def test_generated_section_is_current(section: str) -> None:
    assert render(section) in DOC.read_text(encoding="utf-8"), (
        f"docs/rulebooks.md section {section!r} is stale; paste "
        "`python -m merchantry.rulebook.reference` output"
    )


def test_every_code_the_tests_expect_is_documented() -> None:
    tests = "".join(
        p.read_text(encoding="utf-8") for p in DOC.parents[1].glob("tests/rulebook/test_*.py")
    )
    for code in (
        "unknown-column",
        "unknown-function",
        "bad-effect-field",
        "duplicate-rule-id",
        "missing-provenance",
        "bad-date",
        "extends-cycle",
        "unknown-parent",
        "statement-separator",
        "comment-not-allowed",
        "subquery",
        "table-reference",
    ):
        assert code in CHECK_CODES
        assert code in tests
