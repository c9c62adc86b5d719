"""A listing as governance sees it: what it says (title, captions) and what it states (attributes).

The title is the claim; the attributes (composition with shares, origin, ship-from region,
net count, certifications, the national-subsidy label, the declared brand) are what the
merchant stated about the same product. Rules compare the two. ``composition`` is ``None``
when the attributes are unknown (no ``listing_claims`` row): attribute rules then stay silent
rather than guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from merchantry.kit.errors import InputError

_SHARE = re.compile(r"^\s*([^:=：]+?)\s*[:=：]\s*(\d{1,3})\s*%?\s*$")


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing: its claim, its stated attributes, who published it and when."""

    sku_id: str
    shop_id: str
    title: str
    price_fen: int
    category_id: str = ""
    industry: str = ""
    brand: str | None = None
    composition: Mapping[str, int] | None = None
    """Material -> share in percent (``{"羊绒": 30, "羊毛": 70}``); None: not stated."""
    origin: str | None = None
    ship_from: str | None = None
    net_count: int | None = None
    count_unit: str | None = None
    certifications: tuple[str, ...] = ()
    subsidy_label: bool = False
    """The listing carries the national-subsidy (国补) label (a badge, not only title words)."""
    published_at: datetime | None = None
    image_phash: int | None = None
    captions: tuple[str, ...] = field(default=(), compare=False)
    """Creator video captions promoting the listing."""
    presale: bool = False
    """A presale listing (预售): refused while the shop's presale is closed."""


def parse_composition(text: str | None, where: str = "composition") -> dict[str, int] | None:
    """``"羊绒:30;羊毛:70"`` (``;``, ``,`` or ``、`` between parts, ``:`` ``=`` or ``：``
    within) as a mapping; None for an empty value. Shares are whole percent, at most 100 in all.
    """
    if text is None or not text.strip():
        return None
    result: dict[str, int] = {}
    for part in re.split(r"[;,、，；]", text):
        if not part.strip():
            continue
        found = _SHARE.match(part)
        if found is None:
            raise InputError(
                f"{where}: {part.strip()!r} is not `material:share` (e.g. 羊绒:30;羊毛:70)"
            )
        material, share = found.group(1), int(found.group(2))
        result[material] = result.get(material, 0) + share
    total = sum(result.values())
    if total > 100:
        raise InputError(f"{where}: shares add up to {total}%, more than 100%")
    return result


def format_composition(composition: Mapping[str, int] | None) -> str:
    if not composition:
        return ""
    return ";".join(f"{m}:{s}" for m, s in composition.items())
