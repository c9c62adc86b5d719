"""A score rulebook's rules, grouped and compiled to SQL, and the checks only scoring needs.

Rules of one score kind are grouped by what they decide (an indicator's tiers, a
dimension's weight, a violation's deduction, a gate); inside a group the first
matching rule in precedence order decides, exactly like ``stacking: first`` in
the fee stage. A group is a shared :class:`~merchantry.rulebook.ruleset.RuleSet`:
``rule_id()`` gives ``CASE WHEN <when> THEN '<rule id>' … END`` over the shop
relation ``f``; the compute step then reads each chosen rule's numbers with
``lookup`` (``CASE <rule id> WHEN … THEN <literal>``).

:func:`check_score_rules` adds what the generic checker cannot know: a score
rulebook needs a scale, non-gate rules must not read the score they produce, and
rules that share a deduction cap must agree on it. Problems are Diagnostics with
the rule's file and line.
"""

from __future__ import annotations

from typing import Final

import sqlglot.expressions as exp

from merchantry.kit.errors import Diagnostic, Severity
from merchantry.rulebook.columns import GATE_KINDS, SCORE_COLUMN_NAMES
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.rulebook.ruleset import FACT_ALIAS, RuleSet, literal
from merchantry.rulebook.score_effects import SCORE_KIND_NAMES

F: Final = FACT_ALIAS
SHOP_ONLY_NAMESPACES: Final = ("shop", "category", "param")
"""Score rules are evaluated per shop and date: order and creator columns are NULL there."""


def lit(value: int | str) -> exp.Expr:
    """A SQL literal for one of our numbers or names."""
    return literal(value)


class ScoreRules:
    """Every score rule of a rulebook, grouped by what it decides."""

    def __init__(self, book: Rulebook) -> None:
        self.book = book
        self.params = book.parameter_values
        self._by_kind: dict[str, RuleSet] = {}

    def group(self, kind: str, key_field: str | None = None, key: str = "") -> RuleSet:
        """Rules of ``kind`` (whose ``key_field`` equals ``key``), in precedence order."""
        if key_field is None:
            return RuleSet.of(self.book, kind, key=key or kind)
        return RuleSet.of(
            self.book, kind, where=lambda r: r.effect.text(key_field) == key, key=key or kind
        )

    def keys(self, kind: str, key_field: str) -> tuple[str, ...]:
        """Distinct keys the rules of ``kind`` name, in order of first appearance."""
        return tuple(dict.fromkeys(r.effect.text(key_field) for r in self.book.rules_of(kind)))

    def all(self, kind: str) -> tuple[Rule, ...]:
        return self.book.rules_of(kind)

    def compiled(self, rule: Rule) -> exp.Expr:
        """The rule's compiled condition, from the set of its kind (compiled once)."""
        kind = rule.effect.kind
        if kind not in self._by_kind:
            self._by_kind[kind] = RuleSet.of(self.book, kind)
        return self._by_kind[kind].condition(rule)

    def parameter(self, name: str, default: int) -> int:
        """A rulebook parameter the indicator SQL uses, or its documented default."""
        return self.params.get(name, default)

    @property
    def used_indicators(self) -> tuple[str, ...]:
        """Indicators any score rule names, in catalogue-independent first-use order."""
        names: list[str] = []
        for rule in self.book.rules:
            if rule.effect.kind in SCORE_KIND_NAMES:
                values = dict(rule.effect.values)
                indicator = values.get("indicator")
                if isinstance(indicator, str):
                    names.append(indicator)
        if self.book.rules_of("score_pickup_band"):
            names.append("pickup_score")
        return tuple(dict.fromkeys(names))


def _diag(
    rule: Rule, code: str, message: str, hint: str = "", *, warning: bool = False
) -> Diagnostic:
    severity = Severity.WARNING if warning else Severity.ERROR
    return Diagnostic(rule.source_file, rule.line, code, message, hint, "when", severity)


def _columns(rule: Rule) -> set[str]:
    return set(rule.columns)


def check_score_rules(book: Rulebook) -> list[Diagnostic]:
    """What a score rulebook needs beyond the generic check; empty when it can be scored."""
    found: list[Diagnostic] = []
    if not book.rules_of("score_scale"):
        found.append(
            Diagnostic(
                book.source_file,
                1,
                "missing-score-scale",
                f"rulebook {book.name!r} has no score_scale rule",
                "add one rule with effect kind score_scale (range, tiers, display, window)",
            )
        )
    for rule in book.rules:
        if rule.effect.kind not in SCORE_KIND_NAMES:
            continue
        used = _columns(rule)
        if rule.effect.kind not in GATE_KINDS and used & SCORE_COLUMN_NAMES:
            found.append(
                _diag(
                    rule,
                    "score-reads-score",
                    f"rule {rule.id!r} uses {sorted(used & SCORE_COLUMN_NAMES)[0]}, but only "
                    "score_gate rules may read the score series",
                    "a score cannot depend on itself; condition on shop or category columns",
                )
            )
        outside = sorted(c for c in used if c.split(".")[0] not in SHOP_ONLY_NAMESPACES)
        if outside:
            found.append(
                _diag(
                    rule,
                    "order-column-in-score-rule",
                    f"rule {rule.id!r} uses {outside[0]}, which is NULL when scoring a shop",
                    "score rules see shop and category (the shop's main category) columns",
                    warning=True,
                )
            )
    caps: dict[int, tuple[int, Rule]] = {}
    for rule in book.rules_of("score_deduction"):
        group = rule.effect.int("cap_group")
        if group == 0:
            continue
        cap = rule.effect.int("cap_cp")
        if group in caps and caps[group][0] != cap:
            found.append(
                _diag(
                    rule,
                    "cap-group-mismatch",
                    f"rule {rule.id!r} caps group {group} at {cap}, but "
                    f"{caps[group][1].id!r} caps it at {caps[group][0]}",
                    "rules sharing a cap_group must give the same cap_cp",
                )
            )
        caps.setdefault(group, (cap, rule))
    return found
