"""Fixtures for the fee-stage tests."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from merchantry.fees import compute_fees

from .market import Market

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
PERIODS = {
    "douyin-2025": (date(2025, 3, 1), date(2025, 3, 31)),
    "douyin-2022-new-merchant": (date(2022, 3, 1), date(2022, 4, 30)),
    "douyin-2026": (date(2026, 3, 1), date(2026, 7, 31)),
}
"""Period each rulebook is run over in tests (inside its window); March 2026 otherwise.
douyin-2026 runs to July, past the fee table's 2026-07-15 revision (channel supplement)."""


@pytest.fixture
def market(warehouse: duckdb.DuckDBPyConnection) -> Market:
    """A Market over the fresh warehouse of this test."""
    return Market(warehouse)


class Lines:
    """Runs a rulebook over March 2026 and looks lines up by order and kind."""

    def __init__(self, con: duckdb.DuckDBPyConnection, rulebook: str) -> None:
        self.con, self.rulebook = con, rulebook
        self.summary = compute_fees(con, rulebook, *PERIODS.get(rulebook, MARCH))

    def get(self, order: str, kind: str = "technical_service_fee") -> dict[str, object] | None:
        cursor = self.con.execute(
            "SELECT * FROM fee_lines WHERE rulebook = ? AND order_id = ? AND fee_kind = ?",
            [self.rulebook, order, kind],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row, strict=True))

    def amount(self, order: str, kind: str = "technical_service_fee") -> int | None:
        line = self.get(order, kind)
        return None if line is None else int(str(line["amount_fen"]))


@pytest.fixture
def run(warehouse: duckdb.DuckDBPyConnection):  # type: ignore[no-untyped-def]
    """``run("douyin-2026")`` computes March 2026 fees and returns a :class:`Lines`."""
    return lambda rulebook: Lines(warehouse, rulebook)
