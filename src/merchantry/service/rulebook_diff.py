"""The difference between two rulebooks: rules added, removed and changed, and each number.

An operator comparing last year's rulebook with a candidate wants the changes, not two
listings: which rules are new, which are gone, and for each rule in both, which of its
fields moved from what to what (a rate from 500 bp to 600 bp, a condition rewritten, a
priority). Parameters (named numbers) and the rulebook's own dates are compared the same
way. The diff is computed on checked, inheritance-resolved rulebooks, so a rule a child
inherits unchanged is not a change, and it is a pure function of the two values; every
front end (console, CLI, tests) gets the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from merchantry.kit.errors import InputError
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.rulebook.model import Parameter, Rule

Value = int | str | bool | None


class Change(StrEnum):
    """How a rule or parameter differs from the first rulebook to the second."""

    ADDED = "added"
    """Only in the second (the candidate)."""
    REMOVED = "removed"
    """Only in the first (the baseline)."""
    CHANGED = "changed"
    """In both, with at least one field different."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of a rule (or the rulebook) before and after."""

    field: str
    """``effect.rate_bp``, ``when``, ``priority``, ``stacking``, ``assumption`` …"""
    before: Value
    after: Value

    @property
    def is_number(self) -> bool:
        """Both sides are numbers (not booleans), so the change has a signed size."""
        return all(
            isinstance(v, int) and not isinstance(v, bool) for v in (self.before, self.after)
        )

    @property
    def delta(self) -> int | None:
        """``after − before`` for a number, else ``None``."""
        if not self.is_number:
            return None
        before, after = self.before, self.after
        assert isinstance(before, int)
        assert isinstance(after, int)
        return after - before


@dataclass(frozen=True, slots=True)
class RuleDiff:
    """A rule that is new, gone or different."""

    rule_id: str
    change: Change
    title: str
    """The second rulebook's title (the first's for a removed rule)."""
    effect_kind: str
    fields: tuple[FieldChange, ...]
    """For a changed rule, each field that differs; for an added or removed rule, its
    numbers (effect fields) as they stand, on the side it exists."""


@dataclass(frozen=True, slots=True)
class ParameterDiff:
    name: str
    change: Change
    before: int | None
    after: int | None


@dataclass(frozen=True, slots=True)
class RulebookDiff:
    """Everything that differs from ``baseline`` to ``candidate``."""

    baseline: str
    candidate: str
    header: tuple[FieldChange, ...]
    """The rulebooks' own fields that differ (title, effective dates)."""
    rules: tuple[RuleDiff, ...]
    """Added, then removed, then changed; by rule id within each."""
    parameters: tuple[ParameterDiff, ...]
    unchanged: int
    """Rules in both with nothing different."""

    def of(self, change: Change) -> tuple[RuleDiff, ...]:
        return tuple(r for r in self.rules if r.change == change)

    @property
    def numbers_changed(self) -> int:
        """Changed numeric fields across every changed rule and parameter."""
        in_rules = sum(1 for r in self.of(Change.CHANGED) for f in r.fields if f.is_number)
        in_params = sum(1 for p in self.parameters if p.change is Change.CHANGED)
        return in_rules + in_params


def _rule_fields(rule: Rule) -> dict[str, Value]:
    """A rule as flat, comparable fields (its effect's values one field each)."""
    fields: dict[str, Value] = {
        "title": rule.title,
        "effect.kind": rule.effect.kind,
        "when": rule.when,
        "priority": rule.priority,
        "stacking": str(rule.stacking),
        "assumption": rule.provenance.assumption,
        "source": rule.provenance.source,
    }
    fields.update({f"effect.{name}": value for name, value in rule.effect.values})
    return fields


def _compare(before: dict[str, Value], after: dict[str, Value]) -> tuple[FieldChange, ...]:
    names = [*before, *(n for n in after if n not in before)]
    return tuple(
        FieldChange(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)
    )


def _effect_numbers(rule: Rule, *, added: bool) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(f"effect.{name}", None if added else value, value if added else None)
        for name, value in rule.effect.values
    )


def _params(first: Sequence[Parameter], second: Sequence[Parameter]) -> tuple[ParameterDiff, ...]:
    before = {p.name: p.value for p in first}
    after = {p.name: p.value for p in second}
    out = [ParameterDiff(n, Change.ADDED, None, v) for n, v in after.items() if n not in before]
    out += [ParameterDiff(n, Change.REMOVED, v, None) for n, v in before.items() if n not in after]
    out += [
        ParameterDiff(n, Change.CHANGED, v, after[n])
        for n, v in before.items()
        if n in after and after[n] != v
    ]
    order = list(Change)
    return tuple(sorted(out, key=lambda p: (order.index(p.change), p.name)))


def diff_rulebooks(baseline: Rulebook, candidate: Rulebook) -> RulebookDiff:
    """What differs from ``baseline`` to ``candidate`` (both checked and resolved)."""
    if baseline.name == candidate.name:
        raise InputError(f"compare two different rulebooks, not {baseline.name!r} with itself")
    first = {r.id: r for r in baseline.rules}
    second = {r.id: r for r in candidate.rules}
    added = [
        RuleDiff(i, Change.ADDED, r.title, r.effect.kind, _effect_numbers(r, added=True))
        for i, r in sorted(second.items())
        if i not in first
    ]
    removed = [
        RuleDiff(i, Change.REMOVED, r.title, r.effect.kind, _effect_numbers(r, added=False))
        for i, r in sorted(first.items())
        if i not in second
    ]
    changed: list[RuleDiff] = []
    unchanged = 0
    for i in sorted(set(first) & set(second)):
        fields = _compare(_rule_fields(first[i]), _rule_fields(second[i]))
        if fields:
            rule = second[i]
            changed.append(RuleDiff(i, Change.CHANGED, rule.title, rule.effect.kind, fields))
        else:
            unchanged += 1
    header = _compare(
        {
            "title": baseline.title,
            "effective_from": baseline.effective_from.isoformat(),
            "effective_to": baseline.effective_to.isoformat() if baseline.effective_to else None,
        },
        {
            "title": candidate.title,
            "effective_from": candidate.effective_from.isoformat(),
            "effective_to": candidate.effective_to.isoformat() if candidate.effective_to else None,
        },
    )
    return RulebookDiff(
        baseline.name,
        candidate.name,
        header,
        (*added, *removed, *changed),
        _params(baseline.parameters, candidate.parameters),
        unchanged,
    )


def diff_named(baseline: str, candidate: str, dirs: Sequence[Path] = ()) -> RulebookDiff:
    """Load both rulebooks by name (shipped, or from ``dirs``) and diff them."""
    return diff_rulebooks(load_rulebook(baseline, dirs), load_rulebook(candidate, dirs))
