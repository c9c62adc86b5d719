"""Every industry code a shipped rulebook compares with is one the catalogue knows.

A rule keyed on a misspelt code (``'mens_waer'``) never fires and no checker can tell; the
catalogue (:mod:`merchantry.synth.catalogue`) lists the generator's industries and the other
codes the shipped rulebooks use, so a new code is added there on purpose.
"""

from __future__ import annotations

import re

from merchantry.rulebook.library import shipped_dir
from merchantry.synth.catalogue import INDUSTRIES, RULEBOOK_INDUSTRIES

COMPARED = re.compile(r"industry\s*(?:IN\s*\(([^)]*)\)|=\s*'([a-z_0-9]+)')")


def _codes(text: str) -> set[str]:
    found: set[str] = set()
    for listed, single in COMPARED.findall(text):
        found |= set(re.findall(r"'([a-z_0-9]+)'", listed)) if listed else {single}
    return found


def test_the_pattern_reads_lists_and_single_codes() -> None:
    text = "shop.industry IN ('a_1', 'b') AND category.industry = 'c' OR x = 'd'"
    assert _codes(text) == {"a_1", "b", "c"}


def test_every_rulebook_industry_code_is_in_the_catalogue() -> None:
    known = {i.code for i in INDUSTRIES} | set(RULEBOOK_INDUSTRIES)
    assert not {i.code for i in INDUSTRIES} & set(RULEBOOK_INDUSTRIES)
    unknown = {}
    for path in sorted(shipped_dir().glob("*.yaml")):
        codes = _codes(path.read_text(encoding="utf-8")) - known
        if codes:
            unknown[path.name] = sorted(codes)
    assert unknown == {}
