"""Property: whatever is corrupted, no row is lost and no corrupted row gets in.

For random corruptions of the valid dataset, every table balances
(read = accepted + quarantined), every accepted row is one of the original rows
(by primary key, stored once), no corrupted row is accepted, and tables that do
not depend on a corrupted table are accepted whole. Within a corrupted table,
or below it, good rows may still be refused because their parent was (a
cascade), so for those only the subset relation is asserted.
"""

from __future__ import annotations

import copy
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.ingest import ingest_dir
from merchantry.model.schema import ColumnType
from merchantry.model.tables import table
from merchantry.store.warehouse import connect
from tests.ingest.dataset import Rows, valid_dataset, write_dataset_csv

T = ColumnType
KINDS = (
    "bad_number",
    "negative",
    "bad_choice",
    "empty",
    "bad_time",
    "duplicate",
    "encoding",
    "truncate",
)
DEPENDS_ON = {
    "categories": set(),
    "creators": set(),
    "shops": {"categories"},
    "products": {"shops", "categories"},
    "orders": {"shops", "products", "creators"},
    "logistics_events": {"orders"},
    "after_sales": {"orders"},
    "reviews": {"orders"},
}


def _downstream(of: set[str]) -> set[str]:
    found = set(of)
    while True:
        more = {t for t, parents in DEPENDS_ON.items() if parents & found} - found
        if not more:
            return found
        found |= more


def _key(name: str, row: dict[str, str]) -> tuple[str, ...]:
    return tuple(row[k] for k in table(name).primary_key)


Corruption = tuple[str, int, str, int]
"""(table, row index, kind, column pick)."""

corruptions = st.lists(
    st.tuples(
        st.sampled_from(sorted(DEPENDS_ON)),
        st.integers(0, 5),
        st.sampled_from(KINDS),
        st.integers(0, 50),
    ),
    min_size=1,
    max_size=4,
)


def _apply(
    data: dict[str, Rows], found: list[Corruption]
) -> tuple[set[tuple[str, tuple[str, ...]]], dict[str, dict[int, str]]]:
    """Corrupt ``data`` in place; returns keys that must not be accepted and byte edits.

    A key must not be accepted when every row carrying it (as first written) was corrupted;
    a clean duplicate of a corrupted row may legitimately get in.
    """
    original_keys = {name: [_key(name, r) for r in rows] for name, rows in data.items()}
    corrupted: set[tuple[str, int]] = set()
    byte_edits: dict[str, dict[int, str]] = {}
    for name, index, kind, pick in found:
        rows = data[name]
        position = index % len(rows)
        row = rows[position]
        if kind == "duplicate":
            rows.append(dict(row))
            original_keys[name].append(original_keys[name][position])
            continue
        if kind in ("encoding", "truncate"):
            byte_edits.setdefault(name, {})[position] = kind
            corrupted.add((name, position))
            continue
        wanted = {
            "bad_number": lambda c: c.type in (T.INT, T.MONEY, T.BIGINT),
            "negative": lambda c: c.is_money,
            "bad_choice": lambda c: bool(c.choices),
            "empty": lambda c: not c.nullable,
            "bad_time": lambda c: c.type is T.TIMESTAMP,
        }[kind]
        options = [c for c in table(name).columns if wanted(c)]
        if not options:
            continue
        column = options[pick % len(options)]
        row[column.name] = {
            "bad_number": "1x",
            "negative": "-5",
            "bad_choice": "zzz",
            "empty": "",
            "bad_time": "2025-13-01 00:00:00",
        }[kind]
        corrupted.add((name, position))
    refused = set()
    for name, keys in original_keys.items():
        for key in set(keys):
            positions = [i for i, k in enumerate(keys) if k == key]
            if all((name, i) in corrupted for i in positions):
                refused.add((name, key))
    return refused, byte_edits


def _edit_bytes(directory: Path, edits: dict[str, dict[int, str]]) -> None:
    for name, rows in edits.items():
        path = directory / f"{name}.csv"
        lines = path.read_bytes().split(b"\r\n")
        for index, kind in rows.items():
            line = lines[index + 1]
            lines[index + 1] = (
                line + b"\xff\xfe" if kind == "encoding" else b",".join(line.split(b",")[:2])
            )
        path.write_bytes(b"\r\n".join(lines))


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(found=corruptions)
def test_corruption_never_loses_rows_nor_lets_a_bad_row_in(tmp_path_factory, found):  # type: ignore[no-untyped-def]
    original = valid_dataset()
    data = copy.deepcopy(original)
    refused, edits = _apply(data, found)
    directory = write_dataset_csv(tmp_path_factory.mktemp("in"), data)
    _edit_bytes(directory, edits)
    con: duckdb.DuckDBPyConnection = connect(":memory:")
    try:
        report = ingest_dir(con, directory, progress=False)
        corrupted_tables = {c[0] for c in found}
        for name, rows in data.items():
            summary = report.table(name)
            assert summary.is_balanced
            assert summary.read == len(rows)
            accepted = {
                tuple(str(v) for v in r)
                for r in con.table(name).select(*table(name).primary_key).fetchall()
            }
            assert con.table(name).count("*").fetchall()[0][0] == len(accepted)
            assert accepted <= {_key(name, r) for r in original[name]}
            assert not accepted & {k for t, k in refused if t == name}
            if name not in _downstream(corrupted_tables):
                assert summary.accepted == len(rows), name
    finally:
        con.close()
