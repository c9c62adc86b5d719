"""Fixtures: the API's generated, closed and scored marketplace (shared with tests/api)."""

from tests.api.conftest import api, market_db

__all__ = ["api", "market_db"]
