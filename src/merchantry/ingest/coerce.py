"""From staged text to typed values, strictly, within what every stage can compute.

DuckDB's own casts are lenient (``'1.5'::INTEGER`` rounds to 2, ``'0x10'`` is
16, ``'24:00:00'`` is midnight of the next day, ``'0000-01-01'`` is 1 BC),
which would let a mistyped amount or time through. Each type therefore first
matches a strict pattern and only then casts; a value that fails either step,
or lands outside the stored range, becomes NULL, which is how the type check
recognises it.

Times accept what spreadsheets write as well as ISO text: ``2026-03-01 08:05:00``,
``2026-03-01T08:05``, ``2026/3/1 8:05``. Lists are staged as JSON arrays of
text in every format (a CSV ``a|b`` becomes ``["a","b"]``), so a list element
holding ``|``, a null or a nested list is never split, dropped or flattened.
"""

from __future__ import annotations

from typing import Final

import sqlglot.expressions as exp

from merchantry.ingest.reason import Reason
from merchantry.model.schema import Column, ColumnType
from merchantry.store.sql import fill, text

T = ColumnType

INTEGER_PATTERN: Final = r"[+-]?[0-9]+"
DATE_PATTERN: Final = r"[0-9]{4}(-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2})"
TIME_PATTERN: Final = r"([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
TIMESTAMP_PATTERN: Final = DATE_PATTERN + "[ T]" + TIME_PATTERN

EARLIEST_DATE: Final = "1970-01-01"
"""The first day a date or time may fall on (inclusive)."""
END_DATE: Final = "2100-01-01"
"""The day after the last a date or time may fall on (exclusive)."""

MAX_AMOUNT_FEN: Final = 1_000_000_000
"""The largest amount of money (and 64-bit count) accepted: 1,000,000,000 fen = ¥10,000,000.

Derived from what the stages compute in BIGINT (``docs/ingestion.md``, "Money at
the edge"): a pro-rata share multiplies two amounts, ``2·a·p + w < 2^63`` with
``p`` up to four times the bound (several refunds of one order) needs
``a ≤ 1.07e9``; a month of the design's 100 million orders, each amount held
for up to 90 settlement days, sums to ``1e8 · a · 90 < 2^63``, ``a ≤ 1.02e9``;
a fee ``a × rate_bp`` with a rate up to 100,000 bp stays far below the limit."""

_INT_RANGES: Final = {T.INT: "a 32-bit integer", T.BIGINT: "a 64-bit integer", T.MONEY: "fen"}

TYPE_REASONS: Final = {
    T.INT: (Reason.BAD_INTEGER, "not a whole number"),
    T.BIGINT: (Reason.BAD_INTEGER, "not a whole number"),
    T.MONEY: (Reason.BAD_INTEGER, "not a whole number of fen"),
    T.DATE: (
        Reason.BAD_DATE,
        f"not a date: expected YYYY-MM-DD (or YYYY/M/D) from {EARLIEST_DATE} to 2099-12-31",
    ),
    T.TIMESTAMP: (
        Reason.BAD_TIMESTAMP,
        "not a timestamp: expected YYYY-MM-DD HH:MM[:SS[.ffffff]] (or YYYY/M/D H:MM), "
        f"hours 0-23, from {EARLIEST_DATE} to 2099-12-31, local time without a zone",
    ),
    T.BOOL: (Reason.BAD_BOOLEAN, "not true or false"),
    T.TEXT_LIST: (
        Reason.BAD_LIST,
        "not a list of text (elements must be text: no nulls, numbers or nested lists)",
    ),
}
"""Reason and message for a value that does not parse, per column type (text never fails)."""

LIST_SEPARATOR: Final = "|"

_TEXT_LIST = """
CASE WHEN json_valid(p_value) AND json_type(p_value) = 'ARRAY'
      AND len(list_filter(p_elements, lambda e: json_type(e) <> 'VARCHAR')) = 0
     THEN CAST(CAST(p_value AS JSON) AS VARCHAR[]) END
"""

_TIME = """
CASE WHEN regexp_full_match(p_value, p_pattern) THEN
  CASE WHEN TRY_CAST(replace(p_value, '/', '-') AS p_type) >= CAST(p_earliest AS p_type)
        AND TRY_CAST(replace(p_value, '/', '-') AS p_type) < CAST(p_end AS p_type)
       THEN TRY_CAST(replace(p_value, '/', '-') AS p_type) END
END
"""


def _time_value(column: Column, value: exp.Expr) -> exp.Expr:
    pattern = TIMESTAMP_PATTERN if column.type is T.TIMESTAMP else DATE_PATTERN
    tree = fill(
        _TIME,
        {
            "p_value": value,
            "p_pattern": text(pattern),
            "p_earliest": text(EARLIEST_DATE),
            "p_end": text(END_DATE),
        },
    )
    kind = exp.DataType.build(column.sql_type)
    for node in tree.find_all(exp.Cast):
        if node.to.sql() == "P_TYPE" or node.to.this == exp.DataType.Type.USERDEFINED:
            node.set("to", kind.copy())
    return tree


def text_list_value(value: exp.Expr) -> exp.Expr:
    """The list of text staged as the JSON array ``value``; NULL unless it is one whose
    elements are all text."""
    elements = exp.Anonymous(this="json_extract", expressions=[value.copy(), text("$[*]")])
    return fill(_TEXT_LIST, {"p_value": value, "p_elements": elements})


def typed_value(column: Column, value: exp.Expr) -> exp.Expr:
    """The typed value of staged text ``value`` for ``column``; NULL when it does not parse."""
    kind = column.type
    if kind is T.TEXT:
        return value
    if kind is T.TEXT_LIST:
        return text_list_value(value)
    if kind is T.BOOL:
        lowered = exp.Lower(this=value)
        return exp.Case(
            ifs=[
                exp.If(this=exp.EQ(this=lowered, expression=text("true")), true=exp.true()),
                exp.If(this=exp.EQ(this=lowered, expression=text("false")), true=exp.false()),
            ]
        )
    if kind in (T.DATE, T.TIMESTAMP):
        return _time_value(column, value)
    matches = exp.func("regexp_full_match", value, text(INTEGER_PATTERN))
    only_matching = exp.Case(ifs=[exp.If(this=matches, true=value.copy())])
    return exp.TryCast(this=only_matching, to=exp.DataType.build(column.sql_type))


def fails_to_parse(column: Column, value: exp.Expr) -> exp.Expr | None:
    """True for present text that is not a valid value; ``None`` when the type cannot fail."""
    if column.type is T.TEXT:
        return None
    present = exp.Not(this=exp.Is(this=value, expression=exp.null()))
    missing = exp.Is(this=typed_value(column, value.copy()), expression=exp.null())
    return exp.and_(present, missing)


def type_problem(column: Column, value: exp.Expr) -> exp.Expr:
    """Why present text ``value`` does not parse for ``column`` (for the message)."""
    _reason, what = TYPE_REASONS[column.type]
    if column.type not in _INT_RANGES:
        return text(f"is {what}")
    whole = exp.func("regexp_full_match", value, text(INTEGER_PATTERN))
    return exp.Case(
        ifs=[exp.If(this=whole, true=text(f"is out of range for {_INT_RANGES[column.type]}"))],
        default=text(f"is {what}"),
    )


def maximum(column: Column) -> int | None:
    """The largest value accepted: the declared maximum, bounded for money and 64-bit counts."""
    if column.type in (T.MONEY, T.BIGINT):
        return MAX_AMOUNT_FEN if column.maximum is None else min(column.maximum, MAX_AMOUNT_FEN)
    return column.maximum


def minimum(column: Column) -> int | None:
    """The smallest value accepted: the declared minimum, bounded for money and 64-bit counts."""
    if column.type in (T.MONEY, T.BIGINT):
        return -MAX_AMOUNT_FEN if column.minimum is None else max(column.minimum, -MAX_AMOUNT_FEN)
    return column.minimum
