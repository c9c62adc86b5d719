"""Ledger commands: ``close``, ``payouts``, ``statement``, ``ledger-check``.

``close`` runs the fee stage first when the period's fee lines are missing
(:func:`merchantry.service.runner.close_with_fees` composes the two stages; the
ledger itself does not import the fee stage).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from merchantry.kit.money import format_fen
from merchantry.ledger import CloseSummary
from merchantry.ledger.check import check_journal
from merchantry.ledger.payouts import list_payouts
from merchantry.ledger.statements import shop_statement, statement_csv, statement_page
from merchantry.report import PlotlyMode
from merchantry.service.runner import close_with_fees
from merchantry.store.warehouse import DEFAULT_DB, connect

DATE_FORMATS = ["%Y-%m-%d"]
DEFAULT_RULEBOOK = "douyin-2026"

DbOption = Annotated[Path, typer.Option("--db", help="Warehouse file.")]


class Format(StrEnum):
    """Statement output formats."""

    CSV = "csv"
    """One row per posting, amounts in fen, opening and closing rows."""
    HTML = "html"
    """A report page (works offline)."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("close")(close_command)
    app.command("payouts")(payouts_command)
    app.command("statement")(statement_command)
    app.command("ledger-check")(check_command)


def _spinner(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def print_close(console: Console, summary: CloseSummary) -> None:
    """Entries by kind, and what this run posted."""
    r = summary.result
    table = Table(
        title=f"close {summary.rulebook} {summary.start} – {summary.end}: "
        f"{r.posted:,} posted, {r.reversed:,} reversed, {r.unchanged:,} unchanged, "
        f"{summary.postings:,} postings ({summary.seconds:.1f} s)"
    )
    table.add_column("entry kind")
    table.add_column("entries", justify="right")
    table.add_column("money moved", justify="right")
    for k in summary.kinds:
        table.add_row(k.kind, f"{k.entries:,}", format_fen(k.moved_fen))
    console.print(table)
    if summary.fees_run:
        console.print("fee lines were missing: the fee stage ran first", highlight=False)
    for warning in summary.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


def close_command(
    start: Annotated[datetime, typer.Option("--from", formats=DATE_FORMATS, help="First day.")],
    end: Annotated[
        datetime, typer.Option("--to", formats=DATE_FORMATS, help="Last day (inclusive).")
    ],
    rulebook: Annotated[str, typer.Option("--rulebook", help="Rulebook name.")] = DEFAULT_RULEBOOK,
    db: DbOption = DEFAULT_DB,
    dirs: Annotated[
        list[Path] | None, typer.Option("--dir", help="Extra folder to find rulebooks in.")
    ] = None,
    refresh_fees: Annotated[
        bool, typer.Option(help="Re-run the fee stage first (after late after-sales data).")
    ] = False,
) -> None:
    """Post the period to the journal in one transaction (re-running posts nothing new)."""
    console = Console()
    con = connect(db)
    try:
        with _spinner(console) as progress:
            task = progress.add_task("closing", total=None)
            summary = close_with_fees(
                con,
                rulebook,
                start.date(),
                end.date(),
                rulebook_dirs=dirs or (),
                refresh_fees=refresh_fees,
                progress=lambda step: progress.update(task, description=f"closing: {step}"),
            )
    finally:
        con.close()
    print_close(console, summary)


def payouts_command(
    start: Annotated[
        datetime | None, typer.Option("--from", formats=DATE_FORMATS, help="First payout day.")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=DATE_FORMATS, help="Last payout day.")
    ] = None,
    shop: Annotated[str | None, typer.Option("--shop", help="Only this shop.")] = None,
    unscheduled: Annotated[
        bool, typer.Option(help="Also list orders awaiting receipt or held by a case.")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """What becomes payable when, by day and shop (from the last close's schedule)."""
    con = connect(db, read_only=True)
    try:
        rows = list_payouts(
            con,
            start=start.date() if start else date.min,
            end=end.date() if end else date.max,
            shop=shop,
            unscheduled=unscheduled,
        )
    finally:
        con.close()
    table = Table(title="payouts (amount = the orders' net goods payment)")
    for name, justify in (
        ("payable on", "left"),
        ("shop", "left"),
        ("status", "left"),
        ("orders", "right"),
        ("amount", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            str(row.settle_on or "—"),
            row.shop_id,
            row.status,
            f"{row.orders:,}",
            format_fen(row.amount_fen),
        )
    Console().print(table)


def statement_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    start: Annotated[datetime, typer.Option("--from", formats=DATE_FORMATS, help="First day.")],
    end: Annotated[
        datetime, typer.Option("--to", formats=DATE_FORMATS, help="Last day (inclusive).")
    ],
    fmt: Annotated[Format, typer.Option("--format", help="csv or html.")] = Format.CSV,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (CSV: default stdout).")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """A shop's statement: opening balance, every line with its rule, closing balance."""
    con = connect(db, read_only=True)
    try:
        statement = shop_statement(con, shop, start.date(), end.date())
        titles = dict(con.execute("SELECT DISTINCT rule_id, title FROM rulebook_rules").fetchall())
    finally:
        con.close()
    if fmt is Format.CSV:
        text = statement_csv(statement)
        if out is None:
            typer.echo(text, nl=False)
        else:
            out.write_text(text, encoding="utf-8")
    else:
        target = out or Path(f"statement-{shop}-{start.date()}-{end.date()}.html")
        statement_page(statement, rule_titles=titles).render(target, plotly=PlotlyMode.INLINE)
        Console(stderr=True).print(f"statement: {target}", highlight=False)
    if not statement.reconciles():
        raise typer.Exit(1)


def check_command(db: DbOption = DEFAULT_DB) -> None:
    """Verify the whole journal; exit 1 naming every problem (entry ids, keys)."""
    console = Console()
    con = connect(db, read_only=True)
    try:
        with _spinner(console) as progress:
            task = progress.add_task("checking", total=None)
            problems = check_journal(
                con, on_check=lambda code: progress.update(task, description=f"checking: {code}")
            )
        entries = con.execute("SELECT count(*) FROM journal_entries").fetchone()
    finally:
        con.close()
    if problems:
        for problem in problems:
            console.print(f"[bold red]{problem}[/]", highlight=False)
        raise typer.Exit(1)
    console.print(f"journal sound: {entries[0] if entries else 0:,} entries, every check passed")
