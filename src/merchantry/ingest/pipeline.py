"""``ingest_dir``: read a directory of event files into the warehouse, losing nothing.

One ingest is one DuckDB transaction: tables are loaded parents first, each
from a staging table (:mod:`merchantry.ingest.stage`) through the checks
(:mod:`merchantry.ingest.validate`). A process killed at any point leaves the
warehouse as it was. The quarantine file is written after the commit, from the
``quarantine`` table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Literal

import duckdb
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from merchantry.ingest import olist
from merchantry.ingest.quarantine import ensure_tables, known_digests, write_quarantine_file
from merchantry.ingest.report import FileReport, IngestReport, SkippedFile
from merchantry.ingest.source import Format, SourceFile, detect_encoding, discover, file_size
from merchantry.ingest.stage import FilePart, create_stage, stage_csv, stage_jsonl, stage_parquet
from merchantry.ingest.validate import STEPS, Source, load_table, register_sources
from merchantry.kit.ids import stable_key
from merchantry.model.tables import TABLES, TABLES_BY_NAME
from merchantry.store.warehouse import transaction

STAGE = "_ingest_stage"
IngestFormat = Literal["auto", "olist"]


class Ui:
    """Rich progress bars, or nothing (``progress=False``)."""

    def __init__(self, enabled: bool) -> None:
        self._progress: Progress | None = None
        if enabled:
            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=False,
            )

    @contextmanager
    def running(self) -> Iterator[Ui]:
        if self._progress is None:
            yield self
            return
        with self._progress:
            yield self

    def task(self, description: str, total: float | None) -> Callable[[int], None]:
        """A bar; returns the function that advances it."""
        progress = self._progress
        if progress is None:
            return lambda _n: None
        task_id: TaskID = progress.add_task(description, total=total)
        return lambda n: progress.advance(task_id, n)


@dataclass(frozen=True, slots=True)
class _Planned:
    """The recognised, not yet ingested files, and the rest."""

    files: list[SourceFile]
    skipped: list[SkippedFile]
    unknown: list[SkippedFile]


def _plan(con: duckdb.DuckDBPyConnection, directory: Path) -> _Planned:
    found, unknown_paths = discover(directory)
    known = known_digests(con)
    files: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    seen: dict[str, str] = {}
    for f in found:
        if f.digest in known:
            skipped.append(SkippedFile(str(f.path), f"already ingested (as {known[f.digest]})"))
        elif f.digest in seen:
            skipped.append(SkippedFile(str(f.path), f"same content as {seen[f.digest]}"))
        else:
            seen[f.digest] = str(f.path)
            files.append(f)
    unknown = [
        SkippedFile(str(p), "file name names no table (expected <table>[-NNNNN].csv|parquet|jsonl)")
        for p in unknown_paths
    ]
    return _Planned(files, skipped, unknown)


def _stage_file(
    con: duckdb.DuckDBPyConnection, f: SourceFile, part: FilePart, ui: Ui
) -> tuple[int, str]:
    """Stage one file; returns (rows read, encoding)."""
    table = TABLES_BY_NAME[f.table]
    if f.format is Format.PARQUET:
        advance = ui.task(f.path.name, 1)
        rows = stage_parquet(con, STAGE, table, f.path, part)
        advance(1)
        return rows, ""
    total = None if f.path.name.endswith(".gz") else file_size(f.path)
    if f.format is Format.JSONL:
        advance = ui.task(f.path.name, total)
        return stage_jsonl(con, STAGE, table, f.path, part, advance), "utf-8"
    encoding = detect_encoding(f.path)
    advance = ui.task(f.path.name, total)
    return stage_csv(con, STAGE, table, f.path, part, encoding, advance), encoding


def _record_files(
    con: duckdb.DuckDBPyConnection,
    ingest_id: str,
    entries: list[tuple[str, str, str, str, int, int, int]],
) -> None:
    if entries:
        con.executemany(
            "INSERT INTO ingest_files (digest, path, table_name, encoding, rows_read, accepted, "
            "quarantined, ingest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(*e, ingest_id) for e in entries],
        )


def _ingest_auto(
    con: duckdb.DuckDBPyConnection, planned: _Planned, ingest_id: str, ui: Ui
) -> list[FileReport]:
    sources = [Source(i, str(f.path)) for i, f in enumerate(planned.files)]
    register_sources(con, sources)
    reports: list[FileReport] = []
    digests: dict[str, str] = {str(f.path): f.digest for f in planned.files}
    for table in TABLES:
        mine = [(i, f) for i, f in enumerate(planned.files) if f.table == table.name]
        if not mine:
            continue
        create_stage(con, STAGE, table)
        first_id = 0
        staged: list[Source] = []
        for i, f in mine:
            rows, encoding = _stage_file(con, f, FilePart(i, first_id), ui)
            first_id += rows + 1
            staged.append(Source(i, str(f.path), encoding))
        step = ui.task(f"check {table.name}", STEPS)
        reports += load_table(con, table, STAGE, staged, ingest_id, partial(step, 1))
        con.execute("DROP TABLE _ingest_stage")
    _record_files(
        con,
        ingest_id,
        [
            (digests[r.path], r.path, r.table, r.encoding, r.read, r.accepted, r.quarantined)
            for r in reports
        ],
    )
    return reports


def ingest_dir(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    fmt: IngestFormat = "auto",
    quarantine_file: Path | str | None = None,
    progress: bool = True,
) -> IngestReport:
    """Ingest every recognised file of ``path`` in one transaction and report the counts.

    ``fmt="olist"`` reads the Olist dataset layout through
    :mod:`merchantry.ingest.olist` instead. Raises
    :class:`~merchantry.kit.errors.InputError` (and changes nothing) when the
    directory or a file cannot be read at all; bad rows never raise.
    """
    directory = Path(path)
    ensure_tables(con)
    ui = Ui(progress)
    notes: tuple[str, ...] = ()
    with ui.running():
        if fmt == "olist":
            oplan = olist.plan(con, directory)
            ingest_id = stable_key("ingest", "olist", *sorted(oplan.digests))
            with transaction(con):
                reports, notes = olist.ingest(con, oplan, ingest_id, ui.task)
            skipped, unknown = oplan.skipped, oplan.unknown
        else:
            planned = _plan(con, directory)
            ingest_id = stable_key("ingest", *sorted(f.digest for f in planned.files))
            with transaction(con):
                reports = _ingest_auto(con, planned, ingest_id, ui)
            skipped, unknown = planned.skipped, planned.unknown
    written: str | None = None
    if quarantine_file is not None:
        write_quarantine_file(con, ingest_id, Path(quarantine_file))
        written = str(quarantine_file)
    return IngestReport(
        ingest_id=ingest_id,
        files=tuple(reports),
        skipped=tuple(skipped),
        unknown=tuple(unknown),
        quarantine_file=written,
        notes=notes,
    )
