"""`merchantry diagnose returns` and `diagnose reasons`: why goods come back, and a cause
for every row of any table of texts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import duckdb
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
    day,
    open_warehouse,
)
from merchantry.cli.options import require_shop as check_shop
from merchantry.cli.score import diagnose_app
from merchantry.kit.errors import NotFound
from merchantry.kit.money import format_fen
from merchantry.kit.refusals import DAY_FORM
from merchantry.returns.causes import label
from merchantry.returns.data import payment_span, require_fee_lines
from merchantry.returns.diagnosis import ReturnDiagnosis
from merchantry.returns.refine import Refiner
from merchantry.returns.stats import to_bp
from merchantry.returns.table import UNSUPPORTED, classify_table
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.purpose import Stage, require_stage
from merchantry.service.returns import shop_diagnosis, shop_report


def register(app: typer.Typer) -> None:
    """Add this module's commands to the ``diagnose`` group (``app`` is the root)."""
    del app
    command(diagnose_app, "returns", diagnose_returns_command)
    command(diagnose_app, "reasons", diagnose_reasons_command)


def _rows(count: int) -> str:
    return f"{count:,} row" + ("" if count == 1 else "s")


def _pct(rate: float) -> str:
    return f"{to_bp(rate) / 100:.2f}%"


def print_diagnosis(console: Console, d: ReturnDiagnosis) -> None:
    """Rates, causes, fixes: the report's headline in the terminal."""
    scope = f"SKU {d.sku_id} of shop {d.shop_id}" if d.sku_id else f"shop {d.shop_id}"
    last = d.end - timedelta(days=1)  # the diagnosis's end is the day after the last
    console.print(
        f"[bold]Returns of {escape(scope)}[/], orders paid {d.start} – {last}: "
        f"{d.orders:,} orders, {d.refunds:,} refunded, {d.returns:,} returned.",
        highlight=False,
    )
    for name, f in (("refund", d.shop_refund), ("return", d.shop_return)):
        if f is None:
            continue
        verdict = "[red]significantly above[/]" if f.flagged else "not significantly above"
        console.print(
            f"  {name} rate {_pct(f.rate)} (95% {_pct(f.rate_low)}–{_pct(f.rate_high)}) "
            f"{verdict} its categories' {_pct(f.baseline)} (q {f.q_value:.3g})",
            highlight=False,
        )
    causes = Table(title="Causes 原因")
    for column in ("cause", "cases", "money lost", "buyers' words"):
        causes.add_column(column)
    for c in d.causes:
        causes.add_row(
            escape(label(c.cause)),
            f"{c.cases:,}",
            format_fen(c.money.total_fen),
            escape(" / ".join(c.quotes)),
        )
    console.print(causes)
    fixes = Table(title="Fixes 建议 (saving = money lost × share above the category rate)")
    for column in ("cause", "target", "fix", "cases/orders", "money lost", "saving"):
        fixes.add_column(column)
    for s in d.suggestions:
        fixes.add_row(
            escape(label(s.cause)),
            escape(s.target),
            escape(f"{s.fix.zh}\n{s.fix.en}"),
            f"{s.cases}/{s.orders:,}",
            format_fen(s.money.total_fen),
            format_fen(s.saving.total_fen),
        )
    if d.suggestions:
        console.print(fixes)
        console.print(
            f"Potential saving: {format_fen(d.saving.total_fen)}", highlight=False, markup=False
        )
    else:
        console.print("No cause is significantly above its category rate.")


def diagnose_returns_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    sku: Annotated[str | None, typer.Option("--sku", help="Only this SKU of the shop.")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the HTML report here.", dir_okay=False)
    ] = None,
    start: Annotated[
        datetime | None,
        typer.Option(
            "--from",
            formats=DATE_FORMATS,
            metavar=DAY_FORM,
            help="First payment day (default: the first).",
        ),
    ] = None,
    end: Annotated[
        datetime | None,
        typer.Option(
            "--to",
            formats=DATE_FORMATS,
            metavar=DAY_FORM,
            help="Last payment day, inclusive (default: the last).",
        ),
    ] = None,
    fees_rulebook: Annotated[
        str | None,
        typer.Option(
            "--fees-rulebook",
            help="Count the merchant's return-shipping insurance premiums from this fee "
            "rulebook's fee lines.",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Why the shop's goods come back, and what each fix would save.

    Refund and return rates against the category with intervals, causes with the buyers'
    words, and the fixes with their savings; --out writes the HTML report."""
    console = Console()
    first, last = day(start), day(end)
    check_period(first, last)
    if fees_rulebook is not None:  # a name that is no fee rulebook would count no premium
        require_stage(load_rulebook(fees_rulebook), {Stage.FEES}, "diagnose returns")
    with open_warehouse(db, read_only=True) as con:
        check_shop(con, shop)
        if fees_rulebook is not None:
            require_fee_lines(con, fees_rulebook)
        # the diagnosis takes the day after the last, as the API does
        after = None if last is None else last + timedelta(days=1)
        diagnosis = shop_diagnosis(
            con, shop, sku, start=first, end=after, fees_rulebook=fees_rulebook
        )
        if not diagnosis.orders:
            _no_orders(con, shop, sku, diagnosis.start, diagnosis.end - timedelta(days=1))
        print_diagnosis(console, diagnosis)
        if out is not None:
            path = shop_report(con, diagnosis, out)
            console.print(f"Report: {path}", highlight=False, markup=False)


def _no_orders(
    con: duckdb.DuckDBPyConnection, shop: str, sku: str | None, first: date, last: date
) -> None:
    """Refuse a period without an order of the shop (or SKU): rates of nothing say nothing."""
    scope = f"SKU {sku} of shop {shop}" if sku else f"shop {shop}"
    span = payment_span(con, shop, sku)
    when = (
        f"its orders were paid from {span[0]} to {span[1]}"
        if span
        else "it has no orders in the warehouse"
    )
    raise NotFound(f"no order of {scope} was paid {first} – {last}, so nothing to diagnose; {when}")


def diagnose_reasons_command(
    source: Annotated[
        Path, typer.Option("--in", help="CSV file with a header row.", dir_okay=False)
    ],
    text_column: Annotated[str, typer.Option("--text-column", help="Column holding the text.")],
    target: Annotated[
        Path, typer.Option("--out", help="CSV to write (input columns + class).", dir_okay=False)
    ],
    encoding: Annotated[
        str | None,
        typer.Option("--encoding", help="Input encoding (default: UTF-8, else GB18030)."),
    ] = None,
) -> None:
    """Classify any CSV of texts into return causes.

    Writes the input's columns plus `class`, `confidence` and the quoted `evidence`; a text
    in a language the classifier does not read (it reads Chinese and English) gets class
    `unknown`. A .csv.gz file is read as its CSV."""
    console = Console()
    refiner = Refiner.from_env()
    summary = classify_table(source, target, text_column, encoding=encoding, refiner=refiner)
    shown = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.counts.items(), key=lambda x: -x[1]))
    packed = ", gzip" if summary.compressed else ""
    console.print(
        f"{summary.rows:,} rows ({summary.encoding}{packed}) -> {target}: {shown or 'no rows'}"
        + (f"; {summary.refined:,} changed by {refiner.model}" if refiner else "")
        + (f"; {_rows(summary.set_aside)} set aside" if summary.set_aside else ""),
        highlight=False,
        markup=False,
    )
    warn = Console(stderr=True, highlight=False, soft_wrap=True)
    if summary.set_aside:
        warn.print(
            f"[yellow]warning:[/] {_rows(summary.set_aside)} of {escape(str(source))} set "
            "aside, not classified and not written:"
        )
        for problem in summary.problems:
            warn.print(f"  {problem}", markup=False)
        if summary.set_aside > len(summary.problems):
            warn.print(f"  (the first {len(summary.problems)} of {summary.set_aside:,} shown)")
    if summary.unsupported:
        share = summary.unsupported / summary.rows
        loud = "[bold red]" if share >= 0.5 else "[yellow]"
        warn.print(
            f"{loud}warning:[/] {summary.unsupported:,} of {summary.rows:,} texts ({share:.0%}) "
            "are in a language the classifier does not cover (it reads Chinese and English): "
            f"they are written with class `{UNSUPPORTED}` and no confidence, not a cause"
            + (
                "; the file is mostly in another language, so its classes say little"
                if share >= 0.5
                else ""
            )
        )
