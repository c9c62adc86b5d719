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
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
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
    """``orders-00003.parquet`` -> ``("orders", PARQUET)``; ``None`` for other names.

    Case does not matter (``Orders.CSV`` feeds ``orders``)."""
    match = _NAME.match(name.lower())
    if match is None or match["table"] not in TABLES_BY_NAME:
        return None
    return match["table"], _EXT_FORMAT[match["ext"]]


def entries_of(directory: Path) -> list[Path]:
    """What ingest is offered: the one file, or the folder's entries (sorted by name, hidden
    ones left out)."""
    if directory.is_file():
        return [directory]
    if directory.is_dir():
        return sorted(p for p in directory.iterdir() if not p.name.startswith("."))
    raise InputError(f"input {str(directory)!r} does not exist or is not a file or a folder")


def discover(directory: Path) -> tuple[list[SourceFile], list[Path]]:
    """The recognised files of ``directory`` (sorted by name) and the unrecognised ones;
    ``directory`` may be one file (``orders.csv``), read as a folder holding only it."""
    known: list[SourceFile] = []
    unknown: list[Path] = []
    for path in entries_of(directory):
        parsed = parse_name(path.name) if path.is_file() else None
        if parsed is None:
            unknown.append(path)
            continue
        known.append(SourceFile(path, parsed[0], parsed[1], file_digest(path)))
    return known, unknown


_GZIP_MAGIC = b"\x1f\x8b"
_READ_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def open_bytes(path: Path) -> IO[bytes]:
    """Open a file for binary reading, decompressing ``.gz`` transparently.

    A ``.gz`` file that does not start like gzip data is refused here; a
    truncated or corrupt one fails while it is read (see :func:`guarded`).
    """
    if path.name.endswith(".gz"):
        with path.open("rb") as probe:
            magic = probe.read(2)
        if magic != _GZIP_MAGIC:
            raise InputError(
                f"cannot read {str(path)!r}: its name ends in .gz but it is not gzip data "
                "(rename it without .gz if it is plain text)"
            )
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


@contextmanager
def guarded(path: Path) -> Iterator[None]:
    """Turn a truncated or corrupt compressed file into an :class:`InputError` naming it."""
    try:
        yield
    except _READ_ERRORS as err:
        raise InputError(
            f"cannot read {str(path)!r}: the gzip data is truncated or corrupt ({err}); "
            "nothing was ingested"
        ) from err
    except OSError as err:
        raise InputError(f"cannot read {str(path)!r}: {err.strerror or err}") from err


def is_empty(path: Path) -> bool:
    """No bytes at all (after decompression)."""
    with guarded(path), open_bytes(path) as fh:
        return not fh.read(1)


# --- text encodings -----------------------------------------------------------------------

GB = "gb18030"
"""The Chinese national encoding, a superset of GBK and GB2312."""

_GB_TOKEN = re.compile(
    rb"[\x00-\x7f]+|[\x81-\xfe][\x30-\x39][\x81-\xfe][\x30-\x39]|[\x81-\xfe][\x40-\x7e\x80-\xfe]"
)
_SAMPLE_LINES = 2_000
"""Non-UTF-8 lines examined to judge whether a file is Chinese text in GB18030."""
_GB_COMMON_SHARE = 0.7
"""Share of GB2312 characters (both bytes 0xA1 or above) that makes GB18030 text plausible.

Chinese text is almost all GB2312 characters; Latin text in another code page
(cp1252 ``café``) decodes as GB18030 too, but into rare extension characters."""
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class TextEncoding:
    """How the lines of one text file are decoded, and what the detection found."""

    primary: str
    """Tried first on every line."""
    fallback: str | None = None
    """Tried on a line that is not valid in ``primary`` (a file mixing encodings)."""
    label: str = ""
    """Shown in the report and stored in ``ingest_files.encoding``."""
    refusal: str | None = None
    """Why the file's encoding cannot be told; every row is then quarantined."""
    note: str | None = None
    """A warning for the report (e.g. the file mixes encodings)."""

    def decode(self, raw: bytes) -> str | None:
        """The line as text, or ``None`` when it is valid in neither encoding."""
        try:
            text = raw.decode(self.primary)
        except UnicodeDecodeError:
            text = None
        if self.fallback is None:
            return text
        if text is not None and (text.isascii() or _looks_like_utf8_text(text)):
            return text
        try:
            return raw.decode(self.fallback)
        except UnicodeDecodeError:
            return text


def _looks_like_utf8_text(text: str) -> bool:
    """Chinese in UTF-8 decodes to characters from U+0800 up; GBK bytes that happen to be
    valid UTF-8 decode mostly to U+0080-U+07FF (Latin, Greek, Cyrillic, Hebrew)."""
    high = sum(1 for ch in text if ord(ch) >= 0x800)
    low = sum(1 for ch in text if 0x80 <= ord(ch) < 0x800)
    return high >= low


def given_encoding(name: str) -> TextEncoding:
    """The encoding named by ``--encoding``; an unknown name is an input error."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        raise InputError(
            f"unknown --encoding {name!r}; use a Python codec name such as utf-8, gb18030, "
            "gbk, cp1252 or latin-1"
        ) from None
    if canonical.startswith(("utf-16", "utf-32")):
        raise InputError(f"--encoding {name}: UTF-16/32 is not supported; save the file as UTF-8")
    return TextEncoding(canonical, label=f"{canonical} (given)")


def _gb_counts(line: bytes) -> tuple[int, int]:
    """(GB2312 characters, other multi-byte characters) of a line read as GB18030."""
    common = rare = 0
    for token in _GB_TOKEN.findall(line):
        if token[0] < 0x80:
            continue
        if len(token) == 4:
            continue  # four-byte (CJK extensions): valid, and Latin text never makes them
        if 0xA1 <= token[0] <= 0xF7 and token[1] >= 0xA1:
            common += 1
        else:
            rare += 1
    return common, rare


def _shown_bytes(line: bytes) -> str:
    text = line.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")
    return text if len(text) <= 60 else text[:60] + "…"


_CP1252 = "cp1252"
_LATIN_LETTER = re.compile(r"[À-ÖØ-öø-ÿ´ºª]")


class Latin1Sample:
    """Whether the lines that are not UTF-8 read as Windows Latin text (cp1252), the code
    page a spreadsheet in Brazil or Western Europe saves CSV in (``São Paulo``)."""

    def __init__(self) -> None:
        self.lines = 0
        self.latin = 0
        self.example: str | None = None

    def add(self, line: bytes) -> None:
        if self.lines >= _SAMPLE_LINES:
            return
        self.lines += 1
        try:
            text = line.decode(_CP1252)
        except UnicodeDecodeError:
            return
        self.latin += 1
        found = _LATIN_LETTER.search(text)
        if found is not None and self.example is None:
            start = max(0, found.start() - 12)
            self.example = text[start : found.end() + 12].strip()

    def hint(self) -> str:
        """``; they read as cp1252 …`` when every sampled line does (and one holds a Latin
        letter), else nothing."""
        if not self.lines or self.latin < self.lines or self.example is None:
            return ""
        return (
            f"; they read as Windows Latin text (cp1252, e.g. '{self.example}'), as a "
            "spreadsheet saves it: try --encoding cp1252"
        )


def detect_text_encoding(path: Path) -> TextEncoding:
    """Tell a CSV file's encoding, or say why it cannot be told (``docs/ingestion.md``).

    Every non-ASCII line is classified: valid UTF-8, or not. When no line
    fails UTF-8, the file is UTF-8. Otherwise the failing lines are read as
    GB18030 and judged on a sample: Chinese text is mostly GB2312 characters.
    When they look Chinese, the file is GB18030 (lines valid in UTF-8 that look
    like UTF-8 Chinese are read as UTF-8, and the report warns that the file
    mixes encodings). When they do not, a file that is at least half UTF-8 is UTF-8
    with a few broken rows; any other file is refused (every row quarantined as
    ``unknown_encoding``) with a hint to give ``--encoding``.
    """
    utf8_lines = other_lines = gb_lines = 0
    common = rare = 0
    latin = Latin1Sample()
    first_other: tuple[int, bytes] | None = None
    with guarded(path), open_bytes(path) as fh:
        head = fh.read(2)
        if head in _UTF16_BOMS:
            raise InputError(
                f"cannot read {str(path)!r}: it is UTF-16 text; save it as UTF-8 (or GB18030) CSV"
            )
        fh.seek(0)
        for number, line in enumerate(fh, start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
                utf8_lines += 1
                continue
            except UnicodeDecodeError:
                other_lines += 1
            if first_other is None:
                first_other = (number, line)
            latin.add(line)
            if gb_lines >= _SAMPLE_LINES:
                continue
            try:
                line.decode(GB)
            except UnicodeDecodeError:
                continue
            gb_lines += 1
            c, r = _gb_counts(line)
            common += c
            rare += r
    if other_lines == 0:
        return TextEncoding("utf-8", label="utf-8")
    looks_chinese = gb_lines > 0 and common >= _GB_COMMON_SHARE * (common + rare)
    if looks_chinese:
        if utf8_lines == 0:
            return TextEncoding("utf-8", GB, label=GB)
        note = (
            f"{path.name} mixes encodings: {utf8_lines:,} lines UTF-8 and {other_lines:,} lines "
            "GB18030; each line was read in its own encoding"
        )
        return TextEncoding("utf-8", GB, label="utf-8+gb18030", note=note)
    if utf8_lines >= other_lines:
        return TextEncoding("utf-8", label="utf-8")
    assert first_other is not None
    line_no, sample = first_other
    refusal = (
        f"cannot tell the file's text encoding: {other_lines:,} lines are not UTF-8 and read "
        f"as GB18030 they are not Chinese text (first at physical line {line_no}: "
        f"'{_shown_bytes(sample)}'); give the encoding with --encoding (e.g. cp1252)" + latin.hint()
    )
    return TextEncoding("utf-8", label="unknown", refusal=refusal)


def detect_encoding(path: Path) -> str:
    """The encoding label :func:`detect_text_encoding` finds (kept for adapters)."""
    found = detect_text_encoding(path)
    return found.fallback or found.primary if found.refusal is None else found.primary


def file_size(path: Path) -> int:
    """Size in bytes on disk (compressed size for ``.gz``), for progress bars."""
    try:
        return path.stat().st_size
    except OSError as err:
        raise InputError(f"cannot open {str(path)!r}: {err.strerror}") from err
