"""`merchantry fees`: run the fee stage for a period and print totals by fee kind.

The stage runs through the service's runner, which records it in ``stage_runs``: a later
`merchantry run` over the same period finds it fresh.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    DbOption,
    RulebookDirsOption,
    check_period,
    command,
    open_warehouse,
    progress,
    rulebook_dirs,
)
from merchantry.fees import FeeRunSummary
from merchantry.kit.money import format_fen
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.purpose import Stage, require_stage
from merchantry.service.runner import run_stage
from merchantry.service.stages import fees_stage


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(app, "fees", fees_command)


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
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
) -> None:
    """Compute fee lines for orders paid in the period (re-running replaces them)."""
    console = Console()
    check_period(start.date(), end.date())
    folders = rulebook_dirs(dirs)
    require_stage(load_rulebook(rulebook, folders), (Stage.FEES,), "merchantry fees")
    with open_warehouse(db) as con, progress(console, f"computing fees under {rulebook}"):
        outcome = run_stage(con, fees_stage(rulebook, folders), start.date(), end.date())
    if not isinstance(outcome.detail, FeeRunSummary):
        raise TypeError(f"the fee stage reported {type(outcome.detail).__name__}")
    print_summary(console, outcome.detail)
