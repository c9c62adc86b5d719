"""What an ingest did, file by file and table by table.

The invariant of ingestion is that nothing is lost: for every file and every
table, ``read == accepted + quarantined``. The report carries the three numbers
so the command can print them and tests can assert them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FileReport:
    """Rows of one source file that went into one table."""

    path: str
    table: str
    read: int
    accepted: int
    quarantined: int
    encoding: str = ""
    """Text encoding used to read the file (empty for Parquet)."""

    @property
    def is_balanced(self) -> bool:
        return self.read == self.accepted + self.quarantined


@dataclass(frozen=True, slots=True)
class TableReport:
    """All rows offered to one table in one ingest."""

    table: str
    read: int
    accepted: int
    quarantined: int

    @property
    def is_balanced(self) -> bool:
        return self.read == self.accepted + self.quarantined


@dataclass(frozen=True, slots=True)
class SourceReport:
    """The rows of one adapter source file (Olist), whatever tables they fed.

    A source row may feed several tables (an Olist order: its lines' dates, events,
    after-sales cases) or none directly (a payment row is summed into its order's lines);
    here each row counts once: ``quarantined`` when any problem was recorded for it (at the
    source, or in a table it fed), ``accepted`` otherwise."""

    path: str
    name: str
    read: int
    accepted: int
    quarantined: int
    unused: int = 0
    """Of the quarantined, rows not loaded because nothing uses them (``no_sales``)."""
    encoding: str = ""

    @property
    def is_balanced(self) -> bool:
        return self.read == self.accepted + self.quarantined


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file that was not read, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class IngestReport:
    """The outcome of one ingest (one transaction)."""

    ingest_id: str
    files: tuple[FileReport, ...]
    skipped: tuple[SkippedFile, ...] = ()
    """Files already ingested before (same content digest), or repeated in this ingest."""
    unknown: tuple[SkippedFile, ...] = ()
    """Files whose name names no table; reported so that nothing is silently ignored."""
    quarantine_file: str | None = None
    notes: tuple[str, ...] = field(default=())
    """Adapter remarks (e.g. Olist files read but not mapped to any table)."""
    warnings: tuple[str, ...] = field(default=())
    """Things that were accepted but deserve a look: a file mixing encodings, new ids that
    differ from stored ones only in case, rows read again for a retry."""
    sources: tuple[SourceReport, ...] = field(default=())
    """Per adapter source file (``--format olist``), each source row counted once."""

    @property
    def tables(self) -> tuple[TableReport, ...]:
        """Per-table sums, in the order tables were loaded."""
        order: list[str] = []
        sums: dict[str, list[int]] = {}
        for f in self.files:
            if f.table not in sums:
                order.append(f.table)
                sums[f.table] = [0, 0, 0]
            acc = sums[f.table]
            acc[0] += f.read
            acc[1] += f.accepted
            acc[2] += f.quarantined
        return tuple(TableReport(t, *sums[t]) for t in order)

    def table(self, name: str) -> TableReport:
        """The sums for one table (zeros when no file fed it)."""
        for t in self.tables:
            if t.table == name:
                return t
        return TableReport(name, 0, 0, 0)

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)
