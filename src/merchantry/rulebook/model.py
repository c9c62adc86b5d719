"""Checked rulebooks: immutable values the compiler and the reports read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.rulebook.bounds import parameter_problems
from merchantry.rulebook.effects import Effect, EffectKind, Stacking
from merchantry.rulebook.registry import EFFECT_KINDS


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a number comes from: a source, or an assumption with a note."""

    source: str = ""
    """URL or section of platform-rules.md the number is confirmed by."""
    assumption: bool = False
    """True when no source confirms it: an operator should set it."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Parameter:
    """A named number a rulebook declares, usable as ``param.name`` or an effect field."""

    name: str
    value: int
    provenance: Provenance
    title: str = ""


@dataclass(frozen=True, slots=True)
class Rule:
    """One checked rule, as in force after inheritance."""

    id: str
    title: str
    when: str
    """Condition text as written."""
    effect: Effect
    priority: int
    stacking: Stacking
    provenance: Provenance
    origin: str
    """Rulebook that defined this version of the rule."""
    source_file: str = field(repr=False)
    """Where the rule was read (for messages): not part of the rule's content, so a
    rulebook moved to another folder has the same ``repr`` (the close's digest reads it)."""
    line: int = field(repr=False)
    condition: exp.Expr = field(compare=False, repr=False)
    """Checked condition tree (before rewriting onto the fact relation)."""

    @property
    def effect_kind(self) -> EffectKind:
        return EFFECT_KINDS[self.effect.kind]

    @property
    def columns(self) -> tuple[str, ...]:
        """Condition columns the rule reads (``shop.industry`` …), first appearance first."""
        columns = self.condition.find_all(exp.Column, bfs=False)  # depth first: text order
        found = (f"{c.table}.{c.name}" for c in columns if c.table)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True, slots=True)
class Rulebook:
    """A rulebook with inheritance resolved: the rules in force, in precedence order."""

    name: str
    title: str
    source_file: str = field(repr=False)
    """Where the rulebook was read: kept out of ``repr``, which the close marks and the
    stage digests hash, so moving an install does not make every mark stale."""
    effective_from: date
    effective_to: date | None
    lineage: tuple[str, ...]
    """This rulebook's name, then its parent's, and so on."""
    parameters: tuple[Parameter, ...]
    rules: tuple[Rule, ...]
    platform: str = field(default="", repr=False)
    """The marketplace it is written for (``platform:``, the nearest in the chain that says;
    a ``marketplace.marketplace_id``): which rulebook a command runs when none is named.
    Out of ``repr``: it moves no money, so it changes no mark or digest."""

    def in_force(self, on: date) -> bool:
        """Whether ``on`` falls in the rulebook's effective window (``effective:``)."""
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    def rules_of(self, kind: str) -> tuple[Rule, ...]:
        """Rules with effect ``kind`` in precedence order (priority, then position)."""
        matching = [(r.priority, i, r) for i, r in enumerate(self.rules) if r.effect.kind == kind]
        return tuple(r for _, _, r in sorted(matching, key=lambda t: (t[0], t[1])))

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(f"rulebook {self.name!r} has no rule {rule_id!r}")

    @property
    def parameter_values(self) -> dict[str, int]:
        return {p.name: p.value for p in self.parameters}

    def bounded_parameter(self, name: str, default: int) -> int:
        """A parameter a stage reads by name (``default`` when the rulebook declares none),
        held to its range in :data:`~merchantry.rulebook.bounds.PARAMETER_BOUNDS`; refused
        (:class:`~merchantry.kit.errors.InputError`, naming the rulebook's file and the
        parameter) outside it. ``rulebook check`` refuses a declared value outside it too."""
        value = self.parameter_values.get(name, default)
        self.refuse_problems({name: value})
        return value

    def refuse_problems(self, values: Mapping[str, object]) -> None:
        """Refuse (:class:`~merchantry.kit.errors.InputError`, naming the file) the first
        of ``values`` (parameters with defaults filled in) out of its range or order."""
        problems = parameter_problems(values)
        if problems:
            raise InputError(f"{self.source_file}: rulebook {self.name}, {problems[0].message}")
