"""China's working days (calendar 2 of ``merchantry.kit.businessdays``): holidays and make-up
working days from the shipped data file, worked out by hand from the State Council notices;
a date the file does not cover is refused; the settlement SQL equals the Python."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest
import sqlglot.expressions as exp

from merchantry.kit.businessdays import (
    CN_WORKING_DAYS,
    BusinessDay,
    add_business_days,
    add_business_days_sql,
    add_business_hours,
    is_business_day,
)
from merchantry.kit.errors import InputError
from merchantry.kit.holidays import UncoveredYear, china_calendar, parse_calendar


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),  # National Day, a Thursday
        (date(2026, 10, 7), False),  # its last day, a Wednesday
        (date(2026, 10, 8), True),  # back at work
        (date(2026, 10, 10), True),  # a Saturday worked instead (调休)
        (date(2026, 9, 20), True),  # a Sunday worked instead
        (date(2026, 9, 19), False),  # an ordinary Saturday
        (date(2026, 2, 23), False),  # Spring Festival, a Monday
        (date(2026, 2, 14), True),  # the Saturday before it, worked
        (date(2026, 2, 24), True),
        (date(2026, 1, 4), True),  # New Year's make-up Sunday
        (date(2026, 5, 5), False),  # Labour Day, a Tuesday
        (date(2026, 5, 9), True),
        (date(2026, 6, 19), False),  # Dragon Boat, a Friday
        (date(2026, 9, 25), False),  # Mid-Autumn, a Friday
        (date(2025, 10, 8), False),  # 2025's eight-day National Day and Mid-Autumn
        (date(2025, 10, 11), True),
        (date(2025, 1, 26), True),
        (date(2024, 2, 18), True),
        (date(2024, 5, 3), False),
        (date(2023, 10, 6), False),
        (date(2022, 12, 31), False),  # 2023's New Year holiday starts in 2022 (a Saturday)
        (date(2022, 4, 2), True),
        (date(2026, 12, 31), True),  # an ordinary Thursday
    ],
)
def test_holidays_and_make_up_days(day: date, working: bool) -> None:
    assert is_business_day(day, CN_WORKING_DAYS) is working


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 9, 30), 2, date(2026, 10, 9)),  # across National Day
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 10, 9), 1, date(2026, 10, 10)),  # the Saturday is worked
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Friday + 1: the Sunday worked
        (date(2026, 2, 13), 2, date(2026, 2, 24)),  # Spring Festival
        (date(2026, 6, 4), 2, date(2026, 6, 8)),  # an ordinary week: as Monday to Friday
        (date(2026, 10, 1), 0, date(2026, 10, 1)),  # nothing added: the day itself
    ],
)
def test_adding_working_days(start: date, days: int, expected: date) -> None:
    assert add_business_days(start, days, weekdays_only=CN_WORKING_DAYS) == expected


def test_a_year_the_data_does_not_cover_is_refused() -> None:
    with pytest.raises(UncoveredYear, match=r"2027-01-0\d is outside .* covers 2022-01-01"):
        add_business_days(date(2026, 12, 30), 3, weekdays_only=CN_WORKING_DAYS)
    with pytest.raises(UncoveredYear, match="2021-12-31"):
        is_business_day(date(2021, 12, 31), CN_WORKING_DAYS)
    # Monday to Friday needs no data: any year is fine
    assert add_business_days(date(2030, 1, 4), 1, weekdays_only=1) == date(2030, 1, 7)


def test_an_unknown_calendar_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown business-day calendar 3"):
        add_business_days(date(2026, 6, 1), 1, weekdays_only=3)


def test_business_hours_skip_holidays() -> None:
    day = BusinessDay(opens_hour=9, closes_hour=18, weekdays_only=CN_WORKING_DAYS)
    asked = date(2026, 9, 30)
    due = add_business_hours(datetime(asked.year, asked.month, asked.day, 17), 5, day)
    assert due == datetime(2026, 10, 8, 13)  # one hour on the 30th, four on the 8th


def test_the_sql_equals_the_python_over_a_year_of_starts() -> None:
    con = duckdb.connect(":memory:")
    try:
        con.execute(
            "CREATE TABLE t AS SELECT CAST(? AS DATE) + CAST(i AS INTEGER) AS d, "
            "CAST(n AS INTEGER) AS n, CAST(w AS INTEGER) AS w "
            "FROM range(366) AS a(i), range(0, 12, 3) AS b(n), range(3) AS c(w)",
            [date(2025, 9, 1)],
        )
        shifted = add_business_days_sql(exp.column("d"), exp.column("n"), exp.column("w"))
        got = con.execute(exp.select("d", "n", "w", shifted).from_("t").sql("duckdb")).fetchall()
        assert len(got) == 366 * 4 * 3
        wrong = [
            row for row in got if row[3] != add_business_days(row[0], row[1], weekdays_only=row[2])
        ]
        assert wrong == []
        late = add_business_days_sql(
            exp.cast(exp.Literal.string("2026-12-30"), "DATE"),
            exp.Literal.number(3),
            exp.Literal.number(CN_WORKING_DAYS),
        )
        with pytest.raises(duckdb.Error, match="outside the China working-day calendar"):
            con.execute(exp.select(late).sql("duckdb")).fetchall()
    finally:
        con.close()


def test_the_data_file_names_its_version_and_years() -> None:
    calendar = china_calendar()
    assert calendar.version
    assert (calendar.first, calendar.last) == (date(2022, 1, 1), date(2026, 12, 31))
    # every make-up working day is a weekend day, no day is both
    assert all(d.weekday() >= 5 for d in calendar.working)
    assert not calendar.holidays & calendar.working
    # each covered year's notice gives at least the 11 statutory days off (13 from 2025)
    for year in range(2022, 2027):
        off = [d for d in calendar.holidays if d.year == year and d.weekday() < 5]
        assert len(off) >= (13 if year >= 2025 else 11), year


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"version": "x", "covers": {"from": date(2026, 1, 1)}, "years": {}}, "to"),
        (
            {
                "version": "x",
                "covers": {"from": date(2026, 1, 1), "to": date(2026, 12, 31)},
                "years": {2026: {"holidays": {}, "working": [date(2026, 6, 1)]}},
            },
            "not a weekend day",
        ),
        (
            {
                "version": "x",
                "covers": {"from": date(2026, 1, 1), "to": date(2026, 6, 30)},
                "years": {
                    2026: {"holidays": {"x": [date(2026, 10, 1), date(2026, 10, 2)]}, "working": []}
                },
            },
            "after covers",
        ),
    ],
)
def test_a_bad_calendar_file_is_refused_with_its_name(document: object, problem: str) -> None:
    with pytest.raises(InputError, match=f"cal.yaml: bad working-day calendar: .*{problem}"):
        parse_calendar(document, "cal.yaml")


def test_the_weekday_calendar_is_unchanged_by_the_data() -> None:
    start = date(2026, 9, 28)
    for k in range(14):
        day = start + timedelta(days=k)
        assert is_business_day(day, 1) is (day.weekday() < 5)
