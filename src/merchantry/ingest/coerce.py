"""From staged text to typed values, strictly.

DuckDB's own casts are lenient (``'1.5'::INTEGER`` rounds to 2, ``'0x10'`` is
16), which would let a mistyped amount of money through. Each type therefore
first matches a strict pattern and only then casts; a value that fails either
step becomes NULL, which is how the type check recognises it.
"""

from __future__ import annotations

from typing import Final

import sqlglot.expressions as exp

from merchantry.ingest.reason import Reason
from merchantry.ingest.sqlkit import text
from merchantry.model.schema import Column, ColumnType

T = ColumnType

INTEGER_PATTERN: Final = r"[+-]?[0-9]+"
DATE_PATTERN: Final = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
TIMESTAMP_PATTERN: Final = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
)

_PATTERNS: Final = {
    T.INT: INTEGER_PATTERN,
    T.BIGINT: INTEGER_PATTERN,
    T.MONEY: INTEGER_PATTERN,
    T.DATE: DATE_PATTERN,
    T.TIMESTAMP: TIMESTAMP_PATTERN,
}

TYPE_REASONS: Final = {
    T.INT: (Reason.BAD_INTEGER, "not a whole number"),
    T.BIGINT: (Reason.BAD_INTEGER, "not a whole number"),
    T.MONEY: (Reason.BAD_INTEGER, "not a whole number of fen"),
    T.DATE: (Reason.BAD_DATE, "not a date YYYY-MM-DD"),
    T.TIMESTAMP: (Reason.BAD_TIMESTAMP, "not a timestamp YYYY-MM-DD HH:MM:SS"),
    T.BOOL: (Reason.BAD_BOOLEAN, "not true or false"),
}
"""Reason and message for a value that does not parse, per column type (text never fails)."""

LIST_SEPARATOR: Final = "|"


def typed_value(column: Column, value: exp.Expr) -> exp.Expr:
    """The typed value of staged text ``value`` for ``column``; NULL when it does not parse."""
    kind = column.type
    if kind is T.TEXT:
        return value
    if kind is T.TEXT_LIST:
        return exp.func("string_split", value, text(LIST_SEPARATOR))
    if kind is T.BOOL:
        lowered = exp.Lower(this=value)
        return exp.Case(
            ifs=[
                exp.If(this=exp.EQ(this=lowered, expression=text("true")), true=exp.true()),
                exp.If(this=exp.EQ(this=lowered, expression=text("false")), true=exp.false()),
            ]
        )
    pattern = _PATTERNS[kind]
    matches = exp.func("regexp_full_match", value, text(pattern))
    only_matching = exp.Case(ifs=[exp.If(this=matches, true=value.copy())])
    return exp.TryCast(this=only_matching, to=exp.DataType.build(column.sql_type))


def fails_to_parse(column: Column, value: exp.Expr) -> exp.Expr | None:
    """True for present text that is not a valid value; ``None`` when the type cannot fail."""
    if column.type in (T.TEXT, T.TEXT_LIST):
        return None
    present = exp.Not(this=exp.Is(this=value, expression=exp.null()))
    missing = exp.Is(this=typed_value(column, value.copy()), expression=exp.null())
    return exp.and_(present, missing)
