"""Tables Merchantry keeps about its own work (as opposed to marketplace events).

``quarantine`` keeps every row ingestion rejected, with where it came from and
why; ``ingest_files`` records each ingested file by content digest, which is
what makes re-ingesting the same files a no-op; ``stage_runs`` records every
stage the runner ran, with a digest of its inputs, which is how ``merchantry run``
knows what is stale.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

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
    term_zh="已接入文件",
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

QUARANTINE = Table(
    name="quarantine",
    term_zh="隔离区",
    description=(
        "Every row ingestion rejected, with its source file, row number, column and reason. "
        "A log: it has no key."
    ),
    primary_key=(),
    columns=QUARANTINE_COLUMNS,
)

STAGE_RUNS = Table(
    name="stage_runs",
    term_zh="阶段运行记录",
    description=(
        "Every stage the runner (`merchantry run`) completed, with a digest of what it read. "
        "A stage whose last run over the same period has the same digest is fresh and skipped; "
        "any change to a table it reads or to its rulebook makes it stale. A log: rows are only "
        "added."
    ),
    primary_key=("run_id",),
    columns=(
        Column("run_id", T.TEXT, "Id of the run (a digest of stage, period and start time)."),
        Column("stage", T.TEXT, "Stage name, e.g. `fees:douyin-2026` (`merchantry run --help`)."),
        Column("period_start", T.DATE, "First day of the period it ran over."),
        Column(
            "period_end",
            T.DATE,
            "Last day (inclusive). Warehouse-wide stages (risk) record the period asked for.",
        ),
        Column(
            "inputs_digest",
            T.TEXT,
            "SHA-256 over each table the stage reads (rows and a hash of their content) and "
            "its configuration (the rulebook's content).",
        ),
        Column(
            "inputs",
            T.TEXT,
            "The same, readable: `table=rows` for each table read, then the configuration.",
        ),
        Column("forced", T.BOOL, "Run with `--force` although it was fresh."),
        Column("started_at", T.TIMESTAMP, "When the run started."),
        Column("milliseconds", T.BIGINT, "Wall time of the run.", unit="ms"),
        Column("summary", T.TEXT, "What the stage reported, in one line."),
        Column(
            "warnings",
            T.TEXT,
            "Warnings the stage reported, one per line (empty when none).",
            nullable=True,
        ),
    ),
)

SYSTEM_TABLES: Final[tuple[Table, ...]] = (QUARANTINE, INGEST_FILES, STAGE_RUNS)
