"""Where Spark reads its tables and how its results come back.

Spark reads Parquet: one directory (or file) per table, ``<root>/<table>``. The
tables come either from the warehouse (:func:`export`, DuckDB's ``COPY … TO``) or
from a directory a cluster already holds (object storage, HDFS: any path Spark can
read). A stage's result is written by Spark as Parquet under ``<out>/<table>`` and
loaded back into the warehouse with DuckDB's ``read_parquet`` (:func:`load`), or
left there for a cluster's own consumers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.store.sql import col, to_sql

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


def register(spark: SparkSession, root: str | Path, tables: Sequence[str]) -> None:
    """Make each table of ``root`` a temporary view of the session, named as in the
    warehouse; a table missing from ``root`` is an error naming it and the path."""
    for table in tables:
        path = table_path(root, table)
        if not _is_remote(path) and not Path(path).exists():
            raise InputError(f"table {table} has no Parquet at {path} (expected under {root})")
        spark.read.parquet(path).createOrReplaceTempView(table)


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
