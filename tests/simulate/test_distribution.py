"""Percentiles (nearest rank, in integers) and the shops that gain and lose most."""

from __future__ import annotations

from datetime import date

import pytest

from merchantry.simulate import simulate
from merchantry.simulate.distribution import describe, nearest_rank
from merchantry.simulate.result import thin_by_rank
from tests.simulate.factories import Market


def test_nearest_rank_on_one_to_a_hundred() -> None:
    values = list(range(1, 101))
    assert [nearest_rank(values, p) for p in (10, 25, 50, 75, 90, 99, 100)] == [
        10,
        25,
        50,
        75,
        90,
        99,
        100,
    ]


def test_nearest_rank_picks_an_observed_value() -> None:
    assert nearest_rank([-7, 3, 40], 50) == 3  # rank ceil(1.5) = 2
    assert nearest_rank([-7, 3, 40], 10) == -7
    assert nearest_rank([5], 99) == 5


def test_nearest_rank_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="no values"):
        nearest_rank([], 50)
    with pytest.raises(ValueError, match="percent"):
        nearest_rank([1], 0)


def test_mean_rounds_half_away_from_zero() -> None:
    assert describe([1, 2]).mean == 2  # 1.5
    assert describe([-1, -2]).mean == -2
    assert describe([]).count == 0


def test_thinning_keeps_both_ends_and_the_size() -> None:
    values = list(range(10_000))
    thinned = thin_by_rank(values, 100)
    assert len(thinned) == 100
    assert (thinned[0], thinned[-1]) == (0, 9_999)


def test_gainers_and_losers_on_a_known_distribution(market: Market) -> None:
    """30 shops; shop i saves (i − 10) yuan: 10 lose, 1 is unchanged, 19 gain."""
    for i in range(30):
        shop = market.shop(f"S{i:02d}")
        market.order(f"O{i:02d}", shop, paid_fen=100_000)
        market.line("old", f"O{i:02d}", "technical_service_fee", 5_000)
        market.line("new", f"O{i:02d}", "technical_service_fee", 5_000 - (i - 10) * 100)
    result = simulate(market.con, "old", "new", date(2026, 1, 1), date(2026, 1, 31))
    assert [s.shop_id for s in result.gainers] == [f"S{i:02d}" for i in range(29, 10, -1)]
    assert result.gainers[0].saving_fen == 1_900
    assert [s.shop_id for s in result.losers] == [f"S{i:02d}" for i in range(10)]
    assert result.losers[0].saving_fen == -1_000
    s = result.summary
    assert (s.shops_gain, s.shops_lose, s.shops_unchanged) == (19, 10, 1)
    # savings sorted: -1000, -900, ..., 1900 (step 100); rank ceil(p × 30 / 100).
    expected = {10: -800, 25: -300, 50: 400, 75: 1_200, 90: 1_600, 99: 1_900}
    assert dict(result.saving_spread.percentiles) == expected
    assert result.saving_spread.mean == 450
    assert result.share_spread.value(50) == 40  # ¥4 of ¥1,000 = 0.4%


def test_only_twenty_gainers_are_listed(market: Market) -> None:
    for i in range(25):
        shop = market.shop(f"S{i:02d}")
        market.order(f"O{i:02d}", shop)
        market.line("old", f"O{i:02d}", "technical_service_fee", 1_000 + i)
        market.line("new", f"O{i:02d}", "technical_service_fee", 0)
    result = simulate(market.con, "old", "new", date(2026, 1, 1), date(2026, 1, 31))
    assert len(result.gainers) == 20
    assert result.gainers[0].shop_id == "S24"
    assert result.losers == ()
