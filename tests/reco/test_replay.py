"""Replay: the same sessions under two rulebooks; differences are the boost's alone."""

from __future__ import annotations

from merchantry.reco.replay import ReplayItem, Session, replay
from merchantry.reco.settings import BoostSettings

ITEMS = [
    ReplayItem(f"K{i:03d}", f"S{i % 10}", "C1", score, False, risk, 60)
    for i, (score, risk) in enumerate(
        [(95, 300), (85, 500), (70, 900), (55, 1500)] * 10  # excellent, good, fair, below pool
    )
]
SESSIONS = [Session(f"B{i}", "C1", 1000) for i in range(300)]


def test_the_same_rulebook_on_both_sides_shifts_nothing() -> None:
    s = BoostSettings()
    report = replay(ITEMS, SESSIONS, ("a", s), ("a", s), seed=3)
    for tier in report.tiers:
        assert tier.baseline_exposure_pm == tier.candidate_exposure_pm
    assert report.baseline_returns_per_1000 == report.candidate_returns_per_1000


def test_the_boost_moves_exposure_to_better_shops_and_cuts_expected_returns() -> None:
    report = replay(
        ITEMS, SESSIONS, ("neutral", BoostSettings.neutral()), ("reco", BoostSettings()), seed=3
    )
    shift = {t.tier: t for t in report.tiers}
    assert set(shift) == {"excellent", "good", "fair", "below_pool"}
    assert shift["excellent"].candidate_exposure_pm > shift["excellent"].baseline_exposure_pm
    assert shift["below_pool"].candidate_exposure_pm < shift["below_pool"].baseline_exposure_pm
    assert sum(t.baseline_exposure_pm for t in report.tiers) in range(998, 1003)
    # the items' own return risks are 3%, 5%, 9% and 15%: moving exposure to the first lowers it
    assert report.candidate_returns_per_1000 < report.baseline_returns_per_1000
    assert 30 <= report.candidate_returns_per_1000 < report.baseline_returns_per_1000 <= 150
    assert report.sessions == 300
