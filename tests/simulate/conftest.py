"""Fixtures for the simulator tests."""

from __future__ import annotations

import duckdb
import pytest

from tests.simulate.factories import Market


@pytest.fixture
def market(warehouse: duckdb.DuckDBPyConnection) -> Market:
    """A factory writing shops, orders and fee lines into the test's warehouse."""
    return Market(warehouse)
