"""`merchantry score`, `score-report` and `diagnose score`: experience scores, their report
(with the published good-service ranking) and their diagnosis."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from merchantry.kit.errors import InputError
from merchantry.report import format_points
from merchantry.scoring import ScoreRunSummary, display_tenths
from merchantry.scoring.diagnosis import ScoreDiagnosis, diagnose_score
from merchantry.scoring.report import ranking, write_ranking_csv, write_score_report
from merchantry.service.demo import extreme_shops
from merchantry.service.runner import run_stage
from merchantry.service.stages import score_stage
from merchantry.store.warehouse import DEFAULT_DB, connect

DATE_FORMATS = ["%Y-%m-%d"]
diagnose_app = typer.Typer(help="Diagnosis: why a figure is what it is, and what would change it.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("score")(score_command)
    app.command("score-report")(score_report_command)
    app.add_typer(diagnose_app, name="diagnose")
    diagnose_app.command("score")(diagnose_score_command)


def points(cp: int | None) -> str:
    """A score in hundredths as points (87.52, 4.83)."""
    return "-" if cp is None else format_points(cp)


def print_summary(console: Console, con: duckdb.DuckDBPyConnection, s: ScoreRunSummary) -> None:
    """The run in numbers, then the best and worst shops of the last date."""
    console.print(
        f"[bold]{s.rulebook}[/] ({s.platform}) {s.start} – {s.end}: {s.shops:,} shops, "
        f"{s.rows:,} shop-days in {s.seconds:.2f} s. Last day: {s.formal:,} formal, "
        f"{s.growth:,} growth, {s.no_score:,} without a score; mean {points(s.mean_score_cp)}; "
        f"{s.gates:,} gate rows, {s.ranked:,} ranking rows.",
        highlight=False,
    )
    top, bottom = extreme_shops(con, s.rulebook, s.end)
    table = Table(title=f"Top and bottom shops on {s.end}")
    for column in ("", "shop", "industry", "score", "display"):
        table.add_column(column)
    mode = "douyin_stars" if s.platform == "douyin" else "tenths"
    for label, rows in (("top", top), ("bottom", bottom)):
        for shop in rows:
            shown = display_tenths(shop.score_cp, mode) / 10
            table.add_row(label, shop.label, shop.industry, points(shop.score_cp), f"{shown:.1f}")
    console.print(table)
    for warning in s.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def score_command(
    rulebook: Annotated[str, typer.Option("--rulebook", help="Score rulebook name.")],
    day: Annotated[
        datetime, typer.Option("--date", formats=DATE_FORMATS, help="First score date.")
    ],
    to: Annotated[
        datetime | None,
        typer.Option("--to", formats=DATE_FORMATS, help="Last score date (inclusive)."),
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = DEFAULT_DB,
    dirs: Annotated[
        list[Path] | None, typer.Option("--dir", help="Extra folder to find rulebooks in.")
    ] = None,
) -> None:
    """Score every shop on every date (re-running replaces that rulebook's rows)."""
    console = Console()
    con = connect(db)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"scoring under {rulebook}", total=None)
            first, last = day.date(), (to or day).date()
            if last < first:  # before the rulebook is read, as the score stage always did
                raise InputError(f"--to {last} is before --date {first}")
            outcome = run_stage(
                con,
                score_stage(rulebook, dirs or ()),
                first,
                last,
                progress=lambda step: progress.update(task, description=f"{rulebook}: {step}"),
            )
        if not isinstance(outcome.detail, ScoreRunSummary):
            raise TypeError(f"the score stage reported {type(outcome.detail).__name__}")
        print_summary(console, con, outcome.detail)
    finally:
        con.close()


def print_diagnosis(console: Console, d: ScoreDiagnosis) -> None:
    """Findings against the industry median and the ranked actions."""
    console.print(
        f"[bold]{d.shop_id}[/] ({d.industry}) under {d.rulebook} on {d.score_date}: "
        f"stage {d.stage}, score {points(d.score_cp)}",
        highlight=False,
    )
    if d.stage != "formal":
        console.print(
            "Growth-stage and unscored shops have no indicator diagnosis: reach the minimum "
            "number of valid orders first (成长阶段店铺需先达到有效订单门槛).",
        )
    table = Table(title="Indicators against the industry median (行业中位数)")
    for column in ("indicator", "value", "median", "unit", "score", "weight", "gain if median"):
        table.add_column(column)
    for f in d.findings:
        table.add_row(
            f.indicator,
            "-" if f.value is None else f"{f.value:,}",
            "-" if f.industry_median is None else f"{f.industry_median:,}",
            f.unit,
            points(f.indicator_cp),
            "-" if f.weight_bp is None else f"{f.weight_bp / 100:g}%",
            f"+{points(f.gain_cp)}" if f.gain_cp else "",
        )
    console.print(table)
    for rank, f in enumerate(d.actions, start=1):
        console.print(
            f"{rank}. +{points(f.gain_cp)} {f.indicator}: {f.action_zh} / {f.action_en}",
            highlight=False,
        )


def diagnose_score_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    rulebook: Annotated[
        str, typer.Option("--rulebook", help="Score rulebook name.")
    ] = "douyin-score-2026-07",
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=DATE_FORMATS, help="Score date (default: latest)."),
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = DEFAULT_DB,
    dirs: Annotated[
        list[Path] | None, typer.Option("--dir", help="Extra folder to find rulebooks in.")
    ] = None,
) -> None:
    """Which indicators cost the shop most against its industry, and what fixing each adds."""
    console = Console()
    con = connect(db)
    try:
        diagnosis = diagnose_score(
            con, rulebook, shop, None if day is None else day.date(), rulebook_dirs=dirs or ()
        )
        print_diagnosis(console, diagnosis)
    finally:
        con.close()


def score_report_command(
    rulebook: Annotated[str, typer.Option("--rulebook", help="Score rulebook name.")],
    day: Annotated[datetime, typer.Option("--date", formats=DATE_FORMATS, help="Score date.")],
    out: Annotated[Path, typer.Option("--out", help="HTML report to write.")] = Path("scores.html"),
    ranking_csv: Annotated[
        Path | None,
        typer.Option("--ranking-csv", help="Also write the good-service ranking as CSV."),
    ] = None,
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = DEFAULT_DB,
    dirs: Annotated[
        list[Path] | None, typer.Option("--dir", help="Extra folder to find rulebooks in.")
    ] = None,
) -> None:
    """Report a scored date: distribution, industries, indicators, gates, lowest shops and
    the good-service ranking per industry (HTML with offline charts; ranking also as CSV)."""
    console = Console()
    con = connect(db)
    try:
        path = write_score_report(con, rulebook, day.date(), out, rulebook_dirs=dirs or ())
        console.print(f"Report: {path}", highlight=False)
        if ranking_csv is not None:
            ranked = ranking(con, rulebook, day.date())
            write_ranking_csv(ranked, ranking_csv)
            console.print(
                f"Ranking: {len(ranked):,} shops in "
                f"{len({r.industry for r in ranked}):,} industries -> {ranking_csv}",
                highlight=False,
            )
    finally:
        con.close()
