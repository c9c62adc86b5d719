"""Times leave the API with their zone: RFC 3339 date-times, never naive ones.

Two clocks are stored without a zone: the warehouse and the risk tables keep
platform local time (Asia/Shanghai, UTC+8 all year, no daylight saving), the
service's own tables (keys, audit log, webhooks, jobs) keep UTC. :func:`zoned`
attaches the right one on the way out.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from typing import Annotated, Any, Final, TypeVar

from pydantic import BeforeValidator

from merchantry.kit.errors import InputError

PLATFORM: Final = timezone(timedelta(hours=8), "Asia/Shanghai")
"""Platform local time (China Standard Time has no daylight saving, so a fixed offset)."""

SERVICE: Final = UTC
"""The service's own tables."""

T = TypeVar("T")


def zoned(value: T, zone: tzinfo) -> T:
    """``value`` with every naive datetime in it (dataclass fields, lists, tuples, dicts)
    marked as being in ``zone``."""
    return _zoned(value, zone)  # type: ignore[no-any-return]


def _zoned(value: Any, zone: tzinfo) -> Any:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _zoned(getattr(value, f.name), zone) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [_zoned(v, zone) for v in value]
    if isinstance(value, tuple):
        return tuple(_zoned(v, zone) for v in value)
    if isinstance(value, dict):
        return {k: _zoned(v, zone) for k, v in value.items()}
    return value


_NUMBER: Final = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


def _no_number(example: str) -> Any:
    def check(value: Any) -> Any:
        # pydantic reads a number as seconds since 1970; a caller who sent one almost
        # certainly meant something else (`20260301` is not 1970-08-23), so it is refused
        # with the form to use. A query parameter is text, so numeric text is a number too.
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
            raise ValueError(f"write it as ISO 8601 text such as {example}, not as a number")
        return value

    return check


RequestTime = Annotated[datetime, BeforeValidator(_no_number("2026-03-01T10:00:00+08:00"))]
"""A moment in a request body: ISO 8601 text (a number is refused, not read as epoch seconds)."""

RequestDay = Annotated[date, BeforeValidator(_no_number("2026-03-01"))]
"""A day in a request body or a query string: ISO 8601 text (a number, or numeric text such as
``start=0``, is refused, not read as 1970-01-01)."""


def platform_time(value: datetime) -> datetime:
    """A request's time as the warehouse keeps it: naive platform local time (UTC+8).

    An aware time is converted; a naive one is taken to be platform time already. A time
    whose platform local time falls outside the calendar (``0001-01-01T00:00+00:01``) is
    refused (:class:`~merchantry.kit.errors.InputError`, answered 422), not a server error."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(PLATFORM).replace(tzinfo=None)
    except OverflowError:  # 0001-01-01T00:00+00:01 is before the first day in UTC+8
        raise InputError(
            f"{value.isoformat()} has no platform local time (UTC+8): it falls outside "
            "0001-01-01..9999-12-31 there"
        ) from None


OptQueryDay = Annotated[date | None, BeforeValidator(_no_number("2026-03-01"))]
"""An optional day in a query string (absent: None; numeric text refused). One validator over
the union: ``RequestDay | None`` would also answer "Input should be None"."""
