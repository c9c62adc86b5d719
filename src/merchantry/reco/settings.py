"""The reco package's numbers, read from a ``reco-*`` rulebook's parameters.

Windows per experience-score industry, similarity thresholds and boost weights are
rulebook parameters with provenance; :func:`load_settings` turns a checked rulebook into
one typed value and refuses one that lacks a parameter or lets one boost signal
dominate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Final

from merchantry.kit.errors import InputError
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.rulebook.bounds import parameter_problems

DEFAULT_RULEBOOK: Final = "reco-2026"
WINDOW_PREFIX: Final = "window_days_"


@dataclass(frozen=True, slots=True)
class SimilaritySettings:
    """When two listings are one item (per mille thresholds, bits, percent)."""

    title_shingle_chars: int = 2
    minhash_permutations: int = 128
    lsh_threshold_pm: int = 400
    title_match_pm: int = 600
    variant_title_pm: int = 450
    image_max_hamming: int = 10
    image_title_pm: int = 250
    price_band_pct: int = 150


@dataclass(frozen=True, slots=True)
class BoostSettings:
    """Rerank weights in basis points (10000 = neutral) and their caps."""

    pool_min_score: int = 60
    tier_excellent_min_score: int = 90
    tier_good_min_score: int = 80
    boost_tier_excellent_bp: int = 1500
    boost_tier_good_bp: int = 700
    boost_tier_fair_bp: int = 0
    boost_below_pool_bp: int = -1500
    boost_badge_bp: int = 500
    boost_return_risk_pct: int = 100
    boost_content_neutral: int = 60
    boost_content_bp_per_point: int = 30
    boost_signal_cap_bp: int = 1500
    boost_total_cap_bp: int = 3000

    @classmethod
    def neutral(cls) -> BoostSettings:
        """No signal moves any weight: the baseline of a replay."""
        return cls(
            boost_tier_excellent_bp=0,
            boost_tier_good_bp=0,
            boost_below_pool_bp=0,
            boost_badge_bp=0,
            boost_return_risk_pct=0,
            boost_content_bp_per_point=0,
        )


@dataclass(frozen=True, slots=True)
class RecoSettings:
    """Everything the reco package reads from one rulebook."""

    rulebook: str = DEFAULT_RULEBOOK
    windows: dict[str, int] = field(default_factory=dict)
    """Suppression window in days per industry code (``default`` for the rest)."""
    similarity: SimilaritySettings = SimilaritySettings()
    boost: BoostSettings = BoostSettings()

    def window_days(self, industry: str | None) -> tuple[int, str]:
        """The window for ``industry`` and the parameter (rule) that sets it."""
        if industry is not None and industry in self.windows:
            return self.windows[industry], f"{WINDOW_PREFIX}{industry}"
        return self.windows.get("default", 0), f"{WINDOW_PREFIX}default"


def settings_from(rulebook: Rulebook) -> RecoSettings:
    """Settings from a checked rulebook; refuses one that is not a reco rulebook."""
    values = rulebook.parameter_values
    problems: list[str] = []

    def take(cls: type[SimilaritySettings] | type[BoostSettings]) -> dict[str, int]:
        names = [f for f in cls.__dataclass_fields__]
        missing = [n for n in names if n not in values]
        problems.extend(missing)
        return {n: int(values[n]) for n in names if n in values}

    similarity = SimilaritySettings(**take(SimilaritySettings))
    boost = BoostSettings(**take(BoostSettings))
    windows = {
        name.removeprefix(WINDOW_PREFIX): int(value)
        for name, value in values.items()
        if name.startswith(WINDOW_PREFIX)
    }
    if "default" not in windows:
        problems.append(f"{WINDOW_PREFIX}default")
    if problems:
        raise InputError(
            f"rulebook {rulebook.name!r} is not a reco rulebook: no parameter "
            + ", ".join(problems)
        )
    check_settings(rulebook.name, windows, similarity, boost)
    return RecoSettings(rulebook.name, windows, similarity, boost)


def check_settings(
    name: str, windows: dict[str, int], similarity: SimilaritySettings, boost: BoostSettings
) -> None:
    """Refuse numbers no reco stage can use, naming each (the ranges of
    :data:`merchantry.rulebook.bounds.PARAMETER_BOUNDS`)."""
    values: dict[str, object] = {f"{WINDOW_PREFIX}{k}": v for k, v in windows.items()}
    values.update(asdict(similarity))
    values.update(asdict(boost))
    problems = [problem.message for problem in parameter_problems(values)]
    if problems:
        raise InputError(f"rulebook {name!r}: " + "; ".join(problems))


def load_settings(name: str = DEFAULT_RULEBOOK, dirs: tuple[Path, ...] = ()) -> RecoSettings:
    """Settings of the named reco rulebook (shipped or in ``dirs``)."""
    return settings_from(load_rulebook(name, dirs))
