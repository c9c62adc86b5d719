"""Thompson sampling converges on planted rates and beats equal allocation."""

from __future__ import annotations

import numpy as np
import pytest

from merchantry.kit.errors import InputError
from merchantry.reco.bandit import ArmRates, ThompsonBandit, simulate

PLANTED = {
    "A": ArmRates(0.08, 0.15),  # 1.2% per impression
    "B": ArmRates(0.10, 0.15),  # 1.5%
    "C": ArmRates(0.10, 0.30),  # 3.0%: the best
}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_converges_on_the_best_variant(seed: int) -> None:
    result = simulate(PLANTED, 30_000, seed)
    assert result.last_tenth_best_share >= 0.8
    assert result.shares["C"] == max(result.shares.values())
    assert result.thompson_regret < result.equal_regret / 2
    assert result.thompson_conversions > result.equal_conversions
    assert result.uplift_pct > 0


def test_regret_of_equal_allocation_is_what_the_rates_say() -> None:
    result = simulate(PLANTED, 3_000, 0)
    # each variant a third of the time: (3.0-1.2 + 3.0-1.5 + 0) / 3 % per impression
    assert result.equal_regret == pytest.approx(3_000 * (0.018 + 0.015) / 3, abs=0.2)


def test_the_bandit_learns_from_recorded_outcomes() -> None:
    bandit = ThompsonBandit(["x", "y"], np.random.default_rng(0))
    for _ in range(200):
        bandit.record("x", clicked=True, converted=True)
        bandit.record("y", clicked=True, converted=False)
    picks = [bandit.choose() for _ in range(100)]
    assert picks.count("x") == 100
    assert bandit.stats["x"].conversions == 200
    assert bandit.stats["y"].clicks == 200


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(InputError):
        ThompsonBandit([], np.random.default_rng(0))
    with pytest.raises(InputError):
        simulate({"A": ArmRates(1.5, 0.1)}, 10, 0)
    with pytest.raises(InputError):
        ThompsonBandit(["a"], np.random.default_rng(0)).record("b", clicked=True, converted=False)
