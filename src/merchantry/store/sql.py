"""The SQL kit: one dialect, column and literal helpers, one placeholder mechanism,
``run_sql`` and row records.

Every stage builds its SQL as sqlglot trees or as fixed text whose variable parts are
**placeholders** filled through the tree (:func:`fill`), never by formatting Python
values into text; values a statement needs at run time are bound parameters
(``$name``), passed to :func:`run_sql` or :func:`records`.

Placeholders are spelled ``p_<name>`` in a template, where a column or a table name
may stand. :func:`fill` parses the template once and replaces each:

* by a **name** (``str``): a quoted identifier, so a name from a declaration cannot
  change the statement's shape;
* by an **expression**: the placeholder column becomes that tree;
* by a **list of expressions**: the placeholder column, standing in a list (select
  items, function arguments), becomes all of them in its place;
* by a **query**, where the placeholder stands as a table (``FROM p_x AS x``, ``JOIN
  p_x``): the table becomes that query as a subquery, keeping its alias.

A constant that belongs in a statement (a number of minutes, a shared subquery) is put
in its place this way too, never by Python string formatting; a test walks ``src/`` and
fails on SQL text built with f-strings, ``%``, ``.format``, ``.replace`` or ``+``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import duckdb
import sqlglot
import sqlglot.expressions as exp

DIALECT: Final = "duckdb"
PLACEHOLDER_PREFIX: Final = "p_"

Sub = str | exp.Expr | Sequence[exp.Expr]
"""A placeholder's replacement: a name, an expression, or expressions spliced into a list."""

Record = dict[str, Any]
"""One result row, by column name."""


def col(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference (``"table"."name"``)."""
    return exp.column(name, table=table, quoted=True)


def lit(value: int | str | bool | None) -> exp.Expr:
    """A SQL literal for one of our values (quoted and escaped by sqlglot)."""
    if value is None:
        return exp.Null()
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    return exp.Literal.string(value)


def text(value: str) -> exp.Literal:
    """A string literal (quoted and escaped by sqlglot)."""
    return exp.Literal.string(value)


def text_list(values: Sequence[str]) -> exp.Array:
    """A list literal of strings: ``['a', 'b']``."""
    return exp.Array(expressions=[text(v) for v in values])


def is_in(column: exp.Expr, values: Iterable[int | str]) -> exp.Expr:
    """``column IN (v1, v2, …)`` built as a tree: right for one value, a quote, or none
    (an empty list is ``FALSE``: nothing is in it)."""
    items = [lit(v) for v in values]
    if not items:
        return exp.false()
    return exp.In(this=column, expressions=items)


def element(values: Sequence[exp.Expr], position: exp.Expr) -> exp.Expr:
    """``[v1, v2, …][position]`` with a 1-based ``position`` (NULL beyond the list).

    The bracket is marked 1-based: left unmarked, sqlglot shifts an index whose type it
    can infer (a ``CASE`` of numbers) by one when writing DuckDB.
    """
    return exp.Bracket(this=exp.Array(expressions=list(values)), expressions=[position], offset=1)


def insert_values(table: str, columns: Sequence[str]) -> str:
    """``INSERT INTO table ("c1", …) VALUES (?, …)``: names quoted, every value bound."""
    insert = exp.insert(
        exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in columns])]),
        exp.to_table(table),
        columns=[exp.to_identifier(c, quoted=True) for c in columns],
        dialect=DIALECT,
    )
    return to_sql(insert)


def insert_select(target: str, source: str, columns: Sequence[str]) -> str:
    """``INSERT INTO target ("c1", …) SELECT "c1", … FROM source``."""
    select = exp.select(*[col(c) for c in columns]).from_(exp.to_table(source))
    insert = exp.insert(
        select,
        exp.to_table(target),
        columns=[exp.to_identifier(c, quoted=True) for c in columns],
    )
    return to_sql(insert)


def create_temp_as(table: str, query: str | exp.Expr) -> str:
    """``CREATE OR REPLACE TEMP TABLE "table" AS query``, built as a tree."""
    body = parse(query) if isinstance(query, str) else query.copy()
    create = exp.Create(
        this=exp.to_table(table),
        kind="TABLE",
        expression=body,
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    return to_sql(create)


def with_ctes_of(source: str | exp.Expr, query: str | exp.Expr) -> str:
    """``query`` preceded by the common table expressions of ``source`` (a ``WITH`` query
    whose final ``SELECT`` is ignored): several queries over the same named steps."""
    steps = (parse(source) if isinstance(source, str) else source).args.get("with_")
    if steps is None:
        raise TypeError("with_ctes_of needs a source query with a WITH clause")
    tree = parse(query) if isinstance(query, str) else query.copy()
    tree.set("with_", steps.copy())
    return to_sql(tree)


def ident(name: str) -> str:
    """A quoted identifier's text (``"name"``, quotes doubled): the one way a name may be
    put into SQL text directly (the source test allows f-strings only around this)."""
    return exp.to_identifier(name, quoted=True).sql(dialect=DIALECT)


def table(name: str) -> exp.Table:
    """A quoted table reference."""
    return exp.Table(this=exp.to_identifier(name, quoted=True))


def select_from(name: str, columns: Sequence[str] | None = None) -> str:
    """``SELECT "c1", … FROM "name"`` (every column when ``columns`` is None)."""
    items = [col(c) for c in columns] if columns is not None else [exp.Star()]
    return to_sql(exp.select(*items).from_(table(name)))


NEXT_ROW_ID: Final = """
SELECT coalesce(max(rowid) + 1, 0) FROM p_table WHERE rowid >= (SELECT count(*) FROM p_table) - 1
"""


def next_row_id(name: str) -> exp.Expr:
    """A query of one past the largest row id of table ``name`` (0 when empty): the first
    id a row appended from now on can have. ``n`` rows have ``n`` distinct ids, so the
    largest is at least ``n - 1``: the scan starts there (DuckDB skips the row groups before
    it, and answers ``count(*)`` from its statistics) instead of reading every row id of the
    table, which grows with its history (0.07 CPU s for the journal a year of 1 M orders a
    month leaves, every close). Rows deleted before leave the answer unchanged."""
    return fill(NEXT_ROW_ID, p_table=name)


def to_sql(tree: exp.Expr) -> str:
    """The DuckDB text of a tree."""
    return tree.sql(dialect=DIALECT)


def parse(template: str) -> exp.Expr:
    """Parse fixed DuckDB SQL text (ours, never a user's) into a tree."""
    return sqlglot.parse_one(template, dialect=DIALECT)


def _is_placeholder(name: str) -> bool:
    return name.startswith(PLACEHOLDER_PREFIX)


def fill(template: str | exp.Expr, subs: Mapping[str, Sub] | None = None, **more: Sub) -> exp.Expr:
    """``template`` (text or tree) with its ``p_*`` placeholders replaced by ``subs``.

    Every placeholder needs a value: a missing one fails here, naming it, instead of
    reaching the database. Values the template does not use are ignored (one mapping may
    serve several templates).
    """
    values: dict[str, Sub] = {**(subs or {}), **more}
    tree = parse(template) if isinstance(template, str) else template.copy()
    used = {i.name for i in tree.find_all(exp.Identifier) if _is_placeholder(i.name)}
    missing = used - set(values)
    if missing:
        raise KeyError(f"template placeholders without a value: {sorted(missing)}")
    for table in list(tree.find_all(exp.Table)):
        value = values.get(table.name)
        if isinstance(value, exp.Query) and not table.args.get("db"):
            table.replace(exp.Subquery(this=value.copy(), alias=table.args.get("alias")))
    for node in list(tree.find_all(exp.Column)):
        value = values.get(node.name)
        if node.table or value is None or isinstance(value, str):
            continue
        if isinstance(value, exp.Expr):
            node.replace(value.copy())
            continue
        _splice(node, [v.copy() for v in value])
    for ident in list(tree.find_all(exp.Identifier)):
        value = values.get(ident.name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise TypeError(f"placeholder {ident.name} needs a name here, got an expression")
        ident.replace(exp.to_identifier(value, quoted=True))
    return tree


def _splice(node: exp.Expr, items: list[exp.Expr]) -> None:
    """Put ``items`` where ``node`` stands in its parent's list."""
    parent, key = node.parent, node.arg_key
    siblings = parent.args.get(key) if parent is not None and key else None
    if parent is None or not key or not isinstance(siblings, list):
        raise TypeError(f"placeholder {node.name} takes a list, but does not stand in one")
    at = next(i for i, s in enumerate(siblings) if s is node)
    parent.set(key, [*siblings[:at], *items, *siblings[at + 1 :]])


def fill_sql(template: str, subs: Mapping[str, Sub] | None = None, **more: Sub) -> str:
    """:func:`fill`, as DuckDB text."""
    return to_sql(fill(template, subs, **more))


_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")


def run_sql(
    con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, object] | None = None
) -> duckdb.DuckDBPyConnection:
    """Execute fixed SQL (statements split on ``;``), each with only the named parameters it
    uses: DuckDB wants exactly those, and parameters only in a single statement."""
    statements = [part for part in sql.split(";") if part.strip()]
    for statement in statements:
        wanted = parameters_in(statement)
        given = {k: v for k, v in (params or {}).items() if k in wanted}
        missing = wanted - set(given)
        if missing:
            raise KeyError(f"SQL needs parameters {sorted(missing)}")
        con.execute(statement, given) if given else con.execute(statement)
    return con


def parameters_in(statement: str) -> set[str]:
    """The names of the named parameters (``$name``) in one statement's text."""
    return set(_PARAMETER.findall(statement))


def records(
    con: duckdb.DuckDBPyConnection,
    sql: str,
    params: Mapping[str, object] | Sequence[object] | None = None,
) -> list[Record]:
    """Every row of a query as a record (column name to value)."""
    cursor = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


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
