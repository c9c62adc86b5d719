"""The monthly certification check: does each badge still meet its requirements?

On the rulebook's check day of every month (the 20th for the pet adviser) each badge in force
is checked against the agent's sessions of the window before it: satisfaction at least the
minimum (ignored when the agent has fewer ratings than the minimum count) and the 3-minute
human response rate at least its minimum (ignored below the minimum rounds). A badge that
misses either is removed from the check day on; a badge also stops counting after its expiry
date, and one whose credential is not among the certification's accepted credentials never
counts.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from merchantry.cs.agents import Agent, Certification, Performance
from merchantry.cs.rules import CertificationRule


class BadgeState(StrEnum):
    """Where a badge stands on a day."""

    ACTIVE = "active"
    """It counts: routing prefers the agent."""
    NOT_YET = "not_yet"
    """Issued for a later day."""
    EXPIRED = "expired"
    """Past its expiry date."""
    REVOKED = "revoked"
    """Removed by a failed monthly check."""
    INVALID = "invalid"
    """Its credential is not one the certification accepts."""


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    """One badge at one monthly check."""

    certification_id: str
    agent_id: str
    kind: str
    check_date: date
    window_from: date
    window_to: date
    """Last day of the window (inclusive)."""
    ratings: int
    satisfaction_bp: int | None
    rounds: int
    response_3min_bp: int | None
    passed: bool
    reasons: tuple[str, ...]
    """Why it failed (empty when it passed), or which requirement was not applied."""


def check_dates(start: date, end: date, day: int) -> list[date]:
    """Every month's check day within [start, end]."""
    out: list[date] = []
    year, month = start.year, start.month
    while True:
        last = calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(day, last))
        if candidate > end:
            return out
        if candidate >= start:
            out.append(candidate)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def window(rule: CertificationRule, on: date) -> tuple[date, date]:
    """The days [first, last] a check on ``on`` reads: the window before the check day."""
    return on - timedelta(days=rule.n("window_days")), on - timedelta(days=1)


def check_badge(
    cert: Certification,
    rule: CertificationRule,
    perf: Performance,
    on: date,
    shift: tuple[int, int] | None = None,
) -> CheckOutcome:
    """Check one badge against the agent's performance over the window before ``on`` and,
    when the rule names online hours and the agent's ``shift`` (from hour, to hour) is known,
    against those hours: a shift that does not cover them fails the check."""
    reasons: list[str] = []
    passed = True
    if shift is not None and "online_from_hour" in rule.numbers:
        need = (rule.n("online_from_hour"), rule.n("online_to_hour"))
        if shift[0] > need[0] or shift[1] < need[1]:
            passed = False
            reasons.append(
                f"online {shift[0]:02d}:00-{shift[1]:02d}:00 does not cover the required "
                f"{need[0]:02d}:00-{need[1]:02d}:00"
            )
    sat = perf.satisfaction_bp
    if perf.rated < rule.n("satisfaction_min_ratings"):
        reasons.append(
            f"satisfaction not applied: {perf.rated} rating(s) < "
            f"{rule.n('satisfaction_min_ratings')}"
        )
    elif sat is not None and sat < rule.n("satisfaction_min_bp"):
        passed = False
        reasons.append(
            f"satisfaction {sat / 100:.2f}% < {rule.n('satisfaction_min_bp') / 100:.0f}% "
            f"over {perf.rated} ratings"
        )
    resp = perf.response_3min_bp
    if perf.rounds < rule.n("response_min_rounds"):
        reasons.append(
            f"3-minute response not applied: {perf.rounds} round(s) < "
            f"{rule.n('response_min_rounds')}"
        )
    elif resp is not None and resp < rule.n("response_3min_min_bp"):
        passed = False
        reasons.append(
            f"3-minute response {resp / 100:.2f}% < {rule.n('response_3min_min_bp') / 100:.0f}% "
            f"over {perf.rounds} rounds"
        )
    first, last = window(rule, on)
    return CheckOutcome(
        certification_id=cert.certification_id,
        agent_id=cert.agent_id,
        kind=cert.kind,
        check_date=on,
        window_from=first,
        window_to=last,
        ratings=perf.rated,
        satisfaction_bp=sat,
        rounds=perf.rounds,
        response_3min_bp=resp,
        passed=passed,
        reasons=tuple(reasons),
    )


def shifts_of(agents: Iterable[Agent]) -> dict[str, tuple[int, int]]:
    """Agent id -> (online from hour, online to hour) as the roster declares."""
    return {a.agent_id: (a.online_from_hour, a.online_to_hour) for a in agents}


PerformanceFor = Callable[[date, date], Mapping[str, Performance]]
"""``(first, last) -> performance per agent`` over the days [first, last]."""


def run_checks(
    certs: Sequence[Certification],
    rules: Mapping[str, CertificationRule],
    start: date,
    end: date,
    performance_for: PerformanceFor,
    shifts: Mapping[str, tuple[int, int]] | None = None,
) -> tuple[list[Certification], list[CheckOutcome]]:
    """Every monthly check in [start, end], in date order; the badges with ``revoked_on`` set
    where a check failed. ``performance_for(first, last)`` gives each agent's performance over
    the days [first, last]; ``shifts`` (agent id -> online from and to hour) checks the online
    hours a certification demands (the pet adviser's 10:00-20:00)."""
    current = {c.certification_id: c for c in certs}
    outcomes: list[CheckOutcome] = []
    days = sorted({d for r in rules.values() for d in check_dates(start, end, r.n("check_day"))})
    for on in days:
        cache: dict[tuple[date, date], Mapping[str, Performance]] = {}
        for cid, cert in sorted(current.items()):
            rule = rules.get(cert.kind)
            if rule is None or on.day != min(rule.n("check_day"), _last_day(on)):
                continue
            if badge_state(cert, rule, on) is not BadgeState.ACTIVE:
                continue
            span = window(rule, on)
            if span not in cache:
                cache[span] = performance_for(*span)
            perf = cache[span].get(cert.agent_id, Performance())
            shift = None if shifts is None else shifts.get(cert.agent_id)
            outcome = check_badge(cert, rule, perf, on, shift)
            outcomes.append(outcome)
            if not outcome.passed:
                current[cid] = replace(cert, revoked_on=on)
    return [current[c.certification_id] for c in certs], outcomes


def _last_day(on: date) -> int:
    return calendar.monthrange(on.year, on.month)[1]


def badge_state(cert: Certification, rule: CertificationRule | None, on: date) -> BadgeState:
    """Where ``cert`` stands on ``on``."""
    if rule is None or cert.credential not in rule.credentials:
        return BadgeState.INVALID
    if cert.revoked_on is not None and on >= cert.revoked_on:
        return BadgeState.REVOKED
    if on < cert.issued_on:
        return BadgeState.NOT_YET
    if on > cert.expires_on:
        return BadgeState.EXPIRED
    return BadgeState.ACTIVE


def apply_credentials(
    certs: Sequence[Certification], rules: Mapping[str, CertificationRule]
) -> list[Certification]:
    """Badges whose credential the certification does not accept never count: revoked from
    their first day."""
    out = []
    for c in certs:
        rule = rules.get(c.kind)
        if rule is None or c.credential not in rule.credentials:
            out.append(replace(c, revoked_on=c.issued_on))
        else:
            out.append(c)
    return out
