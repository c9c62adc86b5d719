"""Percentiles of per-shop savings, in integers.

Money stays integer, so percentiles use the **nearest-rank** method: the p-th
percentile of n sorted values is the value at rank ⌈p·n/100⌉ (1-based). It is
always one of the observed values, needs no interpolation and no float. The
mean is the integer sum divided by n, rounded half away from zero by the money
kit's one rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from merchantry.kit.money import div_round

PERCENTILES: Final = (10, 25, 50, 75, 90, 99)


def nearest_rank(sorted_values: Sequence[int], percent: int) -> int:
    """The ``percent``-th percentile of already-sorted values (nearest-rank method)."""
    if not sorted_values:
        raise ValueError("no values: a percentile needs at least one")
    if not 0 < percent <= 100:
        raise ValueError(f"percent must be in (0, 100], got {percent}")
    rank = -(-percent * len(sorted_values) // 100)  # ceiling, in integers
    return sorted_values[rank - 1]


@dataclass(frozen=True, slots=True)
class Spread:
    """Summary of a set of integer values: percentiles and mean (all zero when empty)."""

    percentiles: tuple[tuple[int, int], ...]
    """``(percent, value)`` for each of :data:`PERCENTILES`."""
    mean: int
    count: int

    def value(self, percent: int) -> int:
        """The value of one percentile."""
        for p, v in self.percentiles:
            if p == percent:
                return v
        raise KeyError(f"percentile {percent} not computed; have {PERCENTILES}")

    def as_statistics(self) -> list[tuple[str, int]]:
        """``[("p10", v), ..., ("mean", m)]``: the rows stored in ``sim_distribution``."""
        return [(f"p{p}", v) for p, v in self.percentiles] + [("mean", self.mean)]


def describe(values: Sequence[int]) -> Spread:
    """Percentiles and mean of ``values`` (any order)."""
    if not values:
        return Spread(tuple((p, 0) for p in PERCENTILES), 0, 0)
    ordered = sorted(values)
    return Spread(
        percentiles=tuple((p, nearest_rank(ordered, p)) for p in PERCENTILES),
        mean=div_round(sum(ordered), len(ordered)),
        count=len(ordered),
    )
