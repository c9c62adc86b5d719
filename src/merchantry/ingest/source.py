"""Source files: which table a file feeds, its format, and its text encoding.

A file is recognised from its name alone: ``<table>.<ext>`` or a chunk
``<table>-<digits>.<ext>``, where ``<ext>`` is ``csv``, ``csv.gz``, ``parquet``,
``jsonl`` or ``jsonl.gz``. Anything else in the directory is reported as
unknown, never silently skipped.
"""

from __future__ import annotations

import codecs
import gzip
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, cast

from merchantry.kit.errors import InputError
from merchantry.kit.ids import file_digest
from merchantry.model.tables import TABLES_BY_NAME


class Format(StrEnum):
    """A physical file format we read."""

    CSV = "csv"
    """Comma-separated text with a header row; lists joined by ``|``; empty field = NULL."""
    PARQUET = "parquet"
    """Apache Parquet, read by DuckDB directly."""
    JSONL = "jsonl"
    """One JSON object per line."""


_NAME = re.compile(
    r"^(?P<table>[a-z][a-z0-9_]*?)(?:-(?P<chunk>\d+))?\.(?P<ext>csv|csv\.gz|parquet|jsonl|jsonl\.gz)$"
)
_EXT_FORMAT = {
    "csv": Format.CSV,
    "csv.gz": Format.CSV,
    "parquet": Format.PARQUET,
    "jsonl": Format.JSONL,
    "jsonl.gz": Format.JSONL,
}


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One input file and the table it feeds."""

    path: Path
    table: str
    format: Format
    digest: str
    """SHA-256 of the bytes: the identity used to skip files ingested before."""


def parse_name(name: str) -> tuple[str, Format] | None:
    """``orders-00003.parquet`` -> ``("orders", PARQUET)``; ``None`` for other names."""
    match = _NAME.match(name)
    if match is None or match["table"] not in TABLES_BY_NAME:
        return None
    return match["table"], _EXT_FORMAT[match["ext"]]


def discover(directory: Path) -> tuple[list[SourceFile], list[Path]]:
    """The recognised files of ``directory`` (sorted by name) and the unrecognised ones."""
    if not directory.is_dir():
        raise InputError(f"input directory {str(directory)!r} does not exist or is not a directory")
    known: list[SourceFile] = []
    unknown: list[Path] = []
    for path in sorted(p for p in directory.iterdir() if not p.name.startswith(".")):
        parsed = parse_name(path.name) if path.is_file() else None
        if parsed is None:
            unknown.append(path)
            continue
        known.append(SourceFile(path, parsed[0], parsed[1], file_digest(path)))
    return known, unknown


def open_bytes(path: Path) -> IO[bytes]:
    """Open a file for binary reading, decompressing ``.gz`` transparently."""
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


_CHUNK = 1 << 20


def _decodes_whole(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with open_bytes(path) as fh:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """``utf-8`` or ``gb18030``, as ``docs/ingestion.md`` explains.

    UTF-8 when the whole file is valid UTF-8. Otherwise, when more non-ASCII
    lines are valid UTF-8 than not, the file is UTF-8 with a few broken rows
    (those rows are quarantined). Otherwise GB18030 (a superset of GBK) when the
    whole file decodes as GB18030; failing that, UTF-8 with broken rows.
    """
    if _decodes_whole(path, "utf-8"):
        return "utf-8"
    good = bad = 0
    with open_bytes(path) as fh:
        for line in fh:
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                good += 1
            except UnicodeDecodeError:
                bad += 1
    if good > bad:
        return "utf-8"
    if _decodes_whole(path, "gb18030"):
        return "gb18030"
    return "utf-8"


def file_size(path: Path) -> int:
    """Size in bytes on disk (compressed size for ``.gz``), for progress bars."""
    try:
        return path.stat().st_size
    except OSError as err:
        raise InputError(f"cannot open {str(path)!r}: {err.strerror}") from err
