"""Table schemas and domain types.

The marketplace event tables are declared once, in :mod:`merchantry.model.tables`.
That declaration drives the warehouse DDL, ingestion's checks, the generator's
output and ``docs/data-model.md``, so they cannot drift apart.
"""
