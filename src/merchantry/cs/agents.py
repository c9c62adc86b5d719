"""Agents as routing sees them: skills, languages, capacity, badges and performance.

Performance is derived from ``cs_sessions`` over a window, with the score indicators' own
conventions (human chats only, the score rulebook's service hours, satisfied = 4–5★, a round
answered within the score rulebook's reply target counts for the 3-minute rate:
:class:`~merchantry.cs.conventions.ScoreConventions`), so the figures the certification check
and the routing read are the figures the platform would show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import duckdb

from merchantry.cs.conventions import IN_SERVICE_HOURS, ScoreConventions
from merchantry.kit.errors import NotFound
from merchantry.store.sql import fill_sql, parse


@dataclass(frozen=True, slots=True)
class Certification:
    """A badge an agent holds; ``revoked_on`` is set by a failed monthly check."""

    certification_id: str
    agent_id: str
    kind: str
    credential: str
    issued_on: date
    expires_on: date
    revoked_on: date | None = None

    def is_active(self, on: date) -> bool:
        """The badge counts on ``on``: issued, not expired, not removed by a check."""
        if self.revoked_on is not None and on >= self.revoked_on:
            return False
        return self.issued_on <= on <= self.expires_on


@dataclass(frozen=True, slots=True)
class Performance:
    """What an agent's sessions in a window add up to."""

    sessions: int = 0
    rated: int = 0
    satisfied: int = 0
    rounds: int = 0
    rounds_3min: int = 0
    first_response_sum: int = 0
    answered: int = 0

    @property
    def satisfaction_bp(self) -> int | None:
        return None if self.rated == 0 else self.satisfied * 10_000 // self.rated

    @property
    def response_3min_bp(self) -> int | None:
        return None if self.rounds == 0 else self.rounds_3min * 10_000 // self.rounds

    @property
    def mean_first_response(self) -> int | None:
        return None if self.answered == 0 else self.first_response_sum // self.answered


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent account with everything routing needs."""

    agent_id: str
    shop_id: str
    languages: frozenset[str]
    capacity: int
    skills: Mapping[str, int]
    """Skill -> level (1–5)."""
    online_from_hour: int = 0
    online_to_hour: int = 24
    certifications: tuple[Certification, ...] = ()
    performance: Performance = field(default_factory=Performance)
    quality: int = 0
    """Quality score 0–10,000 from performance (see :func:`quality_scores`)."""

    def holds(self, kind: str, on: date) -> bool:
        return any(c.kind == kind and c.is_active(on) for c in self.certifications)

    def is_online(self, at: datetime) -> bool:
        return self.online_from_hour <= at.hour < self.online_to_hour


PERFORMANCE_SQL = fill_sql(
    """
SELECT agent_id,
  count(*) AS sessions,
  count(rating) AS rated,
  count(*) FILTER (WHERE rating >= 4) AS satisfied,
  sum(rounds) AS rounds,
  sum(CASE WHEN rounds > unanswered_rounds
            AND total_response_seconds <= $reply_target_seconds * (rounds - unanswered_rounds)
           THEN rounds - unanswered_rounds ELSE 0 END) AS rounds_3min,
  coalesce(sum(first_response_seconds), 0) AS first_response_sum,
  count(first_response_seconds) AS answered
FROM cs_sessions
WHERE agent_id IS NOT NULL AND agent_id <> 'bot'
  AND started_at >= $since AND started_at < $until
  AND p_in_service_hours
  AND ($shop IS NULL OR shop_id = $shop)
GROUP BY agent_id
""",
    p_in_service_hours=parse(IN_SERVICE_HOURS),
)
"""Per agent over [since, until): the score indicators' session measures (human chats in the
service hours, 4–5★ satisfied, rounds answered within the reply target)."""


def performance(
    con: duckdb.DuckDBPyConnection,
    since: date,
    until: date,
    *,
    conventions: ScoreConventions,
    shop_id: str | None = None,
) -> dict[str, Performance]:
    """Each agent's performance over the days [since, until), counted as ``conventions``
    (the score rulebook's service hours and reply target) say."""
    rows = con.execute(
        PERFORMANCE_SQL,
        {
            **conventions.parameters(PERFORMANCE_SQL),
            "since": datetime.combine(since, datetime.min.time()),
            "until": datetime.combine(until, datetime.min.time()),
            "shop": shop_id,
        },
    ).fetchall()
    return {str(r[0]): Performance(*(int(v or 0) for v in r[1:])) for r in rows}


def quality_scores(
    agents: Sequence[Agent], *, satisfaction_weight: int, response_weight: int, prior: int
) -> list[Agent]:
    """``agents`` with their quality: weighted satisfaction and 3-minute rates, each pulled
    towards the shop's own average by ``prior`` pseudo-observations (few ratings say little)."""
    by_shop: dict[str, list[Agent]] = defaultdict(list)
    for a in agents:
        by_shop[a.shop_id].append(a)
    out: dict[str, Agent] = {}
    for members in by_shop.values():
        rated = sum(a.performance.rated for a in members)
        rounds = sum(a.performance.rounds for a in members)
        shop_sat = sum(a.performance.satisfied for a in members) / rated if rated else 0.5
        shop_resp = sum(a.performance.rounds_3min for a in members) / rounds if rounds else 0.5
        for a in members:
            p = a.performance
            sat = (p.satisfied + prior * shop_sat) / (p.rated + prior) if p.rated + prior else 0.5
            resp = (
                (p.rounds_3min + prior * shop_resp) / (p.rounds + prior)
                if p.rounds + prior
                else 0.5
            )
            score = (satisfaction_weight * sat + response_weight * resp) * 100
            out[a.agent_id] = replace(a, quality=round(score))
    return [out[a.agent_id] for a in agents]


def load_agents(con: duckdb.DuckDBPyConnection, shop_id: str | None = None) -> list[Agent]:
    """Agents with skills and certifications from the warehouse (no performance yet)."""
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if "cs_agents" not in tables:
        raise NotFound(
            "the warehouse has no cs_agents table; generate and ingest a marketplace with agents"
        )
    rows = con.execute(
        "SELECT agent_id, shop_id, languages, capacity, online_from_hour, online_to_hour "
        "FROM cs_agents WHERE $shop IS NULL OR shop_id = $shop ORDER BY agent_id",
        {"shop": shop_id},
    ).fetchall()
    skills: dict[str, dict[str, int]] = defaultdict(dict)
    for agent, skill, level in con.execute(
        "SELECT s.agent_id, s.skill, s.level FROM cs_agent_skills s JOIN cs_agents a "
        "USING (agent_id) WHERE $shop IS NULL OR a.shop_id = $shop",
        {"shop": shop_id},
    ).fetchall():
        skills[str(agent)][str(skill)] = int(level)
    certs: dict[str, list[Certification]] = defaultdict(list)
    for row in con.execute(
        "SELECT c.certification_id, c.agent_id, c.kind, c.credential, c.issued_on, c.expires_on "
        "FROM cs_certifications c JOIN cs_agents a USING (agent_id) "
        "WHERE $shop IS NULL OR a.shop_id = $shop ORDER BY c.certification_id",
        {"shop": shop_id},
    ).fetchall():
        certs[str(row[1])].append(Certification(*row))
    return [
        Agent(
            agent_id=str(r[0]),
            shop_id=str(r[1]),
            languages=frozenset(r[2] or ()),
            capacity=int(r[3]),
            skills=dict(skills.get(str(r[0]), {})),
            online_from_hour=int(r[4]),
            online_to_hour=int(r[5]),
            certifications=tuple(certs.get(str(r[0]), ())),
        )
        for r in rows
    ]
