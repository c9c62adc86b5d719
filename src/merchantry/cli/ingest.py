"""``merchantry ingest DIR``: load event files into the warehouse; nothing is lost."""

from __future__ import annotations

from contextlib import ExitStack
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from merchantry.cli.engine import EngineOption
from merchantry.cli.options import DEFAULT_DB, DbOption, command, open_warehouse, require_folder
from merchantry.ingest.pipeline import (
    DEFAULT_MAX_BAD_SHARE,
    TooManyBadRows,
    archive_advice,
    ingest_dir,
    refuse_nothing_readable,
    refuse_olist_layout,
)
from merchantry.ingest.report import IngestReport
from merchantry.kit.errors import InputError, NotFound
from merchantry.spark.engine import parse_engine
from merchantry.spark.ingest import spark_checker


class Format(StrEnum):
    """How the files of the folder are laid out."""

    AUTO = "auto"
    """One file per model table, named after it (orders.csv, shops.parquet...)."""
    OLIST = "olist"
    """The Olist Brazilian e-commerce CSVs, mapped onto the model."""


def render_report(report: IngestReport, console: Console) -> None:
    """Print read / accepted / quarantined per file and per table, then what was skipped."""
    files = Table(title="Ingested files", show_lines=False)
    files.add_column("file", overflow="fold")
    for name in ("table", "encoding"):
        files.add_column(name)
    for name in ("read", "accepted", "quarantined"):
        files.add_column(name, justify="right")
    for f in report.files:
        files.add_row(
            Path(f.path).name,
            f.table,
            f.encoding or "-",
            f"{f.read:,}",
            f"{f.accepted:,}",
            f"{f.quarantined:,}",
        )
    tables = Table(title="Tables")
    for name in ("table", "read", "accepted", "quarantined"):
        tables.add_column(name, justify="left" if name == "table" else "right")
    for t in report.tables:
        tables.add_row(t.table, f"{t.read:,}", f"{t.accepted:,}", f"{t.quarantined:,}")
    tables.add_row(
        "[bold]total",
        f"[bold]{report.read:,}",
        f"[bold]{report.accepted:,}",
        f"[bold]{report.quarantined:,}",
    )
    if report.files:
        console.print(files)
        console.print(tables)
    if report.sources:
        console.print(_sources_table(report))
    for s in report.skipped:
        console.print(f"[yellow]skipped[/] {s.path}: {s.reason}", highlight=False, markup=True)
    for s in report.unknown:
        console.print(f"[yellow]unknown file[/] {s.path}: {s.reason}", highlight=False)
    for note in report.notes:
        console.print(f"[cyan]note[/] {note}", highlight=False)
    for warning in report.warnings:
        console.print("[yellow]warning[/] ", end="", highlight=False)
        console.print(warning, highlight=False, markup=False)
    if report.quarantine_file:
        console.print(f"quarantined rows written to {report.quarantine_file}", highlight=False)
    if not report.files and not report.skipped and not report.sources:
        console.print("[yellow]nothing to ingest[/]")


def _sources_table(report: IngestReport) -> Table:
    """Every row of each adapter source file, counted once whatever tables it fed."""
    sources = Table(title="Source files (each row once)")
    sources.add_column("file", overflow="fold")
    sources.add_column("encoding")
    for name in ("rows", "accepted", "quarantined", "of which unused"):
        sources.add_column(name, justify="right")
    for s in report.sources:
        sources.add_row(
            Path(s.path).name,
            s.encoding or "-",
            f"{s.read:,}",
            f"{s.accepted:,}",
            f"{s.quarantined:,}",
            f"{s.unused:,}",
        )
    return sources


def ingest_command(
    directory: Annotated[
        Path,
        typer.Argument(
            metavar="DIR|FILE",
            help="Folder of <table>.csv|parquet|jsonl files, or one such file (a folder of "
            "the Olist CSVs with --format olist).",
        ),
    ],
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[
        Format, typer.Option("--format", help="auto: one file per model table; olist: Olist CSVs.")
    ] = Format.AUTO,
    quarantine_file: Annotated[
        Path | None,
        typer.Option(
            "--quarantine-file",
            help="Also write quarantined rows here (CSV); checked writable before anything "
            "is committed.",
        ),
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Text encoding of every CSV file (e.g. gb18030, cp1252) instead of detecting "
            "it; detection reads UTF-8 and GB18030 and refuses a file it cannot tell.",
        ),
    ] = None,
    max_bad_share: Annotated[
        float,
        typer.Option(
            "--max-bad-share",
            min=0.0,
            max=1.0,
            help="Largest share of a file's rows that may be quarantined; above it nothing is "
            "committed and the command exits 1 (1 accepts any share).",
        ),
    ] = DEFAULT_MAX_BAD_SHARE,
    progress: Annotated[bool, typer.Option(help="Show progress bars.")] = True,
    engine: EngineOption = "duckdb",
) -> None:
    """Validate and load every file of DIR (or the one FILE) in one transaction.

    Bad rows go to the `quarantine` table (and --quarantine-file) with file, row,
    column and reason. Files already ingested (same content, same table) are
    skipped, except rows quarantined for a missing parent, which are read again.
    Exit codes: 0 done; 1 a file had too many bad rows (nothing committed);
    2 unreadable input (nothing committed).

    With --engine spark (local[2]) or a Spark master URL, the files are read and
    typed in DuckDB and every check runs on Spark (the same check queries, carried
    with the same meaning, refused by name before Spark starts when they cannot be);
    the quarantine and the accepted rows are the same as a DuckDB ingest's
    (docs/scale.md).
    """
    if fmt is Format.OLIST:
        advice = archive_advice(directory) if directory.is_file() else None
        if advice is not None:
            raise InputError(
                f"--format olist reads a folder of the Olist CSVs: {directory} is {advice}"
            )
        require_folder(directory, "--format olist reads a folder of the Olist CSVs:")
    elif not directory.exists():
        raise NotFound(f"input {directory} does not exist (give a folder of files or one file)")
    else:
        refuse_olist_layout(directory)  # before the warehouse is made
        refuse_nothing_readable(directory)
    on_spark = parse_engine(engine)
    if on_spark is not None and fmt is Format.OLIST:
        raise InputError("--format olist runs its checks in DuckDB only (not with --engine)")
    with open_warehouse(db, create=True) as con, ExitStack() as stack:
        checker = None if on_spark is None else stack.enter_context(spark_checker(on_spark))
        try:
            report = ingest_dir(
                con,
                directory,
                fmt="olist" if fmt is Format.OLIST else "auto",
                quarantine_file=quarantine_file,
                progress=progress,
                encoding=encoding,
                max_bad_share=max_bad_share,
                checker=checker,
            )
        except TooManyBadRows as err:
            render_report(err.report, Console(stderr=True))
            raise
    render_report(report, Console())


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(app, "ingest", ingest_command)
