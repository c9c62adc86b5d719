"""Rows of a warehouse query, fetched a slice at a time while a worker builds its state.

Turning DuckDB's rows into Python objects holds the GIL for the whole fetch. A worker
builds its online state on a thread beside the threads that must keep answering: the
server's own (uvicorn's health check replies from a thread of the worker; a worker
that does not answer it in time is killed and started again, which at the demo's size
under load meant workers replaced while still building). A ``fetchall`` of a million
rows held the GIL for seconds; a slice of :data:`SLICE` rows holds it for milliseconds,
and other threads run between slices.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import duckdb

SLICE: Final = 20_000


def rows_of(cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[Any, ...]]:
    """Every row of the query ``cursor`` ran, :data:`SLICE` at a time."""
    while batch := cursor.fetchmany(SLICE):
        yield from batch
