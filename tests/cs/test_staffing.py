"""Erlang C and A against values computed another way: exact rational arithmetic from the
textbook formula, the M/M/1 and M/M/2 closed forms, and M/M/N+M with patience equal to the
handling time (then the number in the system is Poisson)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from merchantry.cs.staffing import (
    agents_needed,
    erlang_a,
    erlang_c,
    erlang_c_service_level,
)
from merchantry.kit.errors import InputError


def erlang_c_exact(n: int, a: Fraction) -> Fraction:
    """C(N, A) = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


@pytest.mark.parametrize(
    ("n", "a"), [(1, "1/2"), (2, "1"), (11, "10"), (15, "12"), (30, "27.5"), (60, "50")]
)
def test_erlang_c_matches_the_textbook_formula(n: int, a: str) -> None:
    exact = erlang_c_exact(n, Fraction(a))
    assert erlang_c(n, float(Fraction(a))) == pytest.approx(float(exact), rel=1e-10)


def test_closed_forms_of_one_and_two_servers() -> None:
    assert erlang_c(1, 0.7) == pytest.approx(0.7)  # M/M/1: P(wait) = ρ
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)  # M/M/2, ρ = 1/2: 2ρ²/(1+ρ)


def test_agents_needed_is_the_smallest_count_that_reaches_the_level() -> None:
    """120 chats an hour, 4 minutes each (8 erlangs), 80% within 20 s: one agent fewer misses."""
    s = agents_needed(arrivals_per_hour=120, aht_seconds=240, target_seconds=20, service_level=0.8)
    assert s.model == "erlang_c"
    assert s.offered_load == pytest.approx(8.0)

    def level(n: int) -> float:
        wait = float(erlang_c_exact(n, Fraction(8)))
        return 1 - wait * math.exp(-(n - 8) * 20 / 240)

    assert level(s.servers) >= 0.8 > level(s.servers - 1)
    assert s.service_level == pytest.approx(level(s.servers))
    assert s.servers == 11
    assert s.occupancy == pytest.approx(8 / 11)


def test_concurrency_divides_servers_into_agents() -> None:
    s = agents_needed(
        arrivals_per_hour=120, aht_seconds=240, target_seconds=20, service_level=0.8, concurrency=3
    )
    assert (s.servers, s.agents) == (11, 4)


def test_erlang_a_with_patience_equal_to_handling_is_poisson() -> None:
    """θ = μ: the number in the system is Poisson(A), whatever N."""
    lam, aht, n = 6 / 60, 60.0, 5
    a = lam * aht
    result = erlang_a(n, lam, aht, aht, 30)
    poisson = [math.exp(-a) * a**k / math.factorial(k) for k in range(120)]
    assert result.p_wait == pytest.approx(sum(poisson[n:]), rel=1e-9)
    queue = sum((k - n) * p for k, p in enumerate(poisson) if k > n)
    assert result.mean_queue == pytest.approx(queue, rel=1e-9)
    assert result.p_abandon == pytest.approx(queue / aht / lam, rel=1e-9)


def test_erlang_a_tends_to_erlang_c_when_nobody_gives_up() -> None:
    lam, aht, n = 120 / 3600, 240.0, 11
    patient = erlang_a(n, lam, aht, 1e7, 20)
    assert patient.p_wait == pytest.approx(erlang_c(n, lam * aht), rel=1e-4)
    assert patient.service_level == pytest.approx(
        erlang_c_service_level(n, lam * aht, aht, 20), rel=1e-4
    )
    assert patient.p_abandon < 1e-4


def test_abandonment_lowers_the_staff_needed() -> None:
    patient = agents_needed(
        arrivals_per_hour=120, aht_seconds=240, target_seconds=20, service_level=0.8
    )
    impatient = agents_needed(
        arrivals_per_hour=120,
        aht_seconds=240,
        target_seconds=20,
        service_level=0.8,
        patience_seconds=120,
    )
    assert impatient.model == "erlang_a"
    assert impatient.servers <= patient.servers
    assert 0 < impatient.p_abandon < 0.2


def test_bad_staffing_input_is_refused() -> None:
    with pytest.raises(InputError, match="share in"):
        agents_needed(arrivals_per_hour=10, aht_seconds=60, target_seconds=20, service_level=80)
    with pytest.raises(InputError, match="handling time"):
        agents_needed(arrivals_per_hour=10, aht_seconds=0, target_seconds=20, service_level=0.8)
    zero = agents_needed(arrivals_per_hour=0, aht_seconds=60, target_seconds=20, service_level=0.8)
    assert (zero.servers, zero.agents) == (0, 0)


def test_erlang_a_staffing_is_the_smallest_count_that_reaches_the_level() -> None:
    s = agents_needed(
        arrivals_per_hour=300,
        aht_seconds=180,
        target_seconds=30,
        service_level=0.9,
        patience_seconds=90,
    )
    lam = 300 / 3600
    assert erlang_a(s.servers, lam, 180, 90, 30).service_level >= 0.9
    assert erlang_a(s.servers - 1, lam, 180, 90, 30).service_level < 0.9
    with pytest.raises(InputError, match="split the skill"):
        agents_needed(
            arrivals_per_hour=1_000_000, aht_seconds=86_400, target_seconds=20, service_level=0.8
        )


@pytest.mark.parametrize(
    ("per_hour", "aht", "target", "level", "patience"),
    [
        (300, 180, 30, 0.9, 90),
        (40, 600, 20, 0.8, 60),
        (720, 60, 10, 0.95, 30),
        (90, 240, 60, 0.5, 600),
        (5, 900, 0, 0.3, 120),
    ],
)
def test_erlang_a_staffing_equals_a_scan_from_one_server(
    per_hour: float, aht: float, target: float, level: float, patience: float
) -> None:
    """The probe starts at level × load; scanning every count from one finds the same."""
    lam = per_hour / 3600
    scanned = next(
        n for n in range(1, 500) if erlang_a(n, lam, aht, patience, target).service_level >= level
    )
    s = agents_needed(
        arrivals_per_hour=per_hour,
        aht_seconds=aht,
        target_seconds=target,
        service_level=level,
        patience_seconds=patience,
    )
    assert s.servers == scanned


def test_a_queue_too_long_to_compute_is_a_message() -> None:
    """Arrivals far beyond the servers with buyers who wait a day: the queue would need
    millions of states (it once ran for half an hour); the answer names Erlang C."""
    with pytest.raises(InputError, match="Erlang C"):
        agents_needed(
            arrivals_per_hour=1_000_000,
            aht_seconds=30,
            target_seconds=20,
            service_level=0.8,
            patience_seconds=86_400,
        )
