"""The business-day calendar: the one calendar every deadline in working time counts on.

Platform rules state some periods in working time: Taobao's 5 business hours to answer a
refund request, Douyin's 2 extra working days before cross-border goods payments settle. A
rulebook rule states the calendar (``weekdays_only``: business days are Monday to Friday, or
every day; ``opens_hour``..``closes_hour`` for hours); public holidays are not modelled (no
source publishes the platforms' holiday calendars in a form the data could carry).

:func:`add_business_hours` and :func:`add_business_days` are the Python side (quotes,
obligations); :func:`add_business_days_sql` is the same day arithmetic as a sqlglot tree for
the stages' SQL, and a test holds the two equal over every weekday and count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlglot.expressions as exp


@dataclass(frozen=True, slots=True)
class BusinessDay:
    """The hours of a business day and which days are business days."""

    opens_hour: int
    closes_hour: int
    weekdays_only: bool

    def is_business_day(self, moment: datetime | date) -> bool:
        return not self.weekdays_only or moment.weekday() < 5


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


def add_business_days(start: date, days: int, *, weekdays_only: bool) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself never counts; with
    ``days`` 0, ``start``). Saturday + 2 is Tuesday, Friday + 2 is Tuesday."""
    if days < 0:
        raise ValueError(f"business days must not be negative: {days}")
    moment = start
    left = days
    while left:
        moment += timedelta(days=1)
        if not weekdays_only or moment.weekday() < 5:
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
        .else_(weekdays)
    )


__all__ = ["BusinessDay", "add_business_days", "add_business_days_sql", "add_business_hours"]
