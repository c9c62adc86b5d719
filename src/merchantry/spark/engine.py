"""Which Spark to use and where its tables live: one value a command builds from its options.

``--engine spark`` (or ``--engine spark://host:7077`` …) selects Spark; ``duckdb`` (the
default) keeps the stage in the warehouse. ``--spark-tables DIR`` reads the input tables
from Parquet already there instead of exporting them from the warehouse;
``--spark-out DIR`` keeps the Parquet results (by default a scratch directory, removed
once they are loaded into the warehouse).
"""

from __future__ import annotations

import difflib
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from merchantry.kit.errors import InputError, MerchantryError
from merchantry.spark.portable import SparkStep
from merchantry.spark.session import DEFAULT_MASTER, active_session, first_reason, start

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DUCKDB: Final = "duckdb"
SPARK: Final = "spark"

_MASTER: Final = re.compile(
    r"local(\[(\*|[1-9]\d*)(,[1-9]\d*)?\])?"  # local, local[4], local[*], local[4,2]
    r"|local-cluster\[[1-9]\d*,[1-9]\d*,[1-9]\d*\]"  # local-cluster[workers,cores,MiB]
    r"|spark://[^\s/:,]+:\d+(,[^\s/:,]+:\d+)*"  # a standalone master (or several, for HA)
    r"|yarn"
    r"|k8s://\S+"
)
"""The master URLs Spark accepts (its ``SparkSubmit`` refuses any other form, with a
Java stack trace, only after a JVM has started)."""


@dataclass(frozen=True)
class SparkEngine:
    """A Spark master (or an open session) and the input and output locations."""

    master: str = DEFAULT_MASTER
    tables: str | None = None
    """Parquet tables to read (``<tables>/<name>``); None: export them from the warehouse."""
    out: str | None = None
    """Where results are written (``<out>/<table>``); None: a scratch directory."""
    spark: SparkSession | None = None
    """An open session to reuse (tests, a long-lived service); not stopped here."""

    @contextmanager
    def session(self) -> Iterator[SparkSession]:
        """The given session, else the process's active one, else a new one on
        ``master``; only a session started here is stopped here."""
        running = self.spark if self.spark is not None else active_session()
        if running is not None:
            yield running
            return
        spark = start(self.master)
        try:
            yield spark
        finally:
            spark.stop()

    @contextmanager
    def workspace(self) -> Iterator[tuple[Path, str]]:
        """(scratch directory, output root) for one run."""
        with tempfile.TemporaryDirectory(prefix="merchantry-spark-") as scratch:
            root = Path(scratch)
            yield root, self.out or str(root / "out")


def parse_engine(
    value: str, tables: Path | None = None, out: Path | None = None
) -> SparkEngine | None:
    """``duckdb`` → None; ``spark`` → local Spark; any other value is a Spark master URL
    (``local[4]``, ``spark://host:7077``, ``yarn``, ``k8s://…``)."""
    text = value.strip()
    if text.lower() == DUCKDB:
        if tables is not None or out is not None:
            raise InputError("--spark-tables and --spark-out need --engine spark (or a master URL)")
        return None
    if not text:
        raise InputError("--engine needs duckdb, spark or a Spark master URL")
    master = DEFAULT_MASTER if text.lower() == SPARK else text
    if not _MASTER.fullmatch(master):
        near = difflib.get_close_matches(text.lower(), [DUCKDB, SPARK, "local[2]", "yarn"], n=1)
        hint = f" (did you mean {near[0]}?)" if near else ""
        raise InputError(
            f"--engine {text!r} is neither duckdb, spark nor a Spark master URL{hint}: give "
            "duckdb, spark, local[N], spark://HOST:PORT, yarn or k8s://HOST:PORT"
        )
    return SparkEngine(
        master=master,
        tables=None if tables is None else str(tables),
        out=None if out is None else str(out),
    )


class SparkRunFailed(MerchantryError):
    """Spark refused or failed a statement (an overflow under ANSI mode, a missing column
    in the Parquet given); nothing was written to the warehouse."""


def spark_failure(where: str, err: Exception) -> SparkRunFailed:
    """The error to show for a Spark exception: what ran, and Spark's first line."""
    return SparkRunFailed(f"Spark failed running {where}: {first_reason(err)}")


def run_steps(spark: SparkSession, steps: list[SparkStep], where: str) -> DataFrame:
    """Run a query's steps: each named one computed once (checkpointed) as a view,
    the last returned as a DataFrame (lazy: its errors surface where it is written)."""
    final: DataFrame | None = None
    for step in steps:
        try:
            frame = spark.sql(step.sql)
            if step.name is None:
                final = frame
            else:
                frame.localCheckpoint(eager=True).createOrReplaceTempView(step.name)
        except Exception as err:  # Py4J/PySpark errors share no base worth naming here
            raise spark_failure(where, err) from None
    if final is None:
        raise ValueError("a query's Spark steps end with the query itself")
    return final
