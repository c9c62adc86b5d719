"""``merchantry run``: run the stale stages over a period, in order, and say why.

Prints one row per stage: ran or skipped, the reason (never ran, which input
changed, fresh since when, forced, not selected), its time and its summary, then
any warnings. The work is :func:`merchantry.service.runner.run_stages`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    DbOption,
    MoneyRulebookOption,
    OutboxOption,
    RulebookDirsOption,
    check_period,
    command,
    money_rulebook_name,
    open_warehouse,
    progress,
    rulebook_dirs,
    said_many,
)
from merchantry.kit.refusals import DAY_FORM
from merchantry.ops import open_ops
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.purpose import Stage as RuleStage
from merchantry.rulebook.purpose import require_stage
from merchantry.service.choice import run_score_rulebooks
from merchantry.service.programs import with_growth
from merchantry.service.runner import RunReport, run_stages
from merchantry.service.snapshot import publish_snapshot
from merchantry.service.stages import (
    Stage,
    default_stages,
)


def print_run(console: Console, run: RunReport) -> None:
    """The ran/skipped table, then each stage's warnings."""
    table = Table(
        title=f"run {run.start} – {run.end}: {len(run.ran)} ran, {len(run.skipped)} skipped"
    )
    for column in ("stage", "", "why", "seconds", "result"):
        table.add_column(column, justify="right" if column == "seconds" else "left")
    for s in run.stages:
        table.add_row(
            escape(s.stage),
            "ran" if s.ran else "skipped",
            escape(s.reason),
            f"{s.seconds:.1f}" if s.ran else "",
            escape(s.outcome.summary) if s.outcome else "",
        )
    console.print(table)
    warn = Console(stderr=True, highlight=False, soft_wrap=True)
    for s in run.stages:
        for warning in s.warnings:
            warn.print(f"[yellow]warning:[/] {escape(s.stage)}: {escape(warning)}")


def run_command(
    start: Annotated[
        datetime,
        typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First day."),
    ],
    end: Annotated[
        datetime,
        typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last day (inclusive)."),
    ],
    db: DbOption = DEFAULT_DB,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", help="Run only this stage: a name (fees:douyin-2026) or a kind (fees, risk)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Run the selected stages even when fresh.")] = False,
    strict: Annotated[
        bool, typer.Option(help="Hash every input table; trust no fingerprint of the last run.")
    ] = False,
    rulebook: MoneyRulebookOption = None,
    score_rulebook: Annotated[
        list[str] | None,
        typer.Option("--score-rulebook", help="Score rulebook (repeat for several)."),
    ] = None,
    dirs: RulebookDirsOption = None,
    snapshot: Annotated[
        bool, typer.Option(help="Publish a read-only snapshot for readers after the run.")
    ] = False,
    outbox: OutboxOption = None,
) -> None:
    """Run what is stale, in order: scores, fees, the close, risk; say what was skipped and why.

    A stage is stale when it never ran over the period, a table it reads changed, or
    its rulebook changed since its last run (recorded in the stage_runs table).
    """
    console = Console()
    check_period(start.date(), end.date())
    folders = rulebook_dirs(dirs)
    scoring = tuple(score_rulebook or ())
    if rulebook is None or not scoring:
        with open_warehouse(db, read_only=True) as con:
            if rulebook is None:
                rulebook = money_rulebook_name(con, None, folders, (start.date(), end.date()))
            if not scoring:
                scoring, why = run_score_rulebooks(con, folders, end.date())
                if why:
                    said_many(scoring, why, "--score-rulebook")
    # a rulebook for another stage is refused up front with the command that runs it, not
    # after the stages before it ran
    require_stage(
        load_rulebook(rulebook, folders),
        (RuleStage.FEES, RuleStage.LEDGER),
        "merchantry run --rulebook",
    )
    for name in scoring:
        require_stage(
            load_rulebook(name, folders), (RuleStage.SCORE,), "merchantry run --score-rulebook"
        )
    stages = with_growth(  # growth programmes and seeding run before the close posts them
        default_stages(
            fee_rulebook=rulebook,
            score_rulebooks=scoring,
            rulebook_dirs=folders,
        )
    )
    with open_warehouse(db) as con, progress(console, "starting") as step:
        current = {"stage": ""}

        def on_stage(stage: Stage, state: str) -> None:
            name = stage.name
            current["stage"] = name
            if state == "running":
                console.print(f"running {name}", highlight=False, markup=False)
            step(f"{name}: {state}")

        run = run_stages(
            con,
            start.date(),
            end.date(),
            stages=stages,
            only=tuple(only or ()),
            force=force,
            strict=strict,
            progress=lambda text: step(f"{current['stage']}: {text}"),
            on_stage=on_stage,
            outbox=open_ops(outbox, "--outbox") if outbox else None,
        )
    print_run(console, run)
    if snapshot:
        console.print(
            f"snapshot published: {publish_snapshot(db)}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


def register(app: typer.Typer) -> None:
    """Add ``run`` to ``app``."""
    command(app, "run", run_command)
