"""Writing tables as Parquet, CSV or JSON Lines, one file per table, in chunks.

Files are named by table (``orders.parquet``, ``orders.csv``, ``orders.jsonl``)
so ingestion recognises them. Each table's schema comes from the data model, so
a column the generator forgets or misnames is a bug caught at write time. Rows
arrive day by day and are buffered to a bounded size before being written,
which keeps memory flat however many days are generated.

CSV conventions (shared with ingestion): UTF-8, a header row, lists joined by
``|``, an empty field for NULL, ``true``/``false``, timestamps as
``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final, Protocol

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from merchantry.kit.errors import IntegrityError
from merchantry.model.schema import ColumnType, Table

FORMATS: Final = ("parquet", "csv", "jsonl")
BUFFER_ROWS: Final = 250_000
"""Rows held per table before a write: one Parquet row group at most this size."""

_ARROW_TYPES: Final = {
    ColumnType.TEXT: pa.string(),
    ColumnType.INT: pa.int32(),
    ColumnType.MONEY: pa.int64(),
    ColumnType.BIGINT: pa.int64(),
    ColumnType.BOOL: pa.bool_(),
    ColumnType.DATE: pa.date32(),
    ColumnType.TIMESTAMP: pa.timestamp("us"),
    ColumnType.TEXT_LIST: pa.list_(pa.string()),
}


def arrow_schema(table: Table) -> pa.Schema:
    """The Arrow schema of a model table, columns in declared order."""
    return pa.schema(
        [pa.field(c.name, _ARROW_TYPES[c.type], nullable=c.nullable) for c in table.columns]
    )


def conform(table: Table, data: pa.Table) -> pa.Table:
    """``data`` in the model's column order and types; a missing or extra column is a bug."""
    expected = set(table.column_names)
    actual = set(data.column_names)
    if expected != actual:
        raise IntegrityError(
            f"generated {table.name!r} columns differ from the model: "
            f"missing {sorted(expected - actual)}, unexpected {sorted(actual - expected)}"
        )
    return data.select(list(table.column_names)).cast(arrow_schema(table))


def csv_ready(data: pa.Table) -> pa.Table:
    """Lists joined by ``|`` and timestamps without fractions, for the CSV convention."""
    columns = []
    for field, column in zip(data.schema, data.columns, strict=True):
        if pa.types.is_list(field.type):
            column = pc.binary_join(column, "|")
        elif pa.types.is_timestamp(field.type):
            column = pc.strftime(column.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S")
        columns.append(column)
    return pa.table(columns, names=data.column_names)


class _Writer(Protocol):
    def write(self, data: pa.Table) -> None: ...

    def close(self) -> None: ...


class _ParquetWriter:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(path, schema, compression="zstd")

    def write(self, data: pa.Table) -> None:
        self._writer.write_table(data, row_group_size=BUFFER_ROWS)

    def close(self) -> None:
        self._writer.close()


class _CsvWriter:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._schema = csv_ready(schema.empty_table()).schema
        self._writer = pacsv.CSVWriter(str(path), self._schema)

    def write(self, data: pa.Table) -> None:
        self._writer.write_table(csv_ready(data))

    def close(self) -> None:
        self._writer.close()


class _JsonlWriter:
    """JSON Lines through DuckDB's writer, one chunk at a time, appended in order."""

    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._path = path
        self._part = path.with_suffix(".part.jsonl")
        self._con = duckdb.connect()
        self._con.execute("SET threads = 1")
        path.write_bytes(b"")

    def write(self, data: pa.Table) -> None:
        self._con.register("chunk", data)
        self._con.execute("COPY chunk TO ? (FORMAT json)", [str(self._part)])
        self._con.unregister("chunk")
        with self._path.open("ab") as target:
            target.write(self._part.read_bytes())
        self._part.unlink()

    def close(self) -> None:
        self._con.close()


class TableSink:
    """Buffers one table's rows and writes them in bounded chunks to ``<dir>/<table>.<fmt>``."""

    def __init__(self, table: Table, directory: Path, fmt: str) -> None:
        self.table = table
        self.path = directory / f"{table.name}.{fmt}"
        self.rows = 0
        self._fmt = fmt
        self._schema = arrow_schema(table)
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer: _Writer | None = None

    def append(self, data: pa.Table) -> None:
        """Queue ``data`` (conformed to the model); write once the buffer is full."""
        data = conform(self.table, data)
        self.rows += data.num_rows
        self._pending.append(data)
        self._pending_rows += data.num_rows
        if self._pending_rows >= BUFFER_ROWS:
            self._flush()

    def close(self) -> None:
        """Write what is buffered and close the file (an empty table still gets a file)."""
        self._flush()
        if self._writer is None:
            self._open().write(self._schema.empty_table())
        if self._writer is not None:
            self._writer.close()

    def _open(self) -> _Writer:
        if self._writer is None:
            opener: dict[str, Callable[[Path, pa.Schema], _Writer]] = {
                "parquet": _ParquetWriter,
                "csv": _CsvWriter,
                "jsonl": _JsonlWriter,
            }
            self._writer = opener[self._fmt](self.path, self._schema)
        return self._writer

    def _flush(self) -> None:
        if not self._pending:
            return
        merged = pa.concat_tables(self._pending).combine_chunks()
        self._pending, self._pending_rows = [], 0
        self._open().write(merged)


def write_csv(path: Path, data: pa.Table) -> None:
    """A small table (the planted truth) as CSV with the same conventions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(csv_ready(data), str(path))
