"""A refused value in the reader's words, naming the value given.

The command line (through Typer) and the API (through FastAPI) check values with pydantic,
whose wording names neither the value nor what to type (``Input should be a valid integer,
unable to parse string as an integer``; ``Value error, '2026-13-01' does not match the
formats '%Y-%m-%d'``). :func:`refused` turns one of pydantic's error records (its
``type``, ``input``, ``ctx`` and ``msg``) into a sentence that names the value and what was
wanted; a kind of error it does not know keeps pydantic's message, with the value named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

DAY_FORM: Final = "YYYY-MM-DD"
MOMENT_FORM: Final = "YYYY-MM-DD[THH:MM:SS]"
SHOWN_AT_MOST: Final = 60
"""Characters of a refused value repeated in the refusal (a longer one is cut, with …)."""

WHOLE: Final = frozenset({"int_parsing", "int_from_float", "int_type", "int_parsing_size"})
NUMBER: Final = frozenset({"float_parsing", "float_type", "decimal_parsing", "decimal_type"})
DAY: Final = frozenset(
    {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type"}
)
MOMENT: Final = frozenset({"datetime_parsing", "datetime_from_date_parsing", "datetime_type"})
BOUNDS: Final = {
    "greater_than_equal": ("ge", "less than {}, the least it may be"),
    "greater_than": ("gt", "not more than {}, as it must be"),
    "less_than_equal": ("le", "more than {}, the most it may be"),
    "less_than": ("lt", "not less than {}, as it must be"),
}
FORMATS: Final = re.compile(r"does not match the formats? ")
PARSER_PREFIXES: Final = ("Value error, ", "Assertion failed, ")


def shown(value: Any) -> str:
    """The value as the refusal repeats it (cut when long): text in quotes, else as is."""
    text = value if isinstance(value, str) else str(value)
    cut = text if len(text) <= SHOWN_AT_MOST else text[: SHOWN_AT_MOST - 1] + "…"
    return f"'{cut}'" if isinstance(value, str) else cut


def refused(error: Mapping[str, Any], *, form: str | None = None, name: str = "") -> str:
    """One pydantic error record as a sentence naming the value given.

    ``form`` is how the value should be written when it is a day or a moment (the option's
    ``YYYY-MM-DD``); ``name`` is what the value was given as (``--amount-fen``, a field
    ``amount_fen``): one ending in ``fen`` is an amount of money, in whole fen."""
    fen = name.replace("-", "_").endswith("_fen")
    kind = str(error.get("type", ""))
    given = error.get("input")
    limits = error.get("ctx") or {}
    said = shown(given)
    if kind in WHOLE:
        return f"{said} is not a whole number" + (" (amounts are whole fen)" if fen else "")
    if kind in NUMBER:
        return f"{said} is not a number"
    if kind == "bool_parsing":
        return f"{said} is not true or false"
    if kind in BOUNDS:
        key, words = BOUNDS[kind]
        return f"{given} is " + words.format(limits.get(key))
    if kind in DAY:
        return f"{said} is not a date written {form or DAY_FORM}"
    if kind in MOMENT:
        return f"{said} is not a date or a moment written {form or MOMENT_FORM}"
    if kind in ("enum", "literal_error") and "expected" in limits:
        return f"{said} is not one of {limits['expected']}"
    if kind == "string_too_long":
        return f"{said} is longer than {limits.get('max_length')} characters"
    if kind == "string_too_short":
        return f"{said} is shorter than {limits.get('min_length')} characters"
    if kind == "missing":
        return "required, and not given"
    text = str(limits.get("error") or error.get("msg", "invalid"))
    for prefix in PARSER_PREFIXES:
        text = text.removeprefix(prefix)
    if FORMATS.search(text):
        return f"{said} is not a date written {form or DAY_FORM}"
    if given is None or (isinstance(given, str) and given in text):
        return text
    return f"{said}: {text}"
