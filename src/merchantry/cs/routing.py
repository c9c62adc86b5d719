"""Route one consultation to an agent: certified agents first, chosen by quality, with the
requirements relaxing step by step while the buyer waits.

The rulebook's ``needs`` turn the consultation's industry and intent into the skills (and the
certification) it needs; its ``steps`` say what each stage of waiting demands. The step in
force is the last one whose wait has passed; a step no agent of the shop could ever meet
(nobody holds the badge, the skill or the language) is skipped at once. Among the agents who
meet the step and have a free seat, the one with the highest quality wins (then the lightest
load, then the id, so the choice is deterministic). Every relaxation is in the decision and in
the ``merchantry.cs.routing`` log.

This runs in the request path: it touches only the shop's agents in memory (p99 well under a
millisecond for a shop of a few dozen agents; ``bench/bench_cs.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from merchantry.cs.agents import Agent
from merchantry.cs.rules import Need, RoutingRules, Step

log = logging.getLogger("merchantry.cs.routing")


@dataclass(frozen=True, slots=True)
class Consultation:
    """A buyer's consultation waiting for an agent."""

    shop_id: str
    industry: str
    intent: str
    at: datetime
    language: str = "zh"
    waited_seconds: int = 0


@dataclass(frozen=True, slots=True)
class Relaxation:
    """A step left behind, and why."""

    from_step: str
    to_step: str
    reason: str


@dataclass(frozen=True, slots=True)
class RouteDecision:
    """Who gets the consultation, under which step, and what was relaxed on the way."""

    agent_id: str | None
    """``None``: nobody free yet; the consultation waits in the queue."""
    step_id: str
    need_id: str | None
    skills: tuple[str, ...]
    certification: str | None
    certified: bool
    """The chosen agent holds the certification the need names."""
    relaxations: tuple[Relaxation, ...]
    eligible: int
    """Agents who meet the step in force (free or not)."""
    retry_after_seconds: int | None
    """When queued: seconds until the next step relaxes the requirements (``None``: last step)."""


def meets(agent: Agent, step: Step, need: Need | None, c: Consultation) -> bool:
    """Does ``agent`` meet ``step``'s requirements for ``c`` (ignoring load and hours)?"""
    skills = need.skills if need else ()
    if step.certified:
        if need is None or need.certification is None:
            return False
        if not agent.holds(need.certification, c.at.date()):
            return False
    if step.language and c.language not in agent.languages:
        return False
    if step.skills == "all":
        return all(agent.skills.get(s, 0) >= step.min_level for s in skills)
    if step.skills == "any":
        return not skills or any(agent.skills.get(s, 0) >= step.min_level for s in skills)
    return True


def _step_index(steps: Sequence[Step], waited: int) -> int:
    index = 0
    for i, step in enumerate(steps):
        if step.after_seconds <= waited:
            index = i
    return index


def route(
    rules: RoutingRules,
    consultation: Consultation,
    agents: Sequence[Agent],
    load: Mapping[str, int],
) -> RouteDecision:
    """The decision for ``consultation`` among the shop's ``agents`` with their current ``load``
    (open chats per agent; an agent is free below its capacity and inside its shift)."""
    c = consultation
    need = rules.need_for(c.industry, c.intent)
    steps = rules.steps
    relaxations: list[Relaxation] = []
    k = _step_index(steps, c.waited_seconds)
    for i in range(k):
        relaxations.append(
            Relaxation(
                steps[i].id,
                steps[i + 1].id,
                f"waited {c.waited_seconds} s, step {steps[i + 1].id} applies from "
                f"{steps[i + 1].after_seconds} s",
            )
        )
    while True:
        step = steps[k]
        eligible = [a for a in agents if a.shop_id == c.shop_id and meets(a, step, need, c)]
        if eligible or k == len(steps) - 1:
            break
        relaxations.append(Relaxation(step.id, steps[k + 1].id, _why_nobody(step, need, c)))
        k += 1
    free = [a for a in eligible if load.get(a.agent_id, 0) < a.capacity and a.is_online(c.at)]
    chosen = (
        min(free, key=lambda a: (-a.quality, load.get(a.agent_id, 0) / a.capacity, a.agent_id))
        if free
        else None
    )
    retry = steps[k + 1].after_seconds - c.waited_seconds if k + 1 < len(steps) else None
    for r in relaxations:
        log.info(
            "cs route %s/%s: %s -> %s: %s", c.shop_id, c.intent, r.from_step, r.to_step, r.reason
        )
    cert = need.certification if need else None
    return RouteDecision(
        agent_id=chosen.agent_id if chosen else None,
        step_id=step.id,
        need_id=need.id if need else None,
        skills=need.skills if need else (),
        certification=cert,
        certified=bool(chosen and cert and chosen.holds(cert, c.at.date())),
        relaxations=tuple(relaxations),
        eligible=len(eligible),
        retry_after_seconds=None if chosen else (max(retry, 0) if retry is not None else None),
    )


def _why_nobody(step: Step, need: Need | None, c: Consultation) -> str:
    if step.certified and (need is None or need.certification is None):
        return "the consultation needs no certification"
    parts = []
    if step.certified and need is not None:
        parts.append(f"an active {need.certification} badge")
    if step.skills != "none" and need is not None:
        parts.append(f"{step.skills} of {', '.join(need.skills)} at level ≥ {step.min_level}")
    if step.language:
        parts.append(f"language {c.language}")
    return "no agent of the shop has " + " and ".join(parts) if parts else "no agent"


def round_robin(
    consultation: Consultation, agents: Sequence[Agent], load: Mapping[str, int], turn: int
) -> str | None:
    """The baseline: the next agent in turn (from ``turn``) with a free seat, skills ignored."""
    mine = [a for a in agents if a.shop_id == consultation.shop_id]
    for offset in range(len(mine)):
        a = mine[(turn + offset) % len(mine)]
        if load.get(a.agent_id, 0) < a.capacity and a.is_online(consultation.at):
            return a.agent_id
    return None
