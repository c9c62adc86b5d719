"""The business-day calendar (``merchantry.kit.businessdays``): the SQL the settlement schedule
runs equals the Python the quotes run, for every weekday, count and calendar; a few dates are
worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
import sqlglot.expressions as exp

from merchantry.kit.businessdays import add_business_days, add_business_days_sql

MONDAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("start", "days", "weekdays_only", "expected"),
    [
        (date(2026, 6, 4), 2, True, date(2026, 6, 8)),  # Thursday -> Monday
        (date(2026, 6, 5), 2, True, date(2026, 6, 9)),  # Friday -> Tuesday
        (date(2026, 6, 6), 2, True, date(2026, 6, 9)),  # Saturday -> Tuesday
        (date(2026, 6, 7), 1, True, date(2026, 6, 8)),  # Sunday -> Monday
        (date(2026, 6, 1), 5, True, date(2026, 6, 8)),  # a whole week
        (date(2026, 6, 5), 2, False, date(2026, 6, 7)),  # every day counts
        (date(2026, 6, 6), 0, True, date(2026, 6, 6)),  # nothing added: the day itself
    ],
)
def test_worked_examples(start: date, days: int, weekdays_only: bool, expected: date) -> None:
    assert add_business_days(start, days, weekdays_only=weekdays_only) == expected


def test_the_sql_equals_the_python_for_every_weekday_and_count() -> None:
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE t AS SELECT CAST(? AS DATE) + CAST(i AS INTEGER) AS d, "
        "CAST(n AS INTEGER) AS n, CAST(w AS INTEGER) AS w "
        "FROM range(21) AS a(i), range(16) AS b(n), range(2) AS c(w)",
        [MONDAY],
    )
    shifted = add_business_days_sql(exp.column("d"), exp.column("n"), exp.column("w"))
    rows = con.execute(exp.select("d", "n", "w", shifted).from_("t").sql(dialect="duckdb"))
    got = rows.fetchall()
    assert len(got) == 21 * 16 * 2
    for start, days, weekdays, result in got:
        assert result == add_business_days(start, days, weekdays_only=bool(weekdays)), (
            start,
            days,
            weekdays,
        )
    assert add_business_days(MONDAY + timedelta(days=4), 2, weekdays_only=True).weekday() == 1


def test_a_negative_count_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_days(MONDAY, -1, weekdays_only=True)
