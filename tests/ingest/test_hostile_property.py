"""Properties behind the hostile classes, over generated input (Hypothesis).

* Whatever text a CSV writer puts in its fields (quotes, commas, line breaks,
  lone CRs, Chinese), the reader gives back the same rows, numbered 1..n: no row
  invented, lost or garbled.
* A time written the ways spreadsheets write it is the same time; one outside
  the stored range (year 0, 2100 on) is refused.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.ingest.coerce import typed_value
from merchantry.ingest.records import read_records
from merchantry.ingest.source import TextEncoding
from merchantry.ingest.sqlkit import col, sql
from merchantry.model.tables import ORDERS

FIELD = st.text(alphabet=st.sampled_from('ab,"\n\r 中文|\t'), max_size=12)
ROWS = st.lists(st.lists(FIELD, min_size=3, max_size=3), min_size=1, max_size=12)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=ROWS, crlf=st.booleans())
def test_csv_rows_come_back_exactly_as_written(tmp_path: Path, rows: list[list[str]], crlf: bool):
    if not crlf:  # csv.writer quotes a lone CR only when its line terminator holds one
        rows = [[f.replace("\r", "") for f in row] for row in rows]
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n" if crlf else "\n")
        writer.writerow(["a", "b", "c"])
        writer.writerows(rows)
    records = list(read_records(path, TextEncoding("utf-8", label="utf-8")))
    assert [r.row for r in records] == list(range(len(rows) + 1))
    assert [r.fields for r in records[1:]] == rows
    assert all(r.problem is None for r in records)


def _typed(values: list[str]) -> list[object]:
    con = duckdb.connect()
    try:
        expr = typed_value(ORDERS.column("paid_at"), col("v"))
        con.execute("CREATE TABLE t (i INTEGER, v VARCHAR)")
        con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(values)))
        query = f"SELECT {sql(expr)} FROM t ORDER BY i"  # a fixed tree, no user text
        return [r[0] for r in con.execute(query).fetchall()]
    finally:
        con.close()


TIMES = st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2099, 12, 31, 23, 59))


@settings(max_examples=40, deadline=None)
@given(moments=st.lists(TIMES, min_size=1, max_size=20))
def test_spreadsheet_times_are_the_same_time(moments: list[datetime]):
    whole = [m.replace(microsecond=0) for m in moments]
    minutes = [m.replace(second=0) for m in whole]
    texts = (
        [m.strftime("%Y-%m-%d %H:%M:%S") for m in whole]
        + [m.strftime("%Y-%m-%dT%H:%M:%S") for m in whole]
        + [f"{m.year}/{m.month}/{m.day} {m.hour}:{m.minute:02d}" for m in minutes]
    )
    assert _typed(texts) == whole + whole + minutes


@given(year=st.one_of(st.integers(0, 1969), st.integers(2100, 9999)))
@settings(max_examples=30, deadline=None)
def test_times_outside_the_stored_range_are_refused(year: int):
    texts = [f"{year:04d}-03-01 10:00:00", f"{year:04d}/3/1 10:00"]
    assert _typed(texts) == [None, None]


def test_impossible_clock_times_are_refused():
    texts = [
        "2026-03-01 24:00:00",
        "2026-03-01 23:60:00",
        "2026-03-01 23:59:60",
        "2026-02-29 10:00",
    ]
    assert _typed(texts) == [None, None, None, None]
