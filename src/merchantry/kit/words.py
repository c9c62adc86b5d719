"""Counts in English words: ``1 shop``, ``2 shops``, ``1 entry``, ``12,000 entries``."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with thousands separators and ``noun`` in the number it takes: the singular for
    exactly one, else ``plural`` (default: the noun with ``s``)."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
