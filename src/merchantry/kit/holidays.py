"""China's working days: statutory holidays and make-up working days (调休), read from data.

Each year the State Council announces which days are public holidays (法定节假日) and which
weekend days are worked instead (调休上班). Platform rules that count "working days"
(工作日) count on that calendar: two working days after 30 September 2026 is 9 October, not
2 October. The dates live in a versioned data file (``kit/calendars/cn-working-days.yaml``,
its header names the source notices and what is assumed), never in code; a date outside the
years the file covers is refused with :class:`UncoveredYear` rather than counted as an
ordinary week, so a missing year is noticed the day it matters.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Any, Final

import yaml

from merchantry.kit.errors import InputError, MerchantryError

CALENDAR_FILE: Final = "calendars/cn-working-days.yaml"
"""The data file, relative to the ``merchantry.kit`` package."""


class UncoveredYear(MerchantryError):
    """A working-day count reached a date the holiday calendar does not cover."""


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Working days of one country: Monday to Friday, less holidays, plus make-up days."""

    name: str
    version: str
    first: date
    last: date
    holidays: frozenset[date]
    working: frozenset[date]
    """Weekend days that are worked (调休上班)."""

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def check(self, day: date) -> None:
        """Refuse a date outside the calendar's years."""
        if not self.covers(day):
            raise UncoveredYear(
                f"{day.isoformat()} is outside the {self.name} working-day calendar (version "
                f"{self.version}, covers {self.first.isoformat()} .. {self.last.isoformat()}); "
                f"add that year's holiday notice to merchantry/kit/{CALENDAR_FILE}"
            )

    def is_working_day(self, day: date) -> bool:
        self.check(day)
        if day in self.working:
            return True
        return day.weekday() < 5 and day not in self.holidays


def parse_calendar(document: Any, source: str) -> WorkingCalendar:
    """A calendar from the file's YAML document; every problem is named with ``source``."""
    try:
        covers = document["covers"]
        first, last = covers["from"], covers["to"]
        holidays: set[date] = set()
        working: set[date] = set()
        for year, entry in document["years"].items():
            for name, (start, end) in entry["holidays"].items():
                if not (isinstance(start, date) and isinstance(end, date) and start <= end):
                    raise ValueError(f"{year} {name}: a holiday is [first, last] dates")
                holidays.update(start + timedelta(days=k) for k in range((end - start).days + 1))
            for day in entry["working"]:
                if not isinstance(day, date) or day.weekday() < 5:
                    raise ValueError(f"{year}: make-up working day {day} is not a weekend day")
                working.add(day)
        if not (isinstance(first, date) and isinstance(last, date) and first <= last):
            raise ValueError("covers must be {from: date, to: date}")
        late = sorted(d for d in holidays | working if d > last)
        if late or holidays & working:
            raise ValueError(f"dates after covers, or both holiday and working: {late[:3]}")
        return WorkingCalendar(
            name="China",
            version=str(document["version"]),
            first=first,
            last=last,
            holidays=frozenset(holidays),
            working=frozenset(working),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise InputError(f"{source}: bad working-day calendar: {err}") from err


@functools.cache
def china_calendar() -> WorkingCalendar:
    """The shipped calendar of China's working days (read once)."""
    path = resources.files("merchantry.kit") / CALENDAR_FILE
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    return parse_calendar(document, f"merchantry/kit/{CALENDAR_FILE}")


__all__ = ["UncoveredYear", "WorkingCalendar", "china_calendar", "parse_calendar"]
