"""What one listing rulebook currently imposes on publication: shop restrictions and held
(banned or taken-down) listings, as one value that travels.

The pre-publish checker is built once per worker from the warehouse snapshot. A restriction
or a take-down recorded afterwards (``merchantry listings check --db``, an overturn) reaches it
as a **governance notice**: this value as JSON in the operational inbox
(:mod:`merchantry.service.listing_notices`), which replaces the rulebook's part of the
checker's state. The whole of a rulebook's state travels each time, so the newest notice is
all a checker needs and applying one twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from merchantry.kit.errors import InputError
from merchantry.listings.holds import HeldListing
from merchantry.listings.measures import read_holds, read_restrictions
from merchantry.listings.restrictions import ShopRestriction
from merchantry.listings.rulebook import Outcome, RestrictionKind


@dataclass(frozen=True, slots=True)
class Governance:
    """One rulebook's standing restrictions and held listings (withdrawn ones left out)."""

    rulebook: str
    restrictions: tuple[ShopRestriction, ...] = ()
    holds: tuple[HeldListing, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "rulebook": self.rulebook,
            "restrictions": [
                {
                    "shop_id": r.shop_id,
                    "restriction": r.restriction.value,
                    "violation_id": r.violation_id,
                    "rule_id": r.rule_id,
                    "sku_id": r.sku_id,
                    "offence_no": r.offence_no,
                    "starts_at": r.starts_at.isoformat(),
                    "ends_at": None if r.ends_at is None else r.ends_at.isoformat(),
                    "measures": r.measures,
                }
                for r in self.restrictions
            ],
            "holds": [
                {
                    "violation_id": h.violation_id,
                    "shop_id": h.shop_id,
                    "sku_id": h.sku_id,
                    "rule_id": h.rule_id,
                    "outcome": h.outcome.value,
                    "offence_no": h.offence_no,
                    "since": h.since.isoformat(),
                    "title": h.title,
                    "image_phash": None if h.image_phash is None else f"{h.image_phash:016x}",
                }
                for h in self.holds
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Governance:
        """The value :meth:`to_json` wrote (a malformed notice is refused by name)."""
        try:
            book = str(data["rulebook"])
            restrictions = tuple(
                ShopRestriction(
                    str(r["shop_id"]),
                    RestrictionKind(r["restriction"]),
                    str(r["violation_id"]),
                    str(r["rule_id"]),
                    str(r["sku_id"]),
                    int(r["offence_no"]),
                    datetime.fromisoformat(r["starts_at"]),
                    None if r["ends_at"] is None else datetime.fromisoformat(r["ends_at"]),
                    str(r["measures"]),
                    book,
                )
                for r in data["restrictions"]
            )
            holds = tuple(
                HeldListing(
                    book,
                    str(h["violation_id"]),
                    str(h["shop_id"]),
                    str(h["sku_id"]),
                    str(h["rule_id"]),
                    Outcome(h["outcome"]),
                    int(h["offence_no"]),
                    datetime.fromisoformat(h["since"]),
                    str(h["title"]),
                    None if h["image_phash"] is None else int(h["image_phash"], 16),
                )
                for h in data["holds"]
            )
        except (KeyError, TypeError, ValueError) as err:
            raise InputError(f"a listing governance notice is malformed: {err!r}") from None
        return cls(book, restrictions, holds)


def read_governance(
    con: duckdb.DuckDBPyConnection, rulebook: str | None = None
) -> dict[str, Governance]:
    """Rulebook -> its governance in the warehouse (every rulebook's, or ``rulebook``'s, which
    is present, possibly empty, even when nothing is recorded)."""
    restrictions: dict[str, list[ShopRestriction]] = {}
    holds: dict[str, list[HeldListing]] = {}
    for r in read_restrictions(con, rulebook=rulebook):
        restrictions.setdefault(r.rulebook, []).append(r)
    for h in read_holds(con, rulebook):
        holds.setdefault(h.rulebook, []).append(h)
    names = set(restrictions) | set(holds) | ({rulebook} if rulebook else set())
    return {
        n: Governance(n, tuple(restrictions.get(n, ())), tuple(holds.get(n, ())))
        for n in sorted(names)
    }
