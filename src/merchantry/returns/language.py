"""Which texts the reason classifier can read, so it never answers for the ones it cannot.

The classifier (:mod:`merchantry.returns.classify`) is trained on Chinese and English
phrases. Given Portuguese, Spanish or any other language it still returns a cause, with a
confidence that means nothing; that is worse than no answer. A text is *covered* when it has
a Chinese character, or when enough of its Latin-script words are English: a common English
word or a word of the classifier's English phrases. A text without letters (a number, an
emoji) is left to the classifier, which calls it ``other``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from merchantry.returns.lexicon import CLOSINGS_EN, OPENINGS_EN, PHRASES

_CJK: Final = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_WORD: Final = re.compile(r"[^\W\d_]+", re.UNICODE)
ENGLISH_SHARE: Final = 0.4
"""A Latin-script text is taken as English when at least this share of its words are."""

_COMMON_ENGLISH_TEXT: Final = """
    i you he she it we they my your his her its our their him us them this that these those
    the an and or but if because not never very too also just only still even
    is are was were be been being am have has had having does did done get got go went gone
    will would can could should may might must shall
    of to in on at by for with from into about after before over under again than then
    what which who when where why how all any some more most other such own same
    one two three first last new old good bad great poor nice thanks thank please
    item items product products order ordered arrived arrive received receive delivery
    delivered seller store shop price refund return returned returning want wanted wrong
    broken small big large size fit quality color colour package box late slow fast
"""
COMMON_ENGLISH: Final = frozenset(_COMMON_ENGLISH_TEXT.split())
"""Frequent English words that are not also frequent in Portuguese, Spanish or French."""


NEUTRAL: Final = frozenset({"ok", "okay"})
"""Words every language uses: they say nothing about which one a text is in."""


def _words(text: str) -> list[str]:
    found = (w.lower() for w in _LATIN_WORD.findall(text) if not _CJK.search(w))
    return [w for w in found if w not in NEUTRAL]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Common English words plus every word (3 letters or more) of the English phrases the
    classifier is trained on."""
    phrases = [p for group in PHRASES.values() for p in group if not _CJK.search(p)]
    trained = {w for p in (*phrases, *OPENINGS_EN, *CLOSINGS_EN) for w in _words(p) if len(w) > 2}
    return COMMON_ENGLISH | frozenset(trained)


def is_covered(text: str) -> bool:
    """True when the classifier can read ``text``: it has Chinese, or is mostly English, or
    has no words at all (an empty text, a number or a bare "ok" is left to the classifier)."""
    if _CJK.search(text):
        return True
    words = _words(text)
    if not words:
        return True
    known = english_words()
    return sum(1 for w in words if w in known) >= ENGLISH_SHARE * len(words)
