"""`merchantry simulate`: replay history under two rulebooks and report what merchants save."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from merchantry.kit.errors import InputError
from merchantry.kit.money import format_fen, yuan_to_fen
from merchantry.report import PlotlyMode, format_points
from merchantry.service.simulation import run_simulation
from merchantry.simulate import SegmentParams, SimulationResult
from merchantry.simulate.params import (
    DEFAULT_KEY_ACCOUNT_FROM_FEN,
    DEFAULT_NEW_SHOP_DAYS,
    DEFAULT_SMALL_BELOW_FEN,
)
from merchantry.simulate.report import write_report
from merchantry.store.warehouse import DEFAULT_DB, connect

DATE_FORMATS = ["%Y-%m-%d"]


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _fen(option: str, yuan: str) -> int:
    try:
        return yuan_to_fen(yuan)
    except (ValueError, ArithmeticError) as err:
        raise InputError(f"--{option}: {yuan!r} is not an amount in yuan ({err})") from None


def print_result(console: Console, result: SimulationResult) -> None:
    """The headline and the policy lines, as terminal tables."""
    s = result.summary
    head = Table(
        title=f"{result.baseline} → {result.candidate}  ({result.period.start} – "
        f"{result.period.end})",
        show_header=False,
    )
    head.add_column("what")
    head.add_column("amount", justify="right")
    for label, fen in (
        ("Merchants save 商家节省", s.saving_fen),
        ("Baseline merchant cost", s.baseline_cost_fen),
        ("Candidate merchant cost", s.candidate_cost_fen),
        ("Platform gives up 平台让利", s.platform_giveup_fen),
        ("Subsidies paid (candidate)", s.subsidy_candidate_fen),
        ("Creators & buyers change", s.others_change_fen),
    ):
        head.add_row(label, format_fen(fen))
    head.add_row(
        "Shops gain / lose / same", f"{s.shops_gain} / {s.shops_lose} / {s.shops_unchanged}"
    )
    console.print(head)
    lines = Table(title="By policy line 按政策")
    lines.add_column("policy line")
    lines.add_column("orders", justify="right")
    lines.add_column("saving", justify="right")
    for line in result.by_line:
        lines.add_row(line.title, f"{line.orders:,}", format_fen(line.saving_fen))
    console.print(lines)
    if result.ledger:
        ledger = Table(title="Settlement and compensation 账期与赔付 (ledger rules)")
        for column in ("side", "rulebook", "mean wait (days, by amount)", "platform bears"):
            ledger.add_column(column, justify="left" if column in ("side", "rulebook") else "right")
        for side in result.ledger:
            days = side.mean_days_hundredths
            ledger.add_row(
                side.side,
                side.rulebook,
                "-" if days is None else format_points(days),
                format_fen(side.platform_borne_fen),
            )
        console.print(ledger)


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""

    @app.command("simulate")
    def simulate_command(
        baseline: Annotated[str, typer.Option(help="Rulebook savings are measured from.")],
        candidate: Annotated[str, typer.Option(help="Rulebook being evaluated.")],
        start: Annotated[
            datetime | None,
            typer.Option(
                "--from", formats=DATE_FORMATS, help="First payment date (default: earliest order)."
            ),
        ] = None,
        end: Annotated[
            datetime | None,
            typer.Option(
                "--to", formats=DATE_FORMATS, help="Last payment date (default: latest order)."
            ),
        ] = None,
        report: Annotated[
            Path | None, typer.Option(help="Write the HTML report here.", dir_okay=False)
        ] = None,
        db: Annotated[Path, typer.Option(help="Warehouse file.")] = DEFAULT_DB,
        rulebook_dir: Annotated[
            list[Path] | None,
            typer.Option(help="Extra folder of rulebook YAML files (repeatable)."),
        ] = None,
        use_existing_fees: Annotated[
            bool,
            typer.Option(help="Do not run the fee engine; use the fee_lines already stored."),
        ] = False,
        plotly: Annotated[
            PlotlyMode,
            typer.Option(help="inline: one self-contained page; beside: plotly.js next to it."),
        ] = PlotlyMode.INLINE,
        new_days: Annotated[
            int, typer.Option(help="A shop opened fewer days than this before the start is new.")
        ] = DEFAULT_NEW_SHOP_DAYS,
        small_below: Annotated[
            str, typer.Option(help="GMV in the period (yuan) below which a merchant is small.")
        ] = str(DEFAULT_SMALL_BELOW_FEN // 100),
        key_account_from: Annotated[
            str, typer.Option(help="GMV in the period (yuan) from which a merchant is a KA.")
        ] = str(DEFAULT_KEY_ACCOUNT_FROM_FEN // 100),
    ) -> None:
        """Replay the warehouse's orders under two rulebooks; report merchants' savings."""
        console = Console()
        try:
            params = SegmentParams(
                new_shop_days=new_days,
                small_below_fen=_fen("small-below", small_below),
                key_account_from_fen=_fen("key-account-from", key_account_from),
            )
        except ValueError as err:
            raise InputError(str(err)) from None
        con = connect(db)
        try:
            with Progress(
                SpinnerColumn(),
                TextColumn("[bold]simulate[/] {task.description}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("starting", total=None)
                result = run_simulation(
                    con,
                    baseline,
                    candidate,
                    _day(start),
                    _day(end),
                    params=params,
                    use_existing_fees=use_existing_fees,
                    rulebook_dirs=tuple(rulebook_dir or ()),
                    progress=lambda step: bar.update(task, description=step),
                )
                if report is not None:
                    bar.update(task, description="writing the report")
                    write_report(result, report, plotly=plotly)
        finally:
            con.close()
        print_result(console, result)
        for warning in result.warnings:
            console.print(f"[yellow]warning:[/] {warning}", highlight=False)
        console.print(f"run [bold]{result.run_id}[/] stored in sim_* tables of {db}")
        if report is not None:
            console.print(f"report written to [bold]{report}[/]")
