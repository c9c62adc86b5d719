"""A Spark session for a master URL, with the settings the parity depends on.

``local[2]`` runs Spark inside this machine's JVM (two worker threads); a cluster's
URL (``spark://host:7077``, ``yarn``, ``k8s://…``) runs the same SQL there. Settings
that change results are fixed here rather than left to a cluster's defaults:

* ``spark.sql.session.timeZone=UTC``: the warehouse's timestamps carry no zone; a
  session in another zone would shift every ``CAST(ts AS DATE)``;
* ``spark.sql.ansi.enabled=true``: an overflow or a division by zero raises, as on
  DuckDB, instead of a silent NULL or a wrapped number;
* ``spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS``: written timestamps
  load back into DuckDB without a lossy conversion.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from merchantry.kit.errors import MerchantryError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER: Final = "local[2]"
APP_NAME: Final = "merchantry"
LOCAL_SHUFFLE_PARTITIONS: Final = "2"
"""Shuffle partitions on a local master: one per core of a small machine (Spark's 200
would spend most of a small stage scheduling empty tasks)."""

SETTINGS: Final = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
    "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
}
"""Every session's settings (a cluster's own configuration may add, never override)."""


class SparkUnavailable(MerchantryError):
    """Spark cannot start here: PySpark or Java is missing, or the master is unreachable."""


def java_missing() -> str | None:
    """Why Java cannot be found, or None when it can."""
    home = os.environ.get("JAVA_HOME")
    if home and os.path.exists(os.path.join(home, "bin", "java")):
        return None
    if shutil.which("java"):
        return None
    return (
        "Java (17 or later) is not installed: run scripts/ensure-system-packages.sh "
        "or set JAVA_HOME"
    )


def first_reason(err: BaseException) -> str:
    """The line of a Py4J or Spark error that says what went wrong (its first line names
    the Java call; the reason is the exception line), without the Java stack."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    reason = next((line for line in lines if "Exception:" in line or "Error:" in line), None)
    return (reason or (lines[0] if lines else type(err).__name__)).lstrip(": ")


CONNECT_SECONDS: Final = 5.0
"""How long to wait for a standalone master's port before calling it unreachable."""


def unreachable(master: str, seconds: float = CONNECT_SECONDS) -> str | None:
    """Why no master of a standalone ``spark://host:port[,host:port…]`` URL accepts a
    connection, or None when one does (or the URL is not a standalone master's). Spark
    itself retries an unreachable master for a minute, printing Java stack traces."""
    if not master.startswith("spark://"):
        return None
    failed = []
    for address in master.removeprefix("spark://").split(","):
        host, _, port = address.rpartition(":")
        try:
            socket.create_connection((host, int(port)), timeout=seconds).close()
            return None
        except (OSError, ValueError) as err:
            failed.append(f"{address} ({getattr(err, 'strerror', None) or err})")
    return (
        f"cannot reach the Spark master {master}: {', '.join(failed)}; check the URL and "
        "that the master is running, or give --engine spark for a Spark on this machine"
    )


def active_session() -> SparkSession | None:
    """The session already running in this process, if any (None without PySpark)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - pyspark is a dependency
        return None
    return SparkSession.getActiveSession()


def start(master: str = DEFAULT_MASTER) -> SparkSession:
    """A session on ``master`` (``local[2]`` by default), with :data:`SETTINGS`."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as err:  # pragma: no cover - pyspark is a dependency
        raise SparkUnavailable(f"PySpark is not installed ({err})") from None
    missing = unreachable(master) or java_missing()  # the probe needs no Java
    if missing:
        raise SparkUnavailable(missing)
    builder = SparkSession.builder.master(master).appName(APP_NAME)
    for key, value in SETTINGS.items():
        builder = builder.config(key, value)
    if master.startswith("local"):  # a cluster keeps its own shuffle width
        builder = builder.config("spark.sql.shuffle.partitions", LOCAL_SHUFFLE_PARTITIONS)
    try:
        return builder.getOrCreate()
    except Exception as err:  # Py4J and JVM start-up errors have no common base
        raise SparkUnavailable(
            f"Spark did not start on master {master!r}: {first_reason(err)}"
        ) from None


@contextmanager
def session(master: str = DEFAULT_MASTER) -> Iterator[SparkSession]:
    """A session for one command, stopped at the end."""
    spark = start(master)
    try:
        yield spark
    finally:
        spark.stop()
