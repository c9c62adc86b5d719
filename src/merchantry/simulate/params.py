"""Parameters of a simulation: segment thresholds and the run identity.

The thresholds are business choices, not facts from the platforms; they are
documented in ``docs/simulator.md`` and can be set on the command line.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date
from typing import Final

from merchantry.kit.errors import InputError
from merchantry.kit.ids import stable_key

DEFAULT_NEW_SHOP_DAYS: Final = 90
"""A shop opened fewer than this many days before the period start counts as new."""
DEFAULT_SMALL_BELOW_FEN: Final = 5_000_000
"""GMV in the period below ¥50,000: a small merchant."""
DEFAULT_KEY_ACCOUNT_FROM_FEN: Final = 100_000_000
"""GMV in the period of ¥1,000,000 or more: a key account (KA)."""
DEFAULT_CASH_RATE_BP: Final = 300
"""Annual rate (3%) at which money held longer or shorter is valued: settlement days and
deposits. A business choice, roughly China's one-year loan prime rate in 2025; set your own
cost of capital with ``--cash-rate``."""


@dataclass(frozen=True, slots=True)
class SegmentParams:
    """Where the merchant segments split. GMV is what buyers paid in the period."""

    new_shop_days: int = DEFAULT_NEW_SHOP_DAYS
    small_below_fen: int = DEFAULT_SMALL_BELOW_FEN
    key_account_from_fen: int = DEFAULT_KEY_ACCOUNT_FROM_FEN
    cash_rate_bp: int = DEFAULT_CASH_RATE_BP
    """Annual rate, bp, valuing money held longer or shorter (settlement days, deposits)."""

    def __post_init__(self) -> None:
        if self.new_shop_days < 0:
            raise InputError(f"new_shop_days must be >= 0, got {self.new_shop_days}")
        if not 0 <= self.cash_rate_bp <= 10_000:
            raise InputError(f"the annual cash rate must be 0%..100%, got {self.cash_rate_bp} bp")
        if not 0 <= self.small_below_fen <= self.key_account_from_fen:
            raise InputError(
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
            raise InputError(f"period ends ({self.end}) before it starts ({self.start})")


def derive_run_id(
    baseline: str, candidate: str, period: Period, contents: tuple[str, str] = ("", "")
) -> str:
    """The run id: the same rulebooks (by name and content digest) over the same period
    always get the same id; a rulebook of the same name with other content gets another."""
    if contents == ("", ""):
        return stable_key("simulate", baseline, candidate, period.start, period.end)
    return stable_key(
        "simulate", baseline, *contents[:1], candidate, *contents[1:], period.start, period.end
    )
