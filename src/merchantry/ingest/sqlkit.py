"""Small helpers to build ingestion SQL as sqlglot trees.

Checks are easiest to read as SQL, so they are written as fixed templates
whose *names* (tables, columns) are placeholders spelled ``p_<name>``. A
template is parsed once by sqlglot and its placeholders are swapped for real
identifiers or whole expressions in the tree, never by editing the text; a
name from a declaration therefore cannot change the shape of the statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sqlglot
import sqlglot.expressions as exp

DIALECT = "duckdb"

Sub = str | exp.Expr
"""A placeholder's replacement: a name (becomes a quoted identifier) or an expression."""


def render(template: str, subs: Mapping[str, Sub]) -> exp.Expr:
    """Parse ``template`` and replace its ``p_*`` placeholders with ``subs``.

    A placeholder standing alone as a column (``p_check``) may be replaced by any
    expression; everywhere else (table names, qualified columns) it must be a name.
    """
    tree = sqlglot.parse_one(template, dialect=DIALECT)
    missing = {
        ident.name
        for ident in tree.find_all(exp.Identifier)
        if ident.name.startswith("p_") and ident.name not in subs
    }
    if missing:
        raise KeyError(f"template placeholders without a value: {sorted(missing)}")

    def swap(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column) and not node.table and node.name in subs:
            value = subs[node.name]
            if isinstance(value, exp.Expr):
                return value.copy()
        if isinstance(node, exp.Identifier) and node.name in subs:
            value = subs[node.name]
            if isinstance(value, str):
                return exp.to_identifier(value, quoted=True)
            raise TypeError(f"placeholder {node.name} needs a name here, got an expression")
        return node

    return tree.transform(swap)


def sql(tree: exp.Expr) -> str:
    """The DuckDB text of a tree."""
    return tree.sql(dialect=DIALECT)


def col(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference."""
    return exp.column(name, table=table, quoted=True)


def text(value: str) -> exp.Literal:
    """A string literal (quoted and escaped by sqlglot)."""
    return exp.Literal.string(value)


def text_list(values: Sequence[str]) -> exp.Array:
    """A list literal of strings: ``['a', 'b']``."""
    return exp.Array(expressions=[text(v) for v in values])


def concat(*parts: exp.Expr | str) -> exp.Expr:
    """String concatenation that treats NULL as empty (DuckDB ``concat``)."""
    args = [text(p) if isinstance(p, str) else p for p in parts]
    return exp.Anonymous(this="concat", expressions=args)


def union_all(selects: Sequence[exp.Expr]) -> exp.Expr:
    """``UNION ALL`` of several selects (a single select is returned as is)."""
    result = selects[0]
    for nxt in selects[1:]:
        result = exp.union(result, nxt, distinct=False)
    return result
