"""A day's look-ups of stored rows read the row groups of the day's keys, not the history.

The relation checks hold each look-up of a stored table to the candidates' range of the
column it matches (``$lo_<column>``/``$hi_<column>``, read once from the candidates). Here
a day's parcel events name the newest of 600,000 stored orders (five row groups): with the
range DuckDB's profile shows every scan of ``orders`` skipping row groups, without it one
reads them all; and an event of an order never stored is found the same with and without.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from merchantry.ingest.checks import CheckContext, check_references
from merchantry.ingest.validate import candidate_bounds
from merchantry.model.tables import table
from merchantry.store.sql import parameters_in
from merchantry.store.warehouse import connect
from tests.ledger.bulk import fill

CANDIDATES = """
CREATE OR REPLACE TEMP TABLE day_cand AS
SELECT row_number() OVER () AS _id, 0 AS _file, row_number() OVER () AS _row, order_id,
       'shipped' AS event, TIMESTAMP '2026-04-01 10:00:00' AS event_at,
       false AS auto_confirmed, 'SF' AS carrier
FROM (SELECT 'O' || i AS order_id FROM range(598000, 600000) AS t(i))
"""
"""The day's parcel events: the newest 2,000 orders."""

NEVER_STORED = """
INSERT INTO day_cand VALUES (9999, 0, 9999, 'O5985000', 'shipped',
                             TIMESTAMP '2026-04-01 10:00:00', false, 'SF')
"""
"""A parcel event of an order never stored (within the day's range of ids, so the range
cannot hide it)."""


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    warehouse = connect(tmp_path_factory.mktemp("ranges") / "w.duckdb")
    fill(warehouse, orders=600_000, shops=10)
    warehouse.execute("CHECKPOINT")
    try:
        yield warehouse
    finally:
        warehouse.close()


def _walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("children", []):
        yield from _walk(child)


def _profiled(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object], out: Path
) -> tuple[list[tuple[Any, ...]], list[tuple[int, int]]]:
    """The rows of ``sql`` and, for each scan of ``orders``, (row groups read, row groups)."""
    con.execute("PRAGMA enable_profiling = 'json'")
    con.execute(f"PRAGMA profiling_output = '{out}'")
    try:
        rows = con.execute(sql, params).fetchall() if params else con.execute(sql).fetchall()
    finally:
        con.execute("PRAGMA disable_profiling")
    tree = json.loads(out.read_text())
    scans = [
        (int(n["row_groups_scanned"]), int(n["total_row_groups_to_scan"]))
        for top in tree["operator"]
        for n in _walk(top)
        if str(n.get("extra_info", {}).get("Table", "")).endswith(".orders")
        and "row_groups_scanned" in n
    ]
    return sorted(rows), scans


def _statements(
    con: duckdb.DuckDBPyConnection,
) -> tuple[str, str, dict[str, object]]:
    """The references check of the day's events without and with the day's range, and the
    bounds the ranged one names."""
    plain = CheckContext(table("logistics_events"), "unused_stage", "day_cand")
    ranged, bounds = candidate_bounds(con, plain)
    assert ranged.ranged  # the order id is among the columns given a range
    narrow = check_references(ranged)[0].sql(dialect="duckdb")
    given = {k: bounds[k] for k in parameters_in(narrow) & bounds.keys()}
    assert given  # the ranged statement names its bounds
    return check_references(plain)[0].sql(dialect="duckdb"), narrow, given


def test_the_references_look_up_reads_only_the_days_row_groups(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con.execute(CANDIDATES)
    wide_sql, narrow_sql, given = _statements(con)
    assert (given["lo_order_id"], given["hi_order_id"]) == ("O598000", "O599999")
    wide, wide_scans = _profiled(con, wide_sql, {}, tmp_path / "wide.json")
    narrow, narrow_scans = _profiled(con, narrow_sql, given, tmp_path / "narrow.json")

    assert wide == narrow == []  # every order is stored
    assert wide_scans
    assert narrow_scans
    assert any(read == total >= 4 for read, total in wide_scans)  # without: every group
    assert all(read < total for read, total in narrow_scans), narrow_scans  # with: the day's


def test_the_range_still_finds_an_order_never_stored(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con.execute(CANDIDATES)
    con.execute(NEVER_STORED)
    wide_sql, narrow_sql, given = _statements(con)
    wide, _ = _profiled(con, wide_sql, {}, tmp_path / "wide.json")
    narrow, _ = _profiled(con, narrow_sql, given, tmp_path / "narrow.json")
    assert len(narrow) == 1
    assert "'O5985000' not found in orders" in narrow[0][3]
    assert narrow == wide
