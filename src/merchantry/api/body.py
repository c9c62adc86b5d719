"""The base of every request body: a JSON ``true`` or ``false`` is never read as a number.

Pydantic's default (lax) mode reads ``true`` as 1 and ``false`` as 0 for an ``int`` or
``float`` field, so ``"price_fen": true`` would be taken as one fen: a caller's mistake
accepted silently, and a request the OpenAPI schema says is invalid (a JSON boolean is not a
JSON number). Strict mode would refuse it, but also the ISO strings the bodies' dates and
times arrive as, so every request model derives from :class:`Body` instead, which refuses a
boolean in any field whose type is a number, naming the field, and leaves the rest as it was.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, field_validator

NUMBERS = (int, float)


def _numeric(annotation: Any) -> bool:
    """Whether ``annotation`` (``int``, ``float | None``, ``Annotated[int, …]``…) takes a
    number and not a boolean."""
    if annotation in NUMBERS:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        args = get_args(annotation)
        return bool not in args and any(_numeric(a) for a in args)
    if hasattr(annotation, "__metadata__"):  # Annotated[T, …]
        return _numeric(get_args(annotation)[0])
    return False


class Body(BaseModel):
    """A request body (see the module's text)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            field = cls.model_fields.get(info.field_name)
            if field is not None and _numeric(field.annotation):
                raise ValueError("a boolean where a number is expected")
        return value
