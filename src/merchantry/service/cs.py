"""Customer-service use cases shared by ``merchantry cs`` and the ``/v1/cs`` routes.

The ``cs`` stage computes; this layer opens what it needs (the routing rulebook, the fee
rulebook whose settlement and insurance terms the assistant may quote) and applies the
scoring stage's own indicator definitions to the replay's measures, so the figures a replay
shows are the indicators the experience score reads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import duckdb

from merchantry.cs.agents import Agent, Performance, load_agents, performance
from merchantry.cs.assistant import Answer, Assistant
from merchantry.cs.certification import CheckOutcome, apply_credentials, run_checks, shifts_of
from merchantry.cs.evaluation import (
    Evaluation,
    build_questions,
    evaluate,
    evaluate_held_out,
    held_out_questions,
)
from merchantry.cs.facts import order_facts, shop_facts
from merchantry.cs.llm import endpoint_from_env
from merchantry.cs.replay import ReplayResult, load_sessions, prepare_agents, replay
from merchantry.cs.routing import Consultation, RouteDecision, route
from merchantry.cs.rules import RoutingRules, load_rules
from merchantry.cs.staffing import Staffing, agents_needed
from merchantry.kit.errors import InputError, NotFound
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.scoring.indicators import INDICATORS

REPLAY_INDICATORS = (
    "response_3min_rate",
    "cs_satisfaction_rate",
    "dissatisfaction_rate",
    "feige_response_seconds",
)
"""The experience-score indicators a routing policy moves (Taobao's 3-minute response and
satisfaction, Douyin's dissatisfaction and average response), by the scoring stage's names."""

FEE_RULEBOOK = "douyin-2026"
"""Where the assistant reads the settlement and return-insurance terms it may quote."""


def indicator_values(measures: Mapping[str, int]) -> dict[str, int | None]:
    """Each indicator's value from window sums, as the scoring stage defines it (numerator ×
    scale ÷ denominator, rounded half up; ``None`` without a denominator)."""
    out: dict[str, int | None] = {}
    for name in REPLAY_INDICATORS:
        ind = INDICATORS[name]
        num, den = measures.get(ind.numerator, 0), measures.get(ind.denominator, 0)
        out[name] = None if den == 0 else (2 * num * ind.scale + den) // (2 * den)
    return out


@dataclass(frozen=True, slots=True)
class ReplayReport:
    result: ReplayResult
    indicators: dict[str, dict[str, int | None]]
    """policy -> indicator -> value."""


def replay_report(
    con: duckdb.DuckDBPyConnection,
    rules: RoutingRules,
    since: date,
    until: date,
    shop_id: str | None = None,
    *,
    speedup: int = 1,
) -> ReplayReport:
    """The replay and its indicator values per policy."""
    if until <= since:
        raise InputError(f"the replay period is empty: {since} to {until}")
    if not 1 <= speedup <= 1000:
        raise InputError(f"speedup must be 1 to 1000, got {speedup}")
    result = replay(con, rules, since, until, shop_id, speedup=speedup)
    if not any(f.sessions for f in result.policies.values()):
        raise NotFound(
            f"no human customer-service sessions with agents between {since} and {until}"
            + (f" for shop {shop_id}" if shop_id else "")
        )
    return ReplayReport(
        result, {p: indicator_values(f.measures) for p, f in result.policies.items()}
    )


@dataclass
class RoutingDesk:
    """What the real-time route needs, in memory: each shop's agents (with badges after the
    monthly checks and quality from their performance) and industry."""

    rules: RoutingRules
    agents: dict[str, list[Agent]]
    industries: dict[str, str]
    built_on: date

    def route(
        self,
        shop_id: str,
        intent: str,
        at: datetime,
        *,
        language: str = "zh",
        waited_seconds: int = 0,
        load: Mapping[str, int] | None = None,
        industry: str | None = None,
    ) -> RouteDecision:
        if shop_id not in self.industries:
            raise NotFound(f"no shop {shop_id} with customer-service agents")
        consultation = Consultation(
            shop_id, industry or self.industries[shop_id], intent, at, language, waited_seconds
        )
        return route(self.rules, consultation, self.agents.get(shop_id, []), load or {})


def build_desk(
    con: duckdb.DuckDBPyConnection,
    rules: RoutingRules,
    on: date,
    *,
    window_days: int = 30,
    shop_id: str | None = None,
) -> RoutingDesk:
    """The routing desk as of ``on``: performance over the ``window_days`` before it and every
    monthly check of that window applied."""
    agents = prepare_agents(con, rules, on - timedelta(days=window_days), on, shop_id)
    by_shop: dict[str, list[Agent]] = defaultdict(list)
    for a in agents:
        by_shop[a.shop_id].append(a)
    industries = {
        str(s): str(i)
        for s, i in con.execute(
            "SELECT shop_id, industry FROM shops WHERE $shop IS NULL OR shop_id = $shop",
            {"shop": shop_id},
        ).fetchall()
        if str(s) in by_shop
    }
    return RoutingDesk(rules, dict(by_shop), industries, on)


def check_certifications(
    con: duckdb.DuckDBPyConnection,
    rules: RoutingRules,
    since: date,
    until: date,
    shop_id: str | None = None,
) -> list[CheckOutcome]:
    """Every monthly check between ``since`` and ``until`` (inclusive)."""
    target = rules.quality["reply_target_seconds"].value
    agents = load_agents(con, shop_id)
    certs = apply_credentials([c for a in agents for c in a.certifications], rules.certifications)

    def perf_for(first: date, last: date) -> dict[str, Performance]:
        return performance(
            con, first, last + timedelta(days=1), reply_target_seconds=target, shop_id=shop_id
        )

    _, outcomes = run_checks(certs, rules.certifications, since, until, perf_for, shifts_of(agents))
    return outcomes


@dataclass(frozen=True, slots=True)
class SkillStaffing:
    need_id: str
    skills: tuple[str, ...]
    sessions: int
    peak_hour: int
    staffing: Staffing


def staffing_from_history(
    con: duckdb.DuckDBPyConnection,
    rules: RoutingRules,
    shop_id: str,
    since: date,
    until: date,
    *,
    target_seconds: float,
    service_level: float,
    patience_seconds: float | None,
    concurrency: int,
) -> list[SkillStaffing]:
    """Per need of the rulebook: the busiest hour's mean arrivals per hour over the period and
    the handling time (rounds × seconds per round), and the agents that load needs."""
    sessions = load_sessions(con, since, until, shop_id)
    if not sessions:
        raise NotFound(f"shop {shop_id} has no human sessions between {since} and {until}")
    days = max((until - since).days, 1)
    groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
    skills: dict[str, tuple[str, ...]] = {}
    for s in sessions:
        need = rules.need_for(s.industry, s.intent)
        key = need.id if need else "(none)"
        skills[key] = need.skills if need else ()
        groups[key].append((s.started_at.hour, s.rounds))
    per_round = rules.replay["seconds_per_round"].value
    out = []
    for key, items in sorted(groups.items()):
        by_hour = Counter(h for h, _ in items)
        peak, count = max(by_hour.items(), key=lambda kv: (kv[1], -kv[0]))
        aht = per_round * sum(r for _, r in items) / len(items)
        out.append(
            SkillStaffing(
                key,
                skills[key],
                len(items),
                peak,
                agents_needed(
                    arrivals_per_hour=count / days,
                    aht_seconds=aht,
                    target_seconds=target_seconds,
                    service_level=service_level,
                    concurrency=concurrency,
                    patience_seconds=patience_seconds,
                ),
            )
        )
    return out


@dataclass
class AssistantDesk:
    """Assistants per shop over one warehouse connection (facts read once per shop)."""

    con: duckdb.DuckDBPyConnection
    rules: RoutingRules
    book: Rulebook
    on: date
    desk: RoutingDesk | None = None
    use_model: bool = True
    assistants: dict[str, Assistant] = field(default_factory=dict)

    def assistant(self, shop_id: str, buyer_id: str | None = None) -> Assistant:
        key = f"{shop_id}|{buyer_id or ''}"
        if key not in self.assistants:
            facts = shop_facts(self.con, shop_id, self.book, self.on)
            desk = self.desk

            def router(intent: str) -> tuple[str | None, str | None]:
                if desk is None or shop_id not in desk.industries:
                    return None, None
                at = datetime.combine(self.on, datetime.min.time()).replace(hour=12)
                decision = desk.route(shop_id, intent, at)
                return decision.agent_id, decision.step_id

            a = self.rules.assistant
            self.assistants[key] = Assistant(
                facts,
                min_coverage_pct=a["min_coverage_pct"].value,
                max_facts=a["max_facts"].value,
                orders=lambda o: order_facts(self.con, shop_id, o, self.book, buyer_id),
                router=router,
                rewriter=endpoint_from_env() if self.use_model else None,
            )
        return self.assistants[key]

    def ask(self, shop_id: str, question: str, buyer_id: str | None = None) -> Answer:
        if not question.strip():
            raise InputError("the question is empty")
        return self.assistant(shop_id, buyer_id).ask(question)

    @property
    def handoffs(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for a in self.assistants.values():
            total.update(a.handoffs)
        return total


def assistant_desk(
    con: duckdb.DuckDBPyConnection,
    on: date,
    *,
    rules: RoutingRules | None = None,
    fee_rulebook: str = FEE_RULEBOOK,
    with_routing: bool = True,
    use_model: bool = True,
) -> AssistantDesk:
    rules = rules or load_rules()
    desk = build_desk(con, rules, on) if with_routing else None
    return AssistantDesk(con, rules, load_rulebook(fee_rulebook), on, desk, use_model)


def evaluate_assistant(
    con: duckdb.DuckDBPyConnection,
    on: date,
    *,
    shops: Sequence[str] | None = None,
    sample: int = 40,
    seed: int = 0,
) -> Evaluation:
    """Build the question set from ``sample`` shops (or the given ones) and score the
    assistant offline (no language model)."""
    if shops is None:
        shops = [
            str(r[0])
            for r in con.execute(
                "SELECT shop_id FROM shops WHERE shop_id IN (SELECT shop_id FROM products) "
                "ORDER BY hash(shop_id || ?) LIMIT ?",
                [str(seed), sample],
            ).fetchall()
        ]
    desk = assistant_desk(con, on, with_routing=False, use_model=False)
    questions = build_questions(con, shops, on, seed)
    result = evaluate(questions, lambda q: desk.ask(q.shop_id, q.text))
    result.held_out = evaluate_held_out(
        held_out_questions(shops), lambda q: desk.ask(q.shop_id, q.text)
    )
    return result


def facts_day(con: duckdb.DuckDBPyConnection) -> date:
    """The day after the last paid order: the assistant's "today" on a historical warehouse."""
    row = con.execute("SELECT max(paid_at) FROM orders").fetchone()
    return row[0].date() + timedelta(days=1) if row and row[0] else date.today()


def answer_dict(answer: Answer) -> dict[str, object]:
    """An answer as plain data (the CLI's ``--json`` and the API's body)."""
    h = answer.handoff
    return {
        "shop_id": answer.shop_id,
        "question": answer.question,
        "answered": answer.answered,
        "topic": answer.topic,
        "text": answer.text,
        "citations": [{"fact_id": f.fact_id, "text": f.text} for f in answer.citations],
        "handoff": None
        if h is None
        else {
            "reason": h.reason.value,
            "detail": h.detail,
            "intent": h.intent,
            "agent_id": h.agent_id,
            "step_id": h.step_id,
        },
        "fluent": answer.fluent,
    }
