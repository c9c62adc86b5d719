"""Simulation as a use case: the fee stage for both rulebooks through the runner, then pairing.

The four March 2026 orders of ``tests/simulate/test_end_to_end.py`` under douyin-2025
and douyin-2026.
"""

from __future__ import annotations

import duckdb
import pytest

from merchantry.kit.errors import InputError, NotFound
from merchantry.service.simulation import run_simulation, simulation_result
from tests.simulate.factories import Market
from tests.simulate.test_end_to_end import END, START, build


@pytest.fixture
def market(warehouse: duckdb.DuckDBPyConnection) -> Market:
    m = Market(warehouse)
    build(m)
    return m


def fee_runs(market: Market) -> list[tuple[str, object, object]]:
    rows = market.con.execute(
        "SELECT stage, period_start, period_end FROM stage_runs ORDER BY started_at, stage"
    ).fetchall()
    return [(str(s), a, b) for s, a, b in rows]


def test_both_rulebooks_are_priced_once_and_the_result_can_be_fetched(market: Market) -> None:
    first = run_simulation(market.con, "douyin-2025", "douyin-2026", START, END)
    assert fee_runs(market) == [
        ("fees:douyin-2025", START, END),
        ("fees:douyin-2026", START, END),
    ]
    lines = market.con.execute("SELECT count(DISTINCT rulebook) FROM fee_lines").fetchone()
    assert lines == (2,)

    again = run_simulation(market.con, "douyin-2025", "douyin-2026", START, END)

    assert len(fee_runs(market)) == 2  # both fresh: nothing priced again
    assert again.summary == first.summary
    fetched = simulation_result(market.con, first.run_id)
    assert fetched.summary == first.summary
    assert fetched.summary.saving_fen == first.summary.saving_fen != 0


def test_a_new_order_prices_both_rulebooks_again(market: Market) -> None:
    first = run_simulation(market.con, "douyin-2025", "douyin-2026", START, END)
    market.con.execute(
        "INSERT INTO orders SELECT * REPLACE ('E9' AS order_id) FROM orders WHERE order_id = 'E1'"
    )
    again = run_simulation(market.con, "douyin-2025", "douyin-2026", START, END)
    assert len(fee_runs(market)) == 4
    assert again.summary.saving_fen == first.summary.saving_fen + 50  # E1's ¥0.50 once more


def test_refusals_come_before_any_pricing(market: Market) -> None:
    with pytest.raises(InputError, match="same rulebook"):
        run_simulation(market.con, "douyin-2026", "douyin-2026", START, END)
    with pytest.raises(NotFound):
        run_simulation(market.con, "douyin-2025", "no-such-rulebook", START, END)
    with pytest.raises(NotFound, match="no simulation run 'nope'"):
        simulation_result(market.con, "nope")
    assert fee_runs(market) == []
