"""Warehouse access: one DuckDB file, its DDL derived from :mod:`merchantry.model`.

Data flow: ``ingest`` writes the event tables through :func:`warehouse.transaction`;
stages read event tables and write their own output tables in the same file.
"""
