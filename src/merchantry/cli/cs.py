"""`merchantry cs …`: customer-service routing, staffing, the replay and the assistant.

Every command prints and renders only; the use cases live in :mod:`merchantry.service.cs`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    MOMENT_FORMATS,
    DbOption,
    RulebookDirsOption,
    check_period,
    command,
    open_warehouse,
    require_buyer,
    require_shop,
    rulebook_dirs,
    said,
)
from merchantry.cs.routing import RouteDecision
from merchantry.cs.rules import (
    DEFAULT_RULEBOOK,
    INTENTS,
    RoutingRules,
    check_rules_file,
    load_rules,
)
from merchantry.cs.staffing import Staffing, agents_needed
from merchantry.kit.errors import InputError, NotFound
from merchantry.kit.refusals import DAY_FORM
from merchantry.service import cs as use
from merchantry.service.choice import money_rulebook

cs_app = typer.Typer(
    help="Customer service: certified-agent routing, staffing, replay, the AI assistant."
)

RulesOption = Annotated[
    str,
    typer.Option(
        "--rules", help="Routing rulebook: a shipped name or a YAML file.", metavar="NAME"
    ),
]
ScoreRulebookOption = Annotated[
    str | None,
    typer.Option(
        "--score-rulebook",
        metavar="NAME",
        help="Score rulebook whose service hours, reply target and unanswered-round seconds "
        "count the chats (default: the score rulebooks in force, which must agree).",
    ),
]


def _warehouse_fee_rulebook(
    con: duckdb.DuckDBPyConnection, given: str | None, folders: Sequence[Path]
) -> str | None:
    """The fee rulebook the assistant quotes: ``given``; else the warehouse's when it has one
    of its own (its last close's, its fee lines', its marketplace's: said on stderr, as the
    money commands say it); else None, the Douyin rulebook in force on the day."""
    chosen = money_rulebook(con, given, folders)
    return said(chosen) if given is not None or chosen.why else None


FeeRulebookOption = Annotated[
    str | None,
    typer.Option(
        "--rulebook",
        metavar="NAME",
        help="Fee rulebook whose settlement and insurance terms the assistant quotes "
        "(default: the warehouse's, as for `merchantry close`; in a Douyin warehouse with "
        f"none, the first of {', '.join(use.FEE_RULEBOOKS)} in force on the day).",
    ),
]
DEFAULT_LANGUAGE = "zh"
"""The buyer's language when --language is left out (``Consultation.language``'s default)."""
DateOption = Annotated[
    datetime, typer.Option(formats=DATE_FORMATS, metavar=DAY_FORM, help="Day (YYYY-MM-DD).")
]


def register(app: typer.Typer) -> None:
    """Add the ``cs`` group to `app`."""
    for name, function in (
        ("check", check_command),
        ("route", route_command),
        ("staffing", staffing_command),
        ("replay", replay_command),
        ("certifications", certifications_command),
        ("ask", ask_command),
        ("evaluate", evaluate_command),
    ):
        command(cs_app, name, function)
    app.add_typer(cs_app, name="cs")


def check_command(
    files: Annotated[list[Path], typer.Argument(help="Routing rulebook YAML files.")],
) -> None:
    """Check routing rulebooks: every problem at once, with its line; exit 1 on any error."""
    console = Console(highlight=False)
    errors = 0
    for path in files:
        _, problems = check_rules_file(path)
        for d in problems:
            console.print(str(d), markup=False, soft_wrap=True)  # file:line stays whole
        errors += len(problems)
    console.print(f"{len(files)} file(s) checked: {errors} problem(s)")
    if errors:
        raise typer.Exit(1)


def _decision_dict(d: RouteDecision) -> dict[str, object]:
    return {
        "agent_id": d.agent_id,
        "step_id": d.step_id,
        "need_id": d.need_id,
        "skills": list(d.skills),
        "certification": d.certification,
        "certified": d.certified,
        "eligible": d.eligible,
        "retry_after_seconds": d.retry_after_seconds,
        "relaxations": [
            {"from": r.from_step, "to": r.to_step, "reason": r.reason} for r in d.relaxations
        ],
    }


def route_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop the buyer is talking to.")],
    intent: Annotated[str, typer.Option("--intent", help="One of: " + ", ".join(INTENTS))],
    at: Annotated[
        datetime,
        typer.Option(
            "--at",
            formats=[*MOMENT_FORMATS[1:], "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
            metavar="YYYY-MM-DDTHH:MM[:SS]",
            help="When.",
        ),
    ],
    waited: Annotated[int, typer.Option("--waited", min=0, help="Seconds waited so far.")] = 0,
    language: Annotated[
        str | None,
        typer.Option("--language", help="Buyer's language, one the agents speak (default: zh)."),
    ] = None,
    industry: Annotated[
        str | None, typer.Option("--industry", help="Override the shop's industry.")
    ] = None,
    load: Annotated[
        list[str] | None,
        typer.Option("--load", help="AGENT=OPEN chats an agent has now (repeatable)."),
    ] = None,
    db: DbOption = DEFAULT_DB,
    rules: RulesOption = DEFAULT_RULEBOOK,
    score_rulebook: ScoreRulebookOption = None,
    dirs: RulebookDirsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Route one consultation: the agent, the step in force and every relaxation on the way."""
    if intent not in INTENTS:
        raise InputError(f"--intent must be one of {', '.join(INTENTS)}, not {intent!r}")
    loads = _loads(load or [])
    book = load_rules(rules)
    conventions = use.score_conventions(at.date(), score_rulebook, rulebook_dirs(dirs))
    with open_warehouse(db, read_only=True) as con:
        require_shop(con, shop)
        desk = use.build_desk(con, book, at.date(), shop_id=shop, conventions=conventions)
        _check_route_values(con, book, desk, shop, language, industry, loads)
    decision = desk.route(
        shop,
        intent,
        at,
        language=language or DEFAULT_LANGUAGE,
        waited_seconds=waited,
        load=loads,
        industry=industry,
    )
    if as_json:
        typer.echo(json.dumps(_decision_dict(decision), ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    who = decision.agent_id or "nobody free: queued"
    badge = " (certified)" if decision.certified else ""
    console.print(f"[bold]{escape(who)}[/]{badge} under step {escape(decision.step_id)}")
    console.print(
        f"need {decision.need_id or '(none)'}: skills {', '.join(decision.skills) or '-'}; "
        f"certification {decision.certification or '-'}; {decision.eligible} eligible agent(s)",
        markup=False,
    )
    for r in decision.relaxations:
        console.print(f"  relaxed {r.from_step} -> {r.to_step}: {r.reason}", markup=False)
    if decision.retry_after_seconds is not None:
        console.print(f"next relaxation in {decision.retry_after_seconds} s")


def _check_route_values(
    con: duckdb.DuckDBPyConnection,
    rules: RoutingRules,
    desk: use.RoutingDesk,
    shop: str,
    language: str | None,
    industry: str | None,
    loads: dict[str, int],
) -> None:
    """Refuse a --language no agent speaks, an --industry neither the warehouse's shops nor
    the routing rulebook names, and a --load for an agent the shop does not have, each with
    the values that are possible (routing would otherwise ignore them silently)."""
    languages = sorted(
        str(r[0])
        for r in con.execute(
            "SELECT DISTINCT unnest(languages) FROM cs_agents WHERE languages IS NOT NULL"
        ).fetchall()
    )
    if language is not None and language not in languages:
        raise InputError(
            f"--language {language!r}: no agent speaks it; the agents' languages: "
            + ", ".join(languages or ["none (the warehouse has no agents)"])
        )
    if industry is not None:
        known = {str(r[0]) for r in con.execute("SELECT DISTINCT industry FROM shops").fetchall()}
        known.update(i for need in rules.needs for i in need.industries)
        if industry not in known:
            raise InputError(
                f"--industry {industry!r} is not an industry of the warehouse's shops or of the "
                f"routing rulebook {rules.name}; the industries: {', '.join(sorted(known))}"
            )
    agents = sorted(a.agent_id for a in desk.agents.get(shop, []))
    unknown = sorted(set(loads) - set(agents))
    if unknown:
        raise NotFound(
            f"--load names agent(s) {', '.join(map(repr, unknown))} that shop {shop} does not "
            f"have; its agents: {', '.join(agents) or 'none'}"
        )


def _loads(items: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        agent, sep, count = item.partition("=")
        if not sep or not count.isdigit():
            raise InputError(f"--load takes AGENT=COUNT, e.g. S000001-kf1=3; got {item!r}")
        out[agent] = int(count)
    return out


def _staffing_row(table: Table, label: str, skills: str, s: Staffing) -> None:
    table.add_row(
        label,
        skills,
        f"{s.arrivals_per_hour:.2f}",
        f"{s.aht_seconds:.0f}",
        f"{s.offered_load:.2f}",
        str(s.servers),
        str(s.agents),
        f"{s.service_level:.1%}",
        f"{s.p_abandon:.1%}",
        f"{s.asa_seconds:.1f}",
    )


def staffing_command(
    target: Annotated[
        float, typer.Option("--target", help="Answer within this many seconds.")
    ] = 20.0,
    level: Annotated[
        float, typer.Option("--level", help="Share answered in time, e.g. 0.8.")
    ] = 0.8,
    patience: Annotated[
        float | None,
        typer.Option("--patience", help="Mean patience in seconds: Erlang A (abandonment)."),
    ] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", help="Chats per agent.")] = 1,
    rate: Annotated[
        float | None, typer.Option("--rate", help="Arrivals per hour (direct mode).")
    ] = None,
    aht: Annotated[
        float | None, typer.Option("--aht", help="Handling seconds (direct mode).")
    ] = None,
    shop: Annotated[
        str | None, typer.Option("--shop", help="From this shop's history, per skill.")
    ] = None,
    start: Annotated[
        datetime | None, typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM)
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM)
    ] = None,
    db: DbOption = DEFAULT_DB,
    rules: RulesOption = DEFAULT_RULEBOOK,
    score_rulebook: ScoreRulebookOption = None,
    dirs: RulebookDirsOption = None,
) -> None:
    """Agents needed for a service level: from --rate and --aht, or per skill from a shop's
    history (busiest hour's arrivals) with --shop --from --to."""
    table = Table(title=f"staffing for {level:.0%} within {target:g} s")
    for col in (
        "need",
        "skills",
        "arrivals/h",
        "AHT s",
        "erlangs",
        "servers",
        "agents",
        "service level",
        "abandon",
        "ASA s",
    ):
        table.add_column(col, justify="left" if col in ("need", "skills") else "right")
    if rate is not None or aht is not None:
        if rate is None or aht is None:
            raise InputError("direct mode needs both --rate and --aht")
        s = agents_needed(
            arrivals_per_hour=rate,
            aht_seconds=aht,
            target_seconds=target,
            service_level=level,
            concurrency=concurrency,
            patience_seconds=patience,
        )
        _staffing_row(table, "(given)", "-", s)
    else:
        if shop is None or start is None or end is None:
            raise InputError("give --rate and --aht, or --shop with --from and --to")
        check_period(start.date(), end.date())
        conventions = use.score_conventions(end.date(), score_rulebook, rulebook_dirs(dirs))
        with (
            open_warehouse(db, read_only=True) as con,
            _inclusive_end(start.date(), end.date() + timedelta(days=1)),
        ):
            require_shop(con, shop)
            rows = use.staffing_from_history(
                con,
                load_rules(rules),
                shop,
                start.date(),
                end.date() + timedelta(days=1),
                target_seconds=target,
                service_level=level,
                patience_seconds=patience,
                concurrency=concurrency,
                conventions=conventions,
            )
        for r in rows:
            _staffing_row(
                table,
                escape(f"{r.need_id} (peak {r.peak_hour}:00)"),
                escape(", ".join(r.skills)),
                r.staffing,
            )
    Console(highlight=False).print(table)


def replay_command(
    start: Annotated[
        datetime,
        typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First day."),
    ],
    end: Annotated[
        datetime, typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last day.")
    ],
    shop: Annotated[str | None, typer.Option("--shop", help="One shop only.")] = None,
    speedup: Annotated[
        int,
        typer.Option("--speedup", min=1, max=1000, help="Arrivals this many times closer."),
    ] = 1,
    db: DbOption = DEFAULT_DB,
    rules: RulesOption = DEFAULT_RULEBOOK,
    score_rulebook: ScoreRulebookOption = None,
    dirs: RulebookDirsOption = None,
) -> None:
    """Replay the sessions under the routing rulebook and round-robin, side by side, with the
    score indicators they give (the recorded history as a reference)."""
    check_period(start.date(), end.date())
    conventions = use.score_conventions(end.date(), score_rulebook, rulebook_dirs(dirs))
    with (
        open_warehouse(db, read_only=True) as con,
        _inclusive_end(start.date(), end.date() + timedelta(days=1)),
    ):
        if shop:
            require_shop(con, shop)
        report = use.replay_report(
            con,
            load_rules(rules),
            start.date(),
            end.date() + timedelta(days=1),
            shop,
            speedup=speedup,
            conventions=conventions,
        )
    print_replay(Console(highlight=False), report)


def print_replay(console: Console, report: use.ReplayReport) -> None:
    r = report.result
    table = Table(
        title=f"replay {r.since} – {r.until - timedelta(days=1)}: {r.shops} shop(s), "
        f"{r.agents} agent(s)"
    )
    table.add_column("figure")
    for p in r.policies:
        table.add_column(p, justify="right")
    f = r.policies

    def row(label: str, values: list[str]) -> None:
        table.add_row(label, *values)

    row("sessions", [f"{x.sessions:,}" for x in f.values()])
    row(
        "mean wait s", [f"{x.mean_wait:.1f}" if x.policy != "recorded" else "-" for x in f.values()]
    )
    row("p90 wait s", [f"{x.p90_wait}" if x.policy != "recorded" else "-" for x in f.values()])
    row("mean first response s", [f"{x.mean_first_response:.1f}" for x in f.values()])
    row("skill matched", [_share(x.skill_matched, x.needs_skill) for x in f.values()])
    row("certified when needed", [_share(x.badge_matched, x.needs_badge) for x in f.values()])
    for name in use.REPLAY_INDICATORS:
        row(name, [_value(report.indicators[p][name], name) for p in f])
    console.print(table)


@contextmanager
def _inclusive_end(since: date, until: date) -> Iterator[None]:
    """Say the period as given: the use cases take ``[since, until)`` and name it so
    ("between 2030-01-01 and 2030-01-06"), while --to is the last day included."""
    try:
        yield
    except NotFound as err:
        exclusive = f"between {since} and {until}"
        text = str(err)
        if exclusive not in text:
            raise
        last = until - timedelta(days=1)
        raise NotFound(text.replace(exclusive, f"from {since} to {last}")) from None


def _share(num: int, den: int) -> str:
    return "-" if den == 0 else f"{num / den:.1%}"


def _value(value: int | None, name: str) -> str:
    if value is None:
        return "-"
    return f"{value} s" if name.endswith("seconds") else f"{value / 100:.2f}%"


def certifications_command(
    start: Annotated[datetime, typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM)],
    end: Annotated[datetime, typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM)],
    shop: Annotated[str | None, typer.Option("--shop")] = None,
    db: DbOption = DEFAULT_DB,
    rules: RulesOption = DEFAULT_RULEBOOK,
    score_rulebook: ScoreRulebookOption = None,
    dirs: RulebookDirsOption = None,
) -> None:
    """Run the monthly certification checks in the period: who kept a badge, who lost it."""
    check_period(start.date(), end.date())
    conventions = use.score_conventions(end.date(), score_rulebook, rulebook_dirs(dirs))
    with open_warehouse(db, read_only=True) as con:
        if shop:
            require_shop(con, shop)
        outcomes = use.check_certifications(
            con, load_rules(rules), start.date(), end.date(), shop, conventions=conventions
        )
    table = Table(title=f"certification checks {start.date()} – {end.date()}")
    for col in ("check", "agent", "badge", "ratings", "satisfaction", "rounds", "3-min", "result"):
        table.add_column(col)
    for o in outcomes:
        table.add_row(
            str(o.check_date),
            escape(o.agent_id),
            escape(o.kind),
            str(o.ratings),
            _value(o.satisfaction_bp, ""),
            str(o.rounds),
            _value(o.response_3min_bp, ""),
            "kept" if o.passed else escape("removed: " + "; ".join(o.reasons)),
        )
    console = Console(highlight=False)
    console.print(table)
    removed = sum(not o.passed for o in outcomes)
    console.print(f"{len(outcomes)} check(s), {removed} badge(s) removed")


def ask_command(
    question: Annotated[str, typer.Argument(help="The buyer's question.")],
    shop: Annotated[str, typer.Option("--shop", help="Shop answering.")],
    buyer: Annotated[str | None, typer.Option("--buyer", help="Buyer asking (orders).")] = None,
    on: Annotated[
        datetime | None,
        typer.Option("--on", formats=DATE_FORMATS, metavar=DAY_FORM, help="Facts as of this day."),
    ] = None,
    db: DbOption = DEFAULT_DB,
    fee_rulebook: FeeRulebookOption = None,
    score_rulebook: ScoreRulebookOption = None,
    dirs: RulebookDirsOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Answer a question from the shop's facts, citing them, or hand off to a human."""
    folders = rulebook_dirs(dirs)
    with open_warehouse(db, read_only=True) as con:
        require_shop(con, shop)
        if buyer is not None:
            require_buyer(con, buyer)
        day = on.date() if on else use.facts_day(con)
        desk = use.assistant_desk(
            con,
            day,
            fee_rulebook=_warehouse_fee_rulebook(con, fee_rulebook, folders),
            rulebook_dirs=folders,
            score_rulebook=score_rulebook,
        )
        answer = desk.ask(shop, question, buyer)
    payload = use.answer_dict(answer)
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console(highlight=False)
    console.print(answer.text, markup=False)
    for f in answer.citations:
        console.print(f"  [{f.fact_id}] {f.text}", markup=False)
    if answer.handoff:
        h = answer.handoff
        console.print(
            f"hand-off: {h.reason.value} ({h.detail}); routed to {h.agent_id or 'the queue'}"
            f"{' under ' + h.step_id if h.step_id else ''}",
            markup=False,
        )


def evaluate_command(
    sample: Annotated[
        int, typer.Option("--shops", min=1, help="Shops to build questions from.")
    ] = 40,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    db: DbOption = DEFAULT_DB,
    fee_rulebook: FeeRulebookOption = None,
    dirs: RulebookDirsOption = None,
) -> None:
    """Score the assistant on a question set built from the warehouse's shops."""
    folders = rulebook_dirs(dirs)
    with open_warehouse(db, read_only=True) as con:
        row = con.execute("SELECT count(*) FROM shops").fetchone()
        if not (row and row[0]):
            raise InputError(
                "the warehouse has no shops to build questions from; load data first with "
                "`merchantry ingest DIR` (or run `merchantry demo`)"
            )
        ev = use.evaluate_assistant(
            con,
            use.facts_day(con),
            sample=sample,
            seed=seed,
            fee_rulebook=_warehouse_fee_rulebook(con, fee_rulebook, folders),
            rulebook_dirs=folders,
        )
    console = Console(highlight=False)
    console.print(
        f"{ev.questions} questions: answer accuracy {ev.accuracy:.1%} "
        f"({ev.correct}/{ev.answerable}); hand-off precision {ev.handoff_precision:.1%}, "
        f"recall {ev.handoff_recall:.1%}; answers with invented numbers: {ev.invented}"
    )
    for reason, counts in sorted(ev.per_reason.items()):
        console.print(
            f"  {reason}: {counts['tp']} right, {counts['fp']} wrongly, {counts['fn']} missed",
            markup=False,
        )
    if ev.held_out is not None:
        h = ev.held_out
        console.print(
            f"held-out hand-off wording: {h.handed_off}/{h.questions} handed off, "
            f"{h.right_reason} with the right reason, {len(h.answered)} answered"
        )
