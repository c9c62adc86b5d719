"""The fee stage's use of the shared rule-set compiler: match columns and lookups.

:class:`Compiler` turns a rulebook's fee rules into per-order match columns
(evaluated once each) and value lookups, through
:class:`merchantry.rulebook.ruleset.RuleSet`; :mod:`merchantry.fees.query`
assembles the steps. It refuses, naming it, any fee-stage effect kind or stacking
it has no translation for, so a rule is never silently ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import sqlglot.expressions as exp

from merchantry.rulebook.condition import CompileError
from merchantry.rulebook.effects import Stacking, Stage
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.rulebook.registry import EFFECT_KINDS
from merchantry.rulebook.ruleset import (
    FACT_ALIAS,
    RuleSet,
    Value,
    fact_column,
    first_match,
    literal,
)
from merchantry.store.sql import element

F: Final = FACT_ALIAS
S = Stacking

TRANSLATED: Final[dict[str, frozenset[Stacking]]] = {
    "base_rate": frozenset({S.FIRST}),
    "channel_supplement": frozenset({S.FIRST, S.ADD}),
    "fee_waiver": frozenset({S.BEST, S.STACK}),
    "affiliate_commission": frozenset({S.FIRST}),
    "creator_service_fee": frozenset({S.FIRST}),
    "colonel_service_fee": frozenset({S.FIRST}),
    "promotion_fee": frozenset({S.FIRST}),
    "promotion_fee_waiver": frozenset({S.BEST, S.STACK}),
    "promotion_fee_refund": frozenset({S.FIRST}),
    "insurance_premium": frozenset({S.FIRST}),
    "coupon_subsidy": frozenset({S.FIRST}),
    "fee_refund": frozenset({S.FIRST}),
}
"""Every fee-stage effect kind the query builder translates, with the stackings it handles."""

APPLIED_ELSEWHERE: Final[dict[str, str]] = {
    "insurance_terms": "claim quotes and eligibility (merchantry.fees.insurance), not fee lines",
    "installation_hold": "installation holds (merchantry.fees.holds), not fee lines",
    "refund_response": "refund-response deadlines (merchantry.fees.obligations), not fee lines",
}
"""Fee-stage kinds that produce no fee line, and what applies them."""


def col(name: str) -> exp.Column:
    """A column of the current step's input (``f.name``)."""
    return fact_column(name)


def num(value: int) -> exp.Expr:
    return literal(value)


def text(value: str) -> exp.Expr:
    return literal(value)


def refuse_untranslated(rulebook: Rulebook) -> None:
    """Raise :class:`CompileError` naming each fee rule the query cannot translate."""
    problems: list[str] = []
    for rule in rulebook.rules:
        kind = EFFECT_KINDS.get(rule.effect.kind)
        if kind is not None and kind.stage is not Stage.FEES:
            continue  # another stage applies it
        if rule.effect.kind in APPLIED_ELSEWHERE:
            continue
        stackings = TRANSLATED.get(rule.effect.kind)
        if stackings is None:
            problems.append(
                f"rule {rule.id!r} ({rule.source_file}:{rule.line}): the fee stage has no "
                f"translation for effect kind {rule.effect.kind!r}"
            )
        elif rule.stacking not in stackings:
            problems.append(
                f"rule {rule.id!r} ({rule.source_file}:{rule.line}): the fee stage has no "
                f"translation for stacking {rule.stacking.value!r} of {rule.effect.kind!r}"
            )
    if problems:
        raise CompileError(
            f"rulebook {rulebook.name!r} cannot be compiled for the fee stage:\n  "
            + "\n  ".join(problems)
        )


class Compiler:
    """Builds the fee query for one rulebook.

    Each condition is evaluated once per order: a group of ``first`` rules becomes
    one ``CASE`` giving the index of the matching rule (``g<n>``), a waiver's
    condition one boolean column (``w<n>``), both in the ``fee_match`` step; later
    steps read those columns (``CASE g1 WHEN 1 THEN …``) instead of re-testing.
    """

    def __init__(self, rulebook: Rulebook) -> None:
        refuse_untranslated(rulebook)
        self.rulebook = rulebook
        self._sets: dict[tuple[str, Stacking | None], RuleSet] = {}
        self._groups: dict[tuple[str, ...], tuple[str, RuleSet]] = {}
        self._flags: dict[str, tuple[str, exp.Expr]] = {}

    def rules(self, kind: str, stacking: Stacking | None = None) -> RuleSet:
        key = (kind, stacking)
        if key not in self._sets:
            self._sets[key] = RuleSet.of(self.rulebook, kind, stacking=stacking)
        return self._sets[key]

    def cond(self, rule: Rule) -> exp.Expr:
        """The rule's compiled condition (evaluated where it is placed)."""
        return self.rules(rule.effect.kind).condition(rule)

    def flag(self, rule: Rule) -> exp.Expr:
        """A column holding the rule's condition, computed once in the match step."""
        if rule.id not in self._flags:
            self._flags[rule.id] = (f"w{len(self._flags) + 1}", self.cond(rule))
        return col(self._flags[rule.id][0])

    def _index(self, rules: RuleSet) -> exp.Expr:
        key = tuple(r.id for r in rules)
        if key not in self._groups:
            self._groups[key] = (f"g{len(self._groups) + 1}", rules)
        return col(self._groups[key][0])

    def first(self, rules: RuleSet, value: Value) -> exp.Expr:
        """Value of the first matching rule by precedence (NULL when none matches)."""
        if not rules:
            return exp.Null()
        return rules.position_lookup(self._index(rules), value)

    def rule_id(self, rules: RuleSet) -> exp.Expr:
        return self.first(rules, lambda r: text(r.id))

    def rule_of(self, kind: str) -> exp.Expr:
        """Id of the rule of ``kind`` that decided (a lookup on its group's index)."""
        return self.rule_id(self.rules(kind))

    def matched(self, kind: str) -> exp.Expr:
        """True when a rule of ``kind`` matched the order (its group index is set)."""
        rules = self.rules(kind)
        if not rules:
            return exp.false()
        return exp.Not(this=exp.Is(this=self._index(rules), expression=exp.Null()))

    def waiver_position(self, rule: Rule) -> int:
        """1-based position of a fee waiver among the rulebook's fee waivers."""
        return [r.id for r in self.rules("fee_waiver")].index(rule.id) + 1

    def waiver_id(self, position: exp.Expr) -> exp.Expr:
        """The fee-waiver rule id at ``position`` (NULL when no waiver applied)."""
        ids = [text(r.id) for r in self.rules("fee_waiver")]
        if not ids:
            return exp.Null()
        return element(ids, position)

    def added(self, rules: RuleSet, value: Value) -> exp.Expr:
        """Sum of ``value`` over every matching rule (0 when none)."""
        return rules.added(value)

    def match_step(self) -> list[tuple[str, exp.Expr]]:
        """The columns every later step reads: group indexes and waiver flags."""
        out: list[tuple[str, exp.Expr]] = [
            (name, rules.index()) for name, rules in self._groups.values()
        ]
        out += [(name, condition.copy()) for name, condition in self._flags.values()]
        return out


def step(source: exp.Expr, columns: Sequence[tuple[str, exp.Expr]]) -> exp.Select:
    """``SELECT f.*, <columns> FROM source AS f``."""
    select = exp.select(exp.column(exp.Star(), table=F))
    for name, value in columns:
        select = select.select(exp.alias_(value, name, quoted=True), copy=False)
    return select.from_(exp.alias_(source, F, table=True), copy=False)


__all__ = ["TRANSLATED", "Compiler", "F", "Value", "col", "first_match", "num", "step", "text"]
