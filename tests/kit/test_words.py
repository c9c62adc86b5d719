"""Counts in words: one of a thing is singular, every other count plural."""

from __future__ import annotations

import pytest

from merchantry.kit.words import counted


@pytest.mark.parametrize(
    ("n", "noun", "plural", "said"),
    [
        (1, "shop", None, "1 shop"),
        (0, "shop", None, "0 shops"),
        (2, "shop", None, "2 shops"),
        (1, "entry", "entries", "1 entry"),
        (12000, "entry", "entries", "12,000 entries"),
        (-1, "day", None, "-1 days"),
    ],
)
def test_a_count_takes_the_noun_in_its_number(n: int, noun: str, plural: str | None, said: str):
    assert counted(n, noun, plural) == said
