"""Reading a candidate list (and purchases) from a file, with every problem named.

A candidate file is CSV (UTF-8, a header row) or JSON Lines, one candidate per row:
``sku_id`` is required; a candidate the catalogue may not know yet can carry its
listing (``category_id``, ``title``, ``price_fen``, and optionally ``spu_id``,
``brand``, ``attributes`` as ``key=value`` joined by ``|``, ``image_phash``). A
purchases file has ``sku_id`` and ``purchased_at`` (``YYYY-MM-DD HH:MM:SS``) and
optionally ``order_id``. Every bad row is reported at once, with file, row, column
and reason; nothing is dropped silently.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from merchantry.kit.errors import Diagnostic, InputError, NotFound
from merchantry.reco.similarity import Listing, parse_attributes, parse_phash
from merchantry.reco.suppression import Candidate, Purchase

MAX_ROWS: Final = 100_000
LISTING_COLUMNS: Final = ("category_id", "title", "price_fen")
KNOWN_COLUMNS: Final = frozenset(
    {"sku_id", *LISTING_COLUMNS, "spu_id", "brand", "attributes", "image_phash", "rank", "score"}
)
PURCHASE_COLUMNS: Final = frozenset({"sku_id", "purchased_at", "order_id"})


def _problem(
    source: str,
    line: int | None,
    code: str,
    message: str,
    hint: str = "",
    column: str | None = None,
) -> Diagnostic:
    """A diagnostic whose message starts with its column (some consoles drop ``[col]``)."""
    text = f"column {column}: {message}" if column else message
    return Diagnostic(source, line, code, text, hint, column)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(row number, row) per data row; a row that cannot be read is its reason instead.

    Rows are numbered by their line in the file (a CSV header is line 1), as an editor shows."""
    if not path.is_file():
        raise NotFound(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"{path}: not UTF-8 text (byte {err.start})") from None
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as err:
                yield number, f"not JSON ({err.msg})"
                continue
            yield number, value if isinstance(value, dict) else "not a JSON object"
        return
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames:
        raise InputError(f"{path}: empty file (a header row with sku_id is needed)")
    for number, row in enumerate(reader, start=2):
        if None in row:
            yield number, "more fields than the header has"
            continue
        yield number, {k: v for k, v in row.items() if v not in (None, "")}


def read_candidates(path: Path) -> list[Candidate]:
    """The candidates in ``path``, in file order; every bad row at once as an InputError."""
    problems: list[Diagnostic] = []
    result: list[Candidate] = []
    seen: dict[str, int] = {}
    source = str(path)
    for number, row in _rows(path):
        if len(result) + len(problems) >= MAX_ROWS:
            problems.append(
                _problem(source, number, "too-many-rows", f"more than {MAX_ROWS:,} candidates")
            )
            break
        if isinstance(row, str):
            problems.append(_problem(source, number, "bad-row", row))
            continue
        unknown = sorted(set(row) - KNOWN_COLUMNS)
        for name in unknown:
            problems.append(
                _problem(
                    source,
                    number,
                    "unknown-column",
                    f"unknown column {name!r}",
                    "known: " + ", ".join(sorted(KNOWN_COLUMNS)),
                    name,
                )
            )
        candidate = _candidate(row, source, number, problems)
        if candidate is None:
            continue
        if candidate.sku_id in seen:
            problems.append(
                _problem(
                    source,
                    number,
                    "duplicate-candidate",
                    f"{candidate.sku_id} is already row {seen[candidate.sku_id]}",
                    column="sku_id",
                )
            )
            continue
        seen[candidate.sku_id] = number
        if not unknown:
            result.append(candidate)
    if problems:
        raise InputError(f"{path}: {len(problems)} bad candidate row(s)", problems)
    if not result:
        raise InputError(f"{path}: no candidates (one sku_id per row is needed)")
    return result


def _text(row: dict[str, Any], name: str, source: str, number: int, out: list[Diagnostic]) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 500:
        out.append(
            _problem(source, number, "bad-value", f"{name} must be text (≤ 500)", column=name)
        )
        return ""
    return value.strip()


def _candidate(
    row: dict[str, Any], source: str, number: int, out: list[Diagnostic]
) -> Candidate | None:
    before = len(out)
    sku = _text(row, "sku_id", source, number, out)
    if not sku:
        out.append(_problem(source, number, "missing-value", "sku_id is empty", column="sku_id"))
        return None
    given = [c for c in LISTING_COLUMNS if c in row]
    if not given:
        return Candidate(sku)
    missing = [c for c in LISTING_COLUMNS if c not in row]
    for name in missing:
        out.append(
            _problem(
                source,
                number,
                "missing-value",
                f"{name} is empty while {', '.join(given)} is given",
                "give all of category_id, title, price_fen, or none",
                name,
            )
        )
    price = row.get("price_fen")
    price_fen = 0
    if price is not None:
        try:
            price_fen = int(str(price))
        except ValueError:
            out.append(
                _problem(
                    source,
                    number,
                    "bad-value",
                    f"price_fen {price!r} is not a whole number of fen",
                    column="price_fen",
                )
            )
        else:
            if price_fen < 0:
                out.append(
                    _problem(source, number, "bad-value", "price_fen < 0", column="price_fen")
                )
    phash = None
    try:
        phash = parse_phash(_text(row, "image_phash", source, number, out) or None)
    except InputError as err:
        out.append(_problem(source, number, "bad-value", str(err), column="image_phash"))
    attributes = row.get("attributes")
    if isinstance(attributes, str):
        attributes = attributes.split("|")
    if attributes is not None and not (
        isinstance(attributes, list) and all(isinstance(a, str) for a in attributes)
    ):
        out.append(
            _problem(
                source,
                number,
                "bad-value",
                "attributes must be key=value texts",
                column="attributes",
            )
        )
        attributes = None
    if len(out) > before:
        return None
    listing = Listing(
        sku_id=sku,
        category_id=_text(row, "category_id", source, number, out),
        title=_text(row, "title", source, number, out),
        price_fen=price_fen,
        spu_id=_text(row, "spu_id", source, number, out) or None,
        brand=_text(row, "brand", source, number, out) or None,
        attributes=parse_attributes(attributes),
        image_phash=phash,
    )
    return Candidate(sku, listing)


def read_purchases(path: Path) -> list[Purchase]:
    """Purchases in ``path``; every bad row at once as an InputError."""
    problems: list[Diagnostic] = []
    result: list[Purchase] = []
    source = str(path)
    for number, row in _rows(path):
        if isinstance(row, str):
            problems.append(_problem(source, number, "bad-row", row))
            continue
        for name in sorted(set(row) - PURCHASE_COLUMNS):
            problems.append(
                _problem(source, number, "unknown-column", f"unknown column {name!r}", "", name)
            )
        sku = _text(row, "sku_id", source, number, problems)
        stamp = _text(row, "purchased_at", source, number, problems)
        if not sku:
            problems.append(
                _problem(source, number, "missing-value", "sku_id is empty", "", "sku_id")
            )
            continue
        try:
            when = datetime.fromisoformat(stamp)
        except ValueError:
            problems.append(
                _problem(
                    source,
                    number,
                    "bad-value",
                    f"purchased_at {stamp!r} is not a time",
                    "write YYYY-MM-DD HH:MM:SS",
                    "purchased_at",
                )
            )
            continue
        result.append(
            Purchase(
                sku,
                when.replace(tzinfo=None),
                _text(row, "order_id", source, number, problems) or None,
            )
        )
    if problems:
        raise InputError(f"{path}: {len(problems)} bad purchase row(s)", problems)
    return result
