"""Replay the customer-service history under the routing rulebook and under round-robin.

Each human consultation of the history arrives when it arrived, at its shop, with its industry
and an intent read from the record (no order: pre-sale; an order with an after-sales case:
after-sale; otherwise: order status). Both policies see the same arrivals, the same agents
(with their capacity) and the same handling times; a consultation waits until its policy finds
an agent with a free seat (first come, first served within a shop). The outcome model (the
rulebook's ``replay`` section, modelling choices marked as assumptions) turns a choice into:

* waiting time, and first response = wait + the agent's own mean first reply (+ a delay when
  the agent lacks a needed skill);
* rounds answered within the reply target (all of a session's answered rounds when its first
  response is within the target; the history says which rounds were answered at all);
* dissatisfaction, for the sessions the buyer rated: the agent's own dissatisfied share (pulled
  towards its shop's), more without the needed skill, less from a certified agent on a question
  that needs the badge, more for each minute waited beyond the tolerance; drawn with one
  uniform number per session, the same for both policies.

The session measures come out under the score indicators' names (``cs_rounds``,
``cs_rounds_3min``, ``cs_dissatisfied`` …) for the sessions the indicators count, with the
score rulebook's service hours, reply target and unanswered-round seconds
(:class:`~merchantry.cs.conventions.ScoreConventions`), so the service layer turns them into
indicator values with the scoring stage's definitions.
Agents' own figures are read from the same history: the replay compares policies, it does not
forecast.
"""

from __future__ import annotations

import hashlib
import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import duckdb

from merchantry.cs.agents import (
    Agent,
    Certification,
    Performance,
    load_agents,
    performance,
    quality_scores,
)
from merchantry.cs.certification import apply_credentials, run_checks, shifts_of
from merchantry.cs.conventions import IN_SERVICE_HOURS, ScoreConventions
from merchantry.cs.routing import Consultation, round_robin, route
from merchantry.cs.rules import RoutingRules
from merchantry.store.sql import fill_sql, parse

MEASURES = (
    "cs_rounds",
    "cs_response_seconds",
    "cs_unanswered",
    "cs_rounds_3min",
    "cs_rated",
    "cs_dissatisfied",
    "cs_satisfied",
)
"""Session measures, named as the scoring stage names them."""

POLICIES = ("recorded", "round_robin", "rulebook")

SESSIONS_SQL = fill_sql(
    """
SELECT c.session_id, c.shop_id, s.industry, s.business_mode, c.started_at, c.rounds,
  c.unanswered_rounds, c.total_response_seconds, c.first_response_seconds, c.rating,
  CASE WHEN c.order_id IS NULL THEN 'presale'
       WHEN c.order_id IN (SELECT order_id FROM after_sales) THEN 'after_sale'
       ELSE 'order_status' END AS intent,
  p_in_service_hours AS counted
FROM cs_sessions AS c JOIN shops AS s USING (shop_id)
WHERE c.agent_id IS DISTINCT FROM 'bot'
  AND c.started_at >= $since AND c.started_at < $until
  AND ($shop IS NULL OR c.shop_id = $shop)
  AND c.shop_id IN (SELECT shop_id FROM cs_agents)
ORDER BY c.shop_id, c.started_at, c.session_id
""",
    p_in_service_hours=parse(IN_SERVICE_HOURS),  # started_at: only cs_sessions has it
)


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    shop_id: str
    industry: str
    language: str
    started_at: datetime
    rounds: int
    unanswered: int
    total_response: int
    first_response: int | None
    rating: int | None
    intent: str
    arrival: float
    """Seconds since the epoch the replay lets it arrive (``started_at``, or compressed)."""
    counted: bool = True
    """Started in the score rulebook's service hours: the indicators count it."""


@dataclass(slots=True)
class PolicyFigures:
    """What one policy achieved over the replayed sessions."""

    policy: str
    sessions: int = 0
    wait_seconds: list[int] = field(default_factory=list)
    first_response_seconds: list[int] = field(default_factory=list)
    needs_skill: int = 0
    skill_matched: int = 0
    needs_badge: int = 0
    badge_matched: int = 0
    relaxed: int = 0
    measures: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MEASURES, 0))

    @property
    def mean_wait(self) -> float:
        return sum(self.wait_seconds) / len(self.wait_seconds) if self.wait_seconds else 0.0

    @property
    def p90_wait(self) -> int:
        return _quantile(self.wait_seconds, 0.9)

    @property
    def mean_first_response(self) -> float:
        values = self.first_response_seconds
        return sum(values) / len(values) if values else 0.0


@dataclass(frozen=True, slots=True)
class ReplayResult:
    since: date
    until: date
    shops: int
    agents: int
    policies: dict[str, PolicyFigures]


def _quantile(values: Sequence[int], q: float) -> int:
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _uniform_bp(session_id: str) -> int:
    """A number in [0, 10000) fixed by the session id: the same draw under every policy."""
    digest = hashlib.blake2b(session_id.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 10_000


def _language(session_id: str, business_mode: str) -> str:
    """Cross-border shops' buyers write in English one time in five (the history has no
    language; a modelling choice)."""
    return (
        "en"
        if business_mode == "cross_border" and _uniform_bp("lang" + session_id) < 2000
        else "zh"
    )


def load_sessions(
    con: duckdb.DuckDBPyConnection,
    since: date,
    until: date,
    shop_id: str | None,
    speedup: int = 1,
    *,
    conventions: ScoreConventions,
) -> list[Session]:
    """Human sessions of [since, until), each marked whether the indicators count it (the
    service hours of ``conventions``); with ``speedup`` k the arrivals come k times closer
    together (the period squeezed into its first 1/k), to see the policies under load."""
    origin = datetime.combine(since, datetime.min.time()).timestamp()
    rows = con.execute(
        SESSIONS_SQL,
        {
            **conventions.parameters(SESSIONS_SQL),
            "since": datetime.combine(since, datetime.min.time()),
            "until": datetime.combine(until, datetime.min.time()),
            "shop": shop_id,
        },
    ).fetchall()
    return [
        Session(
            session_id=str(r[0]),
            shop_id=str(r[1]),
            industry=str(r[2]),
            language=_language(str(r[0]), str(r[3])),
            started_at=r[4],
            rounds=int(r[5]),
            unanswered=int(r[6]),
            total_response=int(r[7]),
            first_response=None if r[8] is None else int(r[8]),
            rating=None if r[9] is None else int(r[9]),
            intent=str(r[10]),
            arrival=origin + (r[4].timestamp() - origin) / speedup,
            counted=bool(r[11]),
        )
        for r in rows
    ]


def prepare_agents(
    con: duckdb.DuckDBPyConnection,
    rules: RoutingRules,
    since: date,
    until: date,
    shop_id: str | None = None,
    *,
    conventions: ScoreConventions,
) -> list[Agent]:
    """Agents with performance over [since, until), quality, and badges after every monthly
    check in the period (a failed check removes a badge from its day on)."""
    agents = load_agents(con, shop_id)
    perf = performance(con, since, until, conventions=conventions, shop_id=shop_id)
    certs = apply_credentials([c for a in agents for c in a.certifications], rules.certifications)

    def perf_for(first: date, last: date) -> dict[str, Performance]:
        return performance(
            con, first, last + timedelta(days=1), conventions=conventions, shop_id=shop_id
        )

    checked, _ = run_checks(
        certs,
        rules.certifications,
        since,
        until - timedelta(days=1),
        perf_for,
        shifts_of(agents),
    )
    by_agent: dict[str, list[Certification]] = defaultdict(list)
    for c in checked:
        by_agent[c.agent_id].append(c)
    agents = [
        replace(
            a,
            performance=perf.get(a.agent_id, a.performance),
            certifications=tuple(by_agent.get(a.agent_id, ())),
        )
        for a in agents
    ]
    q = rules.quality
    return quality_scores(
        agents,
        satisfaction_weight=q["satisfaction_weight"].value,
        response_weight=q["response_weight"].value,
        prior=q["prior_ratings"].value,
    )


def replay(
    con: duckdb.DuckDBPyConnection,
    rules: RoutingRules,
    since: date,
    until: date,
    shop_id: str | None = None,
    *,
    conventions: ScoreConventions,
    speedup: int = 1,
) -> ReplayResult:
    """Replay [since, until) under round-robin and under ``rules``; the recorded history too.
    ``speedup`` squeezes the arrivals (see :func:`load_sessions`); ``conventions`` are the
    score rulebook's (which sessions count, the reply target, an unanswered round's cost)."""
    agents = prepare_agents(con, rules, since, until, shop_id, conventions=conventions)
    # The history has no rosters: in the replay every agent is on shift when a chat arrives.
    agents = [replace(a, online_from_hour=0, online_to_hour=24) for a in agents]
    sessions = load_sessions(con, since, until, shop_id, speedup, conventions=conventions)
    by_shop_agents: dict[str, list[Agent]] = defaultdict(list)
    for a in agents:
        by_shop_agents[a.shop_id].append(a)
    by_shop_sessions: dict[str, list[Session]] = defaultdict(list)
    for s in sessions:
        by_shop_sessions[s.shop_id].append(s)
    figures = {p: PolicyFigures(p) for p in POLICIES}
    for shop, items in by_shop_sessions.items():
        crew = by_shop_agents.get(shop, [])
        if not crew:
            continue
        for s in items:
            _record(figures["recorded"], s, conventions)
        _simulate(figures["round_robin"], items, crew, rules, conventions, rulebook=False)
        _simulate(figures["rulebook"], items, crew, rules, conventions, rulebook=True)
    return ReplayResult(since, until, len(by_shop_sessions), len(agents), figures)


def _record(fig: PolicyFigures, s: Session, conventions: ScoreConventions) -> None:
    target = conventions.reply_target_seconds
    unanswered_s = conventions.unanswered_round_seconds
    fig.sessions += 1
    if s.first_response is not None:
        fig.first_response_seconds.append(s.first_response)
    if not s.counted:
        return
    answered = s.rounds - s.unanswered
    m = fig.measures
    m["cs_rounds"] += s.rounds
    m["cs_response_seconds"] += s.total_response + s.unanswered * unanswered_s
    m["cs_unanswered"] += s.unanswered
    if answered > 0 and s.total_response <= target * answered:
        m["cs_rounds_3min"] += answered
    if s.rating is not None:
        m["cs_rated"] += 1
        m["cs_dissatisfied"] += int(s.rating <= 3)
        m["cs_satisfied"] += int(s.rating >= 4)


def _simulate(
    fig: PolicyFigures,
    sessions: Sequence[Session],
    crew: Sequence[Agent],
    rules: RoutingRules,
    conventions: ScoreConventions,
    *,
    rulebook: bool,
) -> None:
    r = rules.replay
    busy: dict[str, list[float]] = {a.agent_id: [] for a in crew}
    by_id = {a.agent_id: a for a in crew}
    shop_latency = _shop_latency(crew)
    rated = sum(a.performance.rated for a in crew)
    unhappy = sum(a.performance.rated - a.performance.satisfied for a in crew)
    shop_dissatisfied = 10_000 * unhappy // rated if rated else 2_000
    turn = 0
    for s in sessions:
        arrival = s.arrival
        for ends in busy.values():
            while ends and ends[0] <= arrival:
                heapq.heappop(ends)
        candidates = sorted({arrival, *(e for ends in busy.values() for e in ends)})
        if rulebook:
            candidates = sorted({*candidates, *(arrival + st.after_seconds for st in rules.steps)})
        chosen: str | None = None
        at = arrival
        relaxed = False
        for at in candidates:
            load = {k: sum(1 for e in v if e > at) for k, v in busy.items()}
            c = Consultation(
                s.shop_id, s.industry, s.intent, s.started_at, s.language, int(at - arrival)
            )
            if rulebook:
                decision = route(rules, c, crew, load)
                chosen, relaxed = decision.agent_id, bool(decision.relaxations)
            else:
                chosen = round_robin(c, crew, load, turn)
            if chosen is not None:
                break
        if chosen is None:  # cannot happen: the last candidate frees a seat
            continue
        if not rulebook:
            turn = (next(i for i, a in enumerate(crew) if a.agent_id == chosen) + 1) % len(crew)
        agent = by_id[chosen]
        wait = int(at - arrival)
        handle = s.rounds * r["seconds_per_round"].value
        heapq.heappush(busy[chosen], at + handle)
        _outcome(
            fig, s, agent, wait, (shop_latency, shop_dissatisfied), rules, conventions, relaxed
        )


def _shop_latency(crew: Sequence[Agent]) -> int:
    answered = sum(a.performance.answered for a in crew)
    total = sum(a.performance.first_response_sum for a in crew)
    return total // answered if answered else 60


def _outcome(
    fig: PolicyFigures,
    s: Session,
    agent: Agent,
    wait: int,
    shop: tuple[int, int],
    rules: RoutingRules,
    conventions: ScoreConventions,
    relaxed: bool,
) -> None:
    """One simulated session's figures; ``shop`` is the shop's mean first reply (s) and
    dissatisfied share (bp), for agents with little history."""
    shop_latency, shop_dissatisfied_bp = shop
    r = rules.replay
    target = conventions.reply_target_seconds
    need = rules.need_for(s.industry, s.intent)
    day = s.started_at.date()
    lacks = need is not None and not all(agent.skills.get(k, 0) >= 1 for k in need.skills)
    badge = need is not None and need.certification is not None
    holds = badge and need is not None and agent.holds(str(need.certification), day)
    latency = agent.performance.mean_first_response or shop_latency
    first = wait + latency + (r["mismatch_delay_seconds"].value if lacks else 0)
    fig.sessions += 1
    fig.wait_seconds.append(wait)
    fig.first_response_seconds.append(first)
    fig.relaxed += int(relaxed)
    if need is not None:
        fig.needs_skill += 1
        fig.skill_matched += int(not lacks)
    if badge:
        fig.needs_badge += 1
        fig.badge_matched += int(holds)
    if not s.counted:
        return
    answered = s.rounds - s.unanswered
    m = fig.measures
    m["cs_rounds"] += s.rounds
    unanswered_s = conventions.unanswered_round_seconds
    m["cs_response_seconds"] += answered * first + s.unanswered * unanswered_s
    m["cs_unanswered"] += s.unanswered
    if answered > 0 and first <= target:
        m["cs_rounds_3min"] += answered
    if s.rating is None:
        return
    base = _dissatisfied_bp(agent, shop_dissatisfied_bp)
    base += r["mismatch_dissatisfaction_bp"].value if lacks else 0
    base -= r["certified_relief_bp"].value if holds else 0
    over = max(0, wait - r["wait_tolerance_seconds"].value)
    base += r["wait_dissatisfaction_bp_per_minute"].value * over // 60
    unhappy = _uniform_bp(s.session_id) < min(max(base, 0), 10_000)
    m["cs_rated"] += 1
    m["cs_dissatisfied"] += int(unhappy)
    m["cs_satisfied"] += int(not unhappy)


def _dissatisfied_bp(agent: Agent, shop_bp: int, prior: int = 10) -> int:
    """The agent's dissatisfied share, pulled towards its shop's by ``prior`` ratings."""
    p = agent.performance
    return (10_000 * (p.rated - p.satisfied) + prior * shop_bp) // (p.rated + prior)
