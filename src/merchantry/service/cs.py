"""Customer-service use cases shared by ``merchantry cs`` and the ``/v1/cs`` routes.

The ``cs`` stage computes; this layer opens what it needs and applies the scoring stage's own
indicator definitions to the replay's measures, so the figures a replay shows are the
indicators the experience score reads:

* the routing rulebook;
* the fee rulebook whose settlement and insurance terms the assistant may quote: the one
  named (from the shipped rulebooks and the ``rulebook_dirs``), else the first of
  :data:`FEE_RULEBOOKS` in force on the day (:func:`fee_rulebook_for`);
* the score rulebook whose service hours, reply target and unanswered-round seconds the
  customer-service figures count with: the one named, else every score rulebook in force on
  the day, which must agree (:func:`score_conventions`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from merchantry.cs.agents import Agent, Performance, load_agents, performance
from merchantry.cs.assistant import Answer, Assistant
from merchantry.cs.certification import CheckOutcome, apply_credentials, run_checks, shifts_of
from merchantry.cs.conventions import PARAMETERS, ScoreConventions
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
from merchantry.cs.settlement import DAYS_KIND, DELAY_KIND
from merchantry.cs.staffing import Staffing, agents_needed
from merchantry.kit.errors import InputError, NotFound
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.rulebook.library import available_names, search_dirs
from merchantry.rulebook.purpose import Stage, require_stage, stages_of
from merchantry.scoring.indicators import INDICATORS
from merchantry.scoring.inputs import PARAMETER_DEFAULTS

REPLAY_INDICATORS = (
    "response_3min_rate",
    "cs_satisfaction_rate",
    "dissatisfaction_rate",
    "feige_response_seconds",
)
"""The experience-score indicators a routing policy moves (Taobao's 3-minute response and
satisfaction, Douyin's dissatisfaction and average response), by the scoring stage's names."""

FEE_RULEBOOKS: tuple[str, ...] = ("douyin-2026", "douyin-2025")
"""Fee rulebooks the assistant quotes when none is named: the first in force on the day (as
the service's quotes choose among ``fee_rulebooks``); the first when none is."""


def fee_rulebook_for(
    on: date,
    name: str | None = None,
    rulebook_dirs: Sequence[Path] = (),
    *,
    candidates: Sequence[str] = FEE_RULEBOOKS,
) -> Rulebook:
    """The fee rulebook whose settlement and insurance terms the assistant quotes on ``on``:
    ``name`` when given (found in ``rulebook_dirs`` before the shipped ones), else the first
    of ``candidates`` in force on the day. Refused when it has no settlement rule."""
    if name is not None:
        book = load_rulebook(name, rulebook_dirs)
    else:
        if not candidates:
            raise InputError("no fee rulebook to quote settlement terms from")
        books = [load_rulebook(n, rulebook_dirs) for n in candidates]
        book = next((b for b in books if b.in_force(on)), books[0])
    if not (book.rules_of(DAYS_KIND) or book.rules_of(DELAY_KIND)):
        require_stage(book, {Stage.LEDGER}, "merchantry cs ask")
        raise InputError(
            f"rulebook {book.name!r} has no {DAYS_KIND} rule: the assistant cannot quote "
            "settlement terms from it"
        )
    return book


def _conventions(book: Rulebook) -> ScoreConventions:
    """The customer-service numbers of a score rulebook (the scoring stage's defaults where
    it declares none), held to their ranges and order as the scoring stage holds them."""
    values = {n: book.parameter_values.get(n, PARAMETER_DEFAULTS[n]) for n in PARAMETERS}
    book.refuse_problems(values)
    return ScoreConventions(book.name, **values)


def score_conventions(
    on: date, name: str | None = None, rulebook_dirs: Sequence[Path] = ()
) -> ScoreConventions:
    """How the experience score counts a chat (service hours, reply target, an unanswered
    round's cost): from the score rulebook ``name``, else from the score rulebooks in force on
    ``on`` (a rulebook another of them extends gives way to it), which must agree; refused,
    naming each, when they do not (choose one then)."""
    if name is not None:
        book = load_rulebook(name, rulebook_dirs)
        require_stage(book, {Stage.SCORE}, "merchantry cs")
        return _conventions(book)
    books = [load_rulebook(n, rulebook_dirs) for n in available_names(search_dirs(rulebook_dirs))]
    scored = [b for b in books if Stage.SCORE in stages_of(b) and b.in_force(on)]
    newest = [b for b in scored if not any(b.name in o.lineage[1:] for o in scored)]
    if not newest:
        raise NotFound(f"no score rulebook is in force on {on}; name one (--score-rulebook)")
    found = {b.name: _conventions(b) for b in newest}
    if len({_numbers(c) for c in found.values()}) > 1:
        raise InputError(
            f"the score rulebooks in force on {on} count customer-service chats differently ("
            + "; ".join(c.describe() for c in found.values())
            + "); name the one to use (--score-rulebook)"
        )
    return found[min(found)]


def _numbers(c: ScoreConventions) -> tuple[int, ...]:
    """The numbers of ``c`` without the rulebook's name (to compare two rulebooks')."""
    return tuple(getattr(c, n) for n in PARAMETERS)


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
    conventions: ScoreConventions | None = None,
) -> ReplayReport:
    """The replay and its indicator values per policy; ``conventions`` default to those of
    the score rulebooks in force on the period's last day (:func:`score_conventions`)."""
    if until <= since:
        raise InputError(f"the replay period is empty: {since} to {until}")
    if not 1 <= speedup <= 1000:
        raise InputError(f"speedup must be 1 to 1000, got {speedup}")
    counted = conventions or score_conventions(until - timedelta(days=1))
    result = replay(con, rules, since, until, shop_id, conventions=counted, speedup=speedup)
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
    conventions: ScoreConventions | None = None,
) -> RoutingDesk:
    """The routing desk as of ``on``: performance over the ``window_days`` before it (counted
    with ``conventions``, by default the score rulebooks' in force on ``on``) and every monthly
    check of that window applied."""
    agents = prepare_agents(
        con,
        rules,
        on - timedelta(days=window_days),
        on,
        shop_id,
        conventions=conventions or score_conventions(on),
    )
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
    *,
    conventions: ScoreConventions | None = None,
) -> list[CheckOutcome]:
    """Every monthly check between ``since`` and ``until`` (inclusive), performance counted
    with ``conventions`` (by default the score rulebooks' in force on ``until``)."""
    counted = conventions or score_conventions(until)
    agents = load_agents(con, shop_id)
    certs = apply_credentials([c for a in agents for c in a.certifications], rules.certifications)

    def perf_for(first: date, last: date) -> dict[str, Performance]:
        return performance(
            con, first, last + timedelta(days=1), conventions=counted, shop_id=shop_id
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
    conventions: ScoreConventions | None = None,
) -> list[SkillStaffing]:
    """Per need of the rulebook: the busiest hour's mean arrivals per hour over the period and
    the handling time (rounds × seconds per round), and the agents that load needs (every
    human session counts, in the score's service hours or not)."""
    counted = conventions or score_conventions(until - timedelta(days=1))
    sessions = load_sessions(con, since, until, shop_id, conventions=counted)
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
    fee_rulebook: str | Rulebook | None = None,
    rulebook_dirs: Sequence[Path] = (),
    fee_rulebooks: Sequence[str] = FEE_RULEBOOKS,
    score_rulebook: str | None = None,
    with_routing: bool = True,
    use_model: bool = True,
) -> AssistantDesk:
    """The assistants of ``on``, quoting ``fee_rulebook`` (a name looked up in
    ``rulebook_dirs`` and the shipped ones; None: the first of ``fee_rulebooks`` in force on
    the day, :func:`fee_rulebook_for`); with routing, hand-offs are routed on a desk whose
    performance counts with ``score_rulebook``'s conventions (:func:`score_conventions`)."""
    rules = rules or load_rules()
    book = (
        fee_rulebook
        if isinstance(fee_rulebook, Rulebook)
        else fee_rulebook_for(on, fee_rulebook, rulebook_dirs, candidates=fee_rulebooks)
    )
    desk = None
    if with_routing:
        conventions = score_conventions(on, score_rulebook, rulebook_dirs)
        desk = build_desk(con, rules, on, conventions=conventions)
    return AssistantDesk(con, rules, book, on, desk, use_model)


def evaluate_assistant(
    con: duckdb.DuckDBPyConnection,
    on: date,
    *,
    shops: Sequence[str] | None = None,
    sample: int = 40,
    seed: int = 0,
    fee_rulebook: str | None = None,
    rulebook_dirs: Sequence[Path] = (),
) -> Evaluation:
    """Build the question set from ``sample`` shops (or the given ones) and score the
    assistant offline (no language model), quoting ``fee_rulebook`` (as
    :func:`assistant_desk`)."""
    if shops is None:
        shops = [
            str(r[0])
            for r in con.execute(
                "SELECT shop_id FROM shops WHERE shop_id IN (SELECT shop_id FROM products) "
                "ORDER BY hash(shop_id || ?) LIMIT ?",
                [str(seed), sample],
            ).fetchall()
        ]
    book = fee_rulebook_for(on, fee_rulebook, rulebook_dirs)
    desk = assistant_desk(con, on, fee_rulebook=book, with_routing=False, use_model=False)
    settlement = frozenset(r.id for r in (*book.rules_of(DAYS_KIND), *book.rules_of(DELAY_KIND)))
    questions = build_questions(con, shops, on, seed, settlement_rules=(book.name, settlement))
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
