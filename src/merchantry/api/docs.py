"""Helpers that put an example on every parameter and response of the OpenAPI document."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final

from fastapi import Path, Query

from merchantry.api.errors import COMMON, CONFLICT, NOT_FOUND, UNAVAILABLE
from merchantry.api.times import OptQueryDay, RequestDay
from merchantry.kit.paging import MAX_OFFSET


def ok(example: Any, status: int = 200, description: str = "Success") -> dict[int | str, Any]:
    """A success response with its example, plus the errors every route can give."""
    return {
        status: {
            "description": description,
            "content": {"application/json": {"example": example}},
        },
        **COMMON,
        **NOT_FOUND,
        **UNAVAILABLE,
    }


def written(example: Any, status: int = 200) -> dict[int | str, Any]:
    """A write's responses: :func:`ok` plus the 409 of a reused idempotency key."""
    return {**ok(example, status), **CONFLICT}


EXAMPLE_SHOP: Final = "S0001"
EXAMPLE_ORDER: Final = "O000000123"
EXAMPLE_CASE: Final = "RC-7c1e0a9b2f4d6e83"

ShopId = Annotated[
    str, Path(min_length=1, max_length=64, description="Shop id.", examples=[EXAMPLE_SHOP])
]
OrderId = Annotated[
    str, Path(min_length=1, max_length=64, description="Order id.", examples=[EXAMPLE_ORDER])
]
CaseId = Annotated[
    str, Path(min_length=1, max_length=64, description="Risk case id.", examples=[EXAMPLE_CASE])
]
Start = Annotated[
    RequestDay, Query(description="First day (inclusive).", examples=[date(2026, 3, 1)])
]
End = Annotated[
    RequestDay, Query(description="Last day (inclusive).", examples=[date(2026, 3, 31)])
]
OptStart = Annotated[
    OptQueryDay, Query(description="First day (inclusive).", examples=[date(2026, 3, 1)])
]
OptEnd = Annotated[
    OptQueryDay, Query(description="Last day (inclusive).", examples=[date(2026, 3, 31)])
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Page size.", examples=[50])]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip.", examples=[0])]
Rulebook = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=128,
        description="Rulebook name (default: the one the data was last produced under).",
        examples=["douyin-score-2026-07"],
    ),
]
