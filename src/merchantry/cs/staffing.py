"""How many agents a skill needs for a service level: Erlang C, and Erlang A with abandonment.

Erlang C (M/M/N): consultations arrive at random (rate λ), handling takes an exponential time
(mean AHT), nobody gives up. With offered load ``a = λ·AHT`` and ``N > a`` servers, the chance
to wait is C(N, a), computed through the Erlang B recursion (stable for thousands of servers);
the share answered within ``t`` is ``1 − C·exp(−(N − a)·t / AHT)``.

Erlang A (M/M/N+M): waiting buyers also give up after an exponential patience (mean ``P``).
The stationary distribution of the birth-death chain gives the chance to wait and to abandon;
the share answered within ``t`` follows from the phase-type time a buyer who finds ``j`` others
waiting spends before an agent takes it (a small continuous-time chain, solved with a matrix
exponential). It needs no ``N > a``: abandonment keeps the queue finite.

A chat agent serves several buyers at once; with capacity ``c`` an agent is treated as ``c``
servers and the agents needed are ⌈servers / c⌉ (a common approximation for chat).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from merchantry.kit.errors import InputError

MAX_SERVERS = 10_000
MAX_QUEUE_STATES = 1_000
"""Waiting states Erlang A is computed over at most: the chance of being answered in time
comes from a dense matrix of that size squared (1,000 states take under a second on a
2-core machine; 2,000 take five). More states arise only when arrivals far outpace the
servers and buyers almost never give up, where Erlang C is the model anyway."""


@dataclass(frozen=True, slots=True)
class Staffing:
    """The answer for one skill: servers, agents and what they achieve."""

    model: str
    """``erlang_c`` or ``erlang_a``."""
    arrivals_per_hour: float
    aht_seconds: float
    offered_load: float
    """Erlangs: arrivals per second × handling seconds."""
    servers: int
    agents: int
    service_level: float
    """Share of consultations answered within the target time."""
    p_wait: float
    p_abandon: float
    asa_seconds: float
    """Average speed of answer (Erlang C: over all; Erlang A: over answered ones, approx.)."""
    occupancy: float


def erlang_b(servers: int, load: float) -> float:
    """Blocking probability of M/M/N/N by the recursion B(n) = a·B(n−1) / (n + a·B(n−1))."""
    b = 1.0
    for n in range(1, servers + 1):
        b = load * b / (n + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Probability an arriving consultation waits (M/M/N), for ``servers > load``."""
    if servers <= load:
        return 1.0
    b = erlang_b(servers, load)
    return servers * b / (servers - load * (1.0 - b))


def erlang_c_service_level(servers: int, load: float, aht: float, target: float) -> float:
    """Share answered within ``target`` seconds."""
    if servers <= load:
        return 0.0
    return 1.0 - erlang_c(servers, load) * math.exp(-(servers - load) * target / aht)


def erlang_c_asa(servers: int, load: float, aht: float) -> float:
    if servers <= load:
        return math.inf
    return erlang_c(servers, load) * aht / (servers - load)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """Stationary figures of M/M/N+M."""

    p_wait: float
    p_abandon: float
    service_level: float
    mean_queue: float


def erlang_a(
    servers: int, arrivals_per_s: float, aht: float, patience: float, target: float
) -> ErlangA:
    """M/M/N+M: ``servers`` servers, Poisson arrivals, exponential handling (mean ``aht``)
    and patience (mean ``patience``), answered within ``target`` seconds."""
    lam, mu, theta = arrivals_per_s, 1.0 / aht, 1.0 / patience
    n = servers
    # Unnormalised stationary weights, in logs: up to N like Poisson, then the queue.
    logs = [0.0]
    for k in range(1, n + 1):
        logs.append(logs[-1] + math.log(lam) - math.log(k * mu))
    k = n
    while True:
        k += 1
        if k - n > MAX_QUEUE_STATES:
            raise InputError(
                f"Erlang A at {n:,} servers needs more than {MAX_QUEUE_STATES:,} waiting "
                f"states: {lam * 3600:,.0f} arrivals an hour outpace them and buyers wait "
                f"{patience:,.0f} s on average before giving up; leave the patience out to "
                "size the team with Erlang C (nobody gives up, so it never staffs fewer)"
            )
        logs.append(logs[-1] + math.log(lam) - math.log(n * mu + (k - n) * theta))
        if k - n > 50 and logs[-1] < max(logs) - 40:
            break
    peak = max(logs)
    weights = np.exp(np.array(logs) - peak)
    pi = weights / weights.sum()
    queue = np.arange(len(pi)) - n
    waiting = pi[n:]
    p_wait = float(waiting.sum())
    mean_queue = float((np.maximum(queue, 0) * pi).sum())
    p_abandon = theta * mean_queue / lam
    served_in_time = _served_within(n * mu, theta, target, len(waiting))
    sl = float(pi[:n].sum() + (waiting * served_in_time).sum())
    return ErlangA(p_wait, p_abandon, sl, mean_queue)


def _served_within(drain: float, theta: float, target: float, states: int) -> np.ndarray:
    """P(taken by an agent within ``target`` | ``j`` waiting ahead), j = 0 … states − 1.

    Transient states: the number ahead; from ``i`` the buyer moves up at ``drain + i·θ`` (an
    agent frees or someone ahead gives up) and gives up at ``θ``; from 0 an agent frees at
    ``drain``. Two absorbing states: served and abandoned."""
    from scipy.linalg import expm  # SciPy loads only for Erlang A

    size = states + 2
    q = np.zeros((size, size))
    served, gone = states, states + 1
    for i in range(states):
        up = drain + i * theta
        q[i, i - 1 if i > 0 else served] = up
        q[i, gone] = theta
        q[i, i] = -(up + theta)
    p = expm(q * target)
    result: np.ndarray = p[:states, served]
    return result


def agents_needed(
    *,
    arrivals_per_hour: float,
    aht_seconds: float,
    target_seconds: float,
    service_level: float,
    concurrency: int = 1,
    patience_seconds: float | None = None,
) -> Staffing:
    """The fewest servers reaching ``service_level`` (a share, e.g. 0.8) within
    ``target_seconds``; Erlang A when a mean patience is given, else Erlang C."""
    if not 0 <= arrivals_per_hour <= 1_000_000 or not 1 <= aht_seconds <= 86_400:
        raise InputError(
            "staffing needs 0 to 1,000,000 arrivals per hour and a handling time of 1 s to "
            f"a day; got {arrivals_per_hour} per hour and {aht_seconds} s"
        )
    if not 0 <= target_seconds <= 86_400:
        raise InputError(f"the target must be 0 s to a day, got {target_seconds}")
    if not 0 < service_level < 1:
        raise InputError(f"the service level is a share in (0, 1), got {service_level}")
    if concurrency < 1:
        raise InputError(f"concurrency must be at least 1, got {concurrency}")
    if patience_seconds is not None and not 1 <= patience_seconds <= 86_400:
        raise InputError(f"patience must be 1 s to a day, got {patience_seconds}")
    lam = arrivals_per_hour / 3600.0
    load = lam * aht_seconds
    model = "erlang_c" if patience_seconds is None else "erlang_a"
    if lam == 0:
        return Staffing(model, 0.0, aht_seconds, 0.0, 0, 0, 1.0, 0.0, 0.0, 0.0, 0.0)
    if load >= MAX_SERVERS:
        raise InputError(
            f"{load:,.0f} erlangs need more than {MAX_SERVERS:,} servers; split the skill"
        )
    if patience_seconds is None:
        return _erlang_c_staffing(lam, aht_seconds, target_seconds, service_level, concurrency)
    return _erlang_a_staffing(
        lam, aht_seconds, target_seconds, service_level, concurrency, patience_seconds
    )


def _erlang_c_staffing(
    lam: float, aht: float, target: float, level: float, concurrency: int
) -> Staffing:
    """Walk N upwards carrying the Erlang B recursion: linear in the answer."""
    load = lam * aht
    b = 1.0
    for n in range(1, MAX_SERVERS + 1):
        b = load * b / (n + load * b)
        if n <= load:
            continue
        wait = n * b / (n - load * (1.0 - b))
        sl = 1.0 - wait * math.exp(-(n - load) * target / aht)
        if sl >= level:
            asa = wait * aht / (n - load)
            return Staffing(
                "erlang_c",
                lam * 3600,
                aht,
                load,
                n,
                math.ceil(n / concurrency),
                sl,
                wait,
                0.0,
                asa,
                load / n,
            )
    raise InputError(f"no staffing up to {MAX_SERVERS} servers reaches {level:.0%}")


def _erlang_a_staffing(
    lam: float, aht: float, target: float, level: float, concurrency: int, patience: float
) -> Staffing:
    """The service level grows with N: probe by doubling, then bisect.

    The probe starts at ``level × load``: N servers answer at most N/AHT buyers a second
    however the queue runs, so a share of at most N / load is ever answered, in time or
    not; fewer servers cannot reach ``level`` (and their queues are the longest to
    compute)."""

    def reaches(n: int) -> bool:
        return erlang_a(n, lam, aht, patience, target).service_level >= level

    floor = min(max(1, math.ceil(level * lam * aht)), MAX_SERVERS)
    high = floor
    while not reaches(high):
        if high >= MAX_SERVERS:
            raise InputError(f"no staffing up to {MAX_SERVERS} servers reaches {level:.0%}")
        high = min(high * 2, MAX_SERVERS)
    low = max(floor - 1, high // 2)  # reaches(low) is false (or low == 0)
    while high - low > 1:
        mid = (low + high) // 2
        if reaches(mid):
            high = mid
        else:
            low = mid
    r = erlang_a(high, lam, aht, patience, target)
    answered = lam * (1 - r.p_abandon)
    asa = r.mean_queue / answered if answered else 0.0
    return Staffing(
        "erlang_a",
        lam * 3600,
        aht,
        lam * aht,
        high,
        math.ceil(high / concurrency),
        r.service_level,
        r.p_wait,
        r.p_abandon,
        asa,
        answered * aht / high,
    )
