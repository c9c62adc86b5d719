"""A refused value in words: real pydantic errors (from TypeAdapter, as Typer and FastAPI get
them) put into sentences that name the value and what was wanted."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter, ValidationError

from merchantry.kit.refusals import SHOWN_AT_MOST, refused


class Sort(StrEnum):
    risk = "risk"
    age = "age"


def refusal(kind: Any, value: object, **hints: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        TypeAdapter(kind).validate_python(value)
    return refused(caught.value.errors(include_url=False)[0], **hints)


PARSER_WORDS = ("Input should", "Value error", "unable to parse", "%Y")


@pytest.mark.parametrize(
    ("kind", "value", "hints", "said"),
    [
        (int, "abc", {}, "'abc' is not a whole number"),
        (
            int,
            "12.50",
            {"name": "--amount-fen"},
            "'12.50' is not a whole number (amounts are whole fen)",
        ),
        (int, 12.5, {"name": "amount_fen"}, "12.5 is not a whole number (amounts are whole fen)"),
        (int, "7.5", {"name": "--days"}, "'7.5' is not a whole number"),
        (float, "lots", {}, "'lots' is not a number"),
        (bool, "perhaps", {}, "'perhaps' is not true or false"),
        (Annotated[int, Field(ge=1)], 0, {}, "0 is less than 1, the least it may be"),
        (Annotated[int, Field(le=500)], 501, {}, "501 is more than 500, the most it may be"),
        (Annotated[int, Field(gt=0)], 0, {}, "0 is not more than 0"),
        (date, "2026-02-30", {}, "'2026-02-30' is not a date written YYYY-MM-DD"),
        (date, "31/03/2026", {"form": "DD"}, "'31/03/2026' is not a date written DD"),
        (datetime, "noon", {}, "'noon' is not a date or a moment written YYYY-MM-DD[THH:MM:SS]"),
        (Sort, "newest", {}, "'newest' is not one of 'risk' or 'age'"),
        (Literal["csv", "html"], "xlsx", {}, "'xlsx' is not one of 'csv' or 'html'"),
        (Annotated[str, Field(max_length=3)], "abcd", {}, "'abcd' is longer than 3 characters"),
    ],
)
def test_a_refusal_names_the_value_and_what_was_wanted(
    kind: Any, value: object, hints: dict[str, Any], said: str
) -> None:
    text = refusal(kind, value, **hints)
    assert text == said or text.startswith(said), text
    assert not any(words in text for words in PARSER_WORDS), text


def _a_whole_number_to_pydantic(text: str) -> bool:
    """Whether pydantic reads ``text`` as an int: digits, and also ``'0.0'``, ``' 1_000 '``
    and the like (a fraction of zero, underscores), which the filter below cannot tell."""
    try:
        TypeAdapter(int).validate_python(text)
    except ValidationError:
        return False
    return True


@given(
    st.text(min_size=1, max_size=300).filter(
        lambda t: not t.strip().lstrip("+-").isdigit() and not _a_whole_number_to_pydantic(t)
    )
)
def test_any_text_refused_as_a_number_is_shown_and_a_long_one_is_cut(text: str) -> None:
    said = refusal(int, text)
    assert said.endswith(" is not a whole number")
    shown = said.removesuffix(" is not a whole number")
    assert shown.startswith("'")
    assert shown.endswith("'")
    assert len(shown) <= SHOWN_AT_MOST + 2
    if len(text) <= SHOWN_AT_MOST:
        assert shown == f"'{text}'"
    else:
        assert shown.endswith("…'")
        assert text.startswith(shown[1:-2])


def test_an_unknown_kind_keeps_the_message_and_names_the_value() -> None:
    error = {"type": "url_parsing", "input": "htp:/x", "msg": "Input should be a valid URL"}
    assert refused(error) == "'htp:/x': Input should be a valid URL"
    checked = {"type": "value_error", "input": "x", "msg": "Value error, 'x' is not a rulebook"}
    assert refused(checked) == "'x' is not a rulebook"
