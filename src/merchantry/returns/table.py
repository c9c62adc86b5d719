"""``classify_table``: any CSV of texts in, the same rows with a cause, confidence and
evidence out (a merchant's own after-sales export, a review dump).

The file is read as UTF-8 (a byte-order mark is fine) or, when it is not valid UTF-8, as
GB18030 (what Excel writes for Chinese); a file that is neither is refused naming the first
line that does not decode. A missing file or column, a row without the text cell, and output
columns that would overwrite input columns are refused with file, row, column and reason.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from merchantry.kit.errors import Diagnostic, InputError, NotFound
from merchantry.returns.classify import Classification, TextModel, classify_texts
from merchantry.returns.refine import Refiner

OUTPUT_COLUMNS: Final = ("class", "confidence", "evidence")
ENCODINGS: Final = ("utf-8-sig", "gb18030")
BATCH: Final = 5_000


@dataclass(frozen=True, slots=True)
class TableSummary:
    """What a run classified."""

    rows: int
    encoding: str
    counts: dict[str, int]
    refined: int


def _first_bad_line(raw: bytes, encoding: str) -> tuple[int, str]:
    """1-based line and reason of the first line ``raw`` cannot be decoded on."""
    for number, line in enumerate(raw.split(b"\n"), start=1):
        try:
            line.decode(encoding)
        except UnicodeDecodeError as err:
            return number, f"byte 0x{line[err.start]:02x} at position {err.start + 1}"
    return 1, "undecodable bytes"


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding used (``encoding`` when given, else detected)."""
    if not path.exists():
        raise NotFound(f"input file {path} does not exist")
    if path.is_dir():
        raise InputError(f"input {path} is a folder, not a CSV file")
    raw = path.read_bytes()
    for candidate in (encoding,) if encoding else ENCODINGS:
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError:
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
    ``evidence``."""
    text, used = read_text(source, encoding)
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
    rows: list[list[str]] = []
    problems: list[Diagnostic] = []
    try:
        for row in reader:
            line = reader.line_num
            if not row:
                continue
            if len(row) <= index:
                problems.append(
                    Diagnostic(
                        str(source),
                        line,
                        "short-row",
                        f"the row has {len(row)} cells; column {text_column!r} is cell {index + 1}",
                        column=text_column,
                    )
                )
                continue
            rows.append(row)
    except csv.Error as err:
        problems.append(Diagnostic(str(source), reader.line_num, "csv", str(err)))
    if problems:
        raise InputError(f"cannot classify {source}: {len(problems)} bad rows", problems[:50])
    results: list[Classification] = []
    for start in range(0, len(rows), BATCH):
        chunk = [r[index] for r in rows[start : start + BATCH]]
        results.extend(classify_texts(chunk, model=model))
    refined = 0
    if refiner is not None:
        results, refined = refiner.refine_all([r[index] for r in rows], results)
    _write(target, header, rows, results)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.cause.value] = counts.get(r.cause.value, 0) + 1
    return TableSummary(len(rows), used, counts, refined)


def _write(
    target: Path,
    header: Sequence[str],
    rows: Sequence[list[str]],
    results: Sequence[Classification],
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([*header, *OUTPUT_COLUMNS])
        for row, result in zip(rows, results, strict=True):
            writer.writerow(
                [*row, result.cause.value, f"{result.confidence:.2f}", result.evidence_text]
            )
