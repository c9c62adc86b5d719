"""One rule-set compiler: rules in precedence order, each condition compiled once.

Every stage that evaluates rules (fees, ledger, scoring, risk) asks the same three
questions of a group of rules over a fact row ``f``, and this module answers each
once, as sqlglot trees (never text):

* **first match** - which rule decides? :meth:`RuleSet.first` gives a value of the
  first matching rule (``CASE WHEN c1 THEN v1 WHEN c2 THEN v2 … END``, NULL when
  none matches), :meth:`RuleSet.rule_id` its id and :meth:`RuleSet.index` its
  1-based position (``first_match``, shared AND terms tested once);
* **rule id** - given the column that holds a chosen rule's id, read that rule's
  numbers: :meth:`RuleSet.lookup` (``CASE <id column> WHEN 'r1' THEN … END``);
* **matched flags** - which rules matched at all? :meth:`RuleSet.flags` (one boolean
  per rule, for stacking ``add``/``best``/``stack`` and risk signals) and
  :meth:`RuleSet.added` (the sum of every matching rule's value).

Precedence is the rulebook's (``priority`` ascending, then file order); a set never
reorders its rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

import sqlglot.expressions as exp

from merchantry.rulebook.condition import DIALECT, compile_condition
from merchantry.rulebook.effects import Stacking
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.store.sql import element

FACT_ALIAS: Final = "f"
"""The alias every compiled condition reads its columns from."""

Value = Callable[[Rule], exp.Expr]
Guard = Callable[[Rule], exp.Expr | None]


def _no_guard(_rule: Rule) -> exp.Expr | None:
    return None


def _owned(value: exp.Expr) -> exp.Expr:
    """``value`` itself when no tree holds it yet, else a copy: a builder may then place it
    without copying (a value function may hand the same node to every rule)."""
    return value if value.parent is None else value.copy()


def literal(value: int | str | bool) -> exp.Expr:
    """A SQL literal for one of our numbers, names or flags (never text glued into SQL)."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def fact_column(name: str, alias: str = FACT_ALIAS) -> exp.Column:
    """A column of the fact row (``f."name"``)."""
    return exp.column(name, table=alias, quoted=True)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules deciding one thing, in precedence order, with their compiled conditions."""

    rules: tuple[Rule, ...]
    conditions: tuple[exp.Expr, ...]
    key: str = ""
    """What the set decides (a kind, an indicator…), for messages and names."""

    @classmethod
    def compile(
        cls,
        rules: Iterable[Rule],
        params: Mapping[str, int],
        *,
        key: str = "",
        alias: str = FACT_ALIAS,
    ) -> RuleSet:
        """Compile each rule's condition once, onto the fact row ``alias``."""
        found = tuple(rules)
        conditions = tuple(compile_condition(r.condition, params, fact_alias=alias) for r in found)
        return cls(found, conditions, key)

    @classmethod
    def of(
        cls,
        book: Rulebook,
        kind: str,
        *,
        stacking: Stacking | None = None,
        where: Callable[[Rule], bool] | None = None,
        key: str = "",
        alias: str = FACT_ALIAS,
    ) -> RuleSet:
        """The rules of effect ``kind`` (with ``stacking``, passing ``where``) of a rulebook."""
        rules = (
            r
            for r in book.rules_of(kind)
            if (stacking is None or r.stacking is stacking) and (where is None or where(r))
        )
        return cls.compile(rules, book.parameter_values, key=key or kind, alias=alias)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self.rules)

    def condition(self, rule: Rule) -> exp.Expr:
        """The rule's compiled condition (a fresh copy, safe to place in a tree)."""
        for candidate, condition in zip(self.rules, self.conditions, strict=True):
            if candidate.id == rule.id:
                return condition.copy()
        raise KeyError(f"rule {rule.id!r} is not in the rule set {self.key!r}")

    def pairs(self) -> Iterator[tuple[Rule, exp.Expr]]:
        """Each rule with a copy of its compiled condition, in precedence order."""
        for rule, condition in zip(self.rules, self.conditions, strict=True):
            yield rule, condition.copy()

    def guarded(self, guard: Guard) -> Iterator[tuple[Rule, exp.Expr]]:
        """Each rule with its condition AND ``guard(rule)`` (when the guard is not None)."""
        for rule, condition in self.pairs():
            extra = guard(rule)
            yield rule, condition if extra is None else exp.and_(condition, extra)

    # first match -------------------------------------------------------------------

    def first(self, value: Value, *, extra: Guard = _no_guard) -> exp.Expr:
        """``CASE WHEN c1 THEN v1 …`` in precedence order; NULL when no rule matches.

        ``extra`` adds a per-rule guard (e.g. a deposit tier's GMV range).
        """
        if not self.rules:
            return exp.Null()
        case = exp.Case()
        for rule, condition in self.guarded(extra):
            # copy=False: the condition is a fresh copy and the value owned; sqlglot's default
            # copies the whole CASE built so far on every WHEN (quadratic in the rules)
            case.when(condition, _owned(value(rule)), copy=False)
        return case

    def rule_id(self, *, extra: Guard = _no_guard) -> exp.Expr:
        """The id of the first matching rule (NULL when none matches)."""
        return self.first(lambda r: literal(r.id), extra=extra)

    def int_field(self, name: str, *, extra: Guard = _no_guard) -> exp.Expr:
        """The integer effect field ``name`` of the first matching rule."""
        return self.first(lambda r: literal(r.effect.int(name)), extra=extra)

    def index(self) -> exp.Expr:
        """1-based position of the first matching rule (NULL when none matches)."""
        return first_match([c for _r, c in self.pairs()])

    # rule id -----------------------------------------------------------------------

    def lookup(self, rule_column: exp.Expr, pick: Value) -> exp.Expr:
        """``CASE <rule_column> WHEN 'id' THEN pick(rule) …`` (NULL for no rule)."""
        if not self.rules:
            return exp.Null()
        ifs = [exp.If(this=literal(rule.id), true=pick(rule)) for rule in self.rules]
        return exp.Case(this=rule_column.copy(), ifs=ifs)

    def lookup_int(self, rule_column: exp.Expr, name: str) -> exp.Expr:
        return self.lookup(rule_column, lambda r: literal(r.effect.int(name)))

    def lookup_text(self, rule_column: exp.Expr, name: str) -> exp.Expr:
        return self.lookup(rule_column, lambda r: literal(r.effect.text(name)))

    def position_lookup(self, index: exp.Expr, value: Value) -> exp.Expr:
        """The value of the rule at 1-based position ``index`` (NULL when ``index`` is).

        One value shared by every rule needs no lookup; constants become a list
        lookup; anything else a ``CASE index WHEN 1 THEN …``.
        """
        if not self.rules:
            return exp.Null()
        values = [value(rule) for rule in self.rules]
        if len({v.sql(dialect=DIALECT) for v in values}) == 1:
            return exp.Case().when(
                exp.Not(this=exp.Is(this=index, expression=exp.Null())), values[0]
            )
        if all(isinstance(v, exp.Literal) for v in values):
            return element(values, index)
        case = exp.Case(this=index)
        for position, v in enumerate(values, start=1):
            case.when(literal(position), _owned(v), copy=False)
        return case

    # matched flags -----------------------------------------------------------------

    def flags(self) -> list[tuple[Rule, exp.Expr]]:
        """One boolean per rule: its condition held (NULL counts as not matched)."""
        return [(r, exp.func("coalesce", c, exp.false())) for r, c in self.pairs()]

    def added(self, value: Value) -> exp.Expr:
        """Sum of ``value`` over every matching rule (0 when none)."""
        total: exp.Expr = literal(0)
        for rule, condition in self.pairs():
            term = exp.Case().when(condition, _owned(value(rule)), copy=False)
            term.else_(literal(0), copy=False)
            total = exp.Add(this=total, expression=term)
        return total


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
    the Douyin Mall app"), they are tested once around the inner CASE; a row that
    fails them skips every rule of the group. Same result, fewer tests per row.
    """
    split = [_conjuncts(c) for c in conditions]
    shared: list[exp.Expr] = []
    for column in zip(*split, strict=False):
        first = column[0].sql(dialect=DIALECT)
        if any(t.sql(dialect=DIALECT) != first for t in column[1:]):
            break
        shared.append(column[0])
    if len(conditions) < 2:
        shared = []
    inner = exp.Case()
    for position, terms in enumerate(split, start=1):
        rest = terms[len(shared) :]
        test = exp.and_(*[t.copy() for t in rest]) if rest else exp.true()
        inner.when(test, literal(position), copy=False)  # fresh nodes: no copy of the CASE
    if not shared:
        return inner
    return exp.Case().when(exp.and_(*[t.copy() for t in shared]), inner, copy=False)
