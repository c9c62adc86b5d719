"""Fixtures for the scoring tests."""

from __future__ import annotations

import duckdb
import pytest

from .market import Market


@pytest.fixture
def market(warehouse: duckdb.DuckDBPyConnection) -> Market:
    """A Market over the fresh warehouse of this test."""
    return Market(warehouse)
