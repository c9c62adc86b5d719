"""Runs are keyed by (baseline, candidate, period): re-running replaces, never duplicates."""

from __future__ import annotations

from datetime import date

import pytest

from merchantry.kit.errors import InputError, NotFound
from merchantry.simulate import derive_run_id, simulate
from merchantry.simulate.params import Period
from merchantry.simulate.tables import SIM_TABLES
from tests.simulate.factories import Market

JAN = (date(2026, 1, 1), date(2026, 1, 31))


def two_shops(m: Market) -> None:
    m.shop("S1")
    m.shop("S2")
    m.order("O1", "S1")
    m.order("O2", "S2")
    for order in ("O1", "O2"):
        m.line("old", order, "technical_service_fee", 500)
        m.line("new", order, "technical_service_fee", 60, waiver="w")


def row_counts(m: Market) -> dict[str, int]:
    counts = {}
    for table in SIM_TABLES:
        row = m.con.execute(f"SELECT count(*) FROM {table.name}").fetchone()
        counts[table.name] = row[0] if row else 0
    return counts


def test_rerunning_replaces_the_runs_rows(market: Market) -> None:
    two_shops(market)
    first = simulate(market.con, "old", "new", *JAN)
    counts = row_counts(market)
    again = simulate(market.con, "old", "new", *JAN)
    assert again.run_id == first.run_id
    assert row_counts(market) == counts
    assert counts["sim_runs"] == 1
    assert counts["sim_shop_savings"] == 2


def test_a_rerun_reflects_changed_fee_lines(market: Market) -> None:
    two_shops(market)
    simulate(market.con, "old", "new", *JAN)
    market.con.execute("DELETE FROM fee_lines WHERE rulebook = 'new' AND order_id = 'O2'")
    market.line("new", "O2", "technical_service_fee", 500)
    result = simulate(market.con, "old", "new", *JAN)
    assert result.summary.saving_fen == 440
    assert [shop.shop_id for shop in result.gainers] == ["S1"]
    assert row_counts(market)["sim_shop_savings"] == 2


def test_another_period_is_another_run(market: Market) -> None:
    two_shops(market)
    a = simulate(market.con, "old", "new", *JAN)
    b = simulate(market.con, "old", "new", date(2026, 1, 10), date(2026, 1, 20))
    assert a.run_id != b.run_id
    assert row_counts(market)["sim_runs"] == 2
    assert derive_run_id("old", "new", Period(*JAN)) == a.run_id


def test_the_simulator_pairs_stored_fee_lines_and_leaves_them_alone(market: Market) -> None:
    two_shops(market)
    lines = "SELECT rulebook, count(*), sum(amount_fen) FROM fee_lines GROUP BY 1 ORDER BY 1"
    before = market.con.execute(lines).fetchall()
    simulate(market.con, "old", "new", *JAN)
    assert market.con.execute(lines).fetchall() == before


def test_a_rulebook_without_fee_lines_is_named(market: Market) -> None:
    two_shops(market)
    with pytest.raises(NotFound, match="'other'"):
        simulate(market.con, "old", "other", *JAN)


def test_a_period_without_orders_is_refused(market: Market) -> None:
    two_shops(market)
    with pytest.raises(InputError, match="no orders paid between 2025-01-01"):
        simulate(market.con, "old", "new", date(2025, 1, 1), date(2025, 1, 2))


def test_an_empty_warehouse_has_no_default_period(market: Market) -> None:
    with pytest.raises(NotFound, match="no orders"):
        simulate(market.con, "old", "new")
