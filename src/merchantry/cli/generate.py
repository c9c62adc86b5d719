"""`merchantry generate`: write a synthetic marketplace to a directory."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from merchantry.cli.options import command
from merchantry.kit.errors import InputError
from merchantry.synth import (
    DEFAULT_ORDERS_PER_SHOP_DAY,
    DEFAULT_START,
    GenerateSummary,
    generate,
)


class FileFormat(StrEnum):
    """File format of the generated tables (the generator's ``FORMATS``)."""

    PARQUET = "parquet"
    """Columnar, typed, compressed: the fastest to ingest."""
    CSV = "csv"
    """UTF-8 text, one file per table."""
    JSONL = "jsonl"
    """One JSON object per line."""


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(app, "generate", generate_command)


def generate_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the tables into.")],
    shops: Annotated[int, typer.Option("--shops", help="Number of shops.", min=1)] = 2_000,
    days: Annotated[int, typer.Option("--days", help="Number of days of orders.", min=1)] = 30,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same bytes).")] = 1,
    start: Annotated[
        str, typer.Option("--start", help="First day, YYYY-MM-DD.")
    ] = DEFAULT_START.isoformat(),
    fmt: Annotated[FileFormat, typer.Option("--format", help="File format.")] = FileFormat.PARQUET,
    orders_per_shop_day: Annotated[
        float,
        typer.Option("--orders-per-shop-day", help="Mean paid orders per shop and day.", min=0.0),
    ] = DEFAULT_ORDERS_PER_SHOP_DAY,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress bar or summary.")] = False,
) -> None:
    """Generate a synthetic marketplace (every table of the data model, plus truth/)."""
    summary = generate(
        out,
        shops=shops,
        days=days,
        seed=seed,
        start=_parse_day(start),
        fmt=fmt.value,
        orders_per_shop_day=orders_per_shop_day,
        progress=not quiet,
    )
    if not quiet:
        print_summary(summary, Console())


def print_summary(summary: GenerateSummary, console: Console) -> None:
    """Rows per table and the speed of the run."""
    table = Table(title=f"synthetic marketplace in {summary.out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    rate = summary.orders / summary.elapsed_seconds if summary.elapsed_seconds else 0.0
    console.print(
        f"{summary.orders:,} orders, {summary.total_rows:,} rows in "
        f"{summary.elapsed_seconds:.1f} s ({rate:,.0f} orders/s); ground truth in "
        f"{summary.out / 'truth'}"
    )


def _parse_day(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(f"--start must be a date written YYYY-MM-DD, got {text!r}") from None
