"""Where ingestion writes down what it did: ``quarantine`` and ``ingest_files``.

``quarantine`` keeps every rejected row with where it came from and why;
``ingest_files`` records each ingested file by content digest, which is what
makes re-ingesting the same files a no-op.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from merchantry.model.system import QUARANTINE_COLUMNS, SYSTEM_TABLES
from merchantry.store.warehouse import create_table_sql


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``quarantine`` (no key: it is a log) and ``ingest_files`` if missing."""
    for table in SYSTEM_TABLES:
        con.execute(create_table_sql(table))


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
