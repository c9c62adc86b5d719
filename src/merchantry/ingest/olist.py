"""The Olist adapter: the Olist dataset's CSV layout mapped onto Merchantry's tables.

Olist files are read with the same CSV reader as any input (row numbers, raw
text, encoding, ``--encoding``), into raw staging tables named ``_olist_<file>``.
Their own rows are checked first (:mod:`merchantry.ingest.olist_source`: broken,
repeated, orphaned or unused rows leave before any join). Fixed SQL
(:mod:`merchantry.ingest.olist_sql`) then shapes the good rows into the staging
tables of the model, keeping each row's Olist file and row number, and from there
the rows meet exactly the checks and quarantine of any other ingest. Every source
row is accounted for per file (:class:`SourceReport`), which is what
``--max-bad-share`` is measured on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest.olist_files import FILES, OlistFile
from merchantry.ingest.olist_source import check_sources, quarantine_rejects
from merchantry.ingest.olist_sql import AFTER_SALES_DAYS, INDUSTRY, LINES, MACROS, MAPPINGS, PAID
from merchantry.ingest.quarantine import known_digests
from merchantry.ingest.reason import Reason
from merchantry.ingest.report import FileReport, SkippedFile, SourceReport
from merchantry.ingest.source import TextEncoding, detect_text_encoding, file_size
from merchantry.ingest.stage import BOOKKEEPING, FilePart, create_stage, stage_csv
from merchantry.ingest.validate import STEPS, Source, load_table, register_sources
from merchantry.kit.errors import InputError
from merchantry.kit.ids import file_digest
from merchantry.kit.settings import OLIST
from merchantry.model.schema import Column, ColumnType, Table
from merchantry.model.tables import table as declared_table
from merchantry.store.sql import col, fill, text, to_sql

STAGE = "_ingest_stage"

OLIST_FILES: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    f.key: (f.stem, f.header) for f in FILES
}
"""Olist files the adapter reads: key -> (file stem, header). All are required; which columns
each needs is :data:`merchantry.ingest.olist_source.FILES`."""

NOT_MAPPED: Final = {
    "olist_geolocation_dataset": "geolocation: no model table holds coordinates",
}


@dataclass(frozen=True, slots=True)
class OlistPlan:
    """The Olist files found, and what will not be read."""

    files: dict[str, Path]
    digests: tuple[str, ...]
    skipped: list[SkippedFile]
    unknown: list[SkippedFile]
    notes: tuple[str, ...]
    already_ingested: bool


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".csv.gz"):
        candidate = directory / (stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def plan(con: duckdb.DuckDBPyConnection, directory: Path) -> OlistPlan:
    """Find the Olist files of ``directory``; a missing required file is an input error."""
    if not directory.is_dir():
        raise InputError(f"input directory {str(directory)!r} does not exist or is not a directory")
    files: dict[str, Path] = {}
    missing = []
    for key, (stem, _header) in OLIST_FILES.items():
        found = _find(directory, stem)
        if found is None:
            missing.append(stem + ".csv(.gz)")
        else:
            files[key] = found
    if missing:
        raise InputError(_missing_message(directory, missing))
    used = set(files.values())
    notes: list[str] = []
    unknown: list[SkippedFile] = []
    for path in sorted(p for p in directory.iterdir() if p.is_file() and p not in used):
        stem = path.name.removesuffix(".gz").removesuffix(".csv")
        if stem in NOT_MAPPED:
            notes.append(f"{path.name} not read: {NOT_MAPPED[stem]}")
        else:
            unknown.append(SkippedFile(str(path), "not an Olist file the adapter knows"))
    digests = tuple(file_digest(p) for p in files.values())
    known = known_digests(con)
    done = all(d in known for d in digests)
    skipped = [SkippedFile(str(p), "already ingested") for p in files.values()] if done else []
    return OlistPlan(files, digests, skipped, unknown, tuple(notes), done)


def _missing_message(directory: Path, missing: list[str]) -> str:
    """Why ``directory`` is not read as Olist, with what it holds instead when that helps."""
    message = f"{directory} is not an Olist directory: missing " + ", ".join(missing)
    other = sorted(
        p.name
        for p in directory.iterdir()
        if p.is_file() and p.name.lower().startswith(_STEMS) and not p.name.endswith(_CSV)
    )
    if other:
        shown = ", ".join(other[:3]) + (", ..." if len(other) > 3 else "")
        message += (
            f" (found {shown}: the Olist adapter reads the Kaggle CSV files only, "
            ".csv or .csv.gz; save them as CSV)"
        )
    return message


_STEMS: Final = tuple(f.stem for f in FILES)
_CSV: Final = (".csv", ".csv.gz")


def olist_names_in(directory: Path) -> list[str]:
    """The Olist file names in ``directory`` (any extension), to tell a user who ingests an
    Olist folder without ``--format olist`` what to do."""
    if not directory.is_dir():
        return []
    return olist_names_in_list(p.name for p in directory.iterdir() if p.is_file())


def olist_names_in_list(names: Iterable[str]) -> list[str]:
    """The names among ``names`` that are Olist files' (any extension), sorted."""
    return sorted(n for n in names if n.lower().startswith((*_STEMS, *NOT_MAPPED)))


def _raw_table(f: OlistFile) -> Table:
    """A pseudo-declaration of an Olist file: every header column as text; a column the
    mapping reads is required (a file without it quarantines every row, naming it)."""
    return Table(
        name=f.stem,
        description=f"Olist file {f.stem}",
        columns=tuple(
            Column(h, ColumnType.TEXT, "", nullable=h not in f.required) for h in f.header
        ),
        primary_key=f.key_columns,
    )


Task = Callable[[str, float | None], Callable[[int], None]]


def ingest(
    con: duckdb.DuckDBPyConnection,
    oplan: OlistPlan,
    ingest_id: str,
    task: Task,
    encoding: TextEncoding | None = None,
    warnings: list[str] | None = None,
) -> tuple[list[FileReport], list[SourceReport], tuple[str, ...]]:
    """Stage, check, map, validate and load the Olist files (inside the caller's
    transaction). ``encoding`` is ``--encoding`` (every file read in it) or ``None``
    (detected per file); what detection finds goes to ``warnings``."""
    if oplan.already_ingested:
        return [], [], oplan.notes
    _refuse_other_marketplace(con)
    said = warnings if warnings is not None else []
    sources = [Source(i, str(oplan.files[f.key])) for i, f in enumerate(FILES)]
    encodings: dict[int, str] = {}
    rows_read: dict[int, int] = {}
    register_sources(con, sources)
    for file_no, f in enumerate(FILES):
        path = oplan.files[f.key]
        chosen = encoding or detect_text_encoding(path)
        if chosen.note:
            said.append(chosen.note)
        if chosen.refusal:
            said.append(f"{path.name}: {chosen.refusal}")
        encodings[file_no] = chosen.label
        total = None if path.name.endswith(".gz") else file_size(path)
        raw = _raw_table(f)
        create_stage(con, "_olist_" + f.key, raw)
        rows_read[file_no] = stage_csv(
            con, "_olist_" + f.key, raw, path, FilePart(file_no, 0), chosen, task(path.name, total)
        )
    check_sources(con)
    quarantine_rejects(con, ingest_id)
    for macro in MACROS:
        con.execute(macro)
    con.execute(PAID)
    con.execute(LINES)
    subs = {
        "p_industry": INDUSTRY,
        "p_after_sales_days": text(str(AFTER_SALES_DAYS)),
        "p_marketplace_id": text(OLIST.marketplace_id),
        "p_marketplace_name": text(OLIST.name),
        "p_currency": text(OLIST.currency.code),
        "p_time_zone": text(OLIST.time_zone),
    }
    reports: list[FileReport] = []
    for name, mapping in MAPPINGS.items():
        table = declared_table(name)
        create_stage(con, STAGE, table)
        mapped = fill(mapping, subs)
        assert isinstance(mapped, exp.Query)
        provided = set(mapped.named_selects)
        numbered = exp.select(
            exp.Window(this=exp.RowNumber()).as_("_id"),
            *(col(n) for n, _t in BOOKKEEPING if n != "_id"),
            *(col(c) for c in table.column_names if c in provided),
        ).from_(mapped.subquery("m"))
        con.execute(to_sql(exp.Insert(this=exp.to_table(STAGE), expression=numbered, by_name=True)))
        fed = [
            Source(s.file_no, s.path, encodings[s.file_no])
            for s in sources
            if _feeds(con, s.file_no)
        ]
        step = task(f"check {name}", STEPS)
        reports += load_table(con, table, STAGE, fed, ingest_id, partial(step, 1))
        con.execute("DROP TABLE _ingest_stage")
    accounted = source_reports(con, ingest_id, sources, rows_read, encodings)
    _record_files(con, oplan, ingest_id, accounted)
    return reports, accounted, oplan.notes


_PER_FILE: Final = """
SELECT source_file, count(DISTINCT row_number) AS quarantined,
  count(DISTINCT row_number) FILTER (WHERE reason = $unused) AS unused
FROM quarantine WHERE ingest_id = $ingest_id GROUP BY source_file
"""


def source_reports(
    con: duckdb.DuckDBPyConnection,
    ingest_id: str,
    sources: list[Source],
    rows_read: dict[int, int],
    encodings: dict[int, str],
) -> list[SourceReport]:
    """Every Olist file's rows: read, accepted (no quarantine for any table), quarantined
    (at the source or in a table the row fed), of which not loaded as unused (``no_sales``)."""
    found = con.execute(
        _PER_FILE, {"ingest_id": ingest_id, "unused": Reason.NO_SALES.value}
    ).fetchall()
    by_path = {str(p): (int(q), int(u)) for p, q, u in found}
    accounted = []
    for s, f in zip(sources, FILES, strict=True):
        quarantined, unused = by_path.get(s.path, (0, 0))
        read = rows_read[s.file_no]
        accounted.append(
            SourceReport(
                s.path, f.stem, read, read - quarantined, quarantined, unused, encodings[s.file_no]
            )
        )
    return accounted


_REASONS: Final = """
SELECT reason, count(DISTINCT row_number) AS n, min(row_number) AS first_row,
  arg_min(column_name, row_number), arg_min(message, row_number), arg_min(table_name, row_number)
FROM quarantine WHERE ingest_id = $ingest_id AND source_file = $path AND reason <> $unused
GROUP BY reason ORDER BY n DESC, first_row LIMIT 2
"""


def too_many_bad(
    con: duckdb.DuckDBPyConnection,
    ingest_id: str,
    accounted: list[SourceReport],
    max_bad_share: float,
) -> list[str]:
    """Olist files whose share of quarantined rows (rows not loaded as unused do not count)
    is above ``max_bad_share``, each with its commonest reasons."""
    found = []
    for r in accounted:
        bad = r.quarantined - r.unused
        if r.read == 0 or bad <= max_bad_share * r.read:
            continue
        found.append(
            f"{r.path}: {bad:,} of its {r.read:,} rows would be quarantined ({bad / r.read:.0%}),"
            f" above --max-bad-share {max_bad_share:g}" + _reason_lines(con, ingest_id, r.path)
        )
    return found


def quarantined(
    con: duckdb.DuckDBPyConnection, ingest_id: str, accounted: list[SourceReport]
) -> list[str]:
    """A warning for each Olist file some of whose rows were quarantined for a fault (rows
    not loaded because nothing uses them, ``no_sales``, are not faults): how many, and the
    commonest reasons with their first row, column and message, in an ingest that went
    through; where the rows are kept is said by the caller."""
    return [
        f"{r.path}: {r.quarantined - r.unused:,} of its {r.read:,} rows quarantined"
        + _reason_lines(con, ingest_id, r.path)
        for r in accounted
        if r.quarantined > r.unused
    ]


def _reason_lines(con: duckdb.DuckDBPyConnection, ingest_id: str, path: str) -> str:
    """The two commonest reasons an Olist file's rows were quarantined, one line each."""
    reasons = con.execute(
        _REASONS, {"ingest_id": ingest_id, "path": path, "unused": Reason.NO_SALES.value}
    ).fetchall()
    return "".join(
        f"\n    {int(n):,} row(s) {reason} ({table}), first row {int(row)}"
        + (f" column {column}" if column else "")
        + f": {message}"
        for reason, n, row, column, message, table in reasons
    )


def _refuse_other_marketplace(con: duckdb.DuckDBPyConnection) -> None:
    """Olist amounts are BRL: they may not join a warehouse of another marketplace."""
    rows = con.execute("SELECT marketplace_id, currency FROM marketplace").fetchall()
    other = [(m, c) for m, c in rows if m != OLIST.marketplace_id]
    if other:
        held = ", ".join(f"{m} ({c})" for m, c in other)
        raise InputError(
            f"this warehouse holds marketplace {held}; Olist figures are "
            f"{OLIST.currency.code} in another time zone and cannot share it: "
            "ingest Olist into its own --db"
        )
    has_events = con.execute("SELECT count(*) FROM orders").fetchall()[0][0]
    if has_events and not rows:
        raise InputError(
            "this warehouse already holds orders of an unnamed (CNY, Asia/Shanghai) marketplace; "
            "Olist figures are BRL and cannot share it: ingest Olist into its own --db"
        )


def _feeds(con: duckdb.DuckDBPyConnection, file_no: int) -> bool:
    found = con.execute("SELECT count(*) FROM _ingest_stage WHERE _file = ?", [file_no])
    return bool(found.fetchall()[0][0])


def _record_files(
    con: duckdb.DuckDBPyConnection,
    oplan: OlistPlan,
    ingest_id: str,
    accounted: list[SourceReport],
) -> None:
    known = known_digests(con)
    for path, digest in zip(oplan.files.values(), oplan.digests, strict=True):
        if digest in known:
            continue
        mine = [r for r in accounted if r.path == str(path)]
        con.execute(
            "INSERT INTO ingest_files (digest, path, table_name, encoding, rows_read, accepted, "
            "quarantined, ingest_id) VALUES (?, ?, 'olist', ?, ?, ?, ?, ?)",
            [
                digest,
                str(path),
                mine[0].encoding if mine else "",
                sum(r.read for r in mine),
                sum(r.accepted for r in mine),
                sum(r.quarantined for r in mine),
                ingest_id,
            ],
        )
