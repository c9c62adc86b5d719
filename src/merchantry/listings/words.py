"""Forbidden words found by word, not by substring.

A substring search for 最 or 第一 flags honest words (最近, 第一次, 第一件半价). The title is
segmented with jieba, on a private tokenizer whose dictionary also holds every listed and
exempt word, so an exempt word stays one token and is never read as its forbidden part.
A token is a hit when it is a listed word, or starts with a listed prefix (最美, 第一名) and
is not exempt.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable

import jieba

from merchantry.listings.rulebook import WordList

jieba.setLogLevel(logging.WARNING)

_WORD_FREQ = 200_000
"""Frequency given to listed and exempt words: high enough that jieba keeps them whole."""


_EXTRA_FREQ = 10
"""Frequency of extra words (labels such as 国补): cut out on their own, but an ordinary word
around them wins (全国补货 stays 全国 / 补货)."""


@functools.cache
def _tokenizer(words: frozenset[str], extra: frozenset[str]) -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in sorted(words):
        tokenizer.add_word(word, freq=_WORD_FREQ)
    for word in sorted(extra - words):
        tokenizer.add_word(word, freq=_EXTRA_FREQ)
    return tokenizer


def tokenizer_for(word_list: WordList, extra: Iterable[str] = ()) -> jieba.Tokenizer:
    """The jieba tokenizer that knows ``word_list`` (and ``extra`` words, e.g. labels)."""
    return _tokenizer(frozenset(word_list.words | word_list.exempt), frozenset(extra))


def segment(text: str, tokenizer: jieba.Tokenizer) -> list[str]:
    return [t for t in tokenizer.lcut(text, HMM=False) if t.strip()]


def could_hit(text: str, word_list: WordList) -> bool:
    """Whether a listed word or prefix occurs in ``text`` at all: a token can only be a hit
    where one does, so a text without any is not segmented (most titles have none)."""
    return any(w in text for w in word_list.prefixes) or any(w in text for w in word_list.words)


def forbidden_hits(text: str, word_list: WordList, tokenizer: jieba.Tokenizer) -> list[str]:
    """The tokens of ``text`` that ``word_list`` forbids, in order of appearance."""
    hits: list[str] = []
    if not could_hit(text, word_list):
        return hits
    for token in segment(text, tokenizer):
        if token in word_list.exempt:
            continue
        if token in word_list.words or any(token.startswith(p) for p in word_list.prefixes):
            hits.append(token)
    return hits
