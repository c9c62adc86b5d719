"""Rule titles that state a number: take it from the rule, or say when they disagree.

A title is what a report shows a policy team ("Skincare pays a 4% base rate"). When the rate
changes and the title does not, every report is wrong in plain words. Two defences:

* **templates**: ``{rate_bp}`` (any effect field) or ``{param.name}`` in a title is replaced
  by the value in human units: basis points as a percentage (``4%``), fen as yuan
  (``¥500``), anything else as the number;
* **a check**: a title that states a percentage, an amount in yuan or a number of days,
  where the effect has fields of that unit and none of them has that value, is a warning
  naming both (numbers in conditions, such as a GMV threshold, are left alone when the effect
  has a matching value elsewhere in the title).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Final

from merchantry.kit.money import format_bp
from merchantry.rulebook.effects import Effect

PLACEHOLDER: Final = re.compile(r"\{(param\.)?([a-z_][a-z0-9_]*)\}")
PERCENT: Final = re.compile(r"(\d+(?:\.\d+)?)\s*%")
YUAN: Final = re.compile(r"[¥￥]\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s*(?:元|yuan)\b")
DAYS: Final = re.compile(r"(\d+)\s*(?:days?\b|天|日)")


def _yuan_text(fen: int) -> str:
    whole, part = divmod(abs(fen), 100)
    sign = "-" if fen < 0 else ""
    return f"{sign}¥{whole:,}" + (f".{part:02d}" if part else "")


def human(name: str, value: int) -> str:
    """A field's value in the unit its name says."""
    if name.endswith("_bp"):
        return format_bp(value)
    if name.endswith("_fen"):
        return _yuan_text(value)
    return f"{value:,}"


def render(title: str, effect: Effect, params: Mapping[str, int]) -> tuple[str, list[str]]:
    """The title with its placeholders filled in, and the placeholders that name nothing."""
    fields = {k: v for k, v in effect.values if isinstance(v, int)}
    unknown: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(2)
        if match.group(1):
            if name in params:
                return human(name, params[name])
        elif name in fields:
            return human(name, fields[name])
        unknown.append(match.group(0))
        return match.group(0)

    return PLACEHOLDER.sub(fill, title), unknown


def _numbers(pattern: re.Pattern[str], text: str, scale: int) -> list[int]:
    found: list[int] = []
    for match in pattern.finditer(text):
        raw = next(g for g in match.groups() if g)
        try:
            value = Decimal(raw.replace(",", "")) * scale
        except InvalidOperation:
            continue
        if value == value.to_integral_value():
            found.append(int(value))
    return found


def disagreements(title: str, effect: Effect, context: frozenset[int] = frozenset()) -> list[str]:
    """What the title states that the rule does not (one sentence each).

    A stated percentage must be a ``…_bp`` field, an amount a ``…_fen`` field, a number of
    days any number of the effect; each may instead be a number of the rule's condition or
    a parameter (``context``, e.g. "for their first 90 days" over ``shop.age_days < 90``).
    A unit is checked only when the effect has a field of it.
    """
    fields = [(k, v) for k, v in effect.values if isinstance(v, int)]
    checks = (
        ("percentage", PERCENT, 100, [(k, v) for k, v in fields if k.endswith("_bp")], False),
        ("amount", YUAN, 100, [(k, v) for k, v in fields if k.endswith("_fen")], False),
        ("number of days", DAYS, 1, [(k, v) for k, v in fields if k.endswith("days")], True),
    )
    found: list[str] = []
    for what, pattern, scale, matching, any_number in checks:
        stated = _numbers(pattern, title, scale)
        if not stated or not matching:
            continue
        accepted = {v for _, v in (fields if any_number else matching)} | context
        wrong = [v for v in stated if v not in accepted]
        if len(wrong) == len(stated):
            unit = matching[0][0]
            says = ", ".join(human(unit, v) for v in wrong)
            has = ", ".join(f"{k} = {v:,} ({human(k, v)})" for k, v in matching)
            found.append(f"the title states the {what} {says}, but the effect has {has}")
    return found
