"""Where Spark reads its tables and how its results come back.

Spark reads Parquet: one directory (or file) per table, ``<root>/<table>``. The
tables come either from the warehouse (:func:`export`, DuckDB's ``COPY … TO``) or
from a directory a cluster already holds (object storage, HDFS: any path Spark can
read). A stage's result is written by Spark as Parquet under ``<out>/<table>`` and
loaded back into the warehouse with DuckDB's ``read_parquet`` (:func:`load`), or
left there for a cluster's own consumers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.model.schema import Table
from merchantry.store.sql import col, to_sql
from merchantry.store.warehouse import DECLARED_TABLES, DERIVED

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def _is_remote(root: str) -> bool:
    return "://" in root


def table_path(root: str | Path, table: str) -> str:
    """``<root>/<table>``: a directory of Parquet parts, or a ``.parquet`` file."""
    text = str(root)
    if _is_remote(text):
        return f"{text.rstrip('/')}/{table}"
    base = Path(text) / table
    single = base.with_suffix(".parquet")
    return str(single if single.exists() and not base.exists() else base)


def export(con: duckdb.DuckDBPyConnection, tables: Iterable[str], root: Path) -> None:
    """Write each warehouse table to ``root/<table>.parquet`` (replacing it)."""
    root.mkdir(parents=True, exist_ok=True)
    for table in tables:
        export_as(con, table, root / f"{table}.parquet")


def export_as(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> None:
    """Write one table (a temp table too) to the Parquet file ``target`` (replacing it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    copy = exp.Copy(
        this=exp.select(exp.Star()).from_(exp.to_table(table)).subquery(),
        kind=False,
        files=[exp.Literal.string(str(target))],
        params=[exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("parquet"))],
    )
    con.execute(to_sql(copy))


DECLARED: Final[Mapping[str, Table]] = {t.name: t for t in DECLARED_TABLES}


def register(spark: SparkSession, root: str | Path, tables: Sequence[str]) -> None:
    """Make each table of ``root`` a temporary view of the session, named as in the
    warehouse; a table missing from ``root`` is an error naming it and the path.

    Parquet written before a column was declared (an export kept from an older
    warehouse): a missing nullable column is read as NULLs, which is what the warehouse
    itself holds where it does not know the value (``journal_entries.order_paid_on``); a
    missing required column is an error naming the table, the path and the columns, and
    saying how to write the table again."""
    for table in tables:
        path = table_path(root, table)
        if not _is_remote(path) and not Path(path).exists():
            raise InputError(
                f"table {table} has no Parquet at {path} (expected under {root})" + _later(table)
            )
        frame = spark.read.parquet(path)
        declared = DECLARED.get(table.lower())
        if declared is not None:
            frame = _with_declared_columns(frame, declared, path)
        frame.createOrReplaceTempView(table)


def _later(table: str) -> str:
    """What to say of a table merchantry derives from another (``store.warehouse.DERIVED``)
    when an export lacks it: the export is older than the table, and exporting again fixes
    it, since opening the warehouse derives the table first."""
    source = DERIVED.get(table.lower())
    if source is None:
        return ""
    return (
        f": {table} is derived from {source[0]} and was added after this export was made; "
        "export the tables again from the warehouse (merchantry derives it when it opens an "
        "older warehouse) or run without --spark-tables"
    )


def _with_declared_columns(frame: DataFrame, table: Table, path: str) -> DataFrame:
    present = {c.lower() for c in frame.columns}
    missing = [c for c in table.columns if c.name.lower() not in present]
    required = [c.name for c in missing if not c.nullable]
    if required:
        raise InputError(
            f"table {table.name} at {path} has no column {', '.join(required)}, which the "
            f"warehouse's {table.name} has (Parquet written before the column existed, or "
            "not exported from a merchantry warehouse): export the table again from the "
            "warehouse (an older one gains the column when merchantry opens it) or run "
            "without --spark-tables"
        )
    if not missing:
        return frame
    from pyspark.sql import functions as F

    for column in missing:
        spark_type = exp.DataType.build(column.sql_type, dialect="duckdb").sql(dialect="spark")
        frame = frame.withColumn(column.name, F.lit(None).cast(spark_type))
    return frame


def write(frame: DataFrame, out: str | Path, table: str) -> str:
    """Write a result as Parquet under ``out/<table>`` (replacing it); returns the path."""
    path = f"{str(out).rstrip('/')}/{table}"
    frame.write.mode("overwrite").parquet(path)
    return path


def parquet_source(path: str) -> exp.Expr:
    """``read_parquet('<path>/*.parquet')``: the parts Spark wrote, as a DuckDB relation."""
    pattern = path if path.endswith(".parquet") else f"{path.rstrip('/')}/*.parquet"
    return exp.func("read_parquet", exp.Literal.string(pattern))


def load(con: duckdb.DuckDBPyConnection, path: str, table: str, columns: Sequence[str]) -> None:
    """``INSERT INTO table (columns) SELECT columns FROM <the Parquet at path>``
    (inside the caller's transaction)."""
    select = exp.select(*[col(c) for c in columns]).from_(parquet_source(path))
    insert = exp.insert(
        select,
        exp.to_table(table),
        columns=[exp.to_identifier(c, quoted=True) for c in columns],
    )
    con.execute(to_sql(insert))
