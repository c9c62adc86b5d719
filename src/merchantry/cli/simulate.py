"""`merchantry simulate`: replay history under two rulebooks and report what merchants save."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import datetime
from pathlib import Path
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
    day,
    open_warehouse,
    progress,
    rulebook_dirs,
)
from merchantry.kit.errors import InputError
from merchantry.kit.money import format_bp, format_fen, percent_to_bp, yuan_to_fen
from merchantry.kit.refusals import DAY_FORM
from merchantry.report import PlotlyMode, format_points
from merchantry.report.names import humanize
from merchantry.rulebook import load_rulebook
from merchantry.service.simulation import run_simulation
from merchantry.simulate import SegmentParams, SimulationResult
from merchantry.simulate.export import export
from merchantry.simulate.params import (
    DEFAULT_CASH_RATE_BP,
    DEFAULT_KEY_ACCOUNT_FROM_FEN,
    DEFAULT_NEW_SHOP_DAYS,
    DEFAULT_SMALL_BELOW_FEN,
    SETTING_NAMES,
    parse_settings,
    split_settings,
    write_derived,
)
from merchantry.simulate.report import headline_text, write_report


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
    if result.effects:
        head.add_row(
            "[bold]Merchants gain, every money effect 商家得益（全部）",
            format_fen(result.merchant_gain_fen),
        )
        head.add_row(
            "[bold]Platform gives up, every money effect 平台成本（全部）",
            format_fen(result.platform_cost_fen),
        )
    for label, fen in (
        ("Merchants save on fee lines 费用节省", s.saving_fen),
        ("Baseline merchant cost", s.baseline_cost_fen),
        ("Candidate merchant cost", s.candidate_cost_fen),
        ("Platform gives up on fee lines 平台让利", s.platform_giveup_fen),
        ("Subsidies paid (candidate)", s.subsidy_candidate_fen),
        ("Creators & buyers change", s.others_change_fen),
    ):
        head.add_row(label, format_fen(fen))
    head.add_row(
        "Shops gain / lose / same", f"{s.shops_gain} / {s.shops_lose} / {s.shops_unchanged}"
    )
    console.print(head)
    console.print(headline_text(result), highlight=False)
    if result.effects:
        effects = Table(
            title=f"Every money effect 全部资金影响 (cash flow at "
            f"{format_bp(result.params.cash_rate_bp)} a year)"
        )
        for column in ("effect", "baseline", "candidate", "merchants gain", "platform cost"):
            effects.add_column(column, justify="left" if column == "effect" else "right")
        effects.add_column("how", overflow="fold")
        for e in result.effects:
            effects.add_row(
                e.title,
                format_fen(e.baseline_fen),
                format_fen(e.candidate_fen),
                format_fen(e.merchant_gain_fen),
                format_fen(e.platform_cost_fen),
                e.note or "",
            )
        console.print(effects)
    lines = Table(title="By policy line 按政策 (fee lines)")
    lines.add_column("policy line")
    lines.add_column("orders", justify="right")
    lines.add_column("saving", justify="right")
    for line in result.by_line:
        lines.add_row(humanize(line.title), f"{line.orders:,}", format_fen(line.saving_fen))
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

    command(app, "simulate", simulate_command)


def simulate_command(
    baseline: Annotated[str, typer.Option(help="Rulebook savings are measured from.")],
    candidate: Annotated[str, typer.Option(help="Rulebook being evaluated.")],
    start: Annotated[
        datetime | None,
        typer.Option(
            "--from",
            formats=DATE_FORMATS,
            metavar=DAY_FORM,
            help="First payment date (default: earliest order).",
        ),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option(
            "--to",
            formats=DATE_FORMATS,
            metavar=DAY_FORM,
            help="Last payment date (default: latest order).",
        ),
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write the HTML report here.", dir_okay=False)
    ] = None,
    db: DbOption = DEFAULT_DB,
    rulebook_dir: RulebookDirsOption = None,
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
    cash_rate: Annotated[
        str,
        typer.Option(
            help="Annual rate (percent) valuing money held longer or shorter: settlement days "
            "and deposits."
        ),
    ] = str(DEFAULT_CASH_RATE_BP / 100),
    replace: Annotated[
        bool,
        typer.Option(
            help="Replace results stored for a rulebook name computed from other content."
        ),
    ] = False,
    export_to: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="Also write lines, segments, shops and money effects: a FILE.xlsx workbook, or "
            "a folder of CSV files.",
        ),
    ] = None,
    set_values: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            metavar="NAME=VALUE",
            help="What-if: set a parameter of the candidate rulebook (or a simulator setting: "
            + ", ".join(SETTING_NAMES)
            + ") to an integer in its unit (repeatable). A name that does not exist is an error.",
        ),
    ] = None,
) -> None:
    """Replay the warehouse's orders under two rulebooks; report every money effect."""
    with tempfile.TemporaryDirectory(prefix="merchantry-set-") as scratch:
        _simulate(
            baseline=baseline,
            candidate=candidate,
            start=start,
            end=end,
            report=report,
            db=db,
            rulebook_dir=rulebook_dir,
            use_existing_fees=use_existing_fees,
            plotly=plotly,
            new_days=new_days,
            small_below=small_below,
            key_account_from=key_account_from,
            cash_rate=cash_rate,
            replace=replace,
            export_to=export_to,
            set_values=set_values,
            scratch=scratch,
        )


def _simulate(
    *,
    baseline: str,
    candidate: str,
    start: datetime | None,
    end: datetime | None,
    report: Path | None,
    db: Path,
    rulebook_dir: list[Path] | None,
    use_existing_fees: bool,
    plotly: PlotlyMode,
    new_days: int,
    small_below: str,
    key_account_from: str,
    cash_rate: str,
    replace: bool,
    export_to: Path | None,
    set_values: list[str] | None,
    scratch: str,
) -> None:
    console = Console()
    try:
        rate_bp = percent_to_bp(cash_rate)
    except InputError as err:
        raise InputError(f"--cash-rate: {err}") from None
    except (ValueError, ArithmeticError) as err:
        raise InputError(f"--cash-rate: {cash_rate!r} is not a percentage ({err})") from None
    params = SegmentParams(
        new_shop_days=new_days,
        small_below_fen=_fen("small-below", small_below),
        key_account_from_fen=_fen("key-account-from", key_account_from),
        cash_rate_bp=rate_bp,
    )
    check_period(day(start), day(end))
    folders = rulebook_dirs(rulebook_dir)
    overrides = parse_settings(set_values or ())
    if overrides:
        book = load_rulebook(candidate, folders)
        settings, parameters = split_settings(overrides, book, simulator=True)
        params = dataclasses.replace(params, **settings)
        if parameters:
            candidate = write_derived(book, parameters, Path(scratch), folders)
            folders = (Path(scratch), *folders)
            console.print(
                f"what-if: {book.name} with "
                + ", ".join(f"{k}={v}" for k, v in sorted(parameters.items()))
                + f", filed as {candidate}",
                highlight=False,
            )
    with open_warehouse(db) as con, progress(console, "simulate: starting") as step:
        result = run_simulation(
            con,
            baseline,
            candidate,
            day(start),
            day(end),
            params=params,
            use_existing_fees=use_existing_fees,
            replace=replace,
            rulebook_dirs=folders,
            progress=lambda text: step(f"simulate: {text}"),
        )
        if report is not None:
            step("simulate: writing the report")
            write_report(result, report, plotly=plotly)
        written = [] if export_to is None else export(con, result.run_id, export_to)
    print_result(console, result)
    for warning in result.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    console.print(f"run [bold]{result.run_id}[/] stored in sim_* tables of {db}")
    if report is not None:
        console.print(f"report written to [bold]{report}[/]")
    for path in written:
        console.print(f"exported {path}", highlight=False)
