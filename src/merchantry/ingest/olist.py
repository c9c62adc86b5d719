"""The Olist adapter: the Olist dataset's CSV layout mapped onto Merchantry's tables.

Olist files are read with the same CSV reader as any input (row numbers, raw
text, encoding), into raw staging tables named ``_olist_<file>``. Fixed SQL
(:mod:`merchantry.ingest.olist_sql`) then shapes them into the staging tables of
the model, keeping each row's Olist file and row number, and from there the
rows meet exactly the checks and quarantine of any other ingest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest.olist_sql import (
    AFTER_SALES_DAYS,
    INDUSTRY,
    LINES,
    MACROS,
    MAPPINGS,
    PAID,
    RECEIPT_CONFIRMATION_DAYS,
)
from merchantry.ingest.quarantine import known_digests
from merchantry.ingest.report import FileReport, SkippedFile
from merchantry.ingest.source import detect_encoding, file_size
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
    "orders": (
        "olist_orders_dataset",
        (
            "order_id",
            "customer_id",
            "order_status",
            "order_purchase_timestamp",
            "order_approved_at",
            "order_delivered_carrier_date",
            "order_delivered_customer_date",
            "order_estimated_delivery_date",
        ),
    ),
    "items": (
        "olist_order_items_dataset",
        (
            "order_id",
            "order_item_id",
            "product_id",
            "seller_id",
            "shipping_limit_date",
            "price",
            "freight_value",
        ),
    ),
    "reviews": (
        "olist_order_reviews_dataset",
        (
            "review_id",
            "order_id",
            "review_score",
            "review_comment_title",
            "review_comment_message",
            "review_creation_date",
            "review_answer_timestamp",
        ),
    ),
    "payments": (
        "olist_order_payments_dataset",
        (
            "order_id",
            "payment_sequential",
            "payment_type",
            "payment_installments",
            "payment_value",
        ),
    ),
    "customers": (
        "olist_customers_dataset",
        (
            "customer_id",
            "customer_unique_id",
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ),
    ),
    "products": (
        "olist_products_dataset",
        (
            "product_id",
            "product_category_name",
            "product_name_lenght",
            "product_description_lenght",
            "product_photos_qty",
            "product_weight_g",
            "product_length_cm",
            "product_height_cm",
            "product_width_cm",
        ),
    ),
    "sellers": (
        "olist_sellers_dataset",
        ("seller_id", "seller_zip_code_prefix", "seller_city", "seller_state"),
    ),
    "translation": (
        "product_category_name_translation",
        ("product_category_name", "product_category_name_english"),
    ),
}
"""Olist files the adapter reads: key -> (file stem, header). All are required."""

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
        raise InputError(f"{directory} is not an Olist directory: missing " + ", ".join(missing))
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


def _raw_table(key: str) -> Table:
    """A pseudo-declaration of an Olist file: every header column as text."""
    stem, header = OLIST_FILES[key]
    return Table(
        name=stem,
        description=f"Olist file {stem}",
        columns=tuple(Column(h, ColumnType.TEXT, "", nullable=True) for h in header),
        primary_key=(header[0],),
    )


Task = Callable[[str, float | None], Callable[[int], None]]


def ingest(
    con: duckdb.DuckDBPyConnection, oplan: OlistPlan, ingest_id: str, task: Task
) -> tuple[list[FileReport], tuple[str, ...]]:
    """Stage, map, validate and load the Olist files (inside the caller's transaction)."""
    if oplan.already_ingested:
        return [], oplan.notes
    _refuse_other_marketplace(con)
    keys = list(OLIST_FILES)
    sources = [Source(i, str(oplan.files[k])) for i, k in enumerate(keys)]
    encodings: dict[int, str] = {}
    register_sources(con, sources)
    for file_no, key in enumerate(keys):
        path = oplan.files[key]
        encoding = detect_encoding(path)
        encodings[file_no] = encoding
        total = None if path.name.endswith(".gz") else file_size(path)
        raw = _raw_table(key)
        create_stage(con, "_olist_" + key, raw)
        stage_csv(
            con, "_olist_" + key, raw, path, FilePart(file_no, 0), encoding, task(path.name, total)
        )
    for macro in MACROS:
        con.execute(macro)
    con.execute(PAID)
    con.execute(LINES)
    subs = {
        "p_industry": INDUSTRY,
        "p_after_sales_days": text(str(AFTER_SALES_DAYS)),
        "p_confirm_days": exp.Literal.number(RECEIPT_CONFIRMATION_DAYS),
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
    _record_files(con, oplan, ingest_id, reports)
    return reports, oplan.notes


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
    con: duckdb.DuckDBPyConnection, oplan: OlistPlan, ingest_id: str, reports: list[FileReport]
) -> None:
    known = known_digests(con)
    for path, digest in zip(oplan.files.values(), oplan.digests, strict=True):
        if digest in known:
            continue
        mine = [r for r in reports if r.path == str(path)]
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
