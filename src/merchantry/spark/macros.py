"""DuckDB scalar macros expanded into plain SQL before a statement is carried to Spark.

A stage may define ``CREATE TEMP MACRO name(a, b) AS <expression>`` and call
``name(x, y)`` in later statements. Spark has no macros, and the portability check
refuses an unknown function (it could mean anything there). A scalar macro is only
a named expression, though: each call is replaced by the macro's body with every
parameter replaced by the (parenthesised) argument, until no call is left (a macro
may call another one). The expanded statement is what DuckDB computes, written
out, so the check and the rewrites then see plain SQL.

Only expression macros are expanded; a table macro (``AS TABLE …``) is left as it is
(and refused by the check, naming it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import sqlglot
import sqlglot.errors
import sqlglot.expressions as exp

READ: Final = "duckdb"
MAX_DEPTH: Final = 32
"""Nesting beyond this is a macro calling itself: left unexpanded (and refused)."""


@dataclass(frozen=True, slots=True)
class Macro:
    """One scalar macro: its parameter names and its body."""

    name: str
    params: tuple[str, ...]
    body: exp.Expr


def macro_of(tree: exp.Expr) -> Macro | None:
    """The macro ``tree`` defines (``CREATE [TEMP] MACRO f(…) AS expr``), or None."""
    if not isinstance(tree, exp.Create) or str(tree.args.get("kind") or "").upper() != "MACRO":
        return None
    head, body = tree.this, tree.expression
    if not isinstance(head, exp.UserDefinedFunction) or body is None:
        return None
    if isinstance(body, exp.Query) or not isinstance(body, exp.Expr):
        return None  # a table macro: not a named expression
    params = tuple(p.name.lower() for p in head.expressions)
    name = head.this.name if isinstance(head.this, exp.Expr) else str(head.this)
    return Macro(name.lower(), params, body)


def macros_in(texts: Iterable[str]) -> dict[str, Macro]:
    """Every scalar macro defined by the statements of ``texts`` (``;``-separated)."""
    found: dict[str, Macro] = {}
    for text in texts:
        for statement in text.split(";"):
            if "MACRO" not in statement.upper():
                continue
            try:
                tree = sqlglot.parse_one(statement, read=READ)
            except sqlglot.errors.ParseError:
                continue
            macro = macro_of(tree)
            if macro is not None:
                found[macro.name] = macro
    return found


def _call(node: exp.Expr, macros: Mapping[str, Macro]) -> Macro | None:
    if not isinstance(node, exp.Anonymous):
        return None
    macro = macros.get(str(node.this).lower())
    if macro is None or len(node.expressions) != len(macro.params):
        return None
    return macro


def _instantiate(macro: Macro, args: list[exp.Expr]) -> exp.Expr:
    bound = dict(zip(macro.params, args, strict=True))

    def substitute(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name.lower() in bound:
            arg = bound[node.name.lower()].copy()
            simple = isinstance(arg, exp.Column | exp.Literal | exp.Paren | exp.Null)
            return arg if simple else exp.paren(arg)
        return node

    return macro.body.copy().transform(substitute)


def expand_macros(tree: exp.Expr, macros: Mapping[str, Macro]) -> exp.Expr:
    """``tree`` with every call of a macro of ``macros`` replaced by its body."""
    if not macros:
        return tree
    for _ in range(MAX_DEPTH):
        if not any(_call(n, macros) for n in tree.find_all(exp.Anonymous)):
            return tree

        def expand(node: exp.Expr) -> exp.Expr:
            macro = _call(node, macros)
            if macro is None:
                return node
            return _instantiate(macro, [a.copy() for a in node.expressions])

        tree = tree.transform(expand)
    return tree
