r"""The ledger's lists of legs carried to Spark with DuckDB's meaning.

A ledger stage writes each target entry with its legs as a list of structs
(``[{'account': …, 'party': …, 'amount_fen': …, 'rule_id': …}, …]``), filters the zero
legs out with a lambda, signs the entry with the list's text, and unnests the list
into postings numbered from 1. Each of these is a trap in general (1-based against
0-based lists, another text form, lost order); in the shapes below they are not, and
:data:`LEG_REWRITES` carries them (marking the nodes :data:`CARRIED`, which the check
then passes):

* a list literal of struct literals (``[{…}, {…}]``): Spark's ``ARRAY(STRUCT(…), …)``
  keeps the order, and nothing indexes it;
* ``list_filter(l, lambda x: p)``: Spark's ``FILTER(l, x -> p)`` (order kept, a NULL
  ``p`` drops the element on both);
* ``list(x ORDER BY k, …)`` (ascending keys): Spark's ``collect_list`` has no order, so
  ``TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(k IS NULL, k, …, x))), s -> s.x)``
  (NULL keys last, as DuckDB's default);
* ``unnest(l) AS a, generate_subscripts(l, 1) AS i`` in one ``SELECT``: Spark's
  ``POSEXPLODE(l) AS (pos, a)`` in that ``SELECT``, and ``i = pos + 1`` around it;
* ``ledger_legs_text(l)`` (the journal's macro for ``CAST(l AS VARCHAR)``, the text an
  entry's signature hashes): DuckDB's text written out, ``[{'account':
  merchant_pending, 'party': '', 'amount_fen': -5, 'rule_id': NULL}, …]``, with
  DuckDB's quoting of a text field: written bare, unless it is empty, starts or ends
  with ASCII white space, is ``null`` in any case, or holds one of ``"'(),:=[\]{}``;
  then quoted in ``'…'`` with ``\`` and ``'`` escaped by a backslash. Any other
  character (Chinese, emoji, an inner space or line break) is written as it is, on both
  engines; a test holds the two texts equal over such ids.
"""

from __future__ import annotations

from typing import Final

import sqlglot
import sqlglot.expressions as exp

from merchantry.spark.macros import Macro

CARRIED: Final = "carried_as_legs"
"""Meta flag of a node one of the rewrites below carried (the check passes it)."""

QUOTED_WHEN: Final = r"""\A\s|\s\z|["'(),:=\[\\\]{}]"""
r"""A text field DuckDB quotes inside a list of structs (besides the empty text and
``null`` in any case; a Java pattern, its node marked carried so that the RE2 rewrite of
``spark/ingest_sql.py`` leaves it as it is): a leading or trailing ASCII white space
(Java's ``\s`` is
DuckDB's set: space, tab, line feed, vertical tab, form feed, carriage return; ``\z``,
not ``$``, which Java lets match before a final line terminator), or one of the marks
DuckDB's cast looks for. Checked against DuckDB's own cast by a test."""

LEG_FIELDS: Final = ("account", "party", "amount_fen", "rule_id")
TEXT_FIELDS: Final = frozenset({"account", "party", "rule_id"})

_POS: Final = "__leg_pos"
EMPTY: Final = "''"


def _carry(node: exp.Expr) -> exp.Expr:
    node.meta[CARRIED] = True
    return node


def struct_list_literals(tree: exp.Expr) -> exp.Expr:
    """``[{…}, {…}]``: carried as Spark's ``ARRAY(STRUCT(…))`` (nothing indexes it)."""
    for node in tree.find_all(exp.Array):
        items = node.expressions
        if items and all(isinstance(i, exp.Struct) for i in items):
            _carry(node)
            for item in items:
                _carry(item)
    return tree


def list_filter_lambda(tree: exp.Expr) -> exp.Expr:
    """``list_filter(l, lambda x: p)``: the same on Spark (``FILTER``)."""
    for node in tree.find_all(exp.ArrayFilter):
        if isinstance(node.expression, exp.Lambda):
            _carry(node.expression)
    return tree


def ordered_list(tree: exp.Expr) -> exp.Expr:
    """``list(x ORDER BY k …)`` with ascending keys: sorted structs, then their ``x``."""
    for node in list(tree.find_all(exp.ArrayAgg)):
        order = node.this
        if not isinstance(order, exp.Order) or order.this is None:
            continue
        keys = order.expressions
        if not keys or any(k.args.get("desc") or k.args.get("nulls_first") for k in keys):
            continue
        fields: list[exp.Expr] = []
        for i, key in enumerate(keys):
            value = key.this
            fields.append(exp.alias_(exp.Is(this=value.copy(), expression=exp.Null()), f"n{i}"))
            fields.append(exp.alias_(value.copy(), f"k{i}"))
        fields.append(exp.alias_(order.this.copy(), "v"))
        sorted_ = exp.func("array_sort", exp.ArrayAgg(this=exp.Struct(expressions=fields)))
        pick = exp.Lambda(
            this=exp.Dot(this=exp.column("__s"), expression=exp.to_identifier("v")),
            expressions=[exp.to_identifier("__s")],
        )
        carried = exp.Transform(this=sorted_, expression=_carry(pick))
        for inner in carried.find_all(exp.Struct, exp.ArrayAgg):
            _carry(inner)
        node.replace(_carry(carried))
    return tree


def _named(node: exp.Expr) -> tuple[str, exp.Expr] | None:
    if isinstance(node, exp.Alias):
        return node.alias, node.this
    return None


def unnest_with_subscripts(tree: exp.Expr) -> exp.Expr:
    """``unnest(l) AS a, generate_subscripts(l, 1) AS i``: ``POSEXPLODE(l) AS (pos, a)``,
    ``i = pos + 1`` in a ``SELECT`` around it."""
    for select in list(tree.find_all(exp.Select)):
        unnests: dict[str, tuple[int, str]] = {}
        subscripts: dict[str, tuple[int, str]] = {}
        for i, projection in enumerate(select.expressions):
            named = _named(projection)
            if named is None:
                continue
            alias, value = named
            if isinstance(value, exp.Explode | exp.Unnest):
                inner = value.this if isinstance(value, exp.Explode) else value.expressions[0]
                unnests[inner.sql(dialect="duckdb")] = (i, alias)
            elif (
                isinstance(value, exp.Anonymous)
                and str(value.this).lower() == "generate_subscripts"
                and len(value.expressions) == 2
                and value.expressions[1].sql() == "1"
            ):
                subscripts[value.expressions[0].sql(dialect="duckdb")] = (i, alias)
        pairs = [(k, unnests[k], subscripts[k]) for k in unnests if k in subscripts]
        if len(pairs) != 1:
            continue
        text, (at_unnest, value_alias), (at_index, index_alias) = pairs[0]
        listed = sqlglot.parse_one(text, read="duckdb")
        exploded = exp.Aliases(
            this=exp.Posexplode(this=listed),
            expressions=[exp.to_identifier(_POS), exp.to_identifier(value_alias)],
        )
        inner = select.copy()
        kept = [
            e.copy() for i, e in enumerate(select.expressions) if i not in (at_unnest, at_index)
        ]
        inner.set("expressions", [*kept, _carry(exploded)])
        outer = exp.select(
            exp.Star(),
            exp.alias_(exp.column(_POS) + exp.Literal.number(1), index_alias),
        ).from_(inner.subquery("__legs"))
        select.replace(outer)
    return tree


LEG_REWRITES: Final = (
    struct_list_literals,
    list_filter_lambda,
    ordered_list,
    unnest_with_subscripts,
)
"""Applied after the general rewrites; see the module's documentation."""


def _text(value: exp.Expr) -> exp.Expr:
    """DuckDB's text of one VARCHAR field inside a struct (see :data:`QUOTED_WHEN`)."""
    quoted = exp.or_(
        _carry(exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(QUOTED_WHEN))),
        exp.Lower(this=value.copy()).eq(exp.Literal.string("null")),
    )
    escaped = exp.func(
        "replace",
        exp.func("replace", value.copy(), exp.Literal.string("\\"), exp.Literal.string("\\\\")),
        exp.Literal.string("'"),
        exp.Literal.string("\\'"),
    )
    quote = exp.Literal.string("'")
    return (
        exp.Case()
        .when(exp.Is(this=value.copy(), expression=exp.Null()), exp.Literal.string("NULL"))
        .when(value.copy().eq(exp.Literal.string("")), exp.Literal.string(EMPTY))
        .when(quoted, exp.Concat(expressions=[quote, escaped, quote.copy()]))
        .else_(value.copy())
    )


def list_text(values: exp.Expr) -> exp.Expr:
    """DuckDB's ``CAST(l AS VARCHAR)`` of a list of text ``l`` (``[a, 'b,c', NULL]``: each
    element quoted as a struct's text field is), NULL for a NULL list."""
    element = exp.to_identifier("__t")
    each = exp.Transform(
        this=values.copy(),
        expression=_carry(exp.Lambda(this=_text(exp.column(element)), expressions=[element])),
    )
    joined = exp.ArrayToString(this=_carry(each), expression=exp.Literal.string(", "))
    text = exp.Concat(expressions=[exp.Literal.string("["), joined, exp.Literal.string("]")])
    missing = exp.Is(this=values.copy(), expression=exp.Null())
    return exp.Case().when(missing, exp.null()).else_(text)


def _leg_text() -> exp.Expr:
    leg = exp.column("__leg")
    parts: list[exp.Expr] = [exp.Literal.string("{")]
    for i, field in enumerate(LEG_FIELDS):
        value: exp.Expr = exp.Dot(this=leg.copy(), expression=exp.to_identifier(field))
        rendered = (
            _text(value)
            if field in TEXT_FIELDS
            else exp.Coalesce(
                this=exp.cast(value, "VARCHAR"), expressions=[exp.Literal.string("NULL")]
            )
        )
        parts += [exp.Literal.string(("" if i == 0 else ", ") + f"'{field}': "), rendered]
    parts.append(exp.Literal.string("}"))
    return exp.Concat(expressions=parts)


def legs_text_body() -> exp.Expr:
    """Spark's body of ``ledger_legs_text(legs)``: DuckDB's ``CAST(legs AS VARCHAR)``."""
    each = exp.Transform(
        this=exp.column("legs"),
        expression=_carry(exp.Lambda(this=_leg_text(), expressions=[exp.to_identifier("__leg")])),
    )
    joined = exp.ArrayToString(this=_carry(each), expression=exp.Literal.string(", "))
    return exp.Concat(expressions=[exp.Literal.string("["), joined, exp.Literal.string("]")])


LEGS_TEXT: Final = "ledger_legs_text"


def spark_macros() -> dict[str, Macro]:
    """Macros whose DuckDB body is not portable, with the Spark body that means the same
    (taking precedence over the stage's ``CREATE MACRO``)."""
    return {LEGS_TEXT: Macro(LEGS_TEXT, ("legs",), legs_text_body())}
