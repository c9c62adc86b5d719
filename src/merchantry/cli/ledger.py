"""Ledger commands: ``close``, ``payouts``, ``statement``, ``ledger-check``, and a
merchant's money requests: ``deposit`` (standing), ``withdraw`` (excess deposit),
``insurance-quote`` (what a return's shipping insurance pays) and
``insurance-eligibility`` (may a shop switch the cover on). The requests call the use
cases of :mod:`merchantry.service.money`.

``close`` runs the fee stage first when the period's fee lines are missing
(:func:`merchantry.service.runner.close_with_fees` composes the two stages; the
ledger itself does not import the fee stage). ``close --engine spark`` (or a Spark
master URL) runs both on Spark (:func:`merchantry.spark.close.close_on_spark`,
``docs/scale.md``); the journal lands in the warehouse either way.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Final

import duckdb
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.engine import EngineOption, SparkOutOption, SparkTablesOption
from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    MOMENT_FORMATS,
    DbOption,
    MoneyRulebookOption,
    OutboxOption,
    RulebookDirsOption,
    check_period,
    command,
    day,
    money_rulebook_name,
    open_warehouse,
    output_file,
    progress,
    require_shop,
    rulebook_dirs,
    write_output,
)
from merchantry.kit.errors import InputError
from merchantry.kit.money import format_fen
from merchantry.kit.refusals import DAY_FORM, MOMENT_FORM
from merchantry.ledger import CloseSummary
from merchantry.ledger.check import check_journal
from merchantry.ledger.payouts import list_payouts
from merchantry.ledger.statements import (
    closed_through,
    shop_statement,
    statement_csv,
    statement_page,
)
from merchantry.ops import open_ops
from merchantry.report import PlotlyMode
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.purpose import Stage, require_stage
from merchantry.service import money
from merchantry.service.runner import close_with_fees
from merchantry.service.stages import daily_close_stage
from merchantry.spark.close import close_on_spark
from merchantry.spark.engine import parse_engine
from merchantry.spark.unported import require_portable

MONEY: Final = (Stage.FEES, Stage.LEDGER)
"""The stages a money rulebook has rules for: what ``close`` and the deposit commands need."""


class Format(StrEnum):
    """Statement output formats."""

    CSV = "csv"
    """One row per posting, amounts in fen, opening and closing rows."""
    HTML = "html"
    """A report page (works offline)."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(app, "close", close_command)
    command(app, "payouts", payouts_command)
    command(app, "statement", statement_command)
    command(app, "ledger-check", check_command)
    command(app, "deposit", deposit_command)
    command(app, "withdraw", withdraw_command)
    command(app, "insurance-quote", insurance_quote_command)
    command(app, "insurance-eligibility", insurance_eligibility_command)


def print_close(console: Console, summary: CloseSummary) -> None:
    """Entries by kind, and what this run posted."""
    r = summary.result
    table = Table(
        title=f"close {escape(summary.rulebook)} {summary.start} – {summary.end}: "
        f"{r.posted:,} posted, {r.reversed:,} reversed, {r.unchanged:,} unchanged, "
        f"{summary.postings:,} postings ({summary.seconds:.1f} s)"
    )
    note = summary.skipped_note()
    if summary.kinds:
        table.add_column("entry kind")
        table.add_column("entries", justify="right")
        table.add_column("money moved", justify="right")
        for k in summary.kinds:
            table.add_row(escape(k.kind), f"{k.entries:,}", format_fen(k.moved_fen))
        console.print(table)
    else:  # no kinds to list: the title alone, not an empty table
        console.print(table.title, highlight=False)
    if note:
        console.print(note, highlight=False)
    if summary.fees_run:
        console.print("fee lines were missing: the fee stage ran first", highlight=False)
    warn = Console(stderr=True, highlight=False, soft_wrap=True)
    for warning in summary.warnings:
        warn.print(f"[yellow]warning:[/] {escape(warning)}")


def close_command(
    start: Annotated[
        datetime,
        typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First day."),
    ],
    end: Annotated[
        datetime,
        typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last day (inclusive)."),
    ],
    rulebook: MoneyRulebookOption = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
    refresh_fees: Annotated[
        bool, typer.Option(help="Re-run the fee stage first (after late after-sales data).")
    ] = False,
    outbox: OutboxOption = None,
    engine: EngineOption = "duckdb",
    spark_tables: SparkTablesOption = None,
    spark_out: SparkOutOption = None,
    daily: Annotated[
        bool,
        typer.Option(
            "--daily",
            help="Close one day at a time, in order, as a marketplace runs it: each day "
            "incremental (only the orders it touches) and in its own transaction; a day "
            "whose inputs did not change since its last close is skipped.",
        ),
    ] = False,
) -> None:
    """Post the period to the journal in one transaction (re-running posts nothing new);
    with --daily, one transaction a day."""
    console = Console()
    check_period(start.date(), end.date())
    if daily and engine != "duckdb":
        raise InputError(
            f"--daily closes day by day in the warehouse; --engine {engine} closes "
            "a period at once: leave out one of the two"
        )
    on_spark = parse_engine(engine, spark_tables, spark_out)
    if on_spark is not None:
        require_portable("close")  # refused before the warehouse is opened
    folders = rulebook_dirs(dirs)
    if rulebook is not None:  # a wrong rulebook is refused before the warehouse is opened
        require_stage(load_rulebook(rulebook, folders), MONEY, "merchantry close")
    outbox_engine = open_ops(outbox, "--outbox") if outbox else None
    with open_warehouse(db) as con:
        named = money_rulebook_name(con, rulebook, folders, (start.date(), end.date()))
        book = load_rulebook(named, folders)
        require_stage(book, MONEY, "merchantry close")
    with open_warehouse(db) as con, progress(console, "closing") as step:
        close = close_with_fees if on_spark is None else partial(close_on_spark, on_spark)
        if daily:
            close = partial(close_with_fees, close=daily_close_stage)
        summary = close(
            con,
            book,
            start.date(),
            end.date(),
            rulebook_dirs=folders,
            refresh_fees=refresh_fees,
            progress=lambda text: step(f"closing: {text}"),
            outbox=outbox_engine,
        )
    print_close(console, summary)


def payouts_command(
    start: Annotated[
        datetime | None,
        typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First payout day."),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last payout day."),
    ] = None,
    shop: Annotated[str | None, typer.Option("--shop", help="Only this shop.")] = None,
    unscheduled: Annotated[
        bool, typer.Option(help="Also list orders awaiting receipt or held by a case.")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """What becomes payable when, by day and shop (from the last close's schedule)."""
    check_period(day(start), day(end))
    with open_warehouse(db, read_only=True) as con:
        if shop is not None:
            require_shop(con, shop)
        rows = list_payouts(
            con,
            start=start.date() if start else date.min,
            end=end.date() if end else date.max,
            shop=shop,
            unscheduled=unscheduled,
        )
        last_closed = closed_through(con) if not rows else None
        posted = _count(con, "SELECT count(*) FROM journal_entries") if not rows else 0
    if not rows:
        Console(stderr=True).print(
            _no_payouts(start, end, shop, unscheduled, last_closed, posted),
            highlight=False,
            markup=False,
        )
        return
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


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _no_payouts(
    start: datetime | None,
    end: datetime | None,
    shop: str | None,
    unscheduled: bool,
    last_closed: date | None,
    posted: int,
) -> str:
    """Why the payout list is empty, and what to do."""
    if last_closed is None:
        return (
            "no payouts: nothing has been closed in this warehouse yet, and payouts come from "
            "a close's schedule; run `merchantry close --from … --to …` first"
        )
    if not posted:
        return (
            f"no payouts: the closes through {last_closed} posted nothing (the journal is "
            "empty: the warehouse had no orders to settle); load data with `merchantry ingest` "
            "and close again"
        )
    first, last = day(start), day(end)
    days = f" in {first or 'the start'}..{last or 'the end'}" if first or last else ""
    who = f" for shop {shop}" if shop else ""
    more = "" if unscheduled else " (--unscheduled also lists orders awaiting receipt or held)"
    return f"no payouts{who}{days} (closes have posted through {last_closed}){more}"


def statement_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    start: Annotated[
        datetime,
        typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First day."),
    ],
    end: Annotated[
        datetime,
        typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last day (inclusive)."),
    ],
    fmt: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.CSV,
    out: Annotated[
        Path | None, typer.Option("--out", help="File to write (CSV: default stdout).")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """A shop's statement: opening balance, every line with its rule, closing balance."""
    check_period(start.date(), end.date())
    if out is not None:
        output_file(out)
    with open_warehouse(db, read_only=True) as con:
        require_shop(con, shop)
        statement = shop_statement(con, shop, start.date(), end.date())
        titles = dict(con.execute("SELECT DISTINCT rule_id, title FROM rulebook_rules").fetchall())
    unposted = statement.unposted_days()
    if unposted:
        Console(stderr=True).print(f"[yellow]note: {escape(unposted)}[/]", highlight=False)
    if fmt is Format.CSV:
        text = statement_csv(statement)
        if out is None:
            typer.echo(text, nl=False)
        else:
            write_output(out, text)
    else:
        target = output_file(out or Path(f"statement-{shop}-{start.date()}-{end.date()}.html"))
        statement_page(statement, rule_titles=titles).render(target, plotly=PlotlyMode.INLINE)
        Console(stderr=True).print(f"statement: {target}", highlight=False, markup=False)
    if not statement.reconciles():
        raise typer.Exit(1)


def check_command(db: DbOption = DEFAULT_DB) -> None:
    """Verify the whole journal; exit 1 naming every problem (entry ids, keys)."""
    console = Console()
    with open_warehouse(db, read_only=True) as con:
        with progress(console, "checking") as step:
            problems = check_journal(con, on_check=lambda code: step(f"checking: {code}"))
        entries = con.execute("SELECT count(*) FROM journal_entries").fetchone()
    if problems:
        for problem in problems:
            console.print(f"[bold red]{escape(str(problem))}[/]", highlight=False)
        raise typer.Exit(1)
    console.print(f"journal sound: {entries[0] if entries else 0:,} entries, every check passed")


def deposit_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    at: Annotated[
        datetime,
        typer.Option(
            "--at", formats=MOMENT_FORMATS, metavar=MOMENT_FORM, help="Moment to look at."
        ),
    ],
    rulebook: MoneyRulebookOption = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
) -> None:
    """A shop's deposit: balance, amount in force, and the limits a shortfall brings."""
    folders = rulebook_dirs(dirs)
    with open_warehouse(db, read_only=True) as con:
        require_shop(con, shop)
        named = money_rulebook_name(con, rulebook, folders)
        found = money.standing(con, shop, at, rulebook=named, rulebook_dirs=folders)
    Console().print(
        f"shop {found.shop_id} at {at:%Y-%m-%d %H:%M}: deposit {format_fen(found.balance_fen)}, "
        f"in force {format_fen(found.required_fen)}, standing {found.level}"
        + (f" (below zero since {found.negative_since})" if found.negative_since else "")
        + f" [rule {found.rule_id}]",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def withdraw_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    amount: Annotated[int, typer.Option("--amount-fen", help="Amount to withdraw, fen.")],
    on: Annotated[
        datetime,
        typer.Option("--on", formats=DATE_FORMATS, metavar=DAY_FORM, help="Day of the request."),
    ],
    deposit_type: Annotated[
        str, typer.Option("--type", help="Deposit type (base or experience).")
    ] = "base",
    rulebook: MoneyRulebookOption = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
) -> None:
    """Withdraw excess deposit on the merchant's request (at most the excess over the
    amount in force, as often a week as the rulebook allows); exit 2 naming the reason
    when refused."""
    folders = rulebook_dirs(dirs)
    with open_warehouse(db) as con:
        require_shop(con, shop)
        done = money.withdraw(
            con,
            shop,
            on.date(),
            amount,
            deposit_type=deposit_type,
            rulebook=money_rulebook_name(con, rulebook, folders),
            rulebook_dirs=folders,
        )
    Console().print(
        f"shop {done.shop_id}: {format_fen(done.amount_fen)} of {done.deposit_type} deposit "
        f"withdrawn on {done.booked_on}; deposit now {format_fen(done.balance_fen)} "
        f"(in force {format_fen(done.required_fen)}) [rule {done.rule_id}]",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def insurance_quote_command(
    order: Annotated[str, typer.Option("--order", help="Order id.")],
    freight: Annotated[
        int, typer.Option("--freight-fen", help="Return shipping the buyer paid, fen.")
    ],
    asked_at: Annotated[
        datetime,
        typer.Option(
            "--asked-at",
            formats=MOMENT_FORMATS,
            metavar=MOMENT_FORM,
            help="When the return was asked for.",
        ),
    ],
    rulebook: MoneyRulebookOption = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
) -> None:
    """What the order's return-shipping insurance (运费险) pays on a return, and why."""
    folders = rulebook_dirs(dirs)
    with open_warehouse(db, read_only=True) as con:
        named = money_rulebook_name(con, rulebook, folders)
        quote = money.insurance_claim(
            con, order, freight, asked_at, rulebook=named, rulebook_dirs=folders
        )
    Console().print(
        f"order {quote.order_id}: pays {format_fen(quote.payable_fen)}: {quote.reason}"
        + (f" [rule {quote.rule_id}]" if quote.rule_id else ""),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def insurance_eligibility_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    insurance_type: Annotated[
        str, typer.Option("--type", help="Insurance type: small, small_upgraded or bulky.")
    ],
    joining: Annotated[
        datetime,
        typer.Option(
            "--joining", formats=DATE_FORMATS, metavar=DAY_FORM, help="Day the cover starts."
        ),
    ],
    rulebook: MoneyRulebookOption = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
) -> None:
    """May the shop switch a return-shipping insurance type on; exit 1 when it may not."""
    folders = rulebook_dirs(dirs)
    with open_warehouse(db, read_only=True) as con:
        require_shop(con, shop)
        answer = money.insurance_eligibility(
            con,
            shop,
            insurance_type,
            joining.date(),
            rulebook=money_rulebook_name(con, rulebook, folders),
            rulebook_dirs=folders,
        )
    verdict = "eligible" if answer.eligible else "not eligible"
    reason = answer.reason.removesuffix(f" (warning: {answer.warning})")
    Console().print(
        f"shop {answer.shop_id}, {answer.insurance_type}: {verdict}: {reason}"
        + (f" [rule {answer.rule_id}]" if answer.rule_id else ""),
        highlight=False,
        markup=False,
        soft_wrap=True,
    )
    if answer.warning:  # a window past the data: the answer may change when it arrives
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"[yellow]warning:[/] {escape(answer.warning)}"
        )
    if not answer.eligible:
        raise typer.Exit(1)
