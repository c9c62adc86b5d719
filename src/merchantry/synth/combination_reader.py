"""The combinations of scopes the shipped rulebooks require, read from their conditions.

A rule such as ``shop.business_mode = 'cross_border' AND category.industry IN ('makeup')``
fires only on an order that meets both parts at once; each value alone meeting rows is not
enough. This module reads every shipped rulebook's ``when`` conditions and keeps, for each
rule, the parts its top-level ``AND`` requires: ``=``, ``IN`` and ``list_contains`` of text
values on a column the generator writes (``shop.*``, ``category.*``, ``order.*``,
``creator.*``). Parts under ``OR`` or ``NOT``, comparisons of numbers and dates, and columns
a stage computes (``shop.score_stage``) are left out: they do not say which rows must exist.

The synth layer sits below the rulebook package, so the files are read here with PyYAML and
sqlglot directly (they are the package's own data, not user input). Combinations of two or
more columns are what ``synth/combinations.py`` makes the generator meet; a single scope is
the scope modules' job (``synth/scopes.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from importlib.abc import Traversable
from typing import Any, Final

import sqlglot
import sqlglot.expressions as exp
import yaml

from merchantry.model.schema import Column, ColumnType
from merchantry.model.tables import CATEGORIES, CREATORS, ORDERS, SHOPS

NAMESPACE_TABLES: Final = {
    "shop": SHOPS,
    "category": CATEGORIES,
    "order": ORDERS,
    "creator": CREATORS,
}
"""The condition namespaces whose columns the generator writes, and the table of each."""

_DIALECT: Final = "duckdb"


@dataclass(frozen=True, slots=True, order=True)
class Atom:
    """One part a rule requires: ``namespace.column`` takes one of ``values``."""

    namespace: str
    column: str
    values: tuple[str, ...]
    listed: bool
    """The column holds a list: one of ``values`` must be in it."""

    @property
    def name(self) -> str:
        return f"{self.namespace}.{self.column}"

    @property
    def declared(self) -> Column:
        """The generated column the atom is about."""
        table = NAMESPACE_TABLES[self.namespace]
        return next(c for c in table.columns if c.name == self.column)


@dataclass(frozen=True, slots=True)
class Combination:
    """Atoms on two or more columns that one or more rules require together."""

    atoms: tuple[Atom, ...]
    rules: tuple[str, ...]
    """Who requires it, as ``file:rule-id``."""

    def on(self, *namespaces: str) -> tuple[Atom, ...]:
        """The atoms of the given namespaces."""
        return tuple(a for a in self.atoms if a.namespace in namespaces)


def required_atoms(tree: exp.Expr) -> list[Atom]:
    """The atoms a condition's top-level ``AND`` requires (none under ``OR`` or ``NOT``)."""
    if isinstance(tree, exp.Paren):
        return required_atoms(tree.this)
    if isinstance(tree, exp.And):
        return required_atoms(tree.this) + required_atoms(tree.expression)
    atom = _atom(tree)
    return [atom] if atom is not None else []


def _atom(node: exp.Expr) -> Atom | None:
    if isinstance(node, exp.EQ):
        column, others = node.this, [node.expression]
        if not isinstance(column, exp.Column):  # 'x' = shop.industry
            column, others = node.expression, [node.this]
    elif isinstance(node, exp.In) and not node.args.get("query"):
        column, others = node.this, list(node.expressions)
    elif isinstance(node, exp.ArrayContains):
        column, others = node.this, [node.expression]
    else:
        return None
    if not isinstance(column, exp.Column) or column.table not in NAMESPACE_TABLES:
        return None
    stored = {c.name: c for c in NAMESPACE_TABLES[column.table].columns}
    declared = stored.get(column.name)
    if declared is None or declared.type not in (ColumnType.TEXT, ColumnType.TEXT_LIST):
        return None  # a stage computes it, or it is not text
    if not all(isinstance(o, exp.Literal) and o.is_string for o in others) or not others:
        return None
    values = tuple(dict.fromkeys(o.name for o in others))
    listed = declared.type is ColumnType.TEXT_LIST
    return Atom(column.table, column.name, values, listed)


def combine(rules: Iterable[tuple[str, exp.Expr]]) -> tuple[Combination, ...]:
    """The combinations of two or more columns that ``(who, condition)`` pairs require, each
    once, with every rule that requires it (in the order first met)."""
    found: dict[tuple[Atom, ...], list[str]] = {}
    for who, tree in rules:
        atoms = tuple(sorted(set(required_atoms(tree))))
        if len({a.name for a in atoms}) >= 2:
            found.setdefault(atoms, []).append(who)
    return tuple(Combination(atoms, tuple(who)) for atoms, who in found.items())


def rulebook_conditions(root: Traversable) -> list[tuple[str, exp.Expr]]:
    """``(file:rule-id, parsed when)`` of every rule in the ``*.yaml`` files of ``root``."""
    found: list[tuple[str, exp.Expr]] = []
    files = sorted((f for f in root.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)
    for file in files:
        document: Any = yaml.load(file.read_text(encoding="utf-8"), Loader=_LOADER)
        rules = document.get("rules") if isinstance(document, dict) else None
        for rule in rules if isinstance(rules, list) else ():
            when = rule.get("when") if isinstance(rule, dict) else None
            if isinstance(when, str):
                found.append(
                    (f"{file.name}:{rule.get('id')}", sqlglot.parse_one(when, read=_DIALECT))
                )
    return found


@functools.cache
def shipped_combinations() -> tuple[Combination, ...]:
    """The combinations the rulebooks shipped with the package require (read once)."""
    root = resources.files("merchantry") / "rulebooks"
    return combine(rulebook_conditions(root))


_LOADER: Final = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it (the score rulebooks are long)."""
