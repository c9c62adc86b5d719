"""Where ingestion writes down what it did: ``quarantine`` and ``ingest_files``.

``quarantine`` keeps every rejected row with where it came from and why;
``ingest_files`` records each ingested file by content digest, which is what
makes re-ingesting the same files a no-op.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest.sqlkit import sql
from merchantry.model.schema import Column, ColumnType, Table
from merchantry.store.warehouse import create_table_sql

T = ColumnType

QUARANTINE_COLUMNS: Final = (
    Column("ingest_id", T.TEXT, "Ingest that read the row (a digest of its input files)."),
    Column("source_file", T.TEXT, "File the row came from, as given on the command line."),
    Column("table_name", T.TEXT, "Table the row was meant for."),
    Column("row_number", T.BIGINT, "1-based data row in the file (a CSV header is not a row)."),
    Column(
        "row_key",
        T.TEXT,
        "Primary key of the row as read (values joined by ', '); "
        "tells apart several rows an adapter made from one source row.",
        nullable=True,
    ),
    Column(
        "column_name",
        T.TEXT,
        "Column of the first problem; empty for whole-row problems.",
        nullable=True,
    ),
    Column("reason", T.TEXT, "Reason code of the first problem (see docs/ingestion.md)."),
    Column("message", T.TEXT, "Every problem of the row, in check order, joined by '; '."),
    Column(
        "raw",
        T.TEXT,
        "The original row: CSV record text, JSON line, or Parquet values as a JSON object.",
        nullable=True,
    ),
)
"""Columns of the quarantine table and file. A row may legitimately appear twice for one
source row when an adapter maps one source row to several events (Olist logistics)."""

INGEST_FILES = Table(
    name="ingest_files",
    description="Files already ingested, by content digest.",
    primary_key=("digest",),
    columns=(
        Column("digest", T.TEXT, "SHA-256 of the file's bytes."),
        Column("path", T.TEXT, "Path the file was read from."),
        Column("table_name", T.TEXT, "Table fed (or `olist` for an Olist source file)."),
        Column("ingest_id", T.TEXT, "Ingest that read it."),
        Column("encoding", T.TEXT, "Text encoding used.", nullable=True),
        Column("rows_read", T.BIGINT, "Rows offered to the warehouse from this file."),
        Column("accepted", T.BIGINT, "Rows stored."),
        Column("quarantined", T.BIGINT, "Rows quarantined."),
    ),
)


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``quarantine`` (no key: it is a log) and ``ingest_files`` if missing."""
    columns = [
        exp.ColumnDef(
            this=exp.to_identifier(c.name, quoted=True), kind=exp.DataType.build(c.sql_type)
        )
        for c in QUARANTINE_COLUMNS
    ]
    create = exp.Create(
        this=exp.Schema(this=exp.to_table("quarantine"), expressions=columns),
        kind="TABLE",
        exists=True,
    )
    con.execute(sql(create))
    con.execute(create_table_sql(INGEST_FILES))


def known_digests(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Digest -> path of every file ingested before."""
    rows = con.execute("SELECT digest, path FROM ingest_files").fetchall()
    return {str(d): str(p) for d, p in rows}


def write_quarantine_file(con: duckdb.DuckDBPyConnection, ingest_id: str, path: Path) -> int:
    """Write this ingest's quarantined rows to a CSV file (with header); returns the count."""
    names = [c.name for c in QUARANTINE_COLUMNS]
    cursor = con.execute(
        "SELECT * FROM quarantine WHERE ingest_id = ? "
        "ORDER BY table_name, source_file, row_number, column_name",
        [ingest_id],
    )
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)
            count += len(rows)
    return count
