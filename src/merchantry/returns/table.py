"""``classify_table``: any CSV of texts in, the same rows with a cause, confidence and
evidence out (a merchant's own after-sales export, a review dump).

The file is read as UTF-8 (a byte-order mark is fine) or, when it is not valid UTF-8, as
GB18030 (what Excel writes for Chinese); a file that is neither is refused naming the first
line that does not decode. A missing file or column, a row without the text cell, and output
columns that would overwrite input columns are refused with file, row, column and reason.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from merchantry.kit.errors import Diagnostic, InputError, NotFound, Severity
from merchantry.returns.classify import Classification, TextModel, classify_texts
from merchantry.returns.language import is_covered
from merchantry.returns.refine import Refiner

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

OUTPUT_COLUMNS: Final = ("class", "confidence", "evidence")
UNSUPPORTED: Final = "unknown"
"""The class written for a text in a language the classifier does not read."""
UNSUPPORTED_EVIDENCE: Final = (
    "language not covered: the classifier reads Chinese and English, so no cause is given"
)
KEPT_DIAGNOSTICS: Final = 50
WARN: Final = Severity.WARNING
ENCODINGS: Final = ("utf-8-sig", "gb18030")
BATCH: Final = 5_000


@dataclass(frozen=True, slots=True)
class TableSummary:
    """What a run classified."""

    rows: int
    encoding: str
    counts: dict[str, int]
    refined: int
    unsupported: int = 0
    """Rows whose text is in a language the classifier does not cover (class ``unknown``)."""
    set_aside: int = 0
    """Rows not classified because they are cut, short or long (counted; see :attr:`problems`)."""
    problems: tuple[Diagnostic, ...] = ()
    """The first rows set aside, each with its line and reason."""
    compressed: bool = False


def _first_bad_line(raw: bytes, encoding: str) -> tuple[int, str]:
    """1-based line and reason of the first line ``raw`` cannot be decoded on."""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError as err:
            return number, f"byte 0x{line[err.start]:02x} at position {err.start + 1}"
    return 1, "undecodable bytes"


def _unpack(path: Path, raw: bytes) -> tuple[bytes, bool]:
    """The bytes of ``raw``, decompressed when they are gzip (by their first bytes)."""
    if raw[:2] != b"\x1f\x8b":
        return raw, False
    try:
        return gzip.decompress(raw), True
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise InputError(
            f"cannot read {path}: it is gzip-compressed and the stream is cut or damaged "
            f"({err}); the file is incomplete (an interrupted download or copy?)"
        ) from None


def _cut_tail(path: Path, raw: bytes, encoding: str) -> tuple[bytes, Diagnostic] | None:
    """When the only bytes that do not decode are in a last line without its line end (a
    file cut mid-character), that line is set aside: the rest and the diagnostic."""
    if raw.endswith(b"\n"):
        return None
    start = raw.rfind(b"\n") + 1
    try:
        raw[:start].decode(encoding)
    except UnicodeDecodeError:
        return None
    line = raw.count(b"\n") + 1
    return raw[:start], Diagnostic(
        str(path),
        line,
        "cut-line",
        "the file ends inside this line (cut mid-character): the line is set aside",
        severity=Severity.WARNING,
    )


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding used (``encoding`` when given, else detected)."""
    text, used, _cut, _packed = _read(path, encoding)
    return text, used


def _read(path: Path, encoding: str | None) -> tuple[str, str, Diagnostic | None, bool]:
    """Text, encoding, the diagnostic of a cut last line set aside, and whether gzip."""
    if not path.exists():
        raise NotFound(f"input file {path} does not exist")
    if path.is_dir():
        raise InputError(f"input {path} is a folder, not a CSV file")
    raw, packed = _unpack(path, path.read_bytes())
    for candidate in (encoding,) if encoding else ENCODINGS:
        try:
            return raw.decode(candidate), candidate, None, packed
        except UnicodeDecodeError:
            cut = _cut_tail(path, raw, candidate)
            if cut is not None:
                return cut[0].decode(candidate), candidate, cut[1], packed
            continue
        except LookupError as err:
            raise InputError(f"unknown encoding {encoding!r}: {err}") from None
    tried = encoding or "UTF-8 and GB18030"
    line, reason = _first_bad_line(raw, encoding or "utf-8")
    raise InputError(
        f"cannot read {path}",
        [
            Diagnostic(
                str(path),
                line,
                "encoding",
                f"not valid {tried}: {reason}",
                "save the file as UTF-8, or pass --encoding with its encoding",
            )
        ],
    )


def classify_table(
    source: Path,
    target: Path,
    text_column: str,
    *,
    encoding: str | None = None,
    model: TextModel | None = None,
    refiner: Refiner | None = None,
) -> TableSummary:
    """Classify column ``text_column`` of CSV ``source``; write ``target`` (UTF-8 with BOM so
    Excel shows Chinese) with every input column plus ``class``, ``confidence`` and
    ``evidence``. ``target`` may not be ``source``: it would be overwritten before it is read."""
    if _same_file(source, target):
        raise InputError(
            f"--out {target} is the input file: writing it would overwrite the texts being "
            "classified; give another file name"
        )
    text, used, cut, packed = _read(source, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(
            f"cannot read {source}",
            [Diagnostic(str(source), 1, "empty-file", "the file is empty: no header row")],
        ) from None
    except csv.Error as err:
        raise InputError(
            f"cannot read {source}", [Diagnostic(str(source), 1, "csv", str(err))]
        ) from None
    if text_column not in header:
        raise InputError(
            f"cannot classify {source}",
            [
                Diagnostic(
                    str(source),
                    1,
                    "missing-column",
                    f"no column {text_column!r} in the header",
                    "columns are: " + ", ".join(repr(h) for h in header),
                    column=text_column,
                )
            ],
        )
    clash = [c for c in OUTPUT_COLUMNS if c in header]
    if clash:
        raise InputError(
            f"cannot classify {source}",
            [
                Diagnostic(
                    str(source),
                    1,
                    "column-clash",
                    f"the input already has a column {c!r} the output would overwrite",
                    "rename it in the input",
                    column=c,
                )
                for c in clash
            ],
        )
    index = header.index(text_column)
    rows, problems, set_aside = _rows(source, text, reader, index, text_column, len(header))
    if cut is not None:
        problems.append(cut)
        set_aside += 1
    if not rows and set_aside:
        raise InputError(f"cannot classify {source}: no readable row", problems)
    if not rows:
        raise InputError(
            f"cannot classify {source}",
            [Diagnostic(str(source), 2, "no-rows", "the file has a header and no row to classify")],
        )
    if set_aside * 2 > len(rows) + set_aside:
        raise InputError(
            f"cannot classify {source}: {set_aside:,} of {len(rows) + set_aside:,} rows cannot "
            "be read (the first are listed); the file is probably not the CSV it should be",
            problems,
        )
    covered = [is_covered(r[index]) for r in rows]
    readable = [r[index] for r, ok in zip(rows, covered, strict=True) if ok]
    found: list[Classification] = []
    for start in range(0, len(readable), BATCH):
        found.extend(classify_texts(readable[start : start + BATCH], model=model))
    refined = 0
    if refiner is not None:
        found, refined = refiner.refine_all(readable, found)
    answers = iter(found)
    results = [next(answers) if ok else None for ok in covered]
    _write(target, header, rows, results)
    counts: dict[str, int] = {}
    for r in results:
        key = r.cause.value if r is not None else UNSUPPORTED
        counts[key] = counts.get(key, 0) + 1
    return TableSummary(
        len(rows),
        used,
        counts,
        refined,
        unsupported=covered.count(False),
        set_aside=set_aside,
        problems=tuple(problems[:KEPT_DIAGNOSTICS]),
        compressed=packed,
    )


def _same_file(source: Path, target: Path) -> bool:
    """Whether ``target`` names the file ``source`` (through another spelling or a link)."""
    try:
        return target.exists() and source.exists() and source.samefile(target)
    except OSError:
        return source.resolve() == target.resolve()


def _rows(
    source: Path, text: str, reader: CsvReader, index: int, text_column: str, width: int
) -> tuple[list[list[str]], list[Diagnostic], int]:
    """The rows that hold the text cell, and the diagnostics and count of those set aside:
    a row too short to hold it, a row with more cells than the header's ``width`` (its cells
    cannot be told apart: a delimiter inside an unquoted cell), a row the CSV reader rejects,
    and a last row cut inside a quoted cell (the file ends without a line end inside the
    quotes)."""
    rows: list[list[str]] = []
    problems: list[Diagnostic] = []
    set_aside = 0
    line = 1
    last_start = 0
    while True:
        start = line + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            line = max(reader.line_num, line + 1)
            set_aside += 1
            problems.append(
                Diagnostic(str(source), line, "csv", f"{err}: the row is set aside", severity=WARN)
            )
            continue
        line = reader.line_num
        if not row:
            continue
        last_start = start
        if len(row) <= index:
            set_aside += 1
            problems.append(
                Diagnostic(
                    str(source),
                    line,
                    "short-row",
                    f"the row has {len(row)} cells; column {text_column!r} is cell "
                    f"{index + 1}: the row is set aside",
                    column=text_column,
                    severity=WARN,
                )
            )
            continue
        if len(row) > width:
            set_aside += 1
            problems.append(
                Diagnostic(
                    str(source),
                    line,
                    "long-row",
                    f"the row has {len(row)} cells, the header {width}: which is "
                    f"{text_column!r} cannot be told; the row is set aside",
                    column=text_column,
                    severity=WARN,
                )
            )
            continue
        rows.append(row)
    if rows and last_start and not text.endswith(("\n", "\r")):
        tail = text.splitlines()[last_start - 1 :]
        if sum(t.count('"') for t in tail) % 2:
            rows.pop()
            set_aside += 1
            problems.append(
                Diagnostic(
                    str(source),
                    last_start,
                    "cut-line",
                    "the file ends inside this row's quoted cell (a cut file?): the row is "
                    "set aside",
                    severity=WARN,
                )
            )
    return rows, problems, set_aside


def _write(
    target: Path,
    header: Sequence[str],
    rows: Sequence[list[str]],
    results: Sequence[Classification | None],
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*header, *OUTPUT_COLUMNS])
        for row, result in zip(rows, results, strict=True):
            if result is None:
                writer.writerow([*row, UNSUPPORTED, "", UNSUPPORTED_EVIDENCE])
                continue
            writer.writerow(
                [*row, result.cause.value, f"{result.confidence:.2f}", result.evidence_text]
            )
