"""``ingest_dir``: read a directory of event files into the warehouse, losing nothing.

One ingest is one DuckDB transaction: tables are loaded parents first, each
from a staging table (:mod:`merchantry.ingest.stage`) through the checks
(:mod:`merchantry.ingest.validate`). A process killed at any point leaves the
warehouse as it was. The quarantine file is written after the commit, from the
``quarantine`` table.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import Final, Literal, NoReturn

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
from merchantry.ingest.quarantine import (
    QuarantineFile,
    ensure_tables,
    known_reads,
    retryable_rows,
)
from merchantry.ingest.reason import Reason
from merchantry.ingest.report import FileReport, IngestReport, SkippedFile, SourceReport
from merchantry.ingest.source import (
    Format,
    SourceFile,
    TextEncoding,
    detect_text_encoding,
    discover,
    entries_of,
    file_size,
    given_encoding,
    is_empty,
    parse_name,
)
from merchantry.ingest.stage import FilePart, create_stage, stage_csv, stage_jsonl, stage_parquet
from merchantry.ingest.validate import STEPS, Checker, Source, load_table, register_sources
from merchantry.kit.errors import InputError, MerchantryError
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


DEFAULT_MAX_BAD_SHARE = 0.5
"""The command's default ``--max-bad-share``: a file with more than half its rows
quarantined stops the ingest (nothing is committed)."""


class TooManyBadRows(MerchantryError):
    """A file's share of quarantined rows is above ``--max-bad-share``: nothing was committed."""

    exit_code = 1

    def __init__(self, message: str, report: IngestReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass(frozen=True, slots=True)
class _Planned:
    """The recognised files to read now (new ones, and retries), and the rest."""

    files: list[SourceFile]
    skipped: list[SkippedFile]
    unknown: list[SkippedFile]
    retries: dict[int, tuple[list[int], int]]
    """File index -> (rows to read again, reads of the file so far)."""
    truth: tuple[str, ...] = ()
    """Notes on the generator's ground-truth folder, left out knowingly."""


GROUND_TRUTH_DIR: Final = "truth"
"""The sub-folder where ``merchantry generate`` writes its planted answers."""


def _is_ground_truth(path: Path) -> bool:
    """The generator's ``truth/`` folder: answers for the evaluations, never events."""
    return path.is_dir() and path.name == GROUND_TRUTH_DIR


def ground_truth_note(path: Path) -> str:
    """What ingest says about a generated data folder's ``truth/`` (left out on purpose)."""
    return (
        f"{path}: ground truth written by `merchantry generate` (the planted answers that "
        "`risk evaluate`, `returns evaluate` and the like read with --truth), not input: "
        "not ingested"
    )


def _not_read_because(path: Path) -> str:
    """Why an entry of the input folder is not read, in the user's terms."""
    if path.is_dir():
        return "a folder: ingest reads the files of one folder, not its sub-folders"
    advice = archive_advice(path)
    if advice is not None:
        return advice
    stem = path.name.split(".", 1)[0]
    table = re.sub(r"-\d+$", "", stem).lower()
    if table in TABLES_BY_NAME:
        suffix = path.name[len(stem) :]
        kind = f"a {suffix} file" if suffix else "a file without an extension"
        what = " (an Excel workbook)" if suffix.lower() in EXCEL_SUFFIXES else ""
        return (
            f"names the table {table}, but {kind}{what} is not read: save it as "
            f"{stem}.csv (UTF-8, comma-separated), {stem}.parquet or {stem}.jsonl"
        )
    return "file name names no table (expected <table>[-NNNNN].csv|parquet|jsonl)"


EXCEL_SUFFIXES: Final = (".xlsx", ".xls", ".xlsm", ".xlsb", ".et")
"""Spreadsheet workbooks (Excel's, WPS's ``.et``): named as such when offered to ingest."""

ARCHIVE_SUFFIXES: Final = {
    ".zip": "unzip {path} -d {folder}",
    ".tar.gz": "mkdir {folder} && tar -xzf {path} -C {folder}",
    ".tgz": "mkdir {folder} && tar -xzf {path} -C {folder}",
    ".tar": "mkdir {folder} && tar -xf {path} -C {folder}",
    ".7z": "7z x {path} -o{folder}",
    ".rar": "unrar x {path} {folder}/",
}
"""Archives an export often comes in, longest suffix first, with a command that unpacks each
(``orders.csv.gz``, a compressed file of one table, is read as it is)."""


def archive_advice(path: Path) -> str | None:
    """What to do with an archive offered to ingest (None when ``path`` is not one): unpack
    it, with the command, and ingest the folder the files land in, with ``--format olist``
    when a zip holds the Olist CSVs (Kaggle hands the dataset out as one zip)."""
    archive = next((a for a in ARCHIVE_SUFFIXES if path.name.lower().endswith(a)), None)
    if archive is None:
        return None
    folder = path.with_name(path.name[: -len(archive)] or "export")
    unpack = ARCHIVE_SUFFIXES[archive].format(path=path, folder=folder)
    members = _zip_members(path) if archive == ".zip" else []
    olist_files = [m for m in members if olist.olist_names_in_list([m.name])]
    held = olist_files or [m for m in members if parse_name(m.name) is not None]
    places = {m.parent for m in held}
    target = folder / next(iter(places)) if len(places) == 1 else folder
    option = " --format olist" if olist_files else ""
    return (
        f"an archive ({archive}): ingest reads the files themselves, not archives; unpack "
        f"it into a folder (`{unpack}`) and ingest the folder its files land in "
        f"(`merchantry ingest{option} {target}`)"
    )


def _zip_members(path: Path) -> list[PurePosixPath]:
    """The files a zip holds (its directory only is read), or none when it cannot be read."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [PurePosixPath(n) for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError):
        return []


def refuse_nothing_readable(directory: Path) -> None:
    """An input whose every entry is one ingest does not read (an archive, a workbook, a
    sub-folder, an unnamed file) would make an empty warehouse and exit 0 with "nothing to
    ingest": refuse it before anything is made, with the reason for each entry (ten named,
    the rest counted). An empty folder (no new files today) is not refused, nor a generated
    folder's ``truth/`` alone."""
    entries = entries_of(directory)
    if any(p.is_file() and parse_name(p.name) is not None for p in entries):
        return  # names only: a file's content is read (and its digest made) once, later
    offered = [p for p in entries if not _is_ground_truth(p)]
    if not offered:
        return
    shown = offered[:UNREADABLE_SHOWN]
    lines = [f"{p.name}: {_not_read_because(p)}" for p in shown]
    if len(offered) > len(shown):
        lines.append(f"… and {len(offered) - len(shown)} more")
    what = f"{directory} is not a file" if directory.is_file() else f"no file in {directory} is one"
    raise InputError(
        f"nothing to ingest: {what} ingest reads "
        "(<table>[-NNNNN].csv, .csv.gz, .parquet, .jsonl or .jsonl.gz):\n  " + "\n  ".join(lines)
    )


UNREADABLE_SHOWN: Final = 10


def _plan(con: duckdb.DuckDBPyConnection, directory: Path) -> _Planned:
    found, unknown_paths = discover(directory)
    known = known_reads(con)
    files: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    retries: dict[int, tuple[list[int], int]] = {}
    seen: dict[tuple[str, str], str] = {}
    for f in found:
        pair = (f.digest, f.table)
        if pair in seen:
            skipped.append(SkippedFile(str(f.path), f"same content as {seen[pair]}"))
            continue
        seen[pair] = str(f.path)
        if pair in known:
            first_path, reads = known[pair]
            rows = retryable_rows(con, f.digest, f.table)
            if not rows:
                skipped.append(SkippedFile(str(f.path), f"already ingested (as {first_path})"))
                continue
            retries[len(files)] = (rows, reads)
        files.append(f)
    unknown = [
        SkippedFile(str(p), _not_read_because(p)) for p in unknown_paths if not _is_ground_truth(p)
    ]
    truth = tuple(ground_truth_note(p) for p in unknown_paths if _is_ground_truth(p))
    return _Planned(files, skipped, unknown, retries, truth)


def refuse_olist_layout(directory: Path) -> None:
    """A folder of the Olist files read as one file per table would ingest nothing (and
    say only "nothing to ingest"): name the layout and the option that reads it."""
    if not directory.is_dir():
        return
    names = [p.name for p in directory.iterdir() if p.is_file()]
    if any(parse_name(n) is not None for n in names):
        return
    found = olist.olist_names_in(directory)
    if found:
        shown = ", ".join(found[:3]) + (", ..." if len(found) > 3 else "")
        raise InputError(
            f"{directory} holds the Olist dataset ({shown}), not one file per table: "
            "ingest it with --format olist"
        )


def _ingest_key(planned: _Planned) -> str:
    parts = []
    for i, f in enumerate(planned.files):
        part = f"{f.digest}:{f.table}"
        if i in planned.retries:
            rows, reads = planned.retries[i]
            part += f":retry{reads}:" + ",".join(map(str, rows))
        parts.append(part)
    return stable_key("ingest", *sorted(parts))


def _stage_file(
    con: duckdb.DuckDBPyConnection,
    f: SourceFile,
    part: FilePart,
    ui: Ui,
    encoding: TextEncoding | None,
    warnings: list[str],
) -> tuple[int, str]:
    """Stage one file; returns (rows read, encoding)."""
    table = TABLES_BY_NAME[f.table]
    if f.format is Format.PARQUET:
        advance = ui.task(f.path.name, 1)
        rows = stage_parquet(con, STAGE, table, f.path, part)
        advance(1)
        return rows, ""
    total = None if f.path.name.endswith(".gz") else file_size(f.path)
    if is_empty(f.path):
        warnings.append(f"{f.path.name}: the file is empty (no header, no rows); nothing to read")
        return 0, ""
    if f.format is Format.JSONL:
        advance = ui.task(f.path.name, total)
        return stage_jsonl(con, STAGE, table, f.path, part, advance), "utf-8"
    chosen = encoding or detect_text_encoding(f.path)
    if chosen.note:
        warnings.append(chosen.note)
    if chosen.refusal:
        warnings.append(f"{f.path.name}: {chosen.refusal}")
    advance = ui.task(f.path.name, total)
    return stage_csv(con, STAGE, table, f.path, part, chosen, advance), chosen.label


def _keep_rows(con: duckdb.DuckDBPyConnection, file_no: int, rows: list[int]) -> None:
    """Drop a retried file's staged rows other than those read again."""
    con.execute("CREATE OR REPLACE TEMP TABLE _ingest_retry (r BIGINT)")
    con.executemany("INSERT INTO _ingest_retry VALUES (?)", [(r,) for r in rows])
    con.execute(
        "DELETE FROM _ingest_stage WHERE _file = ? AND _row NOT IN (SELECT r FROM _ingest_retry)",
        [file_no],
    )
    con.execute("DROP TABLE _ingest_retry")


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
    con: duckdb.DuckDBPyConnection,
    planned: _Planned,
    ingest_id: str,
    ui: Ui,
    encoding: TextEncoding | None,
    warnings: list[str],
    checker: Checker | None = None,
) -> list[FileReport]:
    sources = [Source(i, str(f.path)) for i, f in enumerate(planned.files)]
    register_sources(con, sources)
    reports: list[FileReport] = []
    for table in TABLES:
        mine = [(i, f) for i, f in enumerate(planned.files) if f.table == table.name]
        if not mine:
            continue
        create_stage(con, STAGE, table)
        first_id = 0
        staged: list[Source] = []
        for i, f in mine:
            rows, label = _stage_file(con, f, FilePart(i, first_id), ui, encoding, warnings)
            first_id += rows + 1
            if i in planned.retries:
                again = planned.retries[i][0]
                _keep_rows(con, i, again)
                warnings.append(
                    f"{f.path.name}: read again {len(again):,} rows quarantined before for a "
                    "missing parent (the rest of the file was ingested before)"
                )
            staged.append(Source(i, str(f.path), label))
        step = ui.task(f"check {table.name}", STEPS)
        reports += load_table(
            con, table, STAGE, staged, ingest_id, partial(step, 1), warnings, checker=checker
        )
        con.execute("DROP TABLE _ingest_stage")
    by_path = {str(f.path): (i, f) for i, f in enumerate(planned.files)}
    _record_files(
        con,
        ingest_id,
        [
            (
                by_path[r.path][1].digest,
                r.path,
                r.table,
                r.encoding,
                r.read,
                r.accepted,
                r.quarantined,
            )
            for r in reports
        ],
    )
    return reports


def _too_many_bad(
    con: duckdb.DuckDBPyConnection,
    waiting: Mapping[tuple[str, str], int],
    ingest_id: str,
    reports: list[FileReport],
    planned: _Planned,
    max_bad_share: float,
) -> list[str]:
    """Files whose share of bad rows is above ``max_bad_share``.

    Rows waiting for a missing parent do not count (they are read again when the
    file is offered again), nor do the rows of a retry.
    """
    retried = {str(planned.files[i].path) for i in planned.retries}
    found = []
    for r in reports:
        if r.path in retried or r.read == 0:
            continue
        bad = r.quarantined - waiting.get((r.path, r.table), 0)
        if bad > max_bad_share * r.read:
            found.append(
                f"{r.path}: {bad:,} of {r.read:,} rows for {r.table} would be quarantined "
                f"({bad / r.read:.0%}, not counting rows waiting for a missing parent), "
                f"above --max-bad-share {max_bad_share:g}"
                + "".join(_main_reasons(con, ingest_id, r))
            )
    return found


def _waiting_by_file(con: duckdb.DuckDBPyConnection, ingest_id: str) -> dict[tuple[str, str], int]:
    """Rows of this ingest waiting for a missing parent, by file and table."""
    return {
        (str(path), str(table)): int(n)
        for path, table, n in con.execute(
            "SELECT source_file, table_name, count(*) FROM quarantine "
            "WHERE ingest_id = ? AND reason = ? GROUP BY ALL",
            [ingest_id, Reason.MISSING_REFERENCE.value],
        ).fetchall()
    }


QUARANTINE_FILES_SHOWN: Final = 10
"""Files :func:`_quarantined` names one by one; any more are counted in one line."""


def _quarantined(
    con: duckdb.DuckDBPyConnection,
    waiting: Mapping[tuple[str, str], int],
    ingest_id: str,
    reports: Sequence[FileReport],
    target: QuarantineFile | None,
) -> list[str]:
    """A warning for each file some of whose rows were quarantined for a fault of their own
    (rows waiting for a parent have their own warning, :func:`_waiting`): how many, and the
    commonest reasons with their first row, column and message, then where every such row
    is kept. The ingest succeeded, so the table of counts alone would leave a user with a
    number and no reason (a ``3,090`` in a money column, a date written ``2026/10/01``)."""
    faulty = [
        (r, r.quarantined - waiting.get((r.path, r.table), 0))
        for r in reports
        if r.quarantined > waiting.get((r.path, r.table), 0)
    ]
    if not faulty:
        return []
    found = [
        f"{r.path}: {bad:,} of {r.read:,} rows for {r.table} quarantined"
        + "".join(_main_reasons(con, ingest_id, r))
        for r, bad in faulty[:QUARANTINE_FILES_SHOWN]
    ]
    more = faulty[QUARANTINE_FILES_SHOWN:]
    rows = sum(bad for _, bad in more)
    if more:
        found.append(
            f"{len(more):,} more {'file' if len(more) == 1 else 'files'} with quarantined rows "
            f"({rows:,} {'row' if rows == 1 else 'rows'})"
        )
    return _kept(found, ingest_id, target)


def _kept(found: list[str], ingest_id: str, target: QuarantineFile | None) -> list[str]:
    """``found`` (warnings about quarantined rows) with where every such row is kept said
    after the last one; nothing when there are none."""
    if not found:
        return []
    kept = (
        f" and in {target.path}"
        if target is not None
        else " (--quarantine-file writes them to CSV)"
    )
    last = (
        f"{found[-1]}\n  every quarantined row is kept with its file, row, column, reason and "
        f"raw text in the warehouse's quarantine table (ingest_id '{ingest_id}'){kept}: "
        "correct the rows and offer the file again"
    )
    return [*found[:-1], last]


def _main_reasons(con: duckdb.DuckDBPyConnection, ingest_id: str, r: FileReport) -> list[str]:
    """The commonest reasons a file's rows were quarantined, each with its first row, so a
    refusal says what to fix (a header that is not the first line, a wrong separator, a
    column written another way) rather than only how many rows failed."""
    found = con.execute(
        "SELECT reason, count(*) AS n, min(row_number) AS first_row, "
        "arg_min(column_name, row_number), arg_min(message, row_number) FROM quarantine "
        "WHERE ingest_id = ? AND source_file = ? AND table_name = ? AND reason <> ? "
        "GROUP BY reason ORDER BY n DESC, first_row LIMIT 2",
        [ingest_id, r.path, r.table, Reason.MISSING_REFERENCE.value],
    ).fetchall()
    return [
        f"\n    {int(n):,} row(s) {reason}, first row {int(row)}"
        + (f" column {column}" if column else "")
        + f": {message}"
        for reason, n, row, column, message in found
    ]


def ingest_dir(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    fmt: IngestFormat = "auto",
    quarantine_file: Path | str | None = None,
    progress: bool = True,
    encoding: str | None = None,
    max_bad_share: float | None = None,
    checker: Checker | None = None,
) -> IngestReport:
    """Ingest every recognised file of ``path`` in one transaction and report the counts.

    ``fmt="olist"`` reads the Olist dataset layout through
    :mod:`merchantry.ingest.olist` instead. ``encoding`` names the text encoding
    of every CSV file instead of detecting it. With ``max_bad_share``, a file
    whose share of quarantined rows is above it stops the ingest:
    :class:`TooManyBadRows` is raised and nothing is committed (the quarantine
    file, if asked for, still lists the rows and reasons). Raises
    :class:`~merchantry.kit.errors.InputError` (and changes nothing) when the
    directory, a file or the quarantine file cannot be used; bad rows never raise.
    ``checker`` runs each table's checks instead of DuckDB (``--engine spark``:
    :mod:`merchantry.spark.ingest`; not with ``fmt="olist"``).
    """
    directory = Path(path)
    given = given_encoding(encoding) if encoding else None
    if max_bad_share is not None and not 0 <= max_bad_share <= 1:
        raise InputError(f"--max-bad-share must be between 0 and 1, got {max_bad_share:g}")
    if checker is not None and fmt == "olist":
        raise InputError("--format olist runs its checks in DuckDB only (not on Spark)")
    target = QuarantineFile(Path(quarantine_file)) if quarantine_file is not None else None
    try:
        return _ingest(con, directory, fmt, target, Ui(progress), given, max_bad_share, checker)
    finally:
        if target is not None:
            target.discard()


def _ingest(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    fmt: IngestFormat,
    target: QuarantineFile | None,
    ui: Ui,
    encoding: TextEncoding | None,
    max_bad_share: float | None,
    checker: Checker | None = None,
) -> IngestReport:
    ensure_tables(con)
    notes: tuple[str, ...] = ()
    warnings: list[str] = []
    sources: list[SourceReport] = []
    reports: list[FileReport] = []
    skipped: Sequence[SkippedFile] = ()
    unknown: Sequence[SkippedFile] = ()
    ingest_id = ""

    def report() -> IngestReport:
        """What the ingest did so far (the same report refused or returned)."""
        return IngestReport(
            ingest_id=ingest_id,
            files=tuple(reports),
            skipped=tuple(skipped),
            unknown=tuple(unknown),
            quarantine_file=str(target.path) if target else None,
            notes=notes,
            warnings=tuple(warnings),
            sources=tuple(sources),
        )

    with ui.running():
        if fmt == "olist":
            oplan = olist.plan(con, directory)
            ingest_id = stable_key("ingest", "olist", *sorted(oplan.digests))
            skipped, unknown = oplan.skipped, oplan.unknown
            with transaction(con):
                reports, sources, notes = olist.ingest(
                    con, oplan, ingest_id, ui.task, encoding, warnings
                )
                if target is not None:
                    target.write(con, ingest_id)
                bad = (
                    []
                    if max_bad_share is None
                    else olist.too_many_bad(con, ingest_id, sources, max_bad_share)
                )
                if bad:
                    _refuse(bad, target, report())
                warnings.extend(
                    _kept(olist.quarantined(con, ingest_id, sources), ingest_id, target)
                )
        else:
            refuse_olist_layout(directory)
            planned = _plan(con, directory)
            ingest_id = _ingest_key(planned)
            skipped, unknown = planned.skipped, planned.unknown
            notes = planned.truth
            with transaction(con):
                reports = _ingest_auto(con, planned, ingest_id, ui, encoding, warnings, checker)
                warnings.extend(_waiting(con, ingest_id))
                if target is not None:
                    target.write(con, ingest_id)
                waiting = _waiting_by_file(con, ingest_id)
                bad = (
                    []
                    if max_bad_share is None
                    else _too_many_bad(con, waiting, ingest_id, reports, planned, max_bad_share)
                )
                if bad:
                    _refuse(bad, target, report())
                warnings.extend(_quarantined(con, waiting, ingest_id, reports, target))
    if target is not None:
        target.publish()
    return report()


WAITING: Final = """
SELECT table_name, column_name, count(*) AS n, min(message) FROM quarantine
WHERE ingest_id = ? AND reason = ? GROUP BY ALL ORDER BY n DESC, table_name, column_name
"""


def _waiting(con: duckdb.DuckDBPyConnection, ingest_id: str) -> list[str]:
    """One warning when rows wait for a missing parent: they are not lost (they are read
    again when their file is offered again after the parent's), but nothing of theirs is in
    the warehouse, and they do not count against --max-bad-share, so the ingest still
    succeeds; the user must hear it (a header-only shops file leaves every order waiting)."""
    rows = con.execute(WAITING, [ingest_id, Reason.MISSING_REFERENCE.value]).fetchall()
    if not rows:
        return []
    total = sum(int(r[2]) for r in rows)
    tables: dict[str, int] = {}
    for table, _, n, _ in rows:
        tables[str(table)] = tables.get(str(table), 0) + int(n)
    listed = ", ".join(f"{table} {n:,}" for table, n in tables.items())
    # the example: a row whose parent table is not itself waiting (the root of the chain,
    # e.g. shops when every order waits for its shop and every shipment for its order)
    example = next(
        (
            str(message)
            for _, _, _, message in rows
            if not set(re.findall(r"not found in (\w+)", str(message))) & set(tables)
        ),
        str(rows[0][3]),
    )
    return [
        f"{total:,} rows wait for a missing parent ({listed}; e.g. {example}): they are in "
        "the quarantine, not the warehouse, until the parent rows are ingested and these "
        "files are offered again"
    ]


def _refuse(bad: list[str], target: QuarantineFile | None, report: IngestReport) -> NoReturn:
    """Stop the ingest (the transaction rolls back): files had too many bad rows."""
    if target is not None:
        target.publish()
    where = f"; the rows and reasons are in {target.path}" if target is not None else ""
    raise TooManyBadRows(
        "too many bad rows, nothing was ingested:\n  "
        + "\n  ".join(bad)
        + f"\n(raise --max-bad-share to accept them{where})",
        report,
    )
