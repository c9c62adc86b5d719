"""``merchantry demo``: the main job, end to end, on a generated marketplace.

Generates a marketplace (about 2,000 shops × 30 days ≈ 1 million orders by
default), ingests it, runs every stage that exists, prints a summary and writes
an HTML report. The steps, their order and the figures they report are the
service's (:mod:`merchantry.service.demo`, stages through its runner); this
module only shows them: each step of :data:`STEPS` calls the service and prints
or renders what it returns into the shared :class:`DemoRun`. Needs no network.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table as RichTable

from merchantry.cli.options import progress
from merchantry.cli.score import print_summary as print_score_summary
from merchantry.ingest import IngestReport
from merchantry.kit.errors import NotFound
from merchantry.kit.money import format_fen
from merchantry.programs.html import effect_line
from merchantry.programs.html import write_page as write_programmes_page
from merchantry.report import (
    CellKind,
    Column,
    Metric,
    Metrics,
    Page,
    Paragraph,
    PlotlyMode,
    Section,
    Table,
    bar_chart,
    format_points,
)
from merchantry.report.names import Vocabulary, humanize, label, named
from merchantry.scoring.report import TYPICAL_LABEL, write_ranking_csv, write_score_report
from merchantry.seeding.report import write_report as write_seeding_page
from merchantry.service import demo
from merchantry.service.demo import (
    BASELINE,
    CANDIDATE,
    SCORE_RULEBOOK,
    TAOBAO_SCORE_RULEBOOK,
)
from merchantry.service.risk_demo import DECISIONS, RiskDemo, run_risk_demo
from merchantry.service.seeding import seeding_overview
from merchantry.simulate import SimulationResult
from merchantry.simulate.report import write_report
from merchantry.simulate.wording import merchants_phrase, platform_phrase
from merchantry.synth import DEFAULT_START, GenerateSummary


@dataclass
class DemoRun:
    """The state the demo's steps share: settings in, results out."""

    out: Path
    shops: int
    days: int
    seed: int
    start: date
    console: Console
    progress: bool = True
    con: duckdb.DuckDBPyConnection | None = None
    generated: GenerateSummary | None = None
    ingested: IngestReport | None = None
    simulation: SimulationResult | None = None
    scores: demo.ScoresDone | None = None
    timings: list[tuple[str, float]] = field(default_factory=list)
    highlights: list[tuple[str, tuple[Metric, ...]]] = field(default_factory=list)
    """Headline figures a step adds to the HTML report: (section title, figures)."""

    @property
    def data_dir(self) -> Path:
        return self.out / "data"

    @property
    def db_path(self) -> Path:
        return self.out / "merchantry.duckdb"

    @property
    def report_path(self) -> Path:
        return self.out / "report.html"

    @property
    def simulation_path(self) -> Path:
        return self.out / "simulation.html"

    @property
    def scores_path(self) -> Path:
        return self.out / "scores.html"

    @property
    def taobao_scores_path(self) -> Path:
        return self.out / "scores-taobao.html"

    @property
    def ranking_path(self) -> Path:
        return self.out / "good-service-ranking.csv"

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def warehouse(self) -> duckdb.DuckDBPyConnection:
        if self.con is None:
            raise RuntimeError("the warehouse is opened by the ingest step")
        return self.con


def step_generate(run: DemoRun) -> None:
    """Write a fresh synthetic marketplace (same seed, same bytes)."""
    run.generated = demo.generate_market(
        run.data_dir,
        shops=run.shops,
        days=run.days,
        seed=run.seed,
        start=run.start,
        progress=run.progress,
    )


def step_ingest(run: DemoRun) -> None:
    """Load it into a fresh warehouse; every row is accepted or quarantined."""
    run.con, run.ingested = demo.ingest_market(
        run.db_path, run.data_dir, run.out / "quarantine.csv", progress=run.progress
    )


def step_simulate(run: DemoRun) -> None:
    """Fees under the 2025 and 2026 Douyin rulebooks, and what merchants save."""
    run.simulation = demo.run_demo_simulation(run.warehouse(), run.start, run.end)
    for warning in run.simulation.warnings:
        run.console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    write_report(run.simulation, run.simulation_path, plotly=PlotlyMode.BESIDE)


def step_close(run: DemoRun) -> None:
    """Close the month under the candidate rulebook: journal, settlement, deposits, payouts."""
    done = demo.run_close(run.warehouse(), run.start, run.end)
    summary = done.summary
    entries = summary.result.posted if summary else 0
    postings = summary.postings if summary else 0
    seconds = f" ({summary.seconds:.1f} s)" if summary else " (already closed: fresh)"
    run.console.print(
        f"Journal: {entries:,} entries, {postings:,} postings; "
        f"{format_fen(done.settled_fen)} settled to merchants; "
        f"{format_fen(done.borne_fen)} of compensation borne by the platform for "
        f"{done.borne_shops:,} shops meeting {done.borne_when}{seconds}.",
        highlight=False,
    )
    for report in done.run.stages:
        for warning in report.warnings:
            run.console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    run.highlights.append(
        (
            "账务结算 · Ledger and settlement",
            (
                Metric("journal entries", f"{entries:,}"),
                Metric("postings", f"{postings:,}"),
                Metric.money("settled to merchants", done.settled_fen),
                Metric.money(
                    "compensation the platform bore (减赔)",
                    done.borne_fen,
                    note=f"{done.borne_shops:,} shops meeting {done.borne_when}",
                ),
            ),
        )
    )


def step_programmes(run: DemoRun) -> None:
    """Growth programmes: tasks, rewards within budgets, their postings, the effect report."""
    done, reports = demo.run_demo_programmes(run.warehouse(), run.start, run.end)
    posted = done.postings
    for r in reports:
        run.console.print(
            f"{r.title_zh} / {r.title_en}: {r.participants:,} of {r.eligible:,} shops took "
            f"part, cost {format_fen(r.cost_fen)}; {effect_line(r)}",
            highlight=False,
        )
    run.console.print(f"Reward entries posted: {posted.posted:,}.", highlight=False)
    write_programmes_page(reports, run.out / "programs.html", period=f"{run.start} – {run.end}")
    run.highlights.append(
        (
            "增长计划 · Growth programmes",
            (
                Metric("participating shops", f"{sum(r.participants for r in reports):,}"),
                Metric.money(
                    "rewards and subsidies", sum(r.cost_fen for r in reports), favourable=False
                ),
                Metric("reward entries posted", f"{posted.posted:,}", note="programs.html"),
            ),
        )
    )
    step_seeding(run, done.seeding_postings.posted)


def step_seeding(run: DemoRun, posted: int) -> None:
    """The creator seeding incentive the programmes step ran: its figures and seeding.html."""
    try:
        daily = seeding_overview(run.warehouse(), start=run.start, end=run.end)
    except NotFound as err:  # the seeding stage did not run
        run.console.print(f"Creator seeding: {err}", highlight=False)
        return
    run.console.print(
        f"Creator seeding (种草): {daily.creators_taking_part:,} creators taking part, "
        f"{daily.creators_paid:,} paid for {daily.videos_paid:,} videos, attributed GMV "
        f"{format_fen(daily.attributed_gmv_fen)}; {posted:,} payout entries posted.",
        highlight=False,
    )
    write_seeding_page(daily, run.out / "seeding.html")
    run.highlights.append(
        (
            "种草激励 · Creator seeding",
            (
                Metric("creators taking part", f"{daily.creators_taking_part:,}"),
                Metric("creators paid", f"{daily.creators_paid:,}"),
                Metric("videos paid", f"{daily.videos_paid:,}"),
                Metric.money("attributed GMV", daily.attributed_gmv_fen),
                Metric.money(
                    "payouts to creators", daily.payout_fen, favourable=False, note="seeding.html"
                ),
            ),
        )
    )


def step_risk(run: DemoRun) -> None:
    """Risk: rings of linked buyers and a decision on every after-sales request."""
    found = run_risk_demo(run.warehouse(), run.data_dir / "truth", run.start, run.end)
    run.console.print(risk_line(found), highlight=False)
    run.highlights.append(
        (
            "风控 · Risk",
            (
                Metric("rings found", f"{found.flagged_rings:,}"),
                *(
                    Metric(
                        f"申请 / requests: {label(Vocabulary.DECISION, name)}",
                        f"{found.by_decision.get(name, 0):,}",
                    )
                    for name in DECISIONS
                ),
            ),
        )
    )


def risk_line(found: RiskDemo) -> str:
    """The risk step in one line, decisions by their display names, mildest first."""
    rings = (
        f" ({found.rings.rings_found} of {found.rings.planted_rings} planted rings found)"
        if found.rings
        else ""
    )
    counts = ", ".join(
        f"{label(Vocabulary.DECISION, name)} {found.by_decision.get(name, 0):,}"
        for name in DECISIONS
    )
    by = f" with model {found.model.version}" if found.model else " by rules only"
    return (
        f"Risk: {found.flagged_rings:,} rings of linked buyers flagged{rings}; "
        f"{found.requests:,} after-sales requests decided{by}: {counts}."
    )


def step_score(run: DemoRun) -> None:
    """Experience scores of every shop on every day; the best and the worst on the last.

    Runs before the close: the ledger's quality-merchant rule reads the score in force
    on each order's payment date."""
    with progress(run.console, f"scoring under {SCORE_RULEBOOK}", enabled=run.progress) as step:
        done = demo.run_scores(run.warehouse(), run.start, run.end, progress=step)
    run.scores = done
    if done.douyin is not None:
        print_score_summary(run.console, run.warehouse(), done.douyin)
    write_ranking_csv(done.ranked, run.ranking_path)
    for rulebook, path in (
        (SCORE_RULEBOOK, run.scores_path),
        (TAOBAO_SCORE_RULEBOOK, run.taobao_scores_path),
    ):
        write_score_report(run.warehouse(), rulebook, run.end, path, plotly=PlotlyMode.BESIDE)
    run.console.print(
        f"{TAOBAO_SCORE_RULEBOOK} on {run.end}: {done.taobao_formal:,} shops scored; "
        f"good-service ranking {len(done.ranked):,} shops in "
        f"{len({r.industry for r in done.ranked}):,} industries "
        f"({run.ranking_path.name}). Reports: {run.scores_path.name}, "
        f"{run.taobao_scores_path.name}.",
        highlight=False,
    )
    run.highlights.append(
        (
            "体验分 · Experience scores",
            (
                Metric("shops scored", f"{done.scored:,}", note=f"on {run.end}"),
                Metric(
                    TYPICAL_LABEL,
                    "–" if done.median_cp is None else format_points(done.median_cp),
                    note=SCORE_RULEBOOK,
                ),
                Metric(
                    "good-service ranking (好服务榜单)",
                    f"{len(done.ranked):,} shops",
                    note=f"{TAOBAO_SCORE_RULEBOOK}: {done.ranking_bar}",
                ),
            ),
        )
    )


Step = tuple[str, Callable[[DemoRun], None]]

SHOWN: dict[str, Step] = {
    "generate": ("generate a marketplace", step_generate),
    "ingest": ("ingest it", step_ingest),
    "scores": (f"experience scores: {SCORE_RULEBOOK}, {TAOBAO_SCORE_RULEBOOK}", step_score),
    "simulate": (f"fees and savings: {BASELINE} → {CANDIDATE}", step_simulate),
    "close": ("close the month: ledger and payouts", step_close),
    "programs": ("growth programmes: tasks, rewards, effect", step_programmes),
    "risk": ("risk: rings and refund decisions", step_risk),
}
"""How each step of :data:`merchantry.service.demo.STEP_ORDER` is shown."""

STEPS: tuple[Step, ...] = tuple(SHOWN[name] for name in demo.STEP_ORDER)
"""The demo, in the service's order. Each step reads and extends the shared :class:`DemoRun`."""


def run_demo(run: DemoRun) -> DemoRun:
    """Run every step, timing each, then print the summary and write the report."""
    run.out.mkdir(parents=True, exist_ok=True)
    for number, (title, action) in enumerate(STEPS, start=1):
        run.console.rule(f"[bold]{number}/{len(STEPS)} {title}")
        began = time.perf_counter()
        action(run)
        run.timings.append((title, time.perf_counter() - began))
    print_summary(run)
    summary_page(run).render(run.report_path, plotly=PlotlyMode.BESIDE)
    run.console.print(
        f"\nReport: [bold]{run.report_path}[/]  (simulation: {run.simulation_path.name}; "
        f"scores: {run.scores_path.name}, {run.taobao_scores_path.name}; "
        f"ranking: {run.ranking_path.name})"
    )
    return run


# --- summary -------------------------------------------------------------------------


def _ingest_rows(report: IngestReport) -> list[dict[str, object]]:
    return [
        {"table": t.table, "read": t.read, "accepted": t.accepted, "quarantined": t.quarantined}
        for t in report.tables
    ]


def print_summary(run: DemoRun) -> None:
    """The summary on the terminal: rows, quarantine, savings, timings."""
    console = run.console
    if run.ingested is not None:
        table = RichTable(title="Ingest: read = accepted + quarantined")
        for name in ("table", "read", "accepted", "quarantined"):
            table.add_column(name, justify="left" if name == "table" else "right")
        for row in _ingest_rows(run.ingested):
            table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row.values()))
        console.print(table)
    if run.simulation is not None:
        s = run.simulation.summary
        merchants = merchants_phrase(s.saving_fen)
        console.print(
            f"Under {CANDIDATE} vs {BASELINE}, [bold]{merchants[0].upper() + merchants[1:]}[/]; "
            f"{platform_phrase(s.platform_giveup_fen)}."
        )
        digest = demo.digest_lines(run.simulation.by_line)
        lines = RichTable(title="Savings by policy line")
        lines.add_column("policy line")
        lines.add_column("saving", justify="right")
        for line in digest.shown:
            lines.add_row(humanize(line.title), format_fen(line.saving_fen))
        if digest.more:
            lines.add_row(digest.more_line, format_fen(digest.more_net_fen))
        console.print(lines)
    timing = RichTable(title="Timings")
    timing.add_column("step")
    timing.add_column("seconds", justify="right")
    for title, seconds in run.timings:
        timing.add_row(title, f"{seconds:.1f}")
    console.print(timing)


def summary_page(run: DemoRun) -> Page:
    """The demo's HTML report: what was generated, ingested and computed."""
    sections: list[Section] = []
    if run.generated is not None:
        g = run.generated
        sections.append(
            Section(
                "生成的市场 · Generated marketplace",
                (
                    Metrics(
                        (
                            Metric("shops", f"{g.shops:,}"),
                            Metric("days", f"{g.days:,}", note=f"from {g.start}"),
                            Metric("orders", f"{g.orders:,}"),
                            Metric("rows, all tables", f"{g.total_rows:,}"),
                        )
                    ),
                ),
            )
        )
    if run.ingested is not None:
        sections.append(
            Section(
                "数据接入 · Ingestion",
                (
                    Table.from_records(
                        "read = accepted + quarantined",
                        (
                            Column("table", "table"),
                            Column("read", "read", CellKind.COUNT),
                            Column("accepted", "accepted", CellKind.COUNT),
                            Column("quarantined", "quarantined", CellKind.COUNT),
                        ),
                        _ingest_rows(run.ingested),
                    ),
                ),
            )
        )
    if run.simulation is not None:
        s = run.simulation.summary
        sections.append(
            Section(
                "政策模拟 · What the 2026 policies save",
                (
                    Metrics(
                        (
                            Metric.money("merchants save", s.saving_fen),
                            Metric.money(
                                "platform gives up", s.platform_giveup_fen, favourable=False
                            ),
                        )
                    ),
                    bar_chart(
                        "节省来源 · Savings by policy line",
                        [humanize(line.title) for line in run.simulation.by_line],
                        [line.saving_fen for line in run.simulation.by_line],
                    ),
                    Paragraph(
                        f"Full simulation report: {run.simulation_path.name} "
                        f"({BASELINE} → {CANDIDATE})."
                    ),
                ),
            )
        )
    sections.extend(Section(title, (Metrics(figures),)) for title, figures in run.highlights)
    if run.scores is not None and (run.scores.best or run.scores.worst):
        sections.append(
            Section(
                "店铺 · Best and worst shops",
                (
                    Table.from_records(
                        f"{SCORE_RULEBOOK}, formal stage, on {run.end}",
                        (
                            Column("where", ""),
                            Column("shop", "店铺 / shop"),
                            Column("industry", "行业 / industry"),
                            Column("score", "体验分 / score", CellKind.POINTS),
                        ),
                        [
                            {
                                "where": where,
                                "shop": shop.label,
                                "industry": named(Vocabulary.INDUSTRY, shop.industry),
                                "score": shop.score_cp,
                            }
                            for where, shops in (
                                ("best", run.scores.best),
                                ("worst", run.scores.worst),
                            )
                            for shop in shops
                        ],
                    ),
                ),
            )
        )
    sections.append(
        Section(
            "耗时 · Timings",
            (
                Table.from_records(
                    "seconds per step",
                    (Column("step", "step"), Column("seconds", "seconds")),
                    [{"step": t, "seconds": f"{s:.1f}"} for t, s in run.timings],
                ),
            ),
        )
    )
    return Page(
        title="Merchantry demo",
        subtitle="A generated marketplace, end to end",
        sections=tuple(sections),
        meta=(("seed", str(run.seed)), ("warehouse", str(run.db_path))),
    )


def register(app: typer.Typer) -> None:
    """Add ``demo`` to ``app``."""

    @app.command()
    def demo(
        out: Annotated[Path, typer.Option(help="Folder for data, warehouse and reports.")] = Path(
            "demo-out"
        ),
        shops: Annotated[int, typer.Option(min=1, help="Shops to generate.")] = 2_000,
        days: Annotated[int, typer.Option(min=1, help="Days of history.")] = 30,
        seed: Annotated[int, typer.Option(help="Random seed; same seed, same data.")] = 7,
        start: Annotated[
            str, typer.Option(help="First day (YYYY-MM-DD).")
        ] = DEFAULT_START.isoformat(),
        progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    ) -> None:
        """Generate a marketplace, ingest it, run every stage, report (no network needed)."""
        if out.exists() and (out / "data").exists():
            shutil.rmtree(out / "data")
        run = DemoRun(
            out=out,
            shops=shops,
            days=days,
            seed=seed,
            start=date.fromisoformat(start),
            console=Console(),
            progress=progress,
        )
        run_demo(run)
