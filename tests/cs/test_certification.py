"""The pet adviser's requirements, one step either side of each threshold; the monthly check
on the 20th; expiry and the credential."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from merchantry.cs.agents import Certification, Performance, performance
from merchantry.cs.certification import (
    BadgeState,
    apply_credentials,
    badge_state,
    check_badge,
    check_dates,
    run_checks,
)
from merchantry.cs.rules import RoutingRules
from tests.cs.conftest import SCORED

BADGE = Certification("C1", "A1", "pet_adviser", "vet", date(2026, 1, 1), date(2026, 12, 31))
CHECK = date(2026, 10, 20)


def perf(rated: int = 0, satisfied: int = 0, rounds: int = 0, fast: int = 0) -> Performance:
    return Performance(
        sessions=rated, rated=rated, satisfied=satisfied, rounds=rounds, rounds_3min=fast
    )


def test_satisfaction_at_80_percent_over_30_ratings_keeps_the_badge(rules: RoutingRules) -> None:
    rule = rules.certifications["pet_adviser"]
    assert check_badge(BADGE, rule, perf(30, 24), CHECK).passed  # 80.00%
    missed = check_badge(BADGE, rule, perf(30, 23), CHECK)  # 76.67%
    assert not missed.passed
    assert missed.reasons[0] == "satisfaction 76.66% < 80% over 30 ratings"
    assert check_badge(BADGE, rule, perf(1000, 800), CHECK).passed
    assert not check_badge(BADGE, rule, perf(1000, 799), CHECK).passed  # 79.90%


def test_satisfaction_is_ignored_below_30_ratings(rules: RoutingRules) -> None:
    rule = rules.certifications["pet_adviser"]
    outcome = check_badge(BADGE, rule, perf(29, 0), CHECK)
    assert outcome.passed
    assert "satisfaction not applied: 29 rating(s) < 30" in outcome.reasons


def test_3_minute_response_at_90_percent_over_100_rounds_keeps_the_badge(
    rules: RoutingRules,
) -> None:
    rule = rules.certifications["pet_adviser"]
    assert check_badge(BADGE, rule, perf(rounds=100, fast=90), CHECK).passed
    missed = check_badge(BADGE, rule, perf(rounds=100, fast=89), CHECK)
    assert not missed.passed
    assert missed.reasons[-1] == "3-minute response 89.00% < 90% over 100 rounds"


def test_3_minute_response_is_ignored_below_100_rounds(rules: RoutingRules) -> None:
    rule = rules.certifications["pet_adviser"]
    assert check_badge(BADGE, rule, perf(rounds=99, fast=0), CHECK).passed
    assert not check_badge(BADGE, rule, perf(rounds=100, fast=0), CHECK).passed


def test_checks_fall_on_the_20th_of_every_month() -> None:
    assert check_dates(date(2026, 10, 1), date(2026, 12, 31), 20) == [
        date(2026, 10, 20),
        date(2026, 11, 20),
        date(2026, 12, 20),
    ]
    assert check_dates(date(2026, 10, 21), date(2026, 11, 19), 20) == []
    assert check_dates(date(2026, 10, 20), date(2026, 10, 20), 20) == [date(2026, 10, 20)]


def test_a_failed_check_removes_the_badge_from_the_check_day(rules: RoutingRules) -> None:
    windows: list[tuple[date, date]] = []

    def perf_for(first: date, last: date) -> dict[str, Performance]:
        windows.append((first, last))
        return {"A1": perf(40, 20)}  # 50% satisfaction

    checked, outcomes = run_checks(
        [BADGE], rules.certifications, date(2026, 10, 1), date(2026, 12, 31), perf_for
    )
    assert [o.check_date for o in outcomes] == [date(2026, 10, 20)]  # removed: not rechecked
    assert windows == [(date(2026, 9, 20), date(2026, 10, 19))]  # the 30 days before
    assert checked[0].revoked_on == date(2026, 10, 20)
    rule = rules.certifications["pet_adviser"]
    assert badge_state(checked[0], rule, date(2026, 10, 19)) is BadgeState.ACTIVE
    assert badge_state(checked[0], rule, date(2026, 10, 20)) is BadgeState.REVOKED
    assert not checked[0].is_active(date(2026, 10, 20))


def test_a_passing_badge_is_checked_every_month(rules: RoutingRules) -> None:
    checked, outcomes = run_checks(
        [BADGE],
        rules.certifications,
        date(2026, 10, 1),
        date(2026, 12, 31),
        lambda first, last: {"A1": perf(40, 39, 200, 199)},
    )
    assert [o.passed for o in outcomes] == [True, True, True]
    assert checked[0].revoked_on is None


def test_expiry_and_issue_dates_bound_the_badge(rules: RoutingRules) -> None:
    rule = rules.certifications["pet_adviser"]
    assert badge_state(BADGE, rule, date(2025, 12, 31)) is BadgeState.NOT_YET
    assert badge_state(BADGE, rule, date(2026, 1, 1)) is BadgeState.ACTIVE
    assert badge_state(BADGE, rule, date(2026, 12, 31)) is BadgeState.ACTIVE
    assert badge_state(BADGE, rule, date(2027, 1, 1)) is BadgeState.EXPIRED
    _, outcomes = run_checks(
        [BADGE],
        rules.certifications,
        date(2027, 1, 1),
        date(2027, 3, 31),
        lambda f, last: {"A1": perf(40, 0)},
    )
    assert outcomes == []  # an expired badge is not checked


def test_a_credential_the_certification_does_not_accept_never_counts(
    rules: RoutingRules,
) -> None:
    wrong = Certification(
        "C2", "A2", "pet_adviser", "cosmetology", date(2026, 1, 1), date(2026, 12, 31)
    )
    rule = rules.certifications["pet_adviser"]
    assert badge_state(wrong, rule, date(2026, 6, 1)) is BadgeState.INVALID
    fixed = apply_credentials([wrong, BADGE], rules.certifications)
    assert not fixed[0].is_active(date(2026, 6, 1))
    assert fixed[1].is_active(date(2026, 6, 1))


def test_performance_counts_the_window_with_the_indicator_conventions(
    empty_con: duckdb.DuckDBPyConnection,
) -> None:
    """A session on the day before the window, a bot chat and a 3 a.m. chat do not count; a
    rated 4★ chat answered in 100 s over 2 rounds does."""
    con = empty_con
    con.execute(
        "INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, "
        "opened_date, region, county_code, entry_plan, business_mode) VALUES "
        "('S1', 'n', 'pet_food', 'C1', 'personal', DATE '2026-01-01', 'r', '110000', "
        "'standard', 'domestic')"
    )
    rows = [
        ("X1", datetime(2026, 9, 19, 12), "A1", 5, 100, 2, 0),  # before the window
        ("X2", datetime(2026, 9, 20, 12), "A1", 4, 100, 2, 0),  # counts: 2 fast rounds
        ("X3", datetime(2026, 10, 1, 12), "A1", 2, 500, 2, 0),  # counts: slow, unhappy
        ("X4", datetime(2026, 10, 1, 3), "A1", 5, 10, 1, 0),  # 3 a.m.: outside hours
        ("X5", datetime(2026, 10, 2, 12), "bot", 5, 10, 1, 0),  # the bot
        ("X6", datetime(2026, 10, 20, 12), "A1", 5, 10, 1, 0),  # check day: after window
    ]
    for sid, at, agent_id, rating, total, rounds, unanswered in rows:
        con.execute(
            "INSERT INTO cs_sessions VALUES "
            "(?, 'S1', 'B1', NULL, ?, ?, ?, ?, ?, ?, ?, false, NULL)",
            [sid, at, total // max(rounds, 1), rounds, unanswered, total, agent_id, rating],
        )
    got = performance(con, date(2026, 9, 20), date(2026, 10, 20), conventions=SCORED)
    assert set(got) == {"A1"}
    p = got["A1"]
    assert (p.sessions, p.rated, p.satisfied, p.rounds, p.rounds_3min) == (2, 2, 1, 4, 2)
    assert p.satisfaction_bp == 5000
    assert p.response_3min_bp == 5000
    assert timedelta(days=30) == date(2026, 10, 20) - date(2026, 9, 20)


def test_the_pet_advisers_online_hours_are_checked_one_hour_either_side(
    rules: RoutingRules,
) -> None:
    """The rule: online 10:00-20:00. A shift that starts an hour late or ends an hour early
    fails the monthly check; one that covers the hours (or more) passes."""
    rule = rules.certifications["pet_adviser"]
    good = perf(30, 30, 100, 100)
    assert check_badge(BADGE, rule, good, CHECK, (10, 20)).passed
    assert check_badge(BADGE, rule, good, CHECK, (8, 22)).passed
    late = check_badge(BADGE, rule, good, CHECK, (11, 20))
    assert not late.passed
    assert late.reasons == ("online 11:00-20:00 does not cover the required 10:00-20:00",)
    assert not check_badge(BADGE, rule, good, CHECK, (10, 19)).passed
    assert check_badge(BADGE, rule, good, CHECK).passed  # no roster: hours not checked


def test_a_shift_short_of_the_hours_removes_the_badge_at_the_monthly_check(
    rules: RoutingRules,
) -> None:
    good = {"A1": perf(30, 30, 100, 100)}
    kept, outcomes = run_checks(
        [BADGE], rules.certifications, CHECK, CHECK, lambda a, b: good, {"A1": (10, 20)}
    )
    assert outcomes[0].passed
    assert kept[0].revoked_on is None
    kept, outcomes = run_checks(
        [BADGE], rules.certifications, CHECK, CHECK, lambda a, b: good, {"A1": (9, 18)}
    )
    assert not outcomes[0].passed
    assert kept[0].revoked_on == CHECK
