"""Parameters of a simulation: segment thresholds and the run identity.

The thresholds are business choices, not facts from the platforms; they are
documented in ``docs/simulator.md`` and can be set on the command line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Final

from merchantry.kit.ids import stable_key

DEFAULT_NEW_SHOP_DAYS: Final = 90
"""A shop opened fewer than this many days before the period start counts as new."""
DEFAULT_SMALL_BELOW_FEN: Final = 5_000_000
"""GMV in the period below ¥50,000: a small merchant."""
DEFAULT_KEY_ACCOUNT_FROM_FEN: Final = 100_000_000
"""GMV in the period of ¥1,000,000 or more: a key account (KA)."""


@dataclass(frozen=True, slots=True)
class SegmentParams:
    """Where the merchant segments split. GMV is what buyers paid in the period."""

    new_shop_days: int = DEFAULT_NEW_SHOP_DAYS
    small_below_fen: int = DEFAULT_SMALL_BELOW_FEN
    key_account_from_fen: int = DEFAULT_KEY_ACCOUNT_FROM_FEN

    def __post_init__(self) -> None:
        if self.new_shop_days < 0:
            raise ValueError(f"new_shop_days must be >= 0, got {self.new_shop_days}")
        if not 0 <= self.small_below_fen <= self.key_account_from_fen:
            raise ValueError(
                "thresholds must satisfy 0 <= small_below_fen <= key_account_from_fen, got "
                f"{self.small_below_fen} and {self.key_account_from_fen}"
            )

    def to_json(self) -> str:
        """Stable JSON text, stored with the run."""
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive range of payment dates of the orders replayed."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")


def derive_run_id(baseline: str, candidate: str, period: Period) -> str:
    """The run id: the same rulebooks over the same period always get the same id."""
    return stable_key("simulate", baseline, candidate, period.start, period.end)
