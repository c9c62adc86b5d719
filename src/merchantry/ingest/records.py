"""Split a CSV file into records, each with its 1-based row number and raw text.

Python's ``csv`` reader alone is not enough for hostile files: a field longer
than its limit raises mid-record and the reader resumes inside the field,
inventing rows from the field's text; a quote that never closes swallows the
rest of the file into one row. So the record boundaries are found here first:

* each physical line is decoded on its own (:class:`TextEncoding`), so one bad
  byte breaks one row, not the file;
* a small state machine follows the quoting (only on lines that hold a quote)
  to tell whether a line ends inside a quoted field;
* a complete record is parsed by ``csv`` (no field limit beyond ours);
* a record longer than :data:`MAX_RECORD_BYTES` is one quarantined row, however
  many lines it spans; a quote still open at the end of the file, or a
  multi-line record whose field count is wrong while its continuation lines
  look like rows of their own, is taken as a quote that never closed: its first
  line is quarantined and reading resumes on the next line.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, NamedTuple

from merchantry.ingest.reason import Reason
from merchantry.ingest.source import TextEncoding, guarded, open_bytes

MAX_RECORD_BYTES = 8 << 20
"""The longest CSV record (one row, all its lines) read; a longer one is quarantined."""
_PROGRESS_BYTES = 1 << 20
RAW_SHOWN = 4_096
"""Characters of an over-long record kept as its raw text in the quarantine."""

csv.field_size_limit(max(csv.field_size_limit(), min(sys.maxsize, 4 * MAX_RECORD_BYTES)))


class Record(NamedTuple):
    """One CSV row as read: its fields, or the problem that kept it from being read."""

    row: int
    raw: str
    fields: list[str] | None
    problem: tuple[Reason, str] | None = None
    """Reason and message of a problem found while reading (fields are then None)."""


def ends_in_quote(line: str, in_quote: bool) -> bool:
    """Whether ``csv`` is inside a quoted field at the end of ``line``.

    Mirrors the reader's rules: a quote opens a quoted field only at the start
    of a field; inside one, ``""`` is a quote and a lone ``"`` closes it (what
    follows up to the next comma is kept as text).
    """
    i, n = 0, len(line)
    quoted = in_quote
    at_start = not in_quote
    while i < n:
        if quoted:
            j = line.find('"', i)
            if j < 0:
                return True
            if j + 1 < n and line[j + 1] == '"':
                i = j + 2
                continue
            quoted, at_start, i = False, False, j + 1
        elif at_start and line[i] == '"':
            quoted, i = True, i + 1
        else:
            j = line.find(",", i)
            if j < 0:
                return False
            at_start, i = True, j + 1
    return quoted


class _Feed:
    """The lines of one record, handed to a long-lived ``csv`` reader (cheaper than a new
    reader per record); emptied after each record, so an error never leaks into the next."""

    __slots__ = ("lines",)

    def __init__(self) -> None:
        self.lines: deque[str] = deque()

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        if self.lines:
            return self.lines.popleft()
        raise StopIteration


_FEED = _Feed()
_READER = csv.reader(_FEED, strict=True)


def _parse(lines: list[str]) -> tuple[list[str] | None, str | None]:
    _FEED.lines.extend(lines)
    try:
        return next(_READER, []), None
    except csv.Error as err:
        return None, f"CSV parser: {err}"
    finally:
        _FEED.lines.clear()


_FIELD = r'(?:"[^"]*(?:""[^"]*)*"|[^",\r\n]*)'
COMPLETE_LINE = re.compile(_FIELD + "(?:," + _FIELD + ")*(?:\r\n|\n|\r)?")
"""A line that is a whole, well-quoted record by itself (the usual quoted line)."""


class _Line(NamedTuple):
    """One physical line (or a piece of one split at a lone CR)."""

    text: str
    broken: bool
    """Not valid in the file's encoding (decoded with ``\\xNN`` escapes)."""
    after: int
    """Byte offset just after this line."""
    too_long: bool = False
    """A physical line longer than the record limit (``text`` holds its start)."""


class _Lines:
    """Physical lines of a file as text, with their byte offsets; can seek back."""

    def __init__(
        self, fh: IO[bytes], encoding: TextEncoding, advance: Callable[[int], None]
    ) -> None:
        self._fh = fh
        self._encoding = encoding
        self._advance = advance
        self._reported = 0
        self._first = True
        self.offset = 0
        self.it = self._read()

    def report_rest(self) -> None:
        """Report the bytes read since the last progress step."""
        self._advance(max(self.offset - self._reported, 0))
        self._reported = self.offset

    def seek(self, offset: int) -> None:
        """Read on from byte ``offset`` (a line start)."""
        self._fh.seek(offset)
        self.offset = offset
        self.it = self._read()

    def _read(self) -> Iterator[_Line]:
        readline = self._fh.readline
        limit = MAX_RECORD_BYTES + 1
        decode = self._encoding.decode
        utf8_only = self._encoding.primary == "utf-8" and self._encoding.fallback is None
        while raw := readline(limit):
            self.offset += len(raw)
            if self.offset - self._reported >= _PROGRESS_BYTES:
                self.report_rest()
            if len(raw) == limit and not raw.endswith(b"\n"):
                while rest := readline(1 << 20):
                    self.offset += len(rest)
                    if rest.endswith(b"\n"):
                        break
                head = raw[:RAW_SHOWN].decode("utf-8", errors="backslashreplace")
                yield _Line(head, False, self.offset, too_long=True)
                continue
            if self._first:
                self._first = False
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            text: str | None
            if utf8_only:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = None
            else:
                text = decode(raw)
            broken = text is None
            if text is None:
                text = raw.decode("utf-8", errors="backslashreplace")
            body = text.rstrip("\r\n")
            if "\r" in body:
                # Lone CRs end lines too (old Mac files); only CR, not the other breaks
                # str.splitlines knows (form feed, U+2028...), which csv keeps as text.
                segments = body.split("\r")
                ending = text[len(body) :]
                for segment in segments[:-1]:
                    yield _Line(segment + "\r", broken, self.offset)
                yield _Line(segments[-1] + ending, broken, self.offset)
                continue
            yield _Line(text, broken, self.offset)


def read_records(
    path: Path, encoding: TextEncoding, advance: Callable[[int], None] = lambda _n: None
) -> Iterator[Record]:
    """Every record of ``path``: the header first (row 0), then data rows from 1.

    Raises :class:`~merchantry.kit.errors.InputError` for an unreadable file
    (e.g. truncated gzip).
    """
    with guarded(path), open_bytes(path) as fh:
        lines = _Lines(fh, encoding, advance)
        yield from _records(lines, encoding)
        lines.report_rest()


def _too_long(row: int, raw: str, size: int) -> Record:
    message = (
        f"a record of {size:,} bytes or more is longer than the {MAX_RECORD_BYTES:,}-byte limit"
    )
    return Record(row, raw[:RAW_SHOWN] + "…", None, (Reason.MALFORMED_ROW, message))


def _records(lines: _Lines, encoding: TextEncoding) -> Iterator[Record]:
    row = -1
    width: int | None = None
    replay: deque[_Line] = deque()

    def take() -> _Line | None:
        return replay.popleft() if replay else next(lines.it, None)

    while True:
        first = replay.popleft() if replay else next(lines.it, None)
        if first is None:
            return
        row += 1
        if first.too_long:
            yield _too_long(row, first.text, MAX_RECORD_BYTES)
            continue
        if '"' not in first.text and "\0" not in first.text and not first.broken and row:
            # The common line: no quoting, so a comma split is exactly what csv would read.
            body = first.text.rstrip("\r\n")
            fields = body.split(",") if body else []
            if len(fields) == width:
                yield Record(row, body, fields)
            else:
                yield _single(row, [first], width, encoding)
            continue
        if not first.broken and row and COMPLETE_LINE.fullmatch(first.text):
            parsed, _error = _parse([first.text])
            if parsed is not None and len(parsed) == width:
                yield Record(row, first.text.rstrip("\r\n"), parsed)
                continue
        if '"' not in first.text or not ends_in_quote(first.text, False):
            record = _single(row, [first], width, encoding)
            if row == 0:
                width = len(record.fields) if record.fields is not None else None
            yield record
            continue
        group = [first]
        size = len(first.text)
        closed = too_long = False
        while (nxt := take()) is not None:
            size += len(nxt.text)
            if not too_long:
                group.append(nxt)
            if size > MAX_RECORD_BYTES or nxt.too_long:
                too_long = True
            if nxt.too_long:
                continue
            if '"' in nxt.text and not ends_in_quote(nxt.text, True):
                closed = True
                break
        if not closed:
            # The quote opened on this record's first line never closes: that line alone is
            # the bad row, and the lines after it are read again as rows of their own.
            yield _unterminated(row, first.text)
            if too_long:
                replay.clear()
                lines.seek(first.after)
            else:
                replay.extendleft(reversed(group[1:]))
            continue
        if too_long:
            yield _too_long(row, "".join(line.text for line in group), size)
            continue
        record = _single(row, group, width, encoding)
        if (
            width is not None
            and record.problem is not None
            and record.problem[0] in (Reason.WRONG_FIELD_COUNT, Reason.MALFORMED_ROW)
            and _continuations_look_like_rows(group[1:], width)
        ):
            yield _unterminated(row, first.text)
            replay.extendleft(reversed(group[1:]))
            continue
        if row == 0:
            width = len(record.fields) if record.fields is not None else None
        yield record


def _continuations_look_like_rows(group: list[_Line], width: int) -> bool:
    for line in group:
        fields, _ = _parse([line.text])
        if fields is not None and len(fields) == width:
            return True
    return False


def _unterminated(row: int, text: str) -> Record:
    return Record(
        row,
        text.rstrip("\r\n")[:RAW_SHOWN],
        None,
        (Reason.MALFORMED_ROW, "unterminated quoted field (the quote opened here never closes)"),
    )


def _single(row: int, group: list[_Line], width: int | None, encoding: TextEncoding) -> Record:
    raw = "".join(line.text for line in group).rstrip("\r\n")
    if any(line.broken for line in group):
        names = encoding.primary
        if encoding.fallback is not None:
            names += f" or {encoding.fallback}"
        return Record(row, raw, None, (Reason.BROKEN_ENCODING, f"bytes not valid {names}"))
    fields, error = _parse([line.text for line in group])
    if fields is None:
        return Record(row, raw, None, (Reason.MALFORMED_ROW, error or "unreadable record"))
    if width is not None and len(fields) != width:
        message = (
            f"a blank line where a row of {width} fields belongs (delete the blank line)"
            if not fields or fields == [""]
            else f"{len(fields)} fields, header has {width} (truncated or merged line?)"
        )
        return Record(row, raw, None, (Reason.WRONG_FIELD_COUNT, message))
    return Record(row, raw, fields)
