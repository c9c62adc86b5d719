"""Rule and rulebook titles in the page's language.

Rulebooks are written with English titles (the YAML files are the platforms' rules in
our words, and another engineer owns them); the Chinese lives beside the console in
:mod:`merchantry.console.rules_zh`, keyed by rule id and the English it translates.
The score rulebooks' per-category indicator weights (hundreds of rules, one pattern:
``女装 (flagship) feige_response_seconds 25% of service``) are translated from that
pattern: the category is already Chinese, the indicator's Chinese name comes from the
indicator catalogue. A title nobody translated shows in English, never as a blank.
"""

from __future__ import annotations

import re
from typing import Final

from merchantry.console.rules_zh import RULE_TITLES, RULEBOOK_TITLES
from merchantry.report.names import fill
from merchantry.rulebook.titles import PLACEHOLDER
from merchantry.scoring.indicators import INDICATORS

WEIGHT_TITLE: Final = re.compile(
    r"^(?P<category>.+?) \((?P<stores>all stores|flagship|non-flagship)\) "
    r"(?P<indicator>.+) (?P<share>[\d.]+%) of (?P<dimension>product|logistics|service)$"
)
"""How the score rulebooks title a category's indicator weight."""

STORES_ZH: Final = {"all stores": "全部店铺", "flagship": "旗舰店", "non-flagship": "非旗舰店"}
DIMENSION_ZH: Final = {"product": "商品体验", "logistics": "物流体验", "service": "服务体验"}
INDICATOR_ALIASES: Final = {"feige response time": "feige_response_seconds"}
"""Indicator names the weight titles use that are neither the code nor its words."""


def _indicator_zh(words: str) -> str | None:
    code = re.sub(r"[\s-]+", "_", words.strip().lower())
    indicator = INDICATORS.get(code) or INDICATORS.get(INDICATOR_ALIASES.get(words.lower(), ""))
    if indicator is None or not indicator.title:
        return None
    # a rule title is translated with no rulebook at hand: a number the name quotes
    # (48小时揽收率) reads the scoring default
    return fill(indicator.title.split(" ", 1)[0], None, "zh")


def _weight_zh(title: str) -> str | None:
    found = WEIGHT_TITLE.match(title)
    if found is None:
        return None
    indicator = _indicator_zh(found["indicator"])
    if indicator is None:
        return None
    return (
        f"{found['category']}（{STORES_ZH[found['stores']]}）{indicator}"
        f"占{DIMENSION_ZH[found['dimension']]} {found['share']}"
    )


def _fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{field}`` it names in ``values`` replaced by its value."""

    def value(m: re.Match[str]) -> str:
        return values.get((m[1] or "") + m[2], m[0])

    return PLACEHOLDER.sub(value, template)


def _rendered_zh(rule_id: str, title: str) -> str | None:
    """The Chinese of a title rendered from a template (``{rate_bp}`` … filled in by
    :func:`merchantry.rulebook.titles.render`): the translated template, filled with the
    same values as they appear in the English."""
    for english, chinese in RULE_TITLES.get(rule_id, {}).items():
        if not PLACEHOLDER.search(english):
            continue
        parts = PLACEHOLDER.split(english)
        # split gives text, (prefix, name), text …: fields become named groups
        pattern, names = "", []
        for i in range(0, len(parts), 3):
            pattern += re.escape(parts[i])
            if i + 2 < len(parts):
                names.append((parts[i + 1] or "") + parts[i + 2])
                pattern += f"(?P<g{len(names) - 1}>.+?)"
        found = re.fullmatch(pattern, title)
        if found is None:
            continue
        values = {name: found[f"g{k}"] for k, name in enumerate(names)}
        return _fill(chinese, values)
    return None


def rule_title_zh(rule_id: str, title: str) -> str | None:
    """The Chinese of a rule's English ``title``; ``None`` when nobody translated it."""
    known = RULE_TITLES.get(rule_id, {}).get(title)
    if known is not None:
        return known
    return _rendered_zh(rule_id, title) or _weight_zh(title)


def rulebook_title_zh(name: str, title: str) -> str | None:
    """The Chinese of a rulebook's English ``title``; ``None`` when nobody translated it."""
    return RULEBOOK_TITLES.get(name, {}).get(title)


def rule_title(lang: str, rule_id: str, title: str | None) -> str:
    """A rule's title in ``lang`` (``zh`` or ``en``); the English when untranslated, the
    rule id when the rule has no title at all."""
    if not title:
        return rule_id
    if lang == "zh":
        return rule_title_zh(rule_id, title) or title
    return title


REASON: Final = re.compile(r"^(?P<rule>[\w.\-]+) \((?P<points>[+-]?\d+)\): (?P<title>.+)$")
"""How a risk decision states a reason: ``rule (+points): the rule's title``."""


def reason_text(lang: str, reason: str) -> str:
    """A decision's reason with its rule's title in ``lang`` (the rule and points kept)."""
    found = REASON.match(reason)
    if found is None or lang != "zh":
        return reason
    title = rule_title_zh(found["rule"], found["title"])
    return reason if title is None else f"{found['rule']} ({found['points']}): {title}"


def rulebook_title(lang: str, name: str, title: str | None) -> str:
    """A rulebook's title in ``lang``, as :func:`rule_title` does for rules."""
    if not title:
        return name
    if lang == "zh":
        return rulebook_title_zh(name, title) or title
    return title
