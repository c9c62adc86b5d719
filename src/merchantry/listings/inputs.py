"""Listings from a file (CSV with a header, or JSON Lines), every bad cell reported at once.

Columns (CSV header or JSON keys): ``sku_id``, ``shop_id``, ``title``, ``price_fen`` are
required; ``category_id``, ``industry``, ``brand``, ``composition`` (``羊绒:30;羊毛:70``),
``origin``, ``ship_from``, ``net_count``, ``count_unit``, ``certifications`` (``|``-separated),
``subsidy_label`` (true/false), ``published_at`` (ISO time), ``image_phash`` (16 hex digits)
and ``captions`` (``|``-separated) are optional. A listing file without ``composition`` has
unknown attributes; an empty ``composition`` cell states none.
A problem names the file, the row (the CSV line, or the JSON line) and the column.
Authorisations files have ``shop_id``, ``brand``, ``valid_from`` and optional ``valid_to``.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from merchantry.kit.errors import Diagnostic, InputError, NotFound
from merchantry.listings.claims import Listing, parse_composition
from merchantry.listings.rules import Authorisation
from merchantry.reco.similarity import parse_phash

REQUIRED: Final = ("sku_id", "shop_id", "title", "price_fen")
OPTIONAL: Final = (
    "category_id",
    "industry",
    "brand",
    "composition",
    "origin",
    "ship_from",
    "net_count",
    "count_unit",
    "certifications",
    "subsidy_label",
    "published_at",
    "image_phash",
    "captions",
)
_TRUE: Final = {"true", "1", "yes", "y", "t"}
_FALSE: Final = {"false", "0", "no", "n", "f", ""}
MAX_ROWS: Final = 1_000_000


def _rows(path: Path) -> Iterator[tuple[int, Mapping[str, Any] | None, str | None]]:
    """(row number, values, problem) per record; CSV rows are numbered by line."""
    if not path.exists():
        raise NotFound(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the file")
    try:  # utf-8-sig: a byte-order mark (Excel writes one) is not part of the first column
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as err:
        raise InputError(f"{path}: cannot read ({err.strerror or err})") from None
    with handle:
        try:
            if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        value = json.loads(line)
                    except json.JSONDecodeError as err:
                        yield number, None, f"not JSON ({err.msg})"
                        continue
                    if not isinstance(value, dict):
                        yield number, None, "a JSON line must be an object"
                        continue
                    yield number, value, None
            else:
                reader = csv.DictReader(handle)
                for record in reader:
                    if None in record:
                        yield reader.line_num, None, "more cells than header columns"
                        continue
                    yield reader.line_num, record, None
        except UnicodeDecodeError:
            raise InputError(f"{path}: not UTF-8 text") from None
        except csv.Error as err:
            raise InputError(f"{path}: not a readable CSV file ({err})") from None


class _Row:
    def __init__(
        self, source: str, number: int, values: Mapping[str, Any], out: list[Diagnostic]
    ) -> None:
        self.source, self.number, self.values, self.out = source, number, values, out

    def error(self, column: str, message: str, code: str = "bad-value") -> None:
        self.out.append(Diagnostic(self.source, self.number, code, message, column=column))

    def text(self, column: str) -> str | None:
        value = self.values.get(column)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    def required(self, column: str) -> str:
        value = self.text(column)
        if value is None:
            self.error(column, f"{column} is empty", "missing-value")
            return ""
        return value

    def parsed(self, column: str, parse: Callable[[str], Any], what: str) -> Any:
        value = self.text(column)
        if value is None:
            return None
        try:
            return parse(value)
        except (ValueError, InputError) as err:
            detail = str(err) if isinstance(err, InputError) else what
            self.error(
                column,
                f"{column}: {value!r} is not {detail}"
                if not isinstance(err, InputError)
                else detail,
            )
            return None


def _whole(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(value)


def _listing(row: _Row, has_composition: bool) -> Listing | None:
    before = len(row.out)
    sku, shop, title = row.required("sku_id"), row.required("shop_id"), row.required("title")
    price = row.parsed("price_fen", _whole, "a whole number of fen (0 or more)")
    if row.text("price_fen") is None:
        row.error("price_fen", "price_fen is empty", "missing-value")
    composition = None
    if has_composition:
        composition = row.parsed("composition", parse_composition, "") or {}
    count = row.parsed("net_count", _whole, "a whole count (0 or more)")
    label = row.parsed("subsidy_label", _bool, "true or false")
    published = row.parsed(
        "published_at", datetime.fromisoformat, "an ISO time (2026-08-01T10:00:00)"
    )
    phash = row.parsed("image_phash", parse_phash, "")
    if len(row.out) > before:
        return None
    lists = {
        k: tuple(x.strip() for x in (row.text(k) or "").split("|") if x.strip())
        for k in ("certifications", "captions")
    }
    return Listing(
        sku_id=sku,
        shop_id=shop,
        title=title,
        price_fen=int(price),
        category_id=row.text("category_id") or "",
        industry=row.text("industry") or "",
        brand=row.text("brand"),
        composition=composition,
        origin=row.text("origin"),
        ship_from=row.text("ship_from"),
        net_count=count,
        count_unit=row.text("count_unit"),
        certifications=lists["certifications"],
        subsidy_label=bool(label),
        published_at=published,
        image_phash=phash,
        captions=lists["captions"],
    )


def _check_columns(
    source: str,
    number: int,
    keys: set[str],
    out: list[Diagnostic],
    known: tuple[str, ...],
    required: tuple[str, ...],
) -> bool:
    unknown = sorted(keys - set(known))
    for key in unknown:
        out.append(
            Diagnostic(
                source,
                number,
                "unknown-column",
                f"unknown column {key!r}",
                "known: " + ", ".join(known),
                key,
            )
        )
    missing = [k for k in required if k not in keys]
    for key in missing:
        out.append(
            Diagnostic(source, number, "missing-column", f"column {key!r} is required", column=key)
        )
    return not unknown and not missing


def read_listings_file(path: Path) -> list[Listing]:
    """Every listing of ``path``; an InputError names each bad file/row/column."""
    source = str(path)
    problems: list[Diagnostic] = []
    listings: list[Listing] = []
    seen: dict[str, int] = {}
    header_checked = False
    for number, values, problem in _rows(path):
        if len(listings) + len(problems) > MAX_ROWS:
            raise InputError(f"{path}: more than {MAX_ROWS:,} rows; split the file")
        if values is None:
            problems.append(Diagnostic(source, number, "bad-row", str(problem)))
            continue
        jsonl = path.suffix.lower() in (".jsonl", ".ndjson", ".json")
        if jsonl or not header_checked:
            header_checked = True
            if not _check_columns(
                source,
                1 if not jsonl else number,
                set(values),
                problems,
                REQUIRED + OPTIONAL,
                REQUIRED,
            ):
                if not jsonl:
                    break
                continue
        row = _Row(source, number, values, problems)
        listing = _listing(row, "composition" in values)
        if listing is None:
            continue
        if listing.sku_id in seen:
            row.error(
                "sku_id",
                f"SKU {listing.sku_id} also on row {seen[listing.sku_id]}",
                "duplicate-key",
            )
            continue
        seen[listing.sku_id] = number
        listings.append(listing)
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s) in the listings file", problems)
    if not listings:
        raise InputError(f"{path}: no listings (a header and at least one row are needed)")
    return listings


def read_authorisations_file(path: Path) -> list[Authorisation]:
    """Brand authorisations from a CSV file (shop_id, brand, valid_from[, valid_to])."""
    source = str(path)
    problems: list[Diagnostic] = []
    result: list[Authorisation] = []
    known = ("shop_id", "brand", "valid_from", "valid_to")
    for number, values, problem in _rows(path):
        if values is None:
            problems.append(Diagnostic(source, number, "bad-row", str(problem)))
            continue
        if (
            not result
            and not problems
            and not _check_columns(source, 1, set(values), problems, known, known[:3])
        ):
            break
        row = _Row(source, number, values, problems)
        before = len(problems)
        shop, brand = row.required("shop_id"), row.required("brand")
        start = row.parsed("valid_from", date.fromisoformat, "a date (YYYY-MM-DD)")
        if row.text("valid_from") is None:
            row.error("valid_from", "valid_from is empty", "missing-value")
        end = row.parsed("valid_to", date.fromisoformat, "a date (YYYY-MM-DD)")
        if len(problems) == before:
            result.append(Authorisation(shop, brand, start, end))
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s) in the authorisations file", problems)
    return result
