"""`merchantry fees`: run the fee stage for a period and print totals by fee kind.

The stage runs through the service's runner, which records it in ``stage_runs``: a later
`merchantry run` over the same period finds it fresh.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from merchantry.fees import FeeRunSummary
from merchantry.kit.errors import InputError
from merchantry.kit.money import format_fen
from merchantry.service.runner import run_stage
from merchantry.service.stages import fees_stage
from merchantry.store.warehouse import DEFAULT_DB, connect

DATE_FORMATS = ["%Y-%m-%d"]


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("fees")(fees_command)


def print_summary(console: Console, summary: FeeRunSummary) -> None:
    """Totals by fee kind: baseline (no waivers) vs charged."""
    table = Table(
        title=f"{summary.rulebook}: orders paid {summary.start} – {summary.end} "
        f"({summary.orders:,} orders, {summary.lines:,} lines, {summary.seconds:.2f} s)"
    )
    for column, justify in (
        ("fee kind", "left"),
        ("lines", "right"),
        ("baseline", "right"),
        ("charged", "right"),
        ("saved", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for t in summary.totals:
        table.add_row(
            t.fee_kind,
            f"{t.lines:,}",
            format_fen(t.baseline_fen),
            format_fen(t.amount_fen),
            format_fen(t.saved_fen),
        )
    console.print(table)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def fees_command(
    rulebook: Annotated[str, typer.Option("--rulebook", help="Rulebook name.")],
    start: Annotated[
        datetime, typer.Option("--from", formats=DATE_FORMATS, help="First payment date.")
    ],
    end: Annotated[
        datetime, typer.Option("--to", formats=DATE_FORMATS, help="Last payment date (inclusive).")
    ],
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = DEFAULT_DB,
    dirs: Annotated[
        list[Path] | None, typer.Option("--dir", help="Extra folder to find rulebooks in.")
    ] = None,
) -> None:
    """Compute fee lines for orders paid in the period (re-running replaces them)."""
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
            progress.add_task(f"computing fees under {rulebook}", total=None)
            if end < start:  # before the rulebook is read, as the fee stage always did
                raise InputError(f"period ends ({end.date()}) before it starts ({start.date()})")
            outcome = run_stage(con, fees_stage(rulebook, dirs or ()), start.date(), end.date())
    finally:
        con.close()
    if not isinstance(outcome.detail, FeeRunSummary):
        raise TypeError(f"the fee stage reported {type(outcome.detail).__name__}")
    print_summary(console, outcome.detail)
