"""Quality-aware boost: every weight explained, no signal dominating, the pool floor pinned."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from merchantry.kit.errors import InputError
from merchantry.reco.boost import BoostInput, boost, tier_of
from merchantry.reco.settings import BoostSettings, RecoSettings, check_settings
from merchantry.rulebook import load_rulebook


def test_the_recommendation_pool_floor_is_the_confirmed_60(settings: RecoSettings) -> None:
    """platform-rules.md §1.3: Douyin Mall's 猜你喜欢 pool needs an experience score ≥ 60."""
    book = load_rulebook("reco-2026")
    (param,) = [p for p in book.parameters if p.name == "pool_min_score"]
    assert param.value == 60
    assert not param.provenance.assumption
    assert "§1.3" in (param.provenance.source or "")
    assert settings.boost.pool_min_score == 60
    assert tier_of(59, settings.boost) == "below_pool"
    assert tier_of(60, settings.boost) == "fair"


def test_every_other_number_is_an_assumption() -> None:
    book = load_rulebook("reco-2026")
    for p in book.parameters:
        if p.name != "pool_min_score":
            assert p.provenance.assumption, p.name


def test_each_signal_is_explained_with_its_rule_and_amount(settings: RecoSettings) -> None:
    s = settings.boost
    result = boost(BoostInput("K1", 92, True, 1_000, 80), s, "reco-2026")
    parts = {c.signal: c for c in result.contributions}
    assert result.tier == "excellent"
    assert parts["shop_tier"].rule_id == "reco-2026:boost_tier_excellent_bp"
    assert parts["shop_tier"].bp == s.boost_tier_excellent_bp == 1500
    assert parts["good_service_badge"].bp == 500
    assert parts["return_risk"].bp == -1000  # 10% risk, 100% of it
    assert parts["content_quality"].bp == (80 - 60) * 30
    # 1500 + 500 - 1000 + 600 = 1600, inside the total cap
    assert result.weight_bp == 10_000 + 1600
    assert not result.total_capped
    assert "shop_tier +1500 bp (reco-2026:boost_tier_excellent_bp)" in result.explain()


def test_a_shop_below_the_pool_is_demoted_and_an_unscored_one_untouched(
    settings: RecoSettings,
) -> None:
    low = boost(BoostInput("K1", 55), settings.boost, "reco-2026")
    assert low.tier == "below_pool"
    assert low.weight_bp == 10_000 - 1500
    none = boost(BoostInput("K2", None), settings.boost, "reco-2026")
    assert none.tier == "unscored"
    assert none.contributions == ()
    assert none.weight_bp == 10_000


def test_one_signal_is_capped(settings: RecoSettings) -> None:
    result = boost(BoostInput("K1", None, return_risk_bp=9_000), settings.boost, "reco-2026")
    (part,) = result.contributions
    assert part.raw_bp == -9_000
    assert part.bp == -settings.boost.boost_signal_cap_bp
    assert part.capped
    assert result.weight_bp == 10_000 - 1500


@given(
    score=st.one_of(st.none(), st.integers(0, 100)),
    badge=st.booleans(),
    risk=st.one_of(st.none(), st.integers(-5_000, 20_000)),
    quality=st.one_of(st.none(), st.integers(-50, 200)),
)
def test_no_signal_dominates(
    score: int | None, badge: bool, risk: int | None, quality: int | None
) -> None:
    s = BoostSettings()
    result = boost(BoostInput("K", score, badge, risk, quality), s, "r")
    for part in result.contributions:
        assert abs(part.bp) <= s.boost_signal_cap_bp
        assert abs(part.bp) * 2 <= s.boost_total_cap_bp  # never more than half the room
    assert abs(result.weight_bp - 10_000) <= s.boost_total_cap_bp
    if not result.total_capped:
        assert result.weight_bp == 10_000 + sum(p.bp for p in result.contributions)


def test_a_rulebook_that_lets_one_signal_dominate_is_refused(settings: RecoSettings) -> None:
    greedy = dataclasses.replace(settings.boost, boost_signal_cap_bp=2000, boost_total_cap_bp=3000)
    with pytest.raises(InputError, match="no one signal may take more than half"):
        check_settings("x", settings.windows, settings.similarity, greedy)
    with pytest.raises(InputError, match="window_days_apparel is -1"):
        check_settings("x", {"apparel": -1}, settings.similarity, settings.boost)


def test_the_neutral_baseline_moves_nothing() -> None:
    result = boost(BoostInput("K", 95, True, 5_000, 100), BoostSettings.neutral(), "neutral")
    assert result.weight_bp == 10_000
