"""`merchantry fees`: run the fee stage for a period and print totals by fee kind.

The stage runs through the service's runner, which records it in ``stage_runs``: a later
`merchantry run` over the same period finds it fresh. Before it runs, the rulebook gets the
same name-and-content check as the simulator's (:func:`merchantry.simulate.identity.
check_rulebook`): a file whose ``rulebook:`` is another name, two different rulebooks of one
name, or other content than the fee lines stored under the name is refused (the last unless
``--replace``). ``--set NAME=VALUE`` prices a what-if child of the rulebook, filed under its
own name. ``--engine spark`` (or a Spark master URL) runs the same compiled query on Spark
(:mod:`merchantry.spark`, ``docs/scale.md``); the lines land in the warehouse either way.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.engine import EngineOption, SparkOutOption, SparkTablesOption
from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    DbOption,
    MoneyRulebookOption,
    RulebookDirsOption,
    check_period,
    command,
    money_rulebook_name,
    open_warehouse,
    progress,
    require_paid_orders,
    rulebook_dirs,
)
from merchantry.fees import FeeRunSummary
from merchantry.kit.money import format_fen
from merchantry.kit.refusals import DAY_FORM
from merchantry.report.names import Vocabulary, label
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.purpose import Stage, require_stage
from merchantry.service.runner import run_stage
from merchantry.service.stages import fees_stage
from merchantry.simulate.identity import check_rulebook, record
from merchantry.simulate.params import parse_settings, split_settings, write_derived
from merchantry.spark.engine import parse_engine
from merchantry.spark.fees import spark_fees_stage
from merchantry.store.warehouse import table_exists


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(app, "fees", fees_command)


def print_summary(console: Console, summary: FeeRunSummary) -> None:
    """Totals by fee kind: baseline (no waivers) vs charged; the warnings go to stderr."""
    table = Table(
        title=f"{escape(summary.rulebook)}: orders paid {summary.start} – {summary.end} "
        f"({summary.orders:,} orders, {summary.lines:,} lines, {summary.seconds:.2f} s)"
    )
    for column, justify in (
        ("费用类型 / fee kind", "left"),
        ("lines", "right"),
        ("baseline", "right"),
        ("charged", "right"),
        ("saved", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for t in summary.totals:
        table.add_row(
            label(Vocabulary.FEE_KIND, t.fee_kind),
            f"{t.lines:,}",
            format_fen(t.baseline_fen),
            format_fen(t.amount_fen),
            format_fen(t.saved_fen),
        )
    console.print(table)
    warn = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in summary.warnings:
        warn.print(f"[yellow]warning:[/] {escape(warning)}")


def _pairs(values: dict[str, int]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(values.items()))


def fees_command(
    start: Annotated[
        datetime,
        typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First payment date."),
    ],
    end: Annotated[
        datetime,
        typer.Option(
            "--to",
            formats=DATE_FORMATS,
            metavar=DAY_FORM,
            help="Last payment date (inclusive).",
        ),
    ],
    rulebook: MoneyRulebookOption = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
    replace: Annotated[
        bool,
        typer.Option(help="Replace fee lines stored for this name from other rulebook content."),
    ] = False,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="NAME=VALUE",
            help="What-if: set a parameter of the rulebook to an integer in its unit "
            "(repeatable); the lines are filed under a derived name. An unknown name is an error.",
        ),
    ] = None,
    engine: EngineOption = "duckdb",
    spark_tables: SparkTablesOption = None,
    spark_out: SparkOutOption = None,
) -> None:
    """Compute fee lines for orders paid in the period (re-running replaces them)."""
    console = Console()
    check_period(start.date(), end.date())
    on_spark = parse_engine(engine, spark_tables, spark_out)
    folders = rulebook_dirs(dirs)
    if rulebook is None:
        with open_warehouse(db, read_only=True) as con:
            rulebook = money_rulebook_name(con, None, folders, (start.date(), end.date()))
    book = load_rulebook(rulebook, folders)
    require_stage(book, (Stage.FEES,), "merchantry fees")
    overrides = parse_settings(set_values or ())
    with tempfile.TemporaryDirectory(prefix="merchantry-set-") as scratch:
        if overrides:
            _, parameters = split_settings(overrides, book, simulator=False)
            rulebook = write_derived(book, parameters, Path(scratch), folders)
            folders = (Path(scratch), *folders)
            console.print(
                f"what-if: {book.name} with {_pairs(parameters)}, filed as {rulebook}",
                markup=False,
            )
        with open_warehouse(db) as con:
            if on_spark is None:  # Spark reads its own copy of the tables (--spark-tables)
                require_paid_orders(con, start.date(), end.date())
            identity = check_rulebook(con, rulebook, folders, replace=replace)
            with progress(console, f"computing fees under {rulebook}"):
                stage = (
                    fees_stage(rulebook, folders)
                    if on_spark is None
                    else spark_fees_stage(load_rulebook(rulebook, folders), on_spark)
                )
                outcome = run_stage(con, stage, start.date(), end.date())
            if table_exists(con, "sim_rulebooks"):
                record(con, identity)  # the simulator's record of this name now matches too
    if not isinstance(outcome.detail, FeeRunSummary):
        raise TypeError(f"the fee stage reported {type(outcome.detail).__name__}")
    print_summary(console, outcome.detail)
