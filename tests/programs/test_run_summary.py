"""A programme run's one line, as `merchantry run` and `programs run` print it."""

from __future__ import annotations

from datetime import date

from merchantry.programs.engine import ProgrammeRun


def test_a_programme_of_one_shop_says_so_in_the_singular() -> None:
    summary = ProgrammeRun(
        program="treasure-shops",
        as_of=date(2026, 10, 20),
        eligible_shops=1,
        tasks_completed=1,
        rewards=1,
        granted_fen=30000,
        held_fen=0,
        subsidised_orders=1,
        subsidy_fen=500,
    ).summary
    assert "1 eligible shop, 1 task completed, 1 reward (30,000 fen" in summary
    assert "1 order subsidised (500 fen)" in summary
