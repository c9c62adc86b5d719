"""Load source files into a staging table of text columns, one row per source row.

Staging keeps every row, whatever its state, so that nothing can be lost
between reading and validating. A staging table has the declared columns of its
table as ``VARCHAR`` plus bookkeeping columns:

* ``_id``: unique per staged row (the key problems and candidates refer to);
* ``_file``, ``_row``: the source file (its number in this ingest) and the
  1-based data row in it (the CSV header is not a row; Parquet and JSONL count
  from their first row / line);
* ``_raw``: the row's original text (CSV record or JSON line; NULL for Parquet,
  whose quarantined rows are later rendered as JSON of their values);
* ``_problem``, ``_column``, ``_detail``: a structural problem found while
  reading (broken encoding, wrong field count, bad JSON, column set).

Empty strings become NULL in every format, as in the CSV convention.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from merchantry.ingest.reason import Reason
from merchantry.ingest.source import open_bytes
from merchantry.ingest.sqlkit import col, render, sql, text, text_list
from merchantry.kit.errors import InputError
from merchantry.model.schema import ColumnType, Table

BOOKKEEPING: tuple[tuple[str, str], ...] = (
    ("_id", "BIGINT"),
    ("_file", "INTEGER"),
    ("_row", "BIGINT"),
    ("_raw", "VARCHAR"),
    ("_problem", "VARCHAR"),
    ("_column", "VARCHAR"),
    ("_detail", "VARCHAR"),
)
BATCH_ROWS = 100_000
LIST_SEPARATOR = "|"

Advance = Callable[[int], None]
"""Progress callback: called with the number of bytes (or steps) just processed."""


@dataclass(frozen=True, slots=True)
class FilePart:
    """Where one file's rows start in a staging table."""

    file_no: int
    first_id: int


def create_stage(con: duckdb.DuckDBPyConnection, name: str, table: Table) -> None:
    """A fresh temporary staging table for ``table``."""
    columns = [
        exp.ColumnDef(this=exp.to_identifier(n, quoted=True), kind=exp.DataType.build(t))
        for n, t in BOOKKEEPING
    ]
    columns += [
        exp.ColumnDef(this=exp.to_identifier(c, quoted=True), kind=exp.DataType.build("VARCHAR"))
        for c in table.column_names
    ]
    con.execute(sql(exp.Drop(tables=[exp.to_table(name)], kind="TABLE", exists=True)))
    create = exp.Create(
        this=exp.Schema(this=exp.to_table(name), expressions=columns),
        kind="TABLE",
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    con.execute(sql(create))


def _column_set_problem(table: Table, header: Sequence[str]) -> tuple[Reason, str, str] | None:
    """A file-level problem with the header: missing required, unknown or repeated columns.

    A missing *nullable* column is not a problem: its values are NULL. That lets
    files written before a nullable column was added to the model still load.
    """
    declared = table.column_names
    missing = [c.name for c in table.columns if c.name not in header and not c.nullable]
    if missing:
        return Reason.MISSING_COLUMN, missing[0], "file has no column " + ", ".join(missing)
    unknown = [c for c in header if c not in declared]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if unknown or repeated:
        bad = unknown or repeated
        what = "undeclared" if unknown else "repeated"
        return Reason.UNKNOWN_COLUMN, bad[0], f"file has {what} column " + ", ".join(bad)
    return None


def _insert_batch(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    batch: pa.Table,
    file_no: int,
    values: Sequence[tuple[str, exp.Expr]],
) -> None:
    """``INSERT INTO stage BY NAME`` from an Arrow batch, with per-column value expressions."""
    con.register("_ingest_batch", batch)
    try:
        select = exp.select(
            col("_id"),
            exp.Literal.number(file_no).as_("_file"),
            col("_row"),
            col("_raw"),
            col("_problem"),
            col("_column"),
            col("_detail"),
            *(value.as_(name, quoted=True) for name, value in values),
        ).from_("_ingest_batch")
        insert = exp.Insert(this=exp.to_table(stage), expression=select, by_name=True)
        con.execute(sql(insert))
    finally:
        con.unregister("_ingest_batch")


class _LineFeed:
    """Decodes lines one by one for the CSV reader and remembers the raw text of a record.

    A line that is not valid in the encoding is decoded with ``\\xNN`` escapes and
    marks the record as broken, so the rest of the file still reads.
    """

    def __init__(self, fh: IO[bytes], encoding: str) -> None:
        self._fh = fh
        self._encoding = encoding
        self._lines: list[str] = []
        self._broken = False
        self.bytes_read = 0
        self._first = True

    def __iter__(self) -> Iterator[str]:
        for raw in self._fh:
            self.bytes_read += len(raw)
            if self._first and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            self._first = False
            try:
                line = raw.decode(self._encoding)
            except UnicodeDecodeError:
                line = raw.decode(self._encoding, errors="backslashreplace")
                self._broken = True
            self._lines.append(line)
            yield line

    def take(self) -> tuple[str, bool]:
        """The raw text of the record just parsed and whether it had broken bytes."""
        raw = "".join(self._lines).rstrip("\r\n")
        broken = self._broken
        self._lines.clear()
        self._broken = False
        return raw, broken


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    table: Table,
    path: Path,
    part: FilePart,
    encoding: str,
    advance: Advance,
) -> int:
    """Stage a CSV file; returns the number of data rows read."""
    with open_bytes(path) as fh:
        feed = _LineFeed(fh, encoding)
        reader = csv.reader(feed)
        try:
            header = [h.strip() for h in next(reader)]
            feed.take()
        except StopIteration:
            raise InputError(f"cannot read {str(path)!r}: the file is empty (no header)") from None
        except (csv.Error, UnicodeError) as err:
            raise InputError(f"cannot read the header of {str(path)!r}: {err}") from err
        file_problem = _column_set_problem(table, header)
        width = len(header)
        positions = [(i, h) for i, h in enumerate(header) if h in table.column_names]
        names = [f"c{i}" for i, _ in positions]
        values = [(h, exp.func("nullif", col(f"c{i}"), text(""))) for i, h in positions]
        nothing: list[str | None] = [None] * len(positions)

        ids: list[int] = []
        rows: list[int] = []
        raws: list[str] = []
        problems: list[str | None] = []
        columns: list[str | None] = []
        details: list[str | None] = []
        records: list[Sequence[str | None]] = []
        count = 0
        last_bytes = 0

        def flush() -> None:
            nonlocal last_bytes
            if not ids:
                return
            data: dict[str, pa.Array] = {
                "_id": pa.array(ids, pa.int64()),
                "_row": pa.array(rows, pa.int64()),
                "_raw": pa.array(raws, pa.string()),
                "_problem": pa.array(problems, pa.string()),
                "_column": pa.array(columns, pa.string()),
                "_detail": pa.array(details, pa.string()),
            }
            transposed = list(zip(*records, strict=True)) if positions else []
            for name, cells in zip(names, transposed, strict=True):
                data[name] = pa.array(cells, pa.string())
            _insert_batch(con, stage, pa.table(data), part.file_no, values)
            for buf in (ids, rows, raws, problems, columns, details, records):
                buf.clear()
            advance(feed.bytes_read - last_bytes)
            last_bytes = feed.bytes_read

        while True:
            problem: tuple[Reason, str | None, str] | None = None
            try:
                fields: list[str] | None = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                fields = None
                problem = (Reason.MALFORMED_ROW, None, f"CSV parser: {err}")
            raw, broken = feed.take()
            count += 1
            if broken:
                problem = (Reason.BROKEN_ENCODING, None, f"bytes not valid {encoding}")
            elif fields is not None and len(fields) != width:
                what = "empty line" if not fields else f"{len(fields)} fields"
                problem = (
                    Reason.WRONG_FIELD_COUNT,
                    None,
                    f"{what}, header has {width} (truncated or merged line?)",
                )
            elif problem is None and raw.count('"') % 2:
                problem = (Reason.MALFORMED_ROW, None, "unterminated quoted field")
            elif problem is None and file_problem is not None:
                problem = file_problem
            ids.append(part.first_id + count)
            rows.append(count)
            raws.append(raw)
            if problem is None and fields is not None:
                problems.append(None)
                columns.append(None)
                details.append(None)
                records.append([fields[i] for i, _ in positions])
            else:
                assert problem is not None
                problems.append(problem[0].value)
                columns.append(problem[1])
                details.append(problem[2])
                records.append(nothing)
            if len(ids) >= BATCH_ROWS:
                flush()
        flush()
    return count


def _problem_columns(problem: tuple[Reason, str, str] | None) -> list[exp.Expr]:
    if problem is None:
        return [exp.null().as_(n) for n in ("_problem", "_column", "_detail")]
    return [
        text(problem[0].value).as_("_problem"),
        text(problem[1]).as_("_column"),
        text(problem[2]).as_("_detail"),
    ]


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def stage_parquet(
    con: duckdb.DuckDBPyConnection, stage: str, table: Table, path: Path, part: FilePart
) -> int:
    """Stage a Parquet file read by DuckDB directly; returns the number of rows read."""
    source = exp.func(
        "read_parquet",
        exp.Placeholder(),
        exp.EQ(this=exp.column("file_row_number"), expression=exp.true()),
    )
    try:
        described = con.execute(sql(exp.Describe(this=exp.select("*").from_(source))), [str(path)])
        schema = {str(r[0]): str(r[1]) for r in described.fetchall()}
    except duckdb.Error as err:
        raise InputError(f"cannot read Parquet file {str(path)!r}: {_first_line(err)}") from err
    header = [c for c in schema if c != "file_row_number"]
    problem = _column_set_problem(table, header)
    values: list[exp.Expr] = []
    for column in table.columns:
        if column.name not in schema or problem is not None:
            continue
        ref = col(column.name)
        if schema[column.name].endswith("[]"):
            as_text: exp.Expr = exp.func("array_to_string", ref, text(LIST_SEPARATOR))
        else:
            as_text = exp.cast(ref, "VARCHAR")
        values.append(exp.func("nullif", as_text, text("")).as_(column.name, quoted=True))
    number = col("file_row_number")
    select = exp.select(
        exp.Add(this=exp.Literal.number(part.first_id + 1), expression=number).as_("_id"),
        exp.Literal.number(part.file_no).as_("_file"),
        exp.Add(this=number, expression=exp.Literal.number(1)).as_("_row"),
        exp.null().as_("_raw"),
        *_problem_columns(problem),
        *values,
    ).from_(source)
    insert = exp.Insert(this=exp.to_table(stage), expression=select, by_name=True)
    try:
        con.execute(sql(insert), [str(path)])
    except duckdb.Error as err:
        raise InputError(f"cannot read Parquet file {str(path)!r}: {_first_line(err)}") from err
    mine = exp.EQ(this=col("_file"), expression=exp.Literal.number(part.file_no))
    found = con.execute(sql(exp.select("count(*)").from_(stage).where(mine))).fetchall()
    return int(found[0][0])


_JSON_OBJECT = """
SELECT
  _id, _row, _raw,
  CASE
    WHEN _problem IS NOT NULL THEN _problem
    WHEN json_type(_j) IS DISTINCT FROM 'OBJECT' THEN 'bad_json'
    WHEN NOT list_has_all(p_declared, json_keys(_j)) THEN 'unknown_column'
  END AS _problem,
  CASE
    WHEN _problem IS NOT NULL OR json_type(_j) IS DISTINCT FROM 'OBJECT' THEN NULL
    ELSE list_filter(json_keys(_j), k -> NOT list_contains(p_declared, k))[1]
  END AS _column,
  CASE
    WHEN _problem IS NOT NULL THEN _detail
    WHEN _j IS NULL THEN 'not valid JSON'
    WHEN json_type(_j) <> 'OBJECT' THEN 'JSON line is not an object'
    WHEN NOT list_has_all(p_declared, json_keys(_j)) THEN concat('undeclared key ',
      array_to_string(list_filter(json_keys(_j), k -> NOT list_contains(p_declared, k)), ', '))
  END AS _detail,
  CASE WHEN json_type(_j) = 'OBJECT' THEN _j END AS _j
FROM (SELECT *, CASE WHEN _problem IS NULL AND json_valid(_raw) THEN _raw END AS _j
      FROM _ingest_batch)
"""


def _json_value(table: Table, name: str) -> exp.Expr:
    """Text of key ``name`` of the object ``_j``; arrays of a list column joined by ``|``."""
    path = text("$." + name)
    scalar = exp.func("json_extract_string", col("_j"), path)
    if table.column(name).type is not ColumnType.TEXT_LIST:
        return exp.func("nullif", scalar, text(""))
    as_list = exp.cast(exp.func("json_extract", col("_j"), path), "VARCHAR[]")
    is_array = exp.EQ(this=exp.func("json_type", col("_j"), path), expression=text("ARRAY"))
    joined = exp.func("array_to_string", as_list, text(LIST_SEPARATOR))
    return exp.func("nullif", exp.If(this=is_array, true=joined, false=scalar), text(""))


def stage_jsonl(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    table: Table,
    path: Path,
    part: FilePart,
    advance: Advance,
) -> int:
    """Stage a JSONL file: lines are read in Python (row numbers, encoding), parsed in SQL."""
    objects = render(_JSON_OBJECT, {"p_declared": text_list(table.column_names)})
    assert isinstance(objects, exp.Select)
    select = exp.select(
        col("_id"),
        exp.Literal.number(part.file_no).as_("_file"),
        col("_row"),
        col("_raw"),
        col("_problem"),
        col("_column"),
        col("_detail"),
        *(_json_value(table, c).as_(c, quoted=True) for c in table.column_names),
    ).from_(objects.subquery("o"))
    insert = sql(exp.Insert(this=exp.to_table(stage), expression=select, by_name=True))
    count = 0
    batch: dict[str, list[object]] = {k: [] for k in ("_id", "_row", "_raw", "_problem", "_detail")}

    def flush(nbytes: int) -> None:
        if not batch["_id"]:
            return
        arrow = pa.table(
            {
                "_id": pa.array(batch["_id"], pa.int64()),
                "_row": pa.array(batch["_row"], pa.int64()),
                "_raw": pa.array(batch["_raw"], pa.string()),
                "_problem": pa.array(batch["_problem"], pa.string()),
                "_detail": pa.array(batch["_detail"], pa.string()),
            }
        )
        con.register("_ingest_batch", arrow)
        try:
            con.execute(insert)
        finally:
            con.unregister("_ingest_batch")
        for values in batch.values():
            values.clear()
        advance(nbytes)

    pending = 0
    with open_bytes(path) as fh:
        for line in fh:
            pending += len(line)
            count += 1
            problem: str | None = None
            detail: str | None = None
            try:
                decoded = line.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                decoded = line.decode("utf-8", errors="backslashreplace").rstrip("\r\n")
                problem, detail = Reason.BROKEN_ENCODING.value, "bytes not valid utf-8"
            if count == 1:
                decoded = decoded.removeprefix("\ufeff")
            if problem is None and not decoded.strip():
                problem, detail = Reason.BAD_JSON.value, "empty line"
            batch["_id"].append(part.first_id + count)
            batch["_row"].append(count)
            batch["_raw"].append(decoded)
            batch["_problem"].append(problem)
            batch["_detail"].append(detail)
            if len(batch["_id"]) >= BATCH_ROWS:
                flush(pending)
                pending = 0
    flush(pending)
    return count
