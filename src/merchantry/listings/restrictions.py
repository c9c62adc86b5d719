"""Shop restrictions in force: what an escalation step forbids a shop, and for how long.

Derived and stored by :mod:`merchantry.listings.measures` (``shop_restrictions``); read here
by the pre-publish check (:mod:`merchantry.listings.check`). The recommendations read the
same table (:mod:`merchantry.reco.usecases`): sibling stages meet in tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from merchantry.listings.rulebook import SHOP_BLOCKING, RestrictionKind


@dataclass(frozen=True, slots=True)
class ShopRestriction:
    """A restriction on a shop (a row of ``shop_restrictions``)."""

    shop_id: str
    restriction: RestrictionKind
    violation_id: str
    rule_id: str
    sku_id: str
    offence_no: int
    starts_at: datetime
    ends_at: datetime | None
    """None: for good."""
    measures: str
    rulebook: str = ""
    """The listing rulebook whose ladder imposed it."""

    def holds(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)

    def describe(self) -> str:
        until = "for good" if self.ends_at is None else f"until {self.ends_at:%Y-%m-%d %H:%M}"
        return (
            f"shop {self.shop_id} {self.restriction.value} {until} (offence {self.offence_no} "
            f"of {self.rule_id}, {self.sku_id}: {self.measures})"
        )


def restrictions_in_force(
    restrictions: Sequence[ShopRestriction], shop_id: str, at: datetime
) -> list[ShopRestriction]:
    """The shop's restrictions holding at ``at``."""
    return [r for r in restrictions if r.shop_id == shop_id and r.holds(at)]


def blocks_publication(restriction: ShopRestriction, presale: bool) -> bool:
    """Whether the restriction refuses a new listing (presale or not)."""
    if restriction.restriction in SHOP_BLOCKING:
        return True
    return restriction.restriction is RestrictionKind.PRESALE_CLOSED and presale
