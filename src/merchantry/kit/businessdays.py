"""The business-day calendar: the one calendar every deadline in working time counts on.

Platform rules state some periods in working time: Taobao's 5 business hours to answer a
refund request, Douyin's 2 extra working days before cross-border goods payments settle. A
rulebook rule states the calendar in its ``weekdays_only`` field: 0 every day, 1 Monday to
Friday, 2 China's working days (Monday to Friday less the statutory holidays, plus the weekend
days worked instead, from the State Council's yearly notices: :mod:`merchantry.kit.holidays`;
a date outside the years its data covers is refused with
:class:`~merchantry.kit.holidays.UncoveredYear`); ``opens_hour``..``closes_hour`` for hours.

:func:`add_business_hours` and :func:`add_business_days` are the Python side (quotes,
obligations); :func:`add_business_days_sql` is the same day arithmetic as a sqlglot tree for
the stages' SQL, and a test holds the two equal over every weekday and count.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

import sqlglot.expressions as exp

from merchantry.kit.holidays import china_calendar

EVERY_DAY: Final = 0
"""Calendar code: every day is a business day."""
WEEKDAYS: Final = 1
"""Calendar code: Monday to Friday."""
CN_WORKING_DAYS: Final = 2
"""Calendar code: China's working days (holidays and make-up working days from data)."""
CALENDARS: Final = (EVERY_DAY, WEEKDAYS, CN_WORKING_DAYS)


def is_business_day(day: date, calendar: int) -> bool:
    """Whether ``day`` is a business day of ``calendar`` (a code above; ``True`` is 1)."""
    if calendar == EVERY_DAY:
        return True
    if calendar == WEEKDAYS:
        return day.weekday() < 5
    if calendar == CN_WORKING_DAYS:
        return china_calendar().is_working_day(day)
    raise ValueError(f"unknown business-day calendar {calendar}; one of {CALENDARS}")


@dataclass(frozen=True, slots=True)
class BusinessDay:
    """The hours of a business day and which days are business days."""

    opens_hour: int
    closes_hour: int
    weekdays_only: int
    """The calendar code (0 every day, 1 Monday to Friday, 2 China's working days)."""

    def is_business_day(self, moment: datetime | date) -> bool:
        day = moment.date() if isinstance(moment, datetime) else moment
        return is_business_day(day, int(self.weekdays_only))


def add_business_hours(start: datetime, hours: int, day: BusinessDay) -> datetime:
    """The moment ``hours`` of business time after ``start`` (a request outside business
    time starts counting when the next business period opens)."""
    left = timedelta(hours=hours)
    moment = start
    while True:
        opens = datetime.combine(moment.date(), time(day.opens_hour))
        closes = datetime.combine(moment.date(), time()) + timedelta(hours=day.closes_hour)
        if day.is_business_day(moment) and moment < closes:
            moment = max(moment, opens)
            available = closes - moment
            if left <= available:
                return moment + left
            left -= available
        moment = datetime.combine(moment.date() + timedelta(days=1), time())


def add_business_days(start: date, days: int, *, weekdays_only: int) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself never counts; with
    ``days`` 0, ``start``). Monday to Friday: Saturday + 2 is Tuesday, Friday + 2 is Tuesday.
    China's working days: 30 September 2026 + 2 is 9 October (the National Day holiday)."""
    if days < 0:
        raise ValueError(f"business days must not be negative: {days}")
    calendar = int(weekdays_only)
    moment = start
    left = days
    while left:
        moment += timedelta(days=1)
        if is_business_day(moment, calendar):
            left -= 1
    return moment


def add_business_days_sql(start: exp.Expr, days: exp.Expr, weekdays_only: exp.Expr) -> exp.Expr:
    """SQL (DuckDB) twin of :func:`add_business_days`: ``start`` a DATE, ``days`` >= 0.

    Monday to Friday: a weekend start is moved back to its Friday (the next business day is
    then the same), and each run of five business days spans seven calendar days."""

    def n() -> exp.Expr:
        return exp.cast(days.copy(), exp.DataType.Type.INT)

    weekday = exp.func("isodow", start.copy())  # 1 = Monday .. 7 = Sunday
    back = exp.func("greatest", exp.Sub(this=weekday, expression=exp.Literal.number(5)), 0)
    friday_or_day = exp.Sub(this=start.copy(), expression=exp.cast(back, exp.DataType.Type.INT))
    position = exp.Sub(
        this=exp.func("isodow", friday_or_day.copy()), expression=exp.Literal.number(1)
    )
    weeks = exp.IntDiv(
        this=exp.paren(exp.Add(this=position, expression=n())), expression=exp.Literal.number(5)
    )
    skipped = exp.Add(
        this=n(), expression=exp.Mul(this=exp.Literal.number(2), expression=exp.paren(weeks))
    )
    weekdays = exp.Add(this=friday_or_day, expression=exp.cast(skipped, exp.DataType.Type.INT))
    every_day = exp.Add(this=start.copy(), expression=n())
    return (
        exp.Case()
        .when(exp.EQ(this=n(), expression=exp.Literal.number(0)), start.copy())
        .when(exp.EQ(this=weekdays_only.copy(), expression=exp.Literal.number(0)), every_day)
        .when(
            exp.EQ(this=weekdays_only.copy(), expression=exp.Literal.number(CN_WORKING_DAYS)),
            _cn_working_days_sql(start, n),
        )
        .else_(weekdays)
    )


_SQL_SLACK_DAYS: Final = 20
"""Days beyond twice the count searched for the n-th working day (the longest holiday with
its weekends and no make-up day is under two weeks)."""


def _cn_working_days_sql(start: exp.Expr, n: Callable[[], exp.Expr]) -> exp.Expr:
    """The n-th China working day after ``start``: the days after it, filtered by the
    calendar, the n-th taken; a count reaching outside the data raises an error.

    The calendar is one string literal, a character a day from its first day (``1`` a
    working day): a day is looked up by its distance from the first. The lists of holidays
    and make-up days as date literals (some 180, copied into each use) made the schedule
    statement 26 KB, whose parsing and binding cost a daily close 64 ms a day whatever its
    size; the string costs one token. Days after the calendar's last are counted Monday to
    Friday, so a count reaching past it gives a day past it, which is refused below."""
    calendar = china_calendar()
    span_days = (calendar.last - calendar.first).days + 1
    bits = "".join(
        "1" if calendar.is_working_day(calendar.first + timedelta(days=i)) else "0"
        for i in range(span_days)
    )
    day = exp.cast(exp.column("_d"), "DATE")
    offset = exp.DateDiff(this=day.copy(), expression=_date(calendar.first), unit=exp.var("DAY"))
    looked_up = exp.EQ(
        this=exp.func(
            "substring",
            exp.Literal.string(bits),
            exp.Add(this=exp.cast(offset, exp.DataType.Type.INT), expression=exp.Literal.number(1)),
            exp.Literal.number(1),
        ),
        expression=exp.Literal.string("1"),
    )
    working = (
        exp.Case()
        .when(
            exp.GT(this=day.copy(), expression=_date(calendar.last)),
            exp.LT(this=exp.func("isodow", day.copy()), expression=exp.Literal.number(6)),
        )
        .else_(looked_up)
    )
    first = exp.Add(this=start.copy(), expression=exp.Literal.number(1))
    span = exp.Add(
        this=exp.Mul(this=exp.Literal.number(2), expression=n()),
        expression=exp.Literal.number(_SQL_SLACK_DAYS),
    )
    series = exp.func(
        "generate_series",
        exp.cast(first.copy(), "TIMESTAMP"),
        exp.cast(exp.Add(this=start.copy(), expression=span), "TIMESTAMP"),
        exp.Interval(this=exp.Literal.string("1"), unit=exp.var("DAY")),
    )
    kept = exp.func(
        "list_filter", series, exp.Lambda(this=working, expressions=[exp.to_identifier("_d")])
    )
    result = exp.cast(exp.Bracket(this=kept, expressions=[n()], offset=1), "DATE")
    outside = exp.Or(
        this=exp.LT(this=first.copy(), expression=_date(calendar.first)),
        expression=exp.GT(this=result.copy(), expression=_date(calendar.last)),
    )
    refused = exp.func(
        "error",
        exp.Literal.string(
            f"a working-day count reaches outside the {calendar.name} working-day calendar "
            f"(version {calendar.version}, covers {calendar.first.isoformat()} .. "
            f"{calendar.last.isoformat()}): add that year's holiday notice"
        ),
    )
    return exp.Case().when(outside, exp.cast(refused, "DATE")).else_(result)


def _date(day: date) -> exp.Expr:
    return exp.cast(exp.Literal.string(day.isoformat()), "DATE")


__all__ = [
    "CALENDARS",
    "CN_WORKING_DAYS",
    "EVERY_DAY",
    "WEEKDAYS",
    "BusinessDay",
    "add_business_days",
    "add_business_days_sql",
    "add_business_hours",
    "is_business_day",
]
