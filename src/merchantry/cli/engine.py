"""The options that choose where a stage runs: the warehouse (DuckDB) or Spark.

``--engine duckdb`` (the default) runs the stage in the warehouse; ``--engine spark``
runs the same compiled SQL on a local Spark (``local[2]``); any other value is a Spark
master URL (``local[4]``, ``spark://host:7077``, ``yarn``, ``k8s://…``). See
``docs/scale.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="duckdb|spark|MASTER-URL",
        help="Where the stage runs: duckdb (the warehouse), spark (local[2]) or a Spark "
        "master URL; the results land in the warehouse either way.",
    ),
]
SparkTablesOption = Annotated[
    Path | None,
    typer.Option(
        "--spark-tables",
        metavar="DIR",
        help="With a Spark engine: read the input tables as Parquet from DIR/<table> "
        "instead of exporting them from the warehouse.",
    ),
]
SparkOutOption = Annotated[
    Path | None,
    typer.Option(
        "--spark-out",
        metavar="DIR",
        help="With a Spark engine: keep the result tables as Parquet under DIR/<table>.",
    ),
]
