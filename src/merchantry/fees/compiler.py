"""The compiler's building blocks: column helpers, rule matching, step assembly.

:class:`Compiler` turns rule conditions into per-order match columns (evaluated
once each) and value lookups; :mod:`merchantry.fees.query` assembles the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

import sqlglot.expressions as exp

from merchantry.rulebook.condition import compile_condition
from merchantry.rulebook.effects import Stacking
from merchantry.rulebook.model import Rule, Rulebook

F: Final = "f"
Value = Callable[[Rule], exp.Expr]


def col(name: str) -> exp.Column:
    """A column of the current step's input (``f.name``)."""
    return exp.column(name, table=F, quoted=True)


def num(value: int) -> exp.Expr:
    return exp.Literal.number(value)


def text(value: str) -> exp.Literal:
    return exp.Literal.string(value)


class Compiler:
    """Builds the fee query for one rulebook.

    Each condition is evaluated once per order: a group of ``first`` rules becomes
    one ``CASE`` giving the index of the matching rule (``g<n>``), a waiver's
    condition one boolean column (``w<n>``), both in the ``fee_match`` step; later
    steps read those columns (``CASE g1 WHEN 1 THEN …``) instead of re-testing.
    """

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        params = rulebook.parameter_values
        self._conditions = {
            r.id: compile_condition(r.condition, params, fact_alias=F) for r in rulebook.rules
        }
        self._groups: dict[tuple[str, ...], str] = {}
        self._flags: dict[str, str] = {}

    def cond(self, rule: Rule) -> exp.Expr:
        """The rule's compiled condition (evaluated where it is placed)."""
        return self._conditions[rule.id].copy()

    def flag(self, rule: Rule) -> exp.Expr:
        """A column holding the rule's condition, computed once in the match step."""
        name = self._flags.setdefault(rule.id, f"w{len(self._flags) + 1}")
        return col(name)

    def rules(self, kind: str, stacking: Stacking | None = None) -> tuple[Rule, ...]:
        found = self.rulebook.rules_of(kind)
        return tuple(r for r in found if stacking is None or r.stacking is stacking)

    def _index(self, rules: Sequence[Rule]) -> exp.Expr:
        key = tuple(r.id for r in rules)
        return col(self._groups.setdefault(key, f"g{len(self._groups) + 1}"))

    def first(self, rules: Sequence[Rule], value: Value) -> exp.Expr:
        """Value of the first matching rule by precedence (NULL when none matches)."""
        if not rules:
            return exp.Null()
        index = self._index(rules)
        values = [value(rule) for rule in rules]
        texts = {v.sql(dialect="duckdb") for v in values}
        if len(texts) == 1:  # every rule gives the same value: no lookup needed
            return exp.Case().when(
                exp.Not(this=exp.Is(this=index, expression=exp.Null())), values[0]
            )
        if all(isinstance(v, exp.Literal) for v in values):  # constants: a list lookup
            return exp.Bracket(this=exp.Array(expressions=values), expressions=[index])
        case = exp.Case(this=index)
        for position, v in enumerate(values, start=1):
            case = case.when(num(position), v)
        return case

    def rule_id(self, rules: Sequence[Rule]) -> exp.Expr:
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
        return exp.Bracket(this=exp.Array(expressions=ids), expressions=[position])

    def added(self, rules: Sequence[Rule], value: Value) -> exp.Expr:
        """Sum of ``value`` over every matching rule (0 when none)."""
        total: exp.Expr = num(0)
        for rule in rules:
            term = exp.Case().when(self.cond(rule), value(rule)).else_(num(0))
            total = exp.Add(this=total, expression=term)
        return total

    def match_step(self) -> list[tuple[str, exp.Expr]]:
        """The columns every later step reads: group indexes and waiver flags."""
        by_id = {r.id: r for r in self.rulebook.rules}
        out: list[tuple[str, exp.Expr]] = []
        for ids, name in self._groups.items():
            out.append((name, first_match([self.cond(by_id[i]) for i in ids])))
        out += [(name, self.cond(by_id[rule_id])) for rule_id, name in self._flags.items()]
        return out


def _conjuncts(condition: exp.Expr) -> list[exp.Expr]:
    """Top-level AND terms of a condition (parentheses unwrapped)."""
    while isinstance(condition, exp.Paren):
        condition = condition.this
    if isinstance(condition, exp.And):
        return _conjuncts(condition.this) + _conjuncts(condition.expression)
    return [condition]


def first_match(conditions: list[exp.Expr]) -> exp.Expr:
    """``CASE WHEN c1 THEN 1 WHEN c2 THEN 2 … END``, testing shared terms only once.

    When every condition starts with the same AND terms (e.g. "the order came from
    the Douyin Mall app"), they are tested once around the inner CASE; an order that
    fails them skips every rule of the group. Same result, fewer tests per order.
    """
    split = [_conjuncts(c) for c in conditions]
    shared: list[exp.Expr] = []
    for column in zip(*split, strict=False):
        first = column[0].sql(dialect="duckdb")
        if any(t.sql(dialect="duckdb") != first for t in column[1:]):
            break
        shared.append(column[0])
    if len(conditions) < 2:
        shared = []
    inner = exp.Case()
    for position, terms in enumerate(split, start=1):
        rest = terms[len(shared) :]
        test = exp.and_(*[t.copy() for t in rest]) if rest else exp.true()
        inner = inner.when(test, num(position))
    if not shared:
        return inner
    return exp.Case().when(exp.and_(*[t.copy() for t in shared]), inner)


def step(source: exp.Expr, columns: list[tuple[str, exp.Expr]]) -> exp.Select:
    """``SELECT f.*, <columns> FROM source AS f``."""
    select = exp.select(exp.column(exp.Star(), table=F))
    for name, value in columns:
        select = select.select(exp.alias_(value, name, quoted=True), copy=False)
    return select.from_(exp.alias_(source, F, table=True), copy=False)
