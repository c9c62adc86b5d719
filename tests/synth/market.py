"""Reading a generated market back, the way a test (or an analyst) would."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb

from merchantry.model.tables import TABLES


def open_market(out: Path, fmt: str = "parquet") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per table and one ``truth_<name>`` per truth file."""
    con = duckdb.connect()
    for table in TABLES:
        path = str(out / f"{table.name}.{fmt}")
        if fmt == "parquet":
            relation = con.read_parquet(path)
        elif fmt == "csv":
            relation = con.read_csv(path, header=True)
        else:
            relation = con.read_json(path, format="newline_delimited")
        relation.to_view(table.name)
    for truth in sorted((out / "truth").glob("*.csv")):
        con.read_csv(str(truth), header=True).to_view(f"truth_{truth.stem}")
    return con


def scalar(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> Any:
    """The single value a fixed query returns."""
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1
    return rows[0][0]


def digests(out: Path) -> dict[str, str]:
    """SHA-256 of every file under ``out``, by relative path."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }
