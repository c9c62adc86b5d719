"""``merchantry run``: run the stale stages over a period, in order, and say why.

Prints one row per stage: ran or skipped, the reason (never ran, which input
changed, fresh since when, forced, not selected), its time and its summary, then
any warnings. The work is :func:`merchantry.service.runner.run_stages`.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from merchantry.service.runner import RunReport, run_stages
from merchantry.service.snapshot import publish_snapshot
from merchantry.service.stages import (
    DEFAULT_FEE_RULEBOOK,
    DEFAULT_SCORE_RULEBOOKS,
    Stage,
    default_stages,
)
from merchantry.store.warehouse import DEFAULT_DB, connect

DATE_FORMATS = ["%Y-%m-%d"]


def print_run(console: Console, run: RunReport) -> None:
    """The ran/skipped table, then each stage's warnings."""
    table = Table(
        title=f"run {run.start} – {run.end}: {len(run.ran)} ran, {len(run.skipped)} skipped"
    )
    for column in ("stage", "", "why", "seconds", "result"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for s in run.stages:
        table.add_row(
            s.stage,
            "ran" if s.ran else "skipped",
            s.reason,
            f"{s.seconds:.1f}" if s.ran else "",
            s.outcome.summary if s.outcome else "",
        )
    console.print(table)
    for s in run.stages:
        for warning in s.warnings:
            console.print(f"[yellow]warning:[/] {s.stage}: {warning}", highlight=False)


def run_command(
    start: Annotated[datetime, typer.Option("--from", formats=DATE_FORMATS, help="First day.")],
    end: Annotated[
        datetime, typer.Option("--to", formats=DATE_FORMATS, help="Last day (inclusive).")
    ],
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = DEFAULT_DB,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Run only this stage: a name (fees:douyin-2026) or a kind (fees, risk)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Run the selected stages even when fresh.")] = False,
    rulebook: Annotated[
        str, typer.Option("--rulebook", help="Fee and ledger rulebook.")
    ] = DEFAULT_FEE_RULEBOOK,
    score_rulebook: Annotated[
        list[str] | None,
        typer.Option("--score-rulebook", help="Score rulebook (repeat for several)."),
    ] = None,
    dirs: Annotated[
        list[Path] | None, typer.Option("--dir", help="Extra folder to find rulebooks in.")
    ] = None,
    snapshot: Annotated[
        bool, typer.Option(help="Publish a read-only snapshot for readers after the run.")
    ] = False,
) -> None:
    """Run what is stale, in order: scores, fees, the close, risk; say what was skipped and why.

    A stage is stale when it never ran over the period, a table it reads changed, or
    its rulebook changed since its last run (recorded in the stage_runs table).
    """
    console = Console()
    stages = default_stages(
        fee_rulebook=rulebook,
        score_rulebooks=tuple(score_rulebook or DEFAULT_SCORE_RULEBOOKS),
        rulebook_dirs=tuple(dirs or ()),
    )
    con = connect(db)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as shown:
            task = shown.add_task("starting", total=None)
            current = {"stage": ""}

            def on_stage(stage: Stage, state: str) -> None:
                name = stage.name
                current["stage"] = name
                if state == "running":
                    shown.console.print(f"running {name}", highlight=False)
                shown.update(task, description=f"{name}: {state}")

            run = run_stages(
                con,
                start.date(),
                end.date(),
                stages=stages,
                only=tuple(only or ()),
                force=force,
                progress=lambda step: shown.update(task, description=f"{current['stage']}: {step}"),
                on_stage=on_stage,
            )
    finally:
        con.close()
    print_run(console, run)
    if snapshot:
        console.print(
            f"snapshot published: {publish_snapshot(db)}", highlight=False, soft_wrap=True
        )


def register(app: typer.Typer) -> None:
    """Add ``run`` to ``app``."""
    app.command("run")(run_command)
