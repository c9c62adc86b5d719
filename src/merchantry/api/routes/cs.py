"""Customer-service endpoints: route a consultation, staff a skill, replay, ask the assistant.

``POST /v1/cs/route`` is a real-time call: it reads a routing desk built once per worker from
the warehouse's snapshot (agents, badges after the monthly checks, quality), so a decision never
queries the warehouse. A merchant key routes and asks for its own shop only.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, Strict

from merchantry.api.auth import Principal, require_scope, require_shop
from merchantry.api.body import Body
from merchantry.api.docs import EXAMPLE_SHOP, ShopId, ok
from merchantry.api.times import RequestDay, RequestTime, platform_time
from merchantry.api.warehouse import reading
from merchantry.cs.rules import load_rules
from merchantry.cs.staffing import agents_needed
from merchantry.service import cs as use

router = APIRouter(prefix="/v1", tags=["customer service"])
SInt = Annotated[int, Strict()]
SFloat = Annotated[float, Strict()]
"""Numbers that refuse ``true``/``false`` (pydantic's lax mode would read them as 1 and 0)."""
_DESK_LOCK = threading.Lock()

ROUTE_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "intent": "presale",
    "at": "2026-10-20T14:05:00",
    "language": "zh",
    "waited_seconds": 25,
    "load": {"S0001-kf1": 2},
}


class RouteIn(Body):
    """One consultation waiting for an agent."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ROUTE_EXAMPLE]})

    shop_id: str = Field(min_length=1, max_length=64)
    intent: Literal["presale", "order_status", "after_sale", "complaint"]
    at: RequestTime = Field(description="When it is routed (platform local time).")
    language: str = Field(default="zh", min_length=2, max_length=8)
    waited_seconds: SInt = Field(default=0, ge=0, le=86_400)
    load: dict[str, SInt] = Field(
        default={}, max_length=500, description="Open chats per agent now (absent: 0)."
    )
    industry: str | None = Field(default=None, max_length=64, description="Override.")


class RelaxationOut(BaseModel):
    from_step: str
    to_step: str
    reason: str


ROUTE_OUT_EXAMPLE: dict[str, Any] = {
    "agent_id": "S0001-kf2",
    "step_id": "step.skilled",
    "need_id": "need.pet",
    "skills": ["pet_care"],
    "certification": "pet_adviser",
    "certified": False,
    "eligible": 2,
    "retry_after_seconds": None,
    "relaxations": [
        {
            "from_step": "step.certified",
            "to_step": "step.skilled",
            "reason": "waited 25 s, step step.skilled applies from 20 s",
        }
    ],
}


class RouteOut(BaseModel):
    """The agent chosen (``null``: queued), the step in force and what was relaxed."""

    model_config = ConfigDict(json_schema_extra={"examples": [ROUTE_OUT_EXAMPLE]})

    agent_id: str | None
    step_id: str
    need_id: str | None
    skills: list[str]
    certification: str | None
    certified: bool
    eligible: int
    retry_after_seconds: int | None
    relaxations: list[RelaxationOut]


def _desk(request: Request) -> use.RoutingDesk:
    desk: use.RoutingDesk | None = getattr(request.app.state, "cs_desk", None)
    if desk is None:
        with _DESK_LOCK:
            desk = getattr(request.app.state, "cs_desk", None)
            if desk is None:
                settings = request.app.state.settings
                with reading(settings.warehouse) as con:
                    day = use.facts_day(con)
                    conventions = use.score_conventions(day, None, settings.rulebook_dirs)
                    desk = use.build_desk(con, load_rules(), day, conventions=conventions)
                request.app.state.cs_desk = desk
    return desk


@router.post(
    "/cs/route",
    response_model=RouteOut,
    responses=ok(ROUTE_OUT_EXAMPLE),
    summary="Route one consultation to an agent (certified first, relaxing while it waits)",
)
def route_consultation(
    payload: RouteIn,
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("cs:route"))],
) -> RouteOut:
    """The consultation's needed skills and certification come from the routing rulebook; the
    step in force follows from the seconds waited; a merchant key routes its own shop only."""
    if not principal.is_operator and principal.role == "merchant":
        require_shop(principal, payload.shop_id, "route consultations")
    at = platform_time(payload.at)
    d = _desk(request).route(
        payload.shop_id,
        payload.intent,
        at,
        language=payload.language,
        waited_seconds=payload.waited_seconds,
        load=payload.load,
        industry=payload.industry,
    )
    return RouteOut(
        agent_id=d.agent_id,
        step_id=d.step_id,
        need_id=d.need_id,
        skills=list(d.skills),
        certification=d.certification,
        certified=d.certified,
        eligible=d.eligible,
        retry_after_seconds=d.retry_after_seconds,
        relaxations=[
            RelaxationOut(from_step=r.from_step, to_step=r.to_step, reason=r.reason)
            for r in d.relaxations
        ],
    )


STAFFING_EXAMPLE: dict[str, Any] = {
    "arrivals_per_hour": 120,
    "aht_seconds": 240,
    "target_seconds": 20,
    "service_level": 0.8,
    "concurrency": 1,
    "patience_seconds": None,
}


class StaffingIn(Body):
    """Arrivals, handling time and the service level to reach."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [STAFFING_EXAMPLE]})

    arrivals_per_hour: SFloat = Field(ge=0, le=1_000_000)
    aht_seconds: SFloat = Field(ge=1, le=86_400)
    target_seconds: SFloat = Field(ge=0, le=86_400)
    service_level: SFloat = Field(gt=0, lt=1)
    concurrency: SInt = Field(default=1, ge=1, le=50)
    patience_seconds: SFloat | None = Field(default=None, ge=1, le=86_400)


STAFFING_OUT_EXAMPLE: dict[str, Any] = {
    "model": "erlang_c",
    "arrivals_per_hour": 120.0,
    "aht_seconds": 240.0,
    "offered_load": 8.0,
    "servers": 11,
    "agents": 11,
    "service_level": 0.8087,
    "p_wait": 0.3,
    "p_abandon": 0.0,
    "asa_seconds": 19.6,
    "occupancy": 0.727,
}


class StaffingOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [STAFFING_OUT_EXAMPLE]})

    model: str
    arrivals_per_hour: float
    aht_seconds: float
    offered_load: float
    servers: int
    agents: int
    service_level: float
    p_wait: float
    p_abandon: float
    asa_seconds: float
    occupancy: float


@router.post(
    "/cs/staffing",
    response_model=StaffingOut,
    responses=ok(STAFFING_OUT_EXAMPLE),
    summary="Agents needed for a service level (Erlang C, or Erlang A with patience)",
)
def staffing(
    payload: StaffingIn,
    _principal: Annotated[Principal, Depends(require_scope("cs:staffing"))],
) -> StaffingOut:
    """The fewest agents reaching the service level within the target time."""
    s = agents_needed(
        arrivals_per_hour=payload.arrivals_per_hour,
        aht_seconds=payload.aht_seconds,
        target_seconds=payload.target_seconds,
        service_level=payload.service_level,
        concurrency=payload.concurrency,
        patience_seconds=payload.patience_seconds,
    )
    return StaffingOut(
        model=s.model,
        arrivals_per_hour=s.arrivals_per_hour,
        aht_seconds=s.aht_seconds,
        offered_load=s.offered_load,
        servers=s.servers,
        agents=s.agents,
        service_level=round(s.service_level, 6),
        p_wait=round(s.p_wait, 6),
        p_abandon=round(s.p_abandon, 6),
        asa_seconds=round(s.asa_seconds, 3),
        occupancy=round(s.occupancy, 6),
    )


REPLAY_EXAMPLE: dict[str, Any] = {
    "since": "2026-10-01",
    "until": "2026-10-14",
    "shop_id": None,
    "speedup": 1,
}


class ReplayIn(Body):
    """The days to replay (``until`` inclusive) and optionally one shop."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REPLAY_EXAMPLE]})

    since: RequestDay = Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))
    until: RequestDay = Field(ge=date(2000, 1, 1), le=date(2100, 12, 31))
    shop_id: str | None = Field(default=None, max_length=64)
    speedup: SInt = Field(
        default=1, ge=1, le=1000, description="Arrivals this many times closer together."
    )


class PolicyOut(BaseModel):
    policy: str
    sessions: int
    mean_wait_seconds: float
    p90_wait_seconds: int
    mean_first_response_seconds: float
    skill_matched: int
    needs_skill: int
    certified_when_needed: int
    needs_certification: int
    measures: dict[str, int]
    indicators: dict[str, int | None]


REPLAY_OUT_EXAMPLE: dict[str, Any] = {
    "since": "2026-10-01",
    "until": "2026-10-14",
    "shops": 24,
    "agents": 61,
    "policies": [
        {
            "policy": "rulebook",
            "sessions": 2104,
            "mean_wait_seconds": 0.4,
            "p90_wait_seconds": 0,
            "mean_first_response_seconds": 38.0,
            "skill_matched": 1850,
            "needs_skill": 2104,
            "certified_when_needed": 40,
            "needs_certification": 160,
            "measures": {"cs_rounds": 4200, "cs_rounds_3min": 4050},
            "indicators": {"response_3min_rate": 9643, "dissatisfaction_rate": 1940},
        }
    ],
}


class ReplayOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [REPLAY_OUT_EXAMPLE]})

    since: date
    until: date
    shops: int
    agents: int
    policies: list[PolicyOut]


@router.post(
    "/cs/replay",
    response_model=ReplayOut,
    responses=ok(REPLAY_OUT_EXAMPLE),
    summary="Replay the service history under the routing rulebook and round-robin",
)
def replay(
    payload: ReplayIn,
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("cs:replay"))],
) -> ReplayOut:
    """Waiting, first response, skill and badge matches and the score indicators per policy
    (``recorded`` is the history as it happened)."""
    if payload.shop_id is not None and not principal.is_operator:
        require_shop(principal, payload.shop_id, "replay the customer service")
    settings = request.app.state.settings
    conventions = use.score_conventions(payload.until, None, settings.rulebook_dirs)
    with reading(settings.warehouse) as con:
        report = use.replay_report(
            con,
            load_rules(),
            payload.since,
            payload.until + timedelta(days=1),
            payload.shop_id,
            speedup=payload.speedup,
            conventions=conventions,
        )
    r = report.result
    return ReplayOut(
        since=payload.since,
        until=payload.until,
        shops=r.shops,
        agents=r.agents,
        policies=[
            PolicyOut(
                policy=p,
                sessions=f.sessions,
                mean_wait_seconds=round(f.mean_wait, 3),
                p90_wait_seconds=f.p90_wait,
                mean_first_response_seconds=round(f.mean_first_response, 3),
                skill_matched=f.skill_matched,
                needs_skill=f.needs_skill,
                certified_when_needed=f.badge_matched,
                needs_certification=f.needs_badge,
                measures=dict(f.measures),
                indicators=report.indicators[p],
            )
            for p, f in r.policies.items()
        ],
    )


ASK_EXAMPLE: dict[str, Any] = {"question": "益智拼图多少钱？", "buyer_id": None}


class AskIn(Body):
    """A buyer's question to the shop's assistant."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [ASK_EXAMPLE]})

    question: str = Field(min_length=1, max_length=500)
    buyer_id: str | None = Field(default=None, max_length=64, description="For order questions.")


class CitationOut(BaseModel):
    fact_id: str
    text: str


class HandoffOut(BaseModel):
    reason: Literal[
        "no_facts", "complaint", "refund_dispute", "safety", "human_requested", "promise"
    ]
    detail: str
    intent: str
    agent_id: str | None
    step_id: str | None


ANSWER_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "question": "益智拼图多少钱？",
    "answered": True,
    "topic": "price",
    "text": "您好，根据本店信息：商品「益智拼图送礼佳品」（K00000001）售价¥95.90，属于积木类目。",
    "citations": [
        {
            "fact_id": "product:K00000001",
            "text": "商品「益智拼图送礼佳品」（K00000001）售价¥95.90，属于积木类目",
        }
    ],
    "handoff": None,
    "fluent": False,
}


class AnswerOut(BaseModel):
    """The answer with the facts it cites, or the hand-off with its reason and the agent."""

    model_config = ConfigDict(json_schema_extra={"examples": [ANSWER_EXAMPLE]})

    shop_id: str
    question: str
    answered: bool
    topic: str | None
    text: str
    citations: list[CitationOut]
    handoff: HandoffOut | None
    fluent: bool


@router.post(
    "/shops/{shop_id}/cs/ask",
    response_model=AnswerOut,
    responses=ok(ANSWER_EXAMPLE),
    summary="Ask the shop's assistant: an answer citing the shop's facts, or a hand-off",
)
def ask(
    shop_id: ShopId,
    payload: AskIn,
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("cs:ask"))],
) -> AnswerOut:
    """Answers only from the shop's products, services, platform terms and the buyer's order;
    otherwise hands off with a reason code, routed to an agent."""
    if principal.role == "merchant":
        require_shop(principal, shop_id, "ask the assistant")
    settings = request.app.state.settings
    with reading(settings.warehouse) as con:
        day = use.facts_day(con)
        desk = use.assistant_desk(
            con,
            day,
            with_routing=False,
            rulebook_dirs=settings.rulebook_dirs,
            fee_rulebooks=settings.fee_rulebooks,
        )
        answer = desk.ask(shop_id, payload.question, payload.buyer_id)
    body = use.answer_dict(answer)
    if answer.handoff is not None:
        decision = _desk(request)
        if shop_id in decision.industries:
            at = datetime.combine(day, datetime.min.time()).replace(hour=12)
            routed = decision.route(shop_id, answer.handoff.intent, at)
            body["handoff"] = {
                **use.answer_dict(answer)["handoff"],  # type: ignore[dict-item]
                "agent_id": routed.agent_id,
                "step_id": routed.step_id,
            }
    return AnswerOut.model_validate(body)
