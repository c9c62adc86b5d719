"""The probe (``load_table(probe=True)``, the service's posted events) decides the same.

With the probe, a group of checks is first asked with its conditions alone whether it
can find anything and is skipped when not. Whatever the input, every table and the
quarantine must come out exactly as without it: the same corrupted datasets as the
loss property are ingested both ways and compared row for row.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings

from merchantry.ingest import ingest_dir, pipeline, validate
from merchantry.ingest.checks import RELATION_CHECKS, ROW_CHECKS, CheckContext, check_references
from merchantry.model.tables import TABLES, table
from merchantry.store.warehouse import connect
from tests.ingest.dataset import valid_dataset, write_dataset_csv
from tests.ingest.test_property import Corruption, _apply, _edit_bytes, corruptions


def _contents(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every event table's rows and the quarantine without its ingest id, sorted."""
    found = {
        t.name: sorted(map(repr, con.table(t.name).fetchall()))
        for t in TABLES
        if t.name in valid_dataset()
    }
    found["quarantine"] = sorted(
        map(
            repr,
            con.sql(
                "SELECT source_file, table_name, row_number, row_key, column_name, reason, "
                "message, raw FROM quarantine"
            ).fetchall(),
        )
    )
    return found  # type: ignore[return-value]


def _ingest(directory: Path, probe: bool, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    def load(*args: Any, **kwargs: Any) -> Any:
        return validate.load_table(*args, probe=probe, **kwargs)

    monkeypatch.setattr(pipeline, "load_table", load)
    con = connect(":memory:")
    try:
        report = ingest_dir(con, directory, progress=False)
        assert all(report.table(name).is_balanced for name in valid_dataset())
        return _contents(con)
    finally:
        con.close()


def _compare(tmp: Path, found: list[Corruption], monkeypatch: pytest.MonkeyPatch) -> None:
    data = copy.deepcopy(valid_dataset())
    _refused, edits = _apply(data, found)
    directory = write_dataset_csv(tmp, data)
    _edit_bytes(directory, edits)
    plain = _ingest(directory, False, monkeypatch)
    probed = _ingest(directory, True, monkeypatch)
    assert probed == plain


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(found=corruptions)
def test_probed_ingest_stores_and_quarantines_the_same_rows(  # type: ignore[no-untyped-def]
    tmp_path_factory, monkeypatch, found
):
    _compare(tmp_path_factory.mktemp("in"), found, monkeypatch)


@pytest.mark.parametrize(
    "found",
    [
        [],
        [("orders", 1, "bad_number", 0)],
        [("orders", 2, "duplicate", 0)],
        [("logistics_events", 0, "bad_time", 0)],
        [("shops", 0, "empty", 0)],
    ],
    ids=["clean", "row-check", "batch-duplicate", "bad-time", "missing-parent-cascade"],
)
def test_each_kind_of_problem_is_found_with_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, found: list[Corruption]
) -> None:
    """Named cases, so a probe that skipped a kind of check fails here by name."""
    _compare(tmp_path, found, monkeypatch)
    if found:
        data = copy.deepcopy(valid_dataset())
        _apply(data, found)
        directory = write_dataset_csv(tmp_path / "again", data)
        assert _ingest(directory, True, monkeypatch)["quarantine"], "nothing quarantined"


def _ctx(name: str) -> CheckContext:
    return CheckContext(table=table(name), stage="_stage", cand=validate.CAND)


def test_only_plain_filters_are_probed() -> None:
    """Checks whose rows are not one relation's rows under a condition (windows over the
    batch) are never skipped; row checks and references are probed."""
    ctx = _ctx("orders")
    assert validate._probe_sql(ROW_CHECKS, ctx)
    assert validate._probe_sql((check_references,), ctx)
    windowed: list[Callable[[CheckContext], object]] = [
        c for c in RELATION_CHECKS if validate._probe_sql((c,), ctx) is None
    ]
    assert windowed, "the batch-duplicate check (a window) must not be probed"
