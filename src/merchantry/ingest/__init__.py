"""Ingestion: event files in, every row either stored or quarantined with a reason.

Data flow: ``source`` (find files, detect encodings) -> ``stage`` (every row
as text, with row number and raw text) -> ``validate`` (the ordered checks of
``checks``, set-based in DuckDB) -> the event tables, ``quarantine`` and
``ingest_files``. ``olist`` maps the Olist dataset onto the same staging
tables, so its rows meet the same checks. ``pipeline.ingest_dir`` runs it all
in one transaction.
"""

from merchantry.ingest.pipeline import ingest_dir
from merchantry.ingest.reason import Reason
from merchantry.ingest.report import FileReport, IngestReport, SkippedFile, TableReport

__all__ = ["FileReport", "IngestReport", "Reason", "SkippedFile", "TableReport", "ingest_dir"]
