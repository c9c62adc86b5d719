"""`merchantry risk`: rings, decisions, the model, evaluation, integrity file and cases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TypeVar

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.options import (
    DEFAULT_DB,
    MOMENT_FORMATS,
    DbOption,
    MerchantryCommand,
    connect_warehouse,
    open_warehouse,
    progress,
)
from merchantry.kit.errors import InputError
from merchantry.kit.money import format_fen
from merchantry.kit.refusals import MOMENT_FORM
from merchantry.report.names import Vocabulary, decision_label, label
from merchantry.risk.access import Scope
from merchantry.risk.cases import CaseState
from merchantry.risk.decisions import score_requests
from merchantry.risk.evaluation import (
    ModelEvaluation,
    evaluate_decisions,
    evaluate_rings,
)
from merchantry.risk.integrity import buyer_level, derive_events, record_events
from merchantry.risk.model import BEHAVIOUR_FEATURES, MODEL_FEATURES, load_model, save_model
from merchantry.risk.rings import Method, RingRun, find_rings
from merchantry.risk.rules import compile_risk_rules
from merchantry.risk.settings import DEFAULT_RULEBOOK, settings_from
from merchantry.risk.store import DEFAULT_URL, open_store
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.rulebook.purpose import Stage, require_stage
from merchantry.service import cases
from merchantry.service.runner import run_stage
from merchantry.service.stages import rings_stage

risk_app = typer.Typer(help="Risk control: rings, refund decisions, integrity file, cases.")
cases_app = typer.Typer(help="Risk cases and appeals (operational database).")
risk_app.add_typer(cases_app, name="cases")

DB = DbOption
RULEBOOK = Annotated[str, typer.Option("--rulebook", help="Risk rulebook.")]
STORE = Annotated[
    str,
    typer.Option(
        "--ops-db",
        envvar="MERCHANTRY_OPS_URL",
        help="Operational database (SQLAlchemy URL), as `serve` and `keys` take it.",
    ),
]
T = TypeVar("T")


class RingMethod(StrEnum):
    """How linked-account groups are found."""

    SCIPY = "scipy"
    """Connected components with SciPy's sparse graph routines (fast)."""
    DUCKDB = "duckdb"
    """Label propagation in SQL inside the warehouse."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.add_typer(risk_app, name="risk")


def _risk_rulebook(name: str) -> Rulebook:
    """The risk rulebook ``name``; a rulebook for another stage is refused, naming its command."""
    book = load_rulebook(name)
    require_stage(book, (Stage.RISK,), "merchantry risk")
    return book


def _run(console: Console, text: str, work: Callable[[], T]) -> T:
    with progress(console, text):
        return work()


@risk_app.command("rings", cls=MerchantryCommand)
def rings_command(
    db: DB = DEFAULT_DB,
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    method: Annotated[RingMethod, typer.Option(help="How linked groups are found.")] = (
        RingMethod.SCIPY
    ),
    truth: Annotated[Path | None, typer.Option(help="Generator truth/ folder to evaluate.")] = None,
) -> None:
    """Find linked-account rings and score them (risk_rings, risk_ring_members)."""
    console = Console()
    _risk_rulebook(rulebook)  # a rulebook for another stage is refused here, naming its command
    chosen: Method = "duckdb" if method is RingMethod.DUCKDB else "scipy"
    stage = rings_stage(rulebook, method=chosen)
    with open_warehouse(db) as con:
        today = date.today()  # rings are warehouse-wide: the period only labels the run
        outcome = _run(console, "finding rings", lambda: run_stage(con, stage, today, today))
        if not isinstance(outcome.detail, RingRun):
            raise TypeError(f"the rings stage reported {type(outcome.detail).__name__}")
        run = outcome.detail
        console.print(
            f"{run.links:,} identifier links, {run.hubs:,} public identifiers set aside, "
            f"{run.linked_groups:,} linked groups, [bold]{run.flagged:,} flagged rings[/] "
            f"({run.flagged_buyers:,} buyers) in {run.seconds:.2f} s ({run.method})"
        )
        if truth is not None:
            e = evaluate_rings(con, truth)
            console.print(
                f"planted {e.planted_rings} rings / {e.planted_buyers} buyers: "
                f"ring precision {e.ring_precision:.3f} recall {e.ring_recall:.3f}; "
                f"buyer precision {e.buyer_precision:.3f} recall {e.buyer_recall:.3f}"
            )


def _print_evaluation(console: Console, result: ModelEvaluation) -> None:
    table = Table(
        title=f"time split at {result.split_at:%Y-%m-%d %H:%M}: train {result.train_rows:,} "
        f"({result.train_positives:,} abusive), test {result.test_rows:,} "
        f"({result.test_positives:,} abusive); model {result.model.version}"
    )
    for column in (
        "decided by",
        "ROC AUC",
        "intercepted",
        "precision @ intercept",
        "recall @ intercept",
        "honest requests stopped",
        "honest buyers intercepted",
    ):
        table.add_column(column, justify="left" if column == "decided by" else "right")
    for q in result.qualities:
        table.add_row(
            q.name,
            f"{q.roc_auc:.4f}",
            f"{q.intercepted:,}",
            f"{q.precision_at_intercept:.3f}",
            f"{q.recall_at_intercept:.3f}",
            f"{q.honest_claims_stopped:.2%}",
            f"{q.honest_buyers_intercepted:.2%}",
        )
    console.print(table)
    if not result.by_grade:
        return
    grades = Table(title="by planted grade (test requests)")
    columns = ("decided by", "grade", "requests", "ROC AUC vs honest", "intercepted", "stopped")
    for column in columns:
        grades.add_column(column, justify="left" if column in ("decided by", "grade") else "right")
    for g in result.by_grade:
        grades.add_row(
            escape(g.decider),
            escape(g.grade if g.abusive else f"{g.grade} (honest)"),  # from the truth file
            f"{g.requests:,}",
            "–" if g.roc_auc != g.roc_auc else f"{g.roc_auc:.4f}",
            f"{g.intercepted_share:.2%}",
            f"{g.stopped_share:.2%}",
        )
    console.print(grades)


def _share_between_0_and_1(value: float) -> float:
    """A share of the window: 0 leaves nothing to train on, 1 nothing to test on."""
    if not 0 < value < 1:
        raise typer.BadParameter(
            f"{value:g} is not a share of the window between 0 and 1 (both left out: 0 "
            "trains on nothing, 1 tests on nothing); 0.7 trains on the first 70%",
            param_hint="--train-share",
        )
    return value


@risk_app.command("train", cls=MerchantryCommand)
def train_command(
    truth: Annotated[Path, typer.Option(help="Generator truth/ folder (labels).")],
    out: Annotated[Path, typer.Option(help="Model file to write.")] = Path("risk-model.pkl"),
    db: DB = DEFAULT_DB,
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    train_share: Annotated[
        float,
        typer.Option(
            callback=_share_between_0_and_1,  # both ends left out, which min/max cannot say
            help="Share of the time window to train on, more than 0 and less than 1 (the rest "
            "is the test part).",
        ),
    ] = 0.7,
    behaviour_only: Annotated[
        bool, typer.Option(help="Leave ring and photo features out of the model.")
    ] = False,
) -> None:
    """Train the model on labelled history (time split), report its test figures, save it."""
    console = Console()
    book = _risk_rulebook(rulebook)
    features = BEHAVIOUR_FEATURES if behaviour_only else MODEL_FEATURES
    with open_warehouse(db) as con:
        result = _run(
            console,
            "training",
            lambda: evaluate_decisions(
                con,
                truth,
                compile_risk_rules(book),
                settings_from(book),
                train_share=train_share,
                features=features,
            ),
        )
    _print_evaluation(console, result)
    console.print(
        f"model {result.model.version} written to {save_model(result.model, out)}", markup=False
    )


@risk_app.command("evaluate", cls=MerchantryCommand)
def evaluate_command(
    truth: Annotated[Path | None, typer.Option(help="Generator truth/ folder.")] = None,
    amazon: Annotated[
        Path | None, typer.Option(help="Folder of the Amazon UPU graph (nodes/edges csv.gz).")
    ] = None,
    db: DB = DEFAULT_DB,
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
) -> None:
    """Evaluate rings and decisions on planted truth, and node scores on the Amazon graph."""
    if truth is None and amazon is None:
        raise InputError(
            "nothing to evaluate: give --truth FOLDER (the generator's truth/ folder, scored "
            "against the warehouse) or --amazon FOLDER (the Amazon UPU graph), or both"
        )
    console = Console()
    if truth is not None:
        book = _risk_rulebook(rulebook)
        settings = settings_from(book)
        with open_warehouse(db) as con:
            for features, name in ((MODEL_FEATURES, "all"), (BEHAVIOUR_FEATURES, "behaviour")):
                result = _run(
                    console,
                    f"evaluating ({name} features)",
                    lambda f=features: evaluate_decisions(  # type: ignore[misc]
                        con, truth, compile_risk_rules(book), settings, features=f
                    ),
                )
                console.print(f"[bold]model features: {name}[/]")
                _print_evaluation(console, result)
            find_rings(con, settings)
            e = evaluate_rings(con, truth)
            console.print(
                f"rings over the whole window: ring precision {e.ring_precision:.3f} recall "
                f"{e.ring_recall:.3f} ({e.planted_rings} planted); buyer precision "
                f"{e.buyer_precision:.3f} recall {e.buyer_recall:.3f}"
            )
            for g in e.by_grade:
                console.print(
                    f"  {g.grade}: {g.found} of {g.planted} rings found "
                    f"(recall {g.ring_recall:.3f}); {g.buyers_flagged} of {g.buyers} members "
                    "flagged"
                )
    if amazon is not None:
        from merchantry.risk.amazon import PUBLISHED, evaluate_amazon

        result_a = _run(console, "scoring the Amazon graph", lambda: evaluate_amazon(amazon))
        table = Table(
            title=f"Amazon UPU: {result_a.nodes:,} users, {result_a.edges:,} edges, "
            f"{result_a.fraud:,} fraudulent"
        )
        for column in ("method", "reads", "features", "AUROC", "AUPRC"):
            table.add_column(column, justify="right" if column.startswith("AU") else "left")
        for s in result_a.scores:
            table.add_row(
                s.method,
                s.reads,
                s.feature_set,
                f"{s.auroc_mean:.4f} ± {s.auroc_sd:.4f}",
                f"{s.auprc_mean:.4f} ± {s.auprc_sd:.4f}",
            )
        for name, (auroc, auprc) in PUBLISHED.items():
            table.add_row(f"{name} (published)", "", "", f"{auroc:.4f}", f"{auprc:.4f}")
        table.caption = f"mean ± sd over {result_a.scores[0].seeds} seeds"
        console.print(table)


@risk_app.command("score", cls=MerchantryCommand)
def score_command(
    db: DB = DEFAULT_DB,
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    model: Annotated[Path | None, typer.Option(help="Model file (rules only without).")] = None,
) -> None:
    """Find rings, then decide every after-sales request into risk_decisions."""
    console = Console()
    book = _risk_rulebook(rulebook)
    settings = settings_from(book)
    loaded = load_model(model) if model is not None else None
    with open_warehouse(db) as con:
        _run(console, "finding rings", lambda: find_rings(con, settings))
        run = _run(
            console,
            "deciding requests",
            lambda: score_requests(con, compile_risk_rules(book), settings, loaded),
        )
    counts = ", ".join(
        f"{label(Vocabulary.DECISION, k)} {v:,}" for k, v in sorted(run.by_decision.items())
    )
    console.print(f"{run.requests:,} requests decided in {run.seconds:.2f} s: {counts}")


@risk_app.command("integrity", cls=MerchantryCommand)
def integrity_command(
    as_of: Annotated[
        datetime, typer.Option("--as-of", formats=MOMENT_FORMATS, metavar=MOMENT_FORM)
    ],
    db: DB = DEFAULT_DB,
    store: STORE = DEFAULT_URL,
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    buyer: Annotated[str | None, typer.Option(help="Show this buyer's level.")] = None,
) -> None:
    """Record abuse events found in the warehouse in the integrity file."""
    console = Console()
    settings = settings_from(_risk_rulebook(rulebook))
    engine = open_store(store)
    with open_warehouse(db) as con:
        events = derive_events(con, settings, as_of)
    added = record_events(engine, events)
    console.print(f"{len(events):,} abuse events found, {added:,} new")
    if buyer:
        view = buyer_level(engine, Scope.operator(), buyer, as_of, settings)
        console.print(f"buyer {view.buyer_id}: level {view.level.value}", markup=False)


@risk_app.command("brushing", cls=MerchantryCommand)
def brushing_command(
    log: Annotated[
        Path,
        typer.Argument(
            help="Behaviour log in the public UserBehavior layout (CSV or .csv.gz; no header: "
            "user, item, category, pv|fav|cart|buy, unix seconds; or a header naming the "
            "columns; timestamps in unix seconds, milliseconds or YYYY-MM-DD HH:MM:SS).",
            dir_okay=False,
        ),
    ],
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    show: Annotated[int, typer.Option(help="Flagged accounts to list.", min=0)] = 20,
) -> None:
    """Flag brushing (刷单): bursts of purchases of items the account never looked at."""
    from merchantry.risk.behaviour_log import read_behaviour_log
    from merchantry.risk.brushing import find_brushing

    console = Console()
    settings = settings_from(_risk_rulebook(rulebook))
    con = duckdb.connect()
    try:
        reading = read_behaviour_log(con, log)
        report = find_brushing(con, settings)
    finally:
        con.close()
    console.print(f"read {log}: {reading.layout()}", highlight=False, markup=False)
    if reading.set_aside:
        warn = Console(stderr=True, highlight=False)
        warn.print(
            f"[yellow]warning:[/] {reading.set_aside_rows:,} of {reading.lines:,} lines of "
            f"{log} set aside, not read as events:",
            markup=True,
        )
        for group in reading.set_aside:
            warn.print(f"  {group}", markup=False)
    console.print(
        f"{reading.events:,} events, {report.accounts:,} accounts, {report.buyers:,} with "
        f"purchases; {report.blind_buys:,} of {report.buys:,} purchases blind; "
        f"{len(report.flagged):,} accounts flagged"
        + (
            f"; {reading.set_aside_rows:,} line{'s' if reading.set_aside_rows > 1 else ''} "
            "set aside"
            if reading.set_aside
            else ""
        )
    )
    if not report.buys:
        Console(stderr=True, highlight=False).print(
            f"[yellow]warning:[/] {log} holds no purchase ('buy' event): there is nothing "
            "to judge, and no account can be flagged",
            markup=True,
        )
    table = Table(title="flagged accounts")
    for column in ("account", "purchases", "blind", "largest burst", "why"):
        table.add_column(column, justify="left" if column in ("account", "why") else "right")
    for account in report.flagged[:show]:
        table.add_row(
            escape(account.user_id),
            f"{account.buys}",
            f"{account.blind_buys}",
            f"{account.max_blind_burst}",
            escape("; ".join(account.reasons)),
        )
    if report.flagged and show:
        console.print(table)


@cases_app.command("open", cls=MerchantryCommand)
def cases_open(
    db: DB = DEFAULT_DB,
    store: STORE = DEFAULT_URL,
    at: Annotated[
        datetime | None, typer.Option(formats=MOMENT_FORMATS, metavar=MOMENT_FORM)
    ] = None,
) -> None:
    """Open a case for every intercepted request in risk_decisions."""
    engine = open_store(store)
    with open_warehouse(db) as con:
        added = cases.open_cases(engine, con, Scope.operator("cli"), at or datetime.now())
    Console().print(f"{added:,} new cases")


@cases_app.command("list", cls=MerchantryCommand)
def cases_list(
    store: STORE = DEFAULT_URL,
    state: Annotated[CaseState | None, typer.Option(help="Only cases in this state.")] = None,
    shop: Annotated[str | None, typer.Option(help="Act as this shop's merchant.")] = None,
    sort: Annotated[
        cases.CaseSort, typer.Option(help="Order: risk (score), amount or age (oldest first).")
    ] = cases.CaseSort.RISK,
    page: Annotated[int, typer.Option(help="Page to show, from 1.", min=1)] = 1,
    per_page: Annotated[int, typer.Option(help="Cases per page.", min=1)] = 20,
) -> None:
    """List cases sorted by risk, amount or age, a page at a time (a merchant: its shop's)."""
    scope = Scope.merchant(shop) if shop else Scope.operator("cli")
    shown = cases.page_cases(
        open_store(store),
        scope,
        state=state,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    console = Console()
    if not shown.total:
        console.print("no cases" + (f" in state {state}" if state else ""))
        return
    table = Table(
        title=f"cases {shown.first:,}-{shown.last:,} of {shown.total:,} by {sort.value} "
        f"(page {shown.page} of {shown.pages})"
    )
    for column in ("case", "subject", "shop", "state", "decision", "risk", "amount", "opened"):
        table.add_column(column, justify="right" if column in ("risk", "amount") else "left")
    for c in shown.cases:
        score = cases.risk_score(c)
        table.add_row(
            escape(c.case_id),
            escape(f"{label(Vocabulary.CASE_SUBJECT, c.subject.value)} {c.subject_id}"),
            escape(c.shop_id),
            escape(label(Vocabulary.CASE_STATE, c.state.value)),
            escape(decision_label(c.decision)),
            "-" if score is None else str(score),
            format_fen(c.amount_fen),
            f"{c.opened_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".bmp")


@cases_app.command("show", cls=MerchantryCommand)
def cases_show(case_id: str, store: STORE = DEFAULT_URL) -> None:
    """A case: its decision and reasons, the evidence submitted, and its audit trail."""
    view = cases.show_case(open_store(store), Scope.operator("cli"), case_id)
    case = view.case
    console = Console(highlight=False)
    subject = label(Vocabulary.CASE_SUBJECT, case.subject.value)
    state = label(Vocabulary.CASE_STATE, case.state.value)
    console.print(
        f"[bold]{escape(case.case_id)}[/] {escape(f'{subject} {case.subject_id}: {state}')}"
    )
    buyer = f", buyer {case.buyer_id}" if case.buyer_id else ""
    # the rest is data (ids, reasons, notes, evidence): printed as written, never as markup
    console.print(
        f"shop {case.shop_id}{buyer}; opened {case.opened_at:%Y-%m-%d %H:%M}; "
        f"amount {format_fen(case.amount_fen)}",
        markup=False,
    )
    console.print(f"decision: {decision_label(case.decision)}", markup=False)
    console.print("reasons:" if case.reasons else "reasons: none recorded")
    for reason in case.reasons:
        console.print(f"  - {reason}", markup=False)
    if case.ledger_entry_id:
        reversed_by = f", reversed by {case.reversal_entry_id}" if case.reversal_entry_id else ""
        console.print(f"journal entry {case.ledger_entry_id}{reversed_by}", markup=False)
    console.print(f"evidence ({len(view.evidence)}):" if view.evidence else "evidence: none")
    for e in view.evidence:
        kind = "image" if e.ref.lower().endswith(IMAGE_SUFFIXES) else "document"
        text = f"  {e.note}" if e.note else ""
        console.print(
            f"  {e.at:%Y-%m-%d %H:%M} {e.submitted_by}: {kind} {e.ref}{text}", markup=False
        )
    console.print("audit trail:")
    for r in view.audit:
        origin = label(Vocabulary.CASE_STATE, r.from_state.value) if r.from_state else "-"
        to = label(Vocabulary.CASE_STATE, str(r.to_state))
        console.print(
            f"  {r.at:%Y-%m-%d %H:%M} {r.actor}: {origin} -> {to}  {r.note}", markup=False
        )


@cases_app.command("move", cls=MerchantryCommand)
def cases_move(
    case_id: str,
    to: Annotated[CaseState, typer.Option(help="The state to move the case to.")],
    note: Annotated[str, typer.Option(help="Why.")],
    store: STORE = DEFAULT_URL,
    db: Annotated[Path | None, typer.Option(help="Warehouse (to reverse money).")] = None,
    actor: Annotated[str, typer.Option(help="Who is moving it.")] = "cli",
) -> None:
    """Move a case (operators); overturning reverses its journal entry and says what it moved."""
    con = connect_warehouse(db) if db else None
    try:
        moved = cases.move_case(
            open_store(store),
            Scope.operator(actor),
            case_id,
            to,
            note,
            datetime.now(),
            con,
        )
    finally:
        if con is not None:
            con.close()
    console = Console()
    for line in moved.lines():
        console.print(line, highlight=False, markup=False)


@cases_app.command("appeal", cls=MerchantryCommand)
def cases_appeal(
    case_id: str,
    shop: Annotated[str, typer.Option(help="The appealing merchant's shop.")],
    note: Annotated[str, typer.Option(help="The merchant's explanation.")],
    evidence: Annotated[list[str] | None, typer.Option(help="Evidence reference.")] = None,
    store: STORE = DEFAULT_URL,
) -> None:
    """A merchant appeals its shop's case with evidence."""
    case = cases.appeal_case(
        open_store(store), Scope.merchant(shop), case_id, evidence or [], note, datetime.now()
    )
    Console().print(
        f"{case.case_id}: {label(Vocabulary.CASE_STATE, case.state.value)}", markup=False
    )
