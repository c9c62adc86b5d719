"""Generated marketplaces shared by the synthetic-data tests.

Generation is deterministic, so one small market per session serves every
read-only test; tests that write (determinism, formats) make their own.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from merchantry.synth import GenerateSummary, generate
from tests.synth.market import open_market

SMALL = {"shops": 50, "days": 5, "seed": 11}
"""Fast enough for every test: about 4,000 orders."""
REALISTIC = {"shops": 240, "days": 14, "seed": 5}
"""Large enough for stable shares (about 56,000 orders), still about a second."""


@pytest.fixture(scope="session")
def small_market(tmp_path_factory: pytest.TempPathFactory) -> GenerateSummary:
    out = tmp_path_factory.mktemp("small-market")
    return generate(out, progress=False, **SMALL)


@pytest.fixture(scope="session")
def realistic_market(tmp_path_factory: pytest.TempPathFactory) -> GenerateSummary:
    out = tmp_path_factory.mktemp("realistic-market")
    return generate(out, progress=False, **REALISTIC)


@pytest.fixture(scope="session")
def small(small_market: GenerateSummary) -> Iterator[duckdb.DuckDBPyConnection]:
    """The small market's tables as DuckDB views (one connection; tests only read)."""
    con = open_market(small_market.out)
    yield con
    con.close()


@pytest.fixture(scope="session")
def market(realistic_market: GenerateSummary) -> Iterator[duckdb.DuckDBPyConnection]:
    """The realistic market's tables (and truth, as ``truth_<name>``) as DuckDB views, one
    connection for the session (opening the views cost each test 0.3 s); tests only read."""
    con = open_market(realistic_market.out)
    yield con
    con.close()
