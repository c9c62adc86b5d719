"""``merchantry ingest DIR``: load event files into the warehouse; nothing is lost."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from merchantry.ingest.pipeline import (
    DEFAULT_MAX_BAD_SHARE,
    IngestFormat,
    TooManyBadRows,
    ingest_dir,
)
from merchantry.ingest.report import IngestReport
from merchantry.kit.errors import InputError
from merchantry.store.warehouse import DEFAULT_DB, connect

_DUCKDB_MAGIC = b"DUCK"


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
    if not report.files and not report.skipped:
        console.print("[yellow]nothing to ingest[/]")


def open_for_ingest(db: Path) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse ``db``; a path that cannot be one is an input error."""
    if db.is_dir():
        raise InputError(f"--db {str(db)!r} is a folder; give the warehouse file inside it")
    if not db.parent.is_dir():
        raise InputError(
            f"--db {str(db)!r}: the folder {str(db.parent)!r} does not exist "
            "(create it first, or give a --db in an existing folder)"
        )
    if db.is_file():
        try:
            with db.open("rb") as fh:
                head = fh.read(12)
        except OSError as err:
            raise InputError(f"cannot read --db {str(db)!r}: {err.strerror or err}") from err
        if head[8:12] != _DUCKDB_MAGIC:
            raise InputError(
                f"--db {str(db)!r} is not a DuckDB warehouse file; it was left untouched "
                "(give a new file name to create a warehouse)"
            )
    try:
        return connect(db)
    except duckdb.Error as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InputError(f"cannot open the warehouse {str(db)!r}: {first}") from err


def ingest_command(
    directory: Annotated[
        Path,
        typer.Argument(
            help="Directory of <table>.csv|parquet|jsonl "
            "files (or the Olist CSVs with --format olist)."
        ),
    ],
    db: Annotated[Path, typer.Option("--db", help="Warehouse file.")] = DEFAULT_DB,
    fmt: Annotated[str, typer.Option("--format", help="auto (model tables) or olist.")] = "auto",
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
) -> None:
    """Validate and load every file of DIRECTORY in one transaction.

    Bad rows go to the `quarantine` table (and --quarantine-file) with file, row,
    column and reason. Files already ingested (same content, same table) are
    skipped, except rows quarantined for a missing parent, which are read again.
    Exit codes: 0 done; 1 a file had too many bad rows (nothing committed);
    2 unreadable input (nothing committed).
    """
    if fmt not in ("auto", "olist"):
        raise typer.BadParameter("must be auto or olist", param_hint="--format")
    chosen: IngestFormat = "olist" if fmt == "olist" else "auto"
    if not directory.is_dir():
        raise InputError(f"input directory {str(directory)!r} does not exist or is not a directory")
    con = open_for_ingest(db)
    try:
        report = ingest_dir(
            con,
            directory,
            fmt=chosen,
            quarantine_file=quarantine_file,
            progress=progress,
            encoding=encoding,
            max_bad_share=max_bad_share,
        )
    except TooManyBadRows as err:
        render_report(err.report, Console(stderr=True))
        raise
    finally:
        con.close()
    render_report(report, Console())


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    app.command("ingest")(ingest_command)
