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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from merchantry.ingest.reason import Reason
from merchantry.ingest.records import read_records
from merchantry.ingest.source import TextEncoding, guarded, open_bytes
from merchantry.kit.errors import InputError
from merchantry.model.schema import ColumnType, Table
from merchantry.store.sql import col, concat, fill, text, text_list, to_sql

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
    con.execute(to_sql(exp.Drop(tables=[exp.to_table(name)], kind="TABLE", exists=True)))
    create = exp.Create(
        this=exp.Schema(this=exp.to_table(name), expressions=columns),
        kind="TABLE",
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    con.execute(to_sql(create))


_INVISIBLE = "\ufeff\u200b\u200c\u200d\u200e\u200f\u2060\u00a0"


def header_name(name: str) -> str:
    """A header field as a column name: spaces, invisible characters and case do not count."""
    return name.strip().strip(_INVISIBLE).strip().lower()


def _column_set_problem(table: Table, header: Sequence[str]) -> tuple[Reason, str, str] | None:
    """A file-level problem with the header: a required column is missing.

    A missing *nullable* column is not a problem: its values are NULL. That lets
    files written before a nullable column was added to the model still load.
    Undeclared, unnamed and repeated columns are judged row by row
    (:class:`_HeaderMap`), since only a row with a value there would lose data.
    """
    missing = [c.name for c in table.columns if c.name not in header and not c.nullable]
    if not missing:
        return None
    message = "file has no column " + ", ".join(missing)
    declared = {c.name for c in table.columns}
    unknown = [h for h in header if h and h not in declared]
    separator = _other_separator(header[0]) if len(header) == 1 else None
    if separator is not None:
        message += f" (its header looks separated by {separator}; CSV files must use commas)"
    elif not declared & set(header):
        shown = ", ".join(repr(h) for h in unknown[:3]) or "nothing"
        message += (
            f" (its first line, {shown}, names none of the columns of {table.name}: the header "
            "must be the first line, so remove any title line above it, and the columns "
            "keep their English names, e.g. " + ", ".join(missing[:3]) + ")"
        )
    elif unknown:
        message += " (the header has " + ", ".join(repr(h) for h in unknown[:3])
        message += f", which {table.name} does not have: was a column renamed?)"
    return Reason.MISSING_COLUMN, missing[0], message


@dataclass(frozen=True, slots=True)
class _HeaderMap:
    """Where each declared column is in a file's header, and the fields no column takes."""

    names: tuple[str, ...]
    """Declared columns present in the file, in header order."""
    first: tuple[int, ...]
    """Field position of each of ``names`` (its first occurrence)."""
    repeats: tuple[tuple[str, tuple[int, ...]], ...]
    """Columns named more than once, with all their positions."""
    extras: tuple[tuple[int, str], ...]
    """Positions and header text of fields no declared column takes (undeclared or unnamed)."""

    @classmethod
    def of(cls, table: Table, header: Sequence[str]) -> _HeaderMap:
        positions: dict[str, list[int]] = {}
        extras: list[tuple[int, str]] = []
        for i, raw in enumerate(header):
            name = header_name(raw)
            if name in table.column_names:
                positions.setdefault(name, []).append(i)
            else:
                extras.append((i, raw))
        return cls(
            names=tuple(positions),
            first=tuple(p[0] for p in positions.values()),
            repeats=tuple((n, tuple(p)) for n, p in positions.items() if len(p) > 1),
            extras=tuple(extras),
        )

    def row_problem(self, fields: Sequence[str]) -> tuple[Reason, str | None, str] | None:
        """A value no column takes, or a repeated column holding different values."""
        for i, raw in self.extras:
            value = fields[i]
            if value.strip():
                shown = _shown_text(value)
                if raw.strip():
                    return (
                        Reason.UNKNOWN_COLUMN,
                        raw.strip(),
                        f"value {shown} in column {raw.strip()!r}, "
                        "which the table does not declare",
                    )
                return (
                    Reason.UNKNOWN_COLUMN,
                    None,
                    f"value {shown} under header field {i + 1}, which has no name",
                )
        for name, where in self.repeats:
            values = {fields[i] for i in where}
            if len(values) > 1:
                fields_no = ", ".join(str(i + 1) for i in where)
                shown = ", ".join(_shown_text(fields[i]) for i in where)
                return (
                    Reason.REPEATED_COLUMN,
                    name,
                    f"column {name} appears {len(where)} times in the header (fields {fields_no}) "
                    f"with different values: {shown}",
                )
        return None


def _shown_text(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


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
        con.execute(to_sql(insert))
    finally:
        con.unregister("_ingest_batch")


def _other_separator(line: str) -> str | None:
    """``"';'"`` or ``"a tab"`` when ``line`` (a header, its quoted names aside) holds
    semicolons or tabs and no comma: a spreadsheet saved with another list separator
    (``category_id;name``, ``"category_id";"name"``); ``None`` otherwise."""
    outside = re.sub(r'"[^"]*"', "", line)
    if "," in outside:
        return None
    if ";" in outside:
        return "';'"
    return "a tab" if "\t" in outside else None


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    table: Table,
    path: Path,
    part: FilePart,
    encoding: str | TextEncoding,
    advance: Advance,
) -> int:
    """Stage a CSV file; returns the number of data rows read (every record is a row)."""
    text_encoding = (
        encoding if isinstance(encoding, TextEncoding) else TextEncoding(encoding, label=encoding)
    )
    records = read_records(path, text_encoding, advance)
    header_record = next(records, None)
    if header_record is None:
        raise InputError(f"cannot read {str(path)!r}: the file is empty (no header)")
    if header_record.fields is None or not header_record.fields:
        why = header_record.problem[1] if header_record.problem else "empty header line"
        separator = _other_separator(header_record.raw)
        if separator is not None:
            why += f" (its names are separated by {separator}; CSV files must use commas)"
        raise InputError(f"cannot read the header of {str(path)!r}: {why}")
    header = [header_name(h) for h in header_record.fields]
    columns_map = _HeaderMap.of(table, header_record.fields)
    file_problem: tuple[Reason, str | None, str] | None = _column_set_problem(table, header)
    if text_encoding.refusal is not None:
        file_problem = (Reason.UNKNOWN_ENCODING, None, text_encoding.refusal)
    names = [f"c{i}" for i in columns_map.first]
    values: list[tuple[str, exp.Expr]] = [
        (h, exp.func("nullif", col(f"c{i}"), text("")))
        for h, i in zip(columns_map.names, columns_map.first, strict=True)
    ]
    list_columns = {c.name for c in table.columns if c.type is ColumnType.TEXT_LIST}
    values = [(h, _csv_list(v) if h in list_columns else v) for h, v in values]
    nothing: list[str | None] = [None] * len(names)
    picks = columns_map.first
    careful = bool(columns_map.extras or columns_map.repeats)

    ids: list[int] = []
    rows: list[int] = []
    raws: list[str] = []
    problems: list[str | None] = []
    columns: list[str | None] = []
    details: list[str | None] = []
    cells: list[Sequence[str | None]] = []
    count = 0

    def flush() -> None:
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
        transposed = list(zip(*cells, strict=True)) if names else []
        for name, column_cells in zip(names, transposed, strict=True):
            data[name] = pa.array(column_cells, pa.string())
        _insert_batch(con, stage, pa.table(data), part.file_no, values)
        for buf in (ids, rows, raws, problems, columns, details, cells):
            buf.clear()

    for record in records:
        count += 1
        problem: tuple[Reason, str | None, str] | None = None
        if text_encoding.refusal is not None:
            problem = file_problem
        elif record.problem is not None:
            problem = (record.problem[0], None, record.problem[1])
        elif file_problem is not None:
            problem = file_problem
        elif careful and record.fields is not None:
            problem = columns_map.row_problem(record.fields)
        ids.append(part.first_id + count)
        rows.append(count)
        raws.append(record.raw)
        if problem is None and record.fields is not None:
            problems.append(None)
            columns.append(None)
            details.append(None)
            fields = record.fields
            cells.append([fields[i] for i in picks])
        else:
            assert problem is not None
            problems.append(problem[0].value)
            columns.append(problem[1])
            details.append(problem[2])
            cells.append(nothing)
        if len(ids) >= BATCH_ROWS:
            flush()
    flush()
    return count


def _csv_list(value: exp.Expr) -> exp.Expr:
    """A CSV list (``a|b``) staged as a JSON array of text, like JSONL and Parquet lists."""
    return exp.cast(
        exp.func("to_json", exp.func("string_split", value, text(LIST_SEPARATOR))), "VARCHAR"
    )


_STRUCTURED = ("STRUCT", "MAP", "UNION")


def _is_structured(duck_type: str) -> bool:
    return duck_type.startswith(_STRUCTURED) or duck_type.endswith("[]") or duck_type.endswith("]")


def _first_line(err: Exception) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


@dataclass(frozen=True, slots=True)
class _RowProblem:
    """A per-row problem of a Parquet file: when ``when`` holds, the row is quarantined."""

    when: exp.Expr
    reason: Reason
    column: str | None
    detail: exp.Expr


def _parquet_text(name: str, duck_type: str, ref: exp.Expr) -> tuple[exp.Expr, list[_RowProblem]]:
    """A Parquet value as staged text, and the problems that make a row unusable."""
    present = exp.Not(this=exp.Is(this=ref.copy(), expression=exp.null()))
    detail: exp.Expr
    if duck_type == "BLOB":
        # Strings written without the UTF-8 annotation arrive as raw bytes: decode them.
        decoded = exp.Anonymous(
            this="try", expressions=[exp.Anonymous(this="decode", expressions=[ref.copy()])]
        )
        broken = exp.and_(present, exp.Is(this=decoded.copy(), expression=exp.null()))
        detail = text(f"{name}: bytes not valid utf-8")
        return decoded, [_RowProblem(broken, Reason.BROKEN_ENCODING, name, detail)]
    if duck_type == "TIMESTAMP_NS":
        return exp.cast(exp.cast(ref.copy(), "TIMESTAMP"), "VARCHAR"), []
    if duck_type.startswith("TIMESTAMP WITH TIME ZONE"):
        local = exp.func("timezone", text(LOCAL_ZONE), ref.copy())
        return exp.cast(local, "VARCHAR"), []
    if _is_structured(duck_type):
        detail = concat(
            f"{name} holds a Parquet {duck_type.split('(')[0]} value ",
            exp.func(
                "left",
                exp.cast(exp.func("to_json", ref.copy()), "VARCHAR"),
                exp.Literal.number(80),
            ),
            " where the column holds a single value",
        )
        return exp.null(), [_RowProblem(present, Reason.STRUCTURED_VALUE, name, detail)]
    return exp.cast(ref.copy(), "VARCHAR"), []


def _parquet_list(name: str, duck_type: str, ref: exp.Expr) -> tuple[exp.Expr, list[_RowProblem]]:
    """A Parquet value for a list column, staged as a JSON array (checked as a list of text)."""
    if duck_type.endswith("[]"):
        return exp.cast(exp.func("to_json", ref.copy()), "VARCHAR"), []
    if duck_type.startswith(_STRUCTURED):
        return _parquet_text(name, duck_type, ref)
    as_text, problems = _parquet_text(name, duck_type, ref)
    return _csv_list(exp.func("nullif", as_text, text(""))), problems


LOCAL_ZONE = "Asia/Shanghai"
"""Platform local time: zoned Parquet timestamps are converted to it."""


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
        described = con.execute(
            to_sql(exp.Describe(this=exp.select("*").from_(source))), [str(path)]
        )
        schema = {str(r[0]): str(r[1]) for r in described.fetchall()}
    except duckdb.Error as err:
        raise InputError(f"cannot read Parquet file {str(path)!r}: {_first_line(err)}") from err
    names = [c for c in schema if c != "file_row_number"]
    header = [header_name(c) for c in names]
    file_problem = _column_set_problem(table, header)
    problems: list[_RowProblem] = []
    values: dict[str, exp.Expr] = {}
    texts: dict[str, list[exp.Expr]] = {}
    for raw_name, name in zip(names, header, strict=True):
        ref = col(raw_name)
        if name not in table.column_names:
            present = exp.Not(this=exp.Is(this=ref.copy(), expression=exp.null()))
            detail = text(f"value in column {raw_name!r}, which the table does not declare")
            problems.append(_RowProblem(present, Reason.UNKNOWN_COLUMN, raw_name, detail))
            continue
        kind = table.column(name).type
        convert = _parquet_list if kind is ColumnType.TEXT_LIST else _parquet_text
        value, found = convert(name, schema[raw_name], ref)
        problems += found
        texts.setdefault(name, []).append(exp.func("nullif", value, text("")))
    for name, candidates in texts.items():
        values[name] = candidates[0]
        for other in candidates[1:]:
            differ = exp.NullSafeNEQ(this=candidates[0].copy(), expression=other.copy())
            detail = text(f"column {name} appears more than once with different values")
            problems.append(_RowProblem(differ, Reason.REPEATED_COLUMN, name, detail))
    if file_problem is not None:
        always = exp.true()
        problems = [_RowProblem(always, file_problem[0], file_problem[1], text(file_problem[2]))]
    number = col("file_row_number")
    select = exp.select(
        exp.Add(this=exp.Literal.number(part.first_id + 1), expression=number).as_("_id"),
        exp.Literal.number(part.file_no).as_("_file"),
        exp.Add(this=number, expression=exp.Literal.number(1)).as_("_row"),
        exp.null().as_("_raw"),
        *_problem_columns(problems),
        *(v.as_(n, quoted=True) for n, v in values.items() if file_problem is None),
    ).from_(source)
    insert = exp.Insert(this=exp.to_table(stage), expression=select, by_name=True)
    try:
        con.execute(to_sql(insert), [str(path)])
    except duckdb.Error as err:
        raise InputError(f"cannot read Parquet file {str(path)!r}: {_first_line(err)}") from err
    mine = exp.EQ(this=col("_file"), expression=exp.Literal.number(part.file_no))
    counted = con.execute(to_sql(exp.select("count(*)").from_(stage).where(mine))).fetchall()
    return int(counted[0][0])


def _problem_columns(problems: Sequence[_RowProblem]) -> list[exp.Expr]:
    """``_problem``, ``_column``, ``_detail`` of the first problem that holds for a row."""
    if not problems:
        return [exp.null().as_(n) for n in ("_problem", "_column", "_detail")]

    def first(pick: Callable[[_RowProblem], exp.Expr]) -> exp.Expr:
        return exp.Case(ifs=[exp.If(this=p.when.copy(), true=pick(p)) for p in problems])

    return [
        first(lambda p: text(p.reason.value)).as_("_problem"),
        first(lambda p: text(p.column) if p.column else exp.null()).as_("_column"),
        first(lambda p: p.detail.copy()).as_("_detail"),
    ]


_JSON_OBJECT = """
SELECT
  _id, _row, _raw,
  CASE
    WHEN _problem IS NOT NULL THEN _problem
    WHEN json_type(_j) IS DISTINCT FROM 'OBJECT' THEN 'bad_json'
    WHEN NOT list_has_all(p_declared, json_keys(_j)) THEN 'unknown_column'
    WHEN len(json_keys(_j)) <> len(list_distinct(json_keys(_j))) THEN 'repeated_column'
    WHEN p_structured IS NOT NULL THEN 'structured_value'
  END AS _problem,
  CASE
    WHEN _problem IS NOT NULL OR json_type(_j) IS DISTINCT FROM 'OBJECT' THEN NULL
    WHEN NOT list_has_all(p_declared, json_keys(_j))
      THEN list_filter(json_keys(_j), k -> NOT list_contains(p_declared, k))[1]
    WHEN len(json_keys(_j)) <> len(list_distinct(json_keys(_j)))
      THEN list_filter(json_keys(_j), (k, i) -> list_position(json_keys(_j), k) <> i)[1]
    ELSE p_structured
  END AS _column,
  CASE
    WHEN _problem IS NOT NULL THEN _detail
    WHEN _j IS NULL THEN 'not valid JSON'
    WHEN json_type(_j) <> 'OBJECT' THEN 'JSON line is not an object'
    WHEN NOT list_has_all(p_declared, json_keys(_j)) THEN concat('undeclared key ',
      array_to_string(list_filter(json_keys(_j), k -> NOT list_contains(p_declared, k)), ', '))
    WHEN len(json_keys(_j)) <> len(list_distinct(json_keys(_j))) THEN concat('key ',
      list_filter(json_keys(_j), (k, i) -> list_position(json_keys(_j), k) <> i)[1],
      ' is written more than once in the object (which value is meant cannot be told)')
    WHEN p_structured IS NOT NULL THEN concat(p_structured,
      ' holds a JSON object or array where the column holds a single value')
  END AS _detail,
  CASE WHEN json_type(_j) = 'OBJECT' THEN _j END AS _j
FROM (SELECT *, CASE WHEN _problem IS NULL AND json_valid(_raw) THEN _raw END AS _j
      FROM _ingest_batch)
"""


def _json_structured(table: Table) -> exp.Expr:
    """The first non-list column whose JSON value is an object or array (else NULL)."""
    ifs = []
    for c in table.columns:
        if c.type is ColumnType.TEXT_LIST:
            continue
        kind = exp.func("json_type", col("_j"), text("$." + c.name))
        nested = exp.In(this=kind, expressions=[text("OBJECT"), text("ARRAY")])
        ifs.append(exp.If(this=nested, true=text(c.name)))
    return exp.Case(ifs=ifs) if ifs else exp.null()


def _json_value(table: Table, name: str) -> exp.Expr:
    """Text of key ``name`` of the object ``_j``; for a list column, a JSON array.

    An array is kept as JSON text (its elements are checked as text later); a
    string for a list column is split on ``|`` as in CSV.
    """
    path = text("$." + name)
    scalar = exp.func("json_extract_string", col("_j"), path)
    if table.column(name).type is not ColumnType.TEXT_LIST:
        return exp.func("nullif", scalar, text(""))
    kind = exp.func("json_type", col("_j"), path)
    as_json = exp.cast(
        exp.Anonymous(this="json_extract", expressions=[col("_j"), path.copy()]), "VARCHAR"
    )
    is_text = exp.EQ(this=kind.copy(), expression=text("VARCHAR"))
    is_null = exp.Or(
        this=exp.Is(this=kind.copy(), expression=exp.null()),
        expression=exp.EQ(this=kind, expression=text("NULL")),
    )
    return exp.Case(
        ifs=[
            exp.If(this=is_null, true=exp.null()),
            exp.If(this=is_text, true=_csv_list(exp.func("nullif", scalar, text("")))),
        ],
        default=as_json,
    )


def stage_jsonl(
    con: duckdb.DuckDBPyConnection,
    stage: str,
    table: Table,
    path: Path,
    part: FilePart,
    advance: Advance,
) -> int:
    """Stage a JSONL file: lines are read in Python (row numbers, encoding), parsed in SQL."""
    objects = fill(
        _JSON_OBJECT,
        {"p_declared": text_list(table.column_names), "p_structured": _json_structured(table)},
    )
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
    insert = to_sql(exp.Insert(this=exp.to_table(stage), expression=select, by_name=True))
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
    with guarded(path), open_bytes(path) as fh:
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
