"""Rate tests: a real difference on enough orders is flagged, a handful of orders is not, and
the false-discovery rate holds on null data."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.returns.stats import FDR, Unit, assess, bh_adjust, fit_prior


def _category(rng: np.random.Generator, skus: int, orders: int, rate: float) -> list[Unit]:
    """``skus`` SKUs of one category, each with ``orders`` orders at ``rate``."""
    return [Unit(f"K{i:04d}", "C1", int(rng.binomial(orders, rate)), orders) for i in range(skus)]


def test_a_doubled_return_rate_on_200_orders_is_flagged() -> None:
    rng = np.random.default_rng(7)
    units = [*_category(rng, 60, 200, 0.10), Unit("PLANTED", "C1", 40, 200)]
    found = {f.key: f for f in assess(units)}
    planted = found["PLANTED"]
    assert planted.flagged
    assert planted.rate == 0.2
    assert 0.09 < planted.baseline < 0.11
    assert planted.rate_low < 0.2 < planted.rate_high
    assert planted.baseline < planted.shrunk_low < planted.shrunk < planted.rate
    assert planted.q_value <= FDR


def test_one_return_in_five_orders_is_not_flagged() -> None:
    rng = np.random.default_rng(8)
    units = [*_category(rng, 60, 200, 0.10), Unit("SMALL", "C1", 1, 5)]
    small = {f.key: f for f in assess(units)}["SMALL"]
    assert small.rate == 0.2  # twice the category, but on five orders
    assert not small.flagged
    assert small.rate_high > 0.6  # the interval says how little five orders tell


def test_even_five_returns_in_five_orders_raise_no_alarm_on_shrinkage() -> None:
    rng = np.random.default_rng(9)
    units = [*_category(rng, 60, 200, 0.10), Unit("FIVE", "C1", 5, 5)]
    five = {f.key: f for f in assess(units)}["FIVE"]
    assert five.shrunk < 0.2  # pulled most of the way back to the category
    assert not five.flagged


def test_a_cause_the_category_never_saw_is_not_flagged_on_one_case() -> None:
    units = [Unit(f"K{i}", "C1", 0, 300) for i in range(30)] + [Unit("ONE", "C1", 1, 20)]
    one = {f.key: f for f in assess(units)}["ONE"]
    assert not one.flagged


def test_false_discovery_rate_holds_on_null_data() -> None:
    """200 simulated markets with every SKU at its category's rate: the share of markets with
    any flag (the FDR under the global null) stays below the target."""
    rng = np.random.default_rng(20261201)
    markets_with_flags = 0
    runs = 200
    for _ in range(runs):
        orders = rng.integers(20, 400, 100)
        units = [
            Unit(f"K{i}", f"C{i % 4}", int(rng.binomial(n, 0.08)), int(n))
            for i, n in enumerate(orders)
        ]
        markets_with_flags += any(f.flagged for f in assess(units))
    assert markets_with_flags / runs <= FDR


def test_false_discovery_proportion_with_real_effects_mixed_in() -> None:
    rng = np.random.default_rng(11)
    proportions = []
    found_true = 0
    for _ in range(100):
        units = [Unit(f"N{i}", "C1", int(rng.binomial(300, 0.1)), 300) for i in range(90)]
        units += [Unit(f"T{i}", "C1", int(rng.binomial(300, 0.25)), 300) for i in range(10)]
        flagged = [f.key for f in assess(units) if f.flagged]
        false = sum(k.startswith("N") for k in flagged)
        found_true += sum(k.startswith("T") for k in flagged)
        proportions.append(false / max(len(flagged), 1))
    assert float(np.mean(proportions)) <= FDR
    assert found_true / 1000 > 0.9  # and the real effects are found


def test_bh_adjustment_matches_the_step_up_rule_by_hand() -> None:
    # sorted p: 0.01, 0.02, 0.03, 0.5 with m = 4 -> 0.04, 0.04, 0.04, 0.5 (monotone from top)
    q = bh_adjust([0.03, 0.5, 0.01, 0.02])
    assert np.allclose(q, [0.04, 0.5, 0.04, 0.04])


def test_prior_from_a_spread_category_is_weaker_than_from_a_uniform_one() -> None:
    rng = np.random.default_rng(3)
    uniform = [int(rng.binomial(200, 0.1)) for _ in range(50)]
    spread = [int(rng.binomial(200, p)) for p in rng.uniform(0.0, 0.3, 50)]
    a_u, b_u = fit_prior(uniform, [200] * 50)
    a_s, b_s = fit_prior(spread, [200] * 50)
    assert a_s + b_s < a_u + b_u
    assert abs(a_u / (a_u + b_u) - np.mean(uniform) / 200) < 1e-9


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 500), st.floats(0, 1)).map(lambda t: (t[0], int(t[0] * t[1]))),
        min_size=2,
        max_size=25,
    )
)
def test_every_finding_is_coherent(counts: list[tuple[int, int]]) -> None:
    units = [Unit(f"K{i}", "C", k, n) for i, (n, k) in enumerate(counts)]
    for f in assess(units):
        assert 0 <= f.rate_low <= f.rate <= f.rate_high <= 1
        assert 0 <= f.shrunk_low <= f.shrunk <= f.shrunk_high <= 1
        assert f.p_value <= f.q_value + 1e-12
        # the shrunk rate lies between the raw rate and the prior's mean
        a, b = fit_prior([k for _, k in counts], [n for n, _ in counts])
        low, high = sorted((f.rate, a / (a + b)))
        assert low - 1e-9 <= f.shrunk <= high + 1e-9
        if f.flagged:
            assert f.rate > f.baseline
            assert f.events >= 3
