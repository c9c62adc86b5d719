"""`merchantry seeding run | report | check`: the creator seeding incentive (种草激励).

`run` attributes the period's orders to creators' videos and refreshes payouts and
clawbacks (the ``seeding:<rulebook>`` stage, through the runner, so `merchantry run` and
`merchantry programs run` find it fresh); the close then posts them. `report` prints the
daily figures the platform reports and can write them as an HTML page with a chart.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    DbOption,
    check_period,
    command,
    open_warehouse,
    output_file,
    progress,
)
from merchantry.kit.errors import InputError, ProblemsFound
from merchantry.kit.money import format_fen
from merchantry.kit.refusals import DAY_FORM
from merchantry.seeding.report import SeedingReport, seeding_report, write_report
from merchantry.seeding.rules import DEFAULT_RULEBOOK, check_rules_file, load_rules
from merchantry.service.runner import run_stage
from merchantry.service.stages import seeding_stage

seeding_app = typer.Typer(
    help="Creator seeding incentive (种草激励): watch → search → pay attribution and payouts."
)

RulebookOption = Annotated[
    str,
    typer.Option(
        "--rulebook", help="Seeding rulebook: a shipped name or a YAML file.", metavar="NAME"
    ),
]
FromOption = Annotated[
    datetime,
    typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First payment day."),
]
ToOption = Annotated[
    datetime,
    typer.Option(
        "--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last payment day (inclusive)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add the ``seeding`` group to ``app``."""
    for name, function in (
        ("run", run_command),
        ("report", report_command),
        ("check", check_command),
    ):
        command(seeding_app, name, function)
    app.add_typer(seeding_app, name="seeding")


def run_command(
    start: FromOption,
    end: ToOption,
    rulebook: RulebookOption = DEFAULT_RULEBOOK,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Attribute the period's paid orders to creators' videos; refresh payouts and clawbacks.

    Re-running over the same data writes the same rows; run `merchantry close` afterwards
    to post the payouts and clawbacks to the journal."""
    console = Console()
    check_period(start.date(), end.date())
    stage = seeding_stage(rulebook)
    with open_warehouse(db) as con:
        row = con.execute(
            "SELECT count(*) FILTER (WHERE paid_at >= $start AND paid_at < $until), "
            "min(paid_at)::DATE, max(paid_at)::DATE FROM orders",
            {"start": start.date(), "until": end.date() + timedelta(days=1)},
        ).fetchone()
        if row is None or row[1] is None:
            raise InputError(
                "the warehouse holds no orders, so there is nothing to attribute; load data "
                "first with `merchantry ingest DIR`"
            )
        if not row[0]:
            Console(stderr=True, highlight=False, soft_wrap=True).print(
                f"warning: no orders were paid in {start.date()}..{end.date()}, so none is "
                f"attributed; the warehouse's orders were paid {row[1]}..{row[2]}",
                markup=False,
            )
        with progress(console, stage.name) as step:
            outcome = run_stage(con, stage, start.date(), end.date(), progress=step)
    console.print(f"{stage.name}: {outcome.summary}", highlight=False, markup=False)


def print_report(console: Console, report: SeedingReport) -> None:
    """The daily figures as a terminal table (Chinese and English headings)."""
    table = Table(
        title=f"种草激励 Creator seeding — {escape(report.rulebook)}, {report.start} – {report.end}"
    )
    for heading in (
        "日期 Day",
        "参与创作者 Creators taking part",
        "获得分成创作者 Creators paid",
        "获得分成视频 Videos paid",
        "订单 Orders",
        "看后搜成交额 Attributed GMV",
        "激励 Payouts",
        "追回 Clawbacks",
    ):
        table.add_column(heading, justify="left" if heading.startswith("日期") else "right")
    for d in report.days:
        table.add_row(
            d.day.isoformat(),
            f"{d.creators_taking_part:,}",
            f"{d.creators_paid:,}",
            f"{d.videos_paid:,}",
            f"{d.orders:,}",
            format_fen(d.attributed_gmv_fen),
            format_fen(d.payout_fen),
            format_fen(d.clawback_fen),
        )
    console.print(table)
    console.print(
        f"Period: {report.creators_paid:,} creators and {report.videos_paid:,} videos paid; "
        f"attributed GMV {format_fen(report.attributed_gmv_fen)}, payouts "
        f"{format_fen(report.payout_fen)}, clawbacks {format_fen(report.clawback_fen)}.",
        highlight=False,
    )


def report_command(
    start: FromOption,
    end: ToOption,
    rulebook: RulebookOption = DEFAULT_RULEBOOK,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the HTML report here.", dir_okay=False)
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Creators taking part, creators paid, videos paid and attributed GMV per day.

    Reads what `merchantry seeding run` wrote; --out writes the HTML page with its chart."""
    console = Console()
    check_period(start.date(), end.date())
    rules = load_rules(rulebook)
    if out is not None:
        output_file(out)
    with open_warehouse(db, read_only=True) as con:
        report = seeding_report(con, rules, start.date(), end.date())
    note = report.coverage_note()
    if note:
        Console(stderr=True).print(f"[yellow]note: {escape(note)}[/]", highlight=False)
    print_report(console, report)
    if out is not None:
        console.print(f"Report: {write_report(report, out)}", highlight=False, markup=False)


def check_command(
    files: Annotated[list[Path], typer.Argument(help="Seeding rulebook files.", dir_okay=False)],
) -> None:
    """Check seeding rulebooks: every problem at once, with its line."""
    console = Console()
    bad = 0
    for path in files:
        rules, problems = check_rules_file(path)
        for problem in problems:
            console.print(str(problem), highlight=False, markup=False)
        if rules is None:
            bad += 1
        else:
            console.print(
                f"{path}: ok ({rules.name}, {len(rules.settings)} settings)", markup=False
            )
    if bad:
        raise ProblemsFound(f"{bad} of {len(files)} seeding rulebook(s) have problems")
