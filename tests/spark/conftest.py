"""One local Spark session for the whole test session (starting one costs ~10 s).

Skips when Java or PySpark is missing, except under CI, where `make test` installs
both (scripts/ensure-system-packages.sh) and their absence is a failure.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from merchantry.spark.session import java_missing, start

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def _unavailable() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed"
    return java_missing()


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A ``local[2]`` session with the engine's settings, stopped at the end."""
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason + "; `make test` should have installed it")
        pytest.skip(reason)
    session = start("local[2]")
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
