"""``merchantry demo``: the main job, end to end, on a generated marketplace.

Generates a marketplace (about 2,000 shops × 30 days ≈ 1 million orders by
default), ingests it, runs every stage that exists, prints a summary and writes
an HTML report. The job is an ordered tuple of steps (:data:`STEPS`), each a
plain function of the shared :class:`DemoRun`; a new stage joins the demo by
adding one step. Needs no network.
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
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from merchantry.cli.risk import run_risk_demo
from merchantry.cli.score import print_summary as print_score_summary
from merchantry.ingest import IngestReport, ingest_dir
from merchantry.kit.money import format_fen
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
from merchantry.scoring import score_shops
from merchantry.scoring.report import ranking, write_ranking_csv, write_score_report
from merchantry.service.simulation import run_simulation
from merchantry.service.stages import close_with_fees
from merchantry.simulate import SimulationResult
from merchantry.simulate.report import write_report
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START, GenerateSummary, generate

SCORE_GATED_COMPENSATION = """
SELECT coalesce(-sum(amount_fen), 0), count(DISTINCT shop_id)
FROM journal_postings AS p JOIN journal_entries AS e USING (entry_id)
WHERE p.account = 'platform_subsidy' AND p.rule_id = 'compensation.quality-merchant'
"""
"""Compensation the score-gated 减赔 rule moved from merchants to the platform."""

BASELINE = "douyin-2025"
CANDIDATE = "douyin-2026"
SCORE_RULEBOOK = "douyin-score-2026-07"
TAOBAO_SCORE_RULEBOOK = "taobao-score-2026"


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
    run.generated = generate(
        run.data_dir,
        shops=run.shops,
        days=run.days,
        seed=run.seed,
        start=run.start,
        progress=run.progress,
    )


def step_ingest(run: DemoRun) -> None:
    """Load it into a fresh warehouse; every row is accepted or quarantined."""
    for stale in (run.db_path, run.db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    run.con = connect(run.db_path)
    run.ingested = ingest_dir(
        run.con,
        run.data_dir,
        quarantine_file=run.out / "quarantine.csv",
        progress=run.progress,
    )


def step_simulate(run: DemoRun) -> None:
    """Fees under the 2025 and 2026 Douyin rulebooks, and what merchants save."""
    run.simulation = run_simulation(run.warehouse(), BASELINE, CANDIDATE, run.start, run.end)
    for warning in run.simulation.warnings:
        run.console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    write_report(run.simulation, run.simulation_path, plotly=PlotlyMode.BESIDE)


def step_close(run: DemoRun) -> None:
    """Close the month under the candidate rulebook: journal, settlement, deposits, payouts."""
    summary = close_with_fees(run.warehouse(), CANDIDATE, run.start, run.end)
    moved = {k.kind: k.moved_fen for k in summary.kinds}
    reduced = run.warehouse().execute(SCORE_GATED_COMPENSATION).fetchone()
    borne, shops = (int(reduced[0]), int(reduced[1])) if reduced else (0, 0)
    run.console.print(
        f"Journal: {summary.result.posted:,} entries, {summary.postings:,} postings; "
        f"{format_fen(moved.get('settlement', 0))} settled to merchants; "
        f"{format_fen(borne)} of compensation borne by the platform for {shops:,} shops "
        f"scoring 90 or more ({summary.seconds:.1f} s).",
        highlight=False,
    )
    for warning in summary.warnings:
        run.console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    run.highlights.append(
        (
            "账务结算 · Ledger and settlement",
            (
                Metric("journal entries", f"{summary.result.posted:,}"),
                Metric("postings", f"{summary.postings:,}"),
                Metric.money("settled to merchants", moved.get("settlement", 0)),
                Metric.money(
                    "compensation the platform bore (减赔)",
                    borne,
                    note=f"{shops:,} shops with an experience score ≥ 90",
                ),
            ),
        )
    )


def step_risk(run: DemoRun) -> None:
    """Risk: rings of linked buyers and a decision on every after-sales request."""
    run_risk_demo(run.warehouse(), run.data_dir / "truth", run.console)
    decisions = dict(
        run.warehouse()
        .execute("SELECT decision, count(*) FROM risk_decisions GROUP BY 1")
        .fetchall()
    )
    rings = run.warehouse().execute("SELECT count(*) FROM risk_rings").fetchone()
    run.highlights.append(
        (
            "风控 · Risk",
            (
                Metric("rings found", f"{rings[0] if rings else 0:,}"),
                *(
                    Metric(f"requests: {name}", f"{int(decisions.get(name, 0)):,}")
                    for name in ("fast_approve", "normal", "review", "intercept")
                ),
            ),
        )
    )


def step_score(run: DemoRun) -> None:
    """Experience scores of every shop on every day; the best and the worst on the last.

    Runs before the close: the ledger's quality-merchant rule reads the score in force
    on each order's payment date."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=run.console,
        transient=True,
        disable=not run.progress,
    ) as shown:
        task = shown.add_task(f"scoring under {SCORE_RULEBOOK}", total=None)
        summary = score_shops(
            run.warehouse(),
            SCORE_RULEBOOK,
            run.start,
            run.end,
            progress=lambda step: shown.update(task, description=f"{SCORE_RULEBOOK}: {step}"),
        )
    print_score_summary(run.console, run.warehouse(), summary)
    row = (
        run.warehouse()
        .execute(
            "SELECT count(score_cp), median(score_cp) FROM shop_scores"
            " WHERE rulebook = ? AND score_date = ?",
            [SCORE_RULEBOOK, run.end],
        )
        .fetchone()
    )
    scored, median_cp = (int(row[0]), row[1]) if row else (0, None)
    # Taobao's real experience score on the last day, for its good-service ranking
    taobao = score_shops(run.warehouse(), TAOBAO_SCORE_RULEBOOK, run.end)
    ranked = ranking(run.warehouse(), TAOBAO_SCORE_RULEBOOK, run.end)
    write_ranking_csv(ranked, run.ranking_path)
    for rulebook, path in (
        (SCORE_RULEBOOK, run.scores_path),
        (TAOBAO_SCORE_RULEBOOK, run.taobao_scores_path),
    ):
        write_score_report(run.warehouse(), rulebook, run.end, path, plotly=PlotlyMode.BESIDE)
    run.console.print(
        f"{TAOBAO_SCORE_RULEBOOK} on {run.end}: {taobao.formal:,} shops scored; good-service "
        f"ranking {len(ranked):,} shops in {len({r.industry for r in ranked}):,} industries "
        f"({run.ranking_path.name}). Reports: {run.scores_path.name}, "
        f"{run.taobao_scores_path.name}.",
        highlight=False,
    )
    run.highlights.append(
        (
            "体验分 · Experience scores",
            (
                Metric("shops scored", f"{scored:,}", note=f"on {run.end}"),
                Metric(
                    "median score",
                    "–" if median_cp is None else format_points(int(median_cp)),
                    note=SCORE_RULEBOOK,
                ),
                Metric(
                    "good-service ranking (好服务榜单)",
                    f"{len(ranked):,} shops",
                    note=f"{TAOBAO_SCORE_RULEBOOK}: ≥ 4.8 and a characteristic service",
                ),
            ),
        )
    )


Step = tuple[str, Callable[[DemoRun], None]]

STEPS: tuple[Step, ...] = (
    ("generate a marketplace", step_generate),
    ("ingest it", step_ingest),
    (f"experience scores: {SCORE_RULEBOOK}, {TAOBAO_SCORE_RULEBOOK}", step_score),
    (f"fees and savings: {BASELINE} → {CANDIDATE}", step_simulate),
    ("close the month: ledger and payouts", step_close),
    ("risk: rings and refund decisions", step_risk),
)
"""The demo, in order. Each step reads and extends the shared :class:`DemoRun`."""


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
        console.print(
            f"Merchants save [bold green]{format_fen(s.saving_fen)}[/] under "
            f"{CANDIDATE} vs {BASELINE}; the platform gives up "
            f"{format_fen(s.platform_giveup_fen)}."
        )
        lines = RichTable(title="Savings by policy line")
        lines.add_column("policy line")
        lines.add_column("saving", justify="right")
        for line in run.simulation.by_line[:10]:
            lines.add_row(line.title, format_fen(line.saving_fen))
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
                        [line.title for line in run.simulation.by_line],
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
