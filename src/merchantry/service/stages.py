"""The batch stages, declared: what each reads and writes, what runs it, what makes it stale.

A :class:`Stage` is a value: a name, the tables it reads and writes, the function
that runs it over a period, and its configuration (the rulebook it applies,
whose content is part of its staleness digest). :func:`default_stages` is the
ordered set ``merchantry run`` executes; :func:`check_order` refuses an order in
which a stage would read a table that a later stage writes. The stages
themselves stay in their packages (``fees``, ``ledger``, ``scoring``, ``risk``),
which never import each other: they meet in the tables declared here.

Simulation is not a stage (it is a use case over two rulebooks:
:mod:`merchantry.service.simulation`); payouts are the close's payout schedule
(``order_payouts``), not a stage of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.fees import run_rulebook
from merchantry.kit.errors import InputError
from merchantry.kit.words import counted
from merchantry.ledger import CloseSummary, close_period
from merchantry.ledger.daily import close_daily
from merchantry.ledger.rewards import REWARDS_POSTED
from merchantry.programs import load_programme, run_programme
from merchantry.risk.decisions import score_requests
from merchantry.risk.model import RiskModel
from merchantry.risk.rings import Method, find_rings
from merchantry.risk.rules import compile_risk_rules
from merchantry.risk.settings import DEFAULT_RULEBOOK as DEFAULT_RISK_RULEBOOK
from merchantry.risk.settings import settings_from
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.facts import fact_relation
from merchantry.rulebook.model import Rulebook
from merchantry.scoring import score_shops
from merchantry.scoring.stage import ScoreRunSummary
from merchantry.seeding import attribute, load_rules

Progress = Callable[[str], None]
"""Called with a short description as each step of a stage starts."""

DEFAULT_FEE_RULEBOOK: Final = "douyin-2026"
DEFAULT_SCORE_RULEBOOKS: Final = ("douyin-score-2026-07",)


def tables_read(query: exp.Expr) -> tuple[str, ...]:
    """The warehouse tables ``query`` reads, in order of first appearance: every table it
    names, its common table expressions (at any depth) left out."""
    own = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    names: dict[str, None] = {}
    for table in query.find_all(exp.Table):
        if table.name not in own:
            names.setdefault(table.name, None)
    return tuple(names)


FACTS: Final = tables_read(fact_relation())
"""What the fact relation of fee and ledger rules reads (``rulebook/facts.py``), taken from
its own tree, so a table the relation starts reading (the score series's
``shop_score_indicators``, the colonel fees) makes the stages over it stale when it changes."""


SCORE_INPUTS: Final = (
    "orders",
    "shops",
    "categories",
    "products",
    "creators",
    "after_sales",
    "logistics_events",
    "reviews",
    "cs_sessions",
    "shop_services",
    "violations",
    "withdrawn_violations",
)
SCORE_OUTPUTS: Final = (
    "shop_scores",
    "shop_score_indicators",
    "shop_score_adjustments",
    "shop_gates",
    "service_rankings",
)
RISK_INPUTS: Final = ("orders", "shops", "categories", "products", "creators", "after_sales")


class StageScope(StrEnum):
    """What part of the period a stage computes."""

    PERIOD = "period"
    """Every day of the period asked for; its runs are keyed by that period."""
    LAST_DAY = "last_day"
    """Only the period's last day (a ranking published for one date)."""
    WAREHOUSE = "warehouse"
    """The whole warehouse whatever the period (risk rings and decisions): one fresh run
    serves every period."""


@dataclass(frozen=True, slots=True)
class StageContext:
    """What a stage function is given."""

    con: duckdb.DuckDBPyConnection
    start: date
    end: date
    progress: Progress


@dataclass(frozen=True, slots=True)
class StageOutcome:
    """What a stage reports after it ran."""

    summary: str
    """One line for people."""
    warnings: tuple[str, ...] = ()
    detail: object | None = None
    """The stage's own summary (``CloseSummary``, ``ScoreRunSummary`` …) for callers that
    show more than one line."""


StageFunction = Callable[[StageContext], StageOutcome]


@dataclass(frozen=True, slots=True)
class Stage:
    """One declared batch stage."""

    name: str
    """``kind:rulebook`` (``fees:douyin-2026``), unique in a plan."""
    title: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    run: StageFunction
    config: str = ""
    """Configuration hashed into the staleness digest (the rulebook's content digest,
    a model's version)."""
    scope: StageScope = StageScope.PERIOD
    stale_when: str = "a table it reads or its rulebook changed since its last run"

    @property
    def kind(self) -> str:
        """The part of the name before ``:`` (``fees``, ``close``, ``score``, ``risk``)."""
        return self.name.split(":", 1)[0]

    @property
    def inputs(self) -> tuple[str, ...]:
        """Tables whose content makes the stage stale: what it reads and does not write."""
        return tuple(t for t in self.reads if t not in self.writes)

    def period(self, start: date, end: date) -> tuple[date, date]:
        """The period the stage computes when asked for ``start``..``end``."""
        return (end, end) if self.scope is StageScope.LAST_DAY else (start, end)


class StageOrderError(InputError):
    """A plan whose order breaks a declared dependency, or with a name twice."""


def check_order(stages: Sequence[Stage]) -> None:
    """Refuse a plan where a stage reads a table that a later stage writes."""
    names = [s.name for s in stages]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise StageOrderError(f"stage named twice in a plan: {', '.join(twice)}")
    for i, earlier in enumerate(stages):
        for later in stages[i + 1 :]:
            clash = sorted(set(earlier.inputs) & set(later.writes))
            if clash:
                raise StageOrderError(
                    f"stage {earlier.name} reads {', '.join(clash)}, which the later stage "
                    f"{later.name} writes: run {later.name} first"
                )


def rulebook_digest(book: Rulebook) -> str:
    """A digest of a rulebook's resolved content: any edit to a rule changes it."""
    return hashlib.sha256(repr(book).encode("utf-8")).hexdigest()[:16]


def _book(rulebook: str | Rulebook, dirs: Sequence[Path]) -> Rulebook:
    return rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook, dirs)


# --- the stages ------------------------------------------------------------------------


def score_stage(
    rulebook: str | Rulebook,
    rulebook_dirs: Sequence[Path] = (),
    *,
    scope: StageScope = StageScope.PERIOD,
) -> Stage:
    """Daily experience scores of every shop under a score rulebook (gates, ranking)."""
    book = _book(rulebook, rulebook_dirs)
    return scores_run_by(
        book,
        lambda ctx: score_shops(ctx.con, book, ctx.start, ctx.end, progress=ctx.progress),
        scope=scope,
    )


def scores_run_by(
    book: Rulebook,
    score: Callable[[StageContext], ScoreRunSummary],
    *,
    engine: str = "",
    scope: StageScope = StageScope.PERIOD,
) -> Stage:
    """The score stage of ``book`` whose rows ``score`` writes: one name, tables and digest
    whichever engine scores (``engine``, when not DuckDB, is named in the outcome), so
    ``merchantry run`` treats the rows as fresh (they are the same rows)."""

    def run(ctx: StageContext) -> StageOutcome:
        summary = score(ctx)
        on = f" ({engine})" if engine else ""
        return StageOutcome(
            f"{counted(summary.shops, 'shop')}, {counted(summary.rows, 'shop-day')} scored "
            f"({summary.formal:,} formal on {summary.end}){on}",
            summary.warnings,
            summary,
        )

    return Stage(
        f"score:{book.name}",
        f"experience scores under {book.name}",
        SCORE_INPUTS,
        SCORE_OUTPUTS,
        run,
        rulebook_digest(book),
        scope,
    )


def fees_stage(rulebook: str | Rulebook, rulebook_dirs: Sequence[Path] = ()) -> Stage:
    """One fee line per order and fee kind under a fee rulebook."""
    book = _book(rulebook, rulebook_dirs)

    def run(ctx: StageContext) -> StageOutcome:
        ctx.progress(f"fees under {book.name}")
        summary = run_rulebook(ctx.con, book, ctx.start, ctx.end, progress=ctx.progress)
        return StageOutcome(
            f"{counted(summary.lines, 'fee line')} for {counted(summary.orders, 'order')}",
            summary.warnings,
            summary,
        )

    return Stage(
        f"fees:{book.name}",
        f"fee lines under {book.name}",
        FACTS,
        ("fee_lines", "rulebook_rules"),
        run,
        rulebook_digest(book),
    )


def close_stage(rulebook: str | Rulebook, rulebook_dirs: Sequence[Path] = ()) -> Stage:
    """The close: journal, settlement and payout schedule, deposits, overturn reversals."""
    book = _book(rulebook, rulebook_dirs)
    return close_run_by(
        book,
        lambda ctx: close_period(  # the plan runs the fee stage first (check_order)
            ctx.con, book, ctx.start, ctx.end, require_fee_lines=False, progress=ctx.progress
        ),
    )


def daily_close_stage(rulebook: str | Rulebook, rulebook_dirs: Sequence[Path] = ()) -> Stage:
    """The close run as a marketplace runs it: one incremental, marked close per day of the
    period, in order (:func:`merchantry.ledger.daily.close_daily`); the same name and tables
    as :func:`close_stage`, and the same entries."""
    book = _book(rulebook, rulebook_dirs)
    return close_run_by(
        book, lambda ctx: close_daily(ctx.con, book, ctx.start, ctx.end, progress=ctx.progress)
    )


def close_run_by(
    book: Rulebook, close: Callable[[StageContext], CloseSummary], *, engine: str = ""
) -> Stage:
    """The close of ``book`` whose rows ``close`` writes: one name, tables and digest
    whichever engine closes (``engine``, when not DuckDB, is named in the outcome), so
    ``merchantry run`` treats the journal as fresh (it holds the same rows)."""

    def run(ctx: StageContext) -> StageOutcome:
        summary = close(ctx)
        on = f" ({engine})" if engine else ""
        return StageOutcome(close_line(summary) + on, summary.warnings, summary)

    return Stage(
        f"close:{book.name}",
        f"close under {book.name}: journal, settlement, payouts, deposits",
        (
            *FACTS,
            "violations",
            "withdrawn_violations",
            "fee_lines",
            "overturned_entries",
            "journal_entries",
            *SEEDING_PAID,
            *REWARDS_POSTED,
        ),
        (
            "journal_entries",
            "journal_postings",
            "journal_movements",
            "journal_balances",
            "journal_shops",
            "journal_undated",
            "journal_dayless",
            "order_payouts",
            "deposit_requirements",
        ),
        run,
        rulebook_digest(book),
    )


def close_line(summary: CloseSummary) -> str:
    r = summary.result
    note = summary.skipped_note()
    return (
        f"{counted(r.posted, 'entry', 'entries')} posted, {r.reversed:,} reversed, "
        f"{r.unchanged:,} unchanged ({counted(summary.postings, 'posting')})"
        + (f": {note}" if note else "")
    )


SEEDING_INPUTS: Final = (
    "orders",
    "products",
    "creator_videos",
    "video_views",
    "searches",
    "after_sales",
)
SEEDING_PAID: Final = ("seeding_payouts", "seeding_clawbacks", "seeding_settlements")


def seeding_stage(rulebook: str = "seeding-2026") -> Stage:
    """Creator seeding (种草) attribution, payouts and clawbacks under a seeding rulebook
    (``rulebooks/seeding/``); the close posts what it writes. Run before the close."""
    rules = load_rules(rulebook)

    def run(ctx: StageContext) -> StageOutcome:
        ctx.progress(f"seeding attribution under {rules.name}")
        s = attribute(ctx.con, rules, ctx.start, ctx.end)
        return StageOutcome(
            f"{counted(s.orders, 'order')} attributed to {counted(s.creators, 'creator')}, "
            f"{s.payout_fen:,} fen paid, {counted(s.clawbacks, 'clawback')}",
            detail=s,
        )

    return Stage(
        f"seeding:{rules.name}",
        f"creator seeding incentive under {rules.name}",
        (*SEEDING_INPUTS, "seeding_attributions"),
        ("seeding_attributions", *SEEDING_PAID),
        run,
        rules.digest,
    )


def rings_stage(
    rulebook: str = DEFAULT_RISK_RULEBOOK,
    rulebook_dirs: Sequence[Path] = (),
    *,
    method: Method = "scipy",
) -> Stage:
    """Linked-account rings from shared identifiers, scored. ``method`` is how components
    are found (scipy or SQL label propagation); both find the same rings, so it is not
    part of the stage's configuration."""
    book = _book(rulebook, rulebook_dirs)
    settings = settings_from(book)

    def run(ctx: StageContext) -> StageOutcome:
        ctx.progress("finding rings")
        found = find_rings(ctx.con, settings, method=method)
        return StageOutcome(
            f"{counted(found.flagged, 'ring')} flagged ({counted(found.flagged_buyers, 'buyer')})"
            f" of {counted(found.linked_groups, 'linked group')}",
            detail=found,
        )

    return Stage(
        "risk:rings",
        f"linked-account rings ({book.name})",
        RISK_INPUTS,
        ("risk_rings", "risk_ring_members", "risk_identifier_hubs"),
        run,
        rulebook_digest(book),
        StageScope.WAREHOUSE,
    )


def decisions_stage(
    rulebook: str = DEFAULT_RISK_RULEBOOK,
    rulebook_dirs: Sequence[Path] = (),
    *,
    model: RiskModel | None = None,
) -> Stage:
    """A decision on every after-sales request (rules, and the model when given)."""
    book = _book(rulebook, rulebook_dirs)
    rules, settings = compile_risk_rules(book), settings_from(book)

    def run(ctx: StageContext) -> StageOutcome:
        ctx.progress("deciding after-sales requests")
        done = score_requests(ctx.con, rules, settings, model)
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(done.by_decision.items()))
        by = f"model {model.version}" if model else "rules only"
        said = f"{counted(done.requests, 'request')} decided ({by}): {counts}"
        return StageOutcome(said, detail=done)

    return Stage(
        "risk:decisions",
        f"refund and complaint decisions ({book.name})",
        (*RISK_INPUTS, "risk_rings", "risk_ring_members"),
        ("risk_decisions",),
        run,
        f"{rulebook_digest(book)} model={model.version if model else 'none'}",
        StageScope.WAREHOUSE,
    )


PROGRAM_INPUTS: Final = (*SCORE_INPUTS, "shop_scores", "program_signups")
PROGRAM_OUTPUTS: Final = ("program_tasks", "program_rewards", "program_order_subsidies")


def programs_stage(name: str) -> Stage:
    """One growth programme (``rulebooks/programs/<name>.yaml``): tasks, grants, subsidies.
    It recomputes from the programme's first day, so it is a whole-warehouse stage."""
    programme = load_programme(name)

    def run(ctx: StageContext) -> StageOutcome:
        ctx.progress(f"programme {programme.name}")
        done = run_programme(ctx.con, programme, ctx.end)
        return StageOutcome(done.summary, detail=done)

    digest = hashlib.sha256(repr(programme).encode("utf-8")).hexdigest()[:16]
    return Stage(
        f"programs:{programme.name}",
        f"growth programme {programme.title_en}",
        PROGRAM_INPUTS,
        PROGRAM_OUTPUTS,
        run,
        digest,
    )


def default_stages(
    *,
    fee_rulebook: str = DEFAULT_FEE_RULEBOOK,
    score_rulebooks: Sequence[str] = DEFAULT_SCORE_RULEBOOKS,
    risk_rulebook: str = DEFAULT_RISK_RULEBOOK,
    rulebook_dirs: Sequence[Path] = (),
    model: RiskModel | None = None,
) -> tuple[Stage, ...]:
    """The batch job in order: scores (gates read them), fees, the close, then risk."""
    stages = (
        *(score_stage(name, rulebook_dirs) for name in score_rulebooks),
        fees_stage(fee_rulebook, rulebook_dirs),
        close_stage(fee_rulebook, rulebook_dirs),
        rings_stage(risk_rulebook, rulebook_dirs),
        decisions_stage(risk_rulebook, rulebook_dirs, model=model),
    )
    check_order(stages)
    return stages
