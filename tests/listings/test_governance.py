"""Governance notices applied to a checker: the newest per rulebook wins, applying one twice
changes nothing, other inbox rows only move the checker on, a malformed one is named."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from merchantry.kit.errors import InputError
from merchantry.listings.claims import Listing
from merchantry.listings.governance import Governance
from merchantry.listings.holds import HeldListing
from merchantry.listings.restrictions import ShopRestriction
from merchantry.listings.rulebook import ListingRulebook, Outcome, RestrictionKind
from merchantry.listings.usecases import PrepublishChecker, prepublish_checker
from merchantry.service.listing_notices import NOTICE_TYPE, apply_notices

AT = datetime(2026, 8, 1, 10)
SUSPENDED = ShopRestriction(
    "S1", RestrictionKind.SUSPENDED, "LV-1", "listing.material", "K1", 5,
    datetime(2026, 7, 30), datetime(2026, 8, 2), "停业整顿3天", "listings-2026",
)  # fmt: skip
BANNED = HeldListing(
    "campaign", "LV-2", "S2", "K2", "listing.material", Outcome.BAN, 3,
    datetime(2026, 7, 1), "羊绒围巾女冬季款经典",
)  # fmt: skip


def row(seq: int, governance: Governance) -> tuple[int, str, str]:
    return (seq, NOTICE_TYPE, json.dumps(governance.to_json(), ensure_ascii=False))


def decisions(checker: PrepublishChecker) -> tuple[str, str]:
    """(S1's new listing, S2 resubmitting K2) under an honest title."""
    shirt = "纯棉短袖T恤女夏季新款"
    return (
        checker.check(Listing("N1", "S1", shirt, 9_900, composition={"棉": 100}), AT).decision,
        checker.check(Listing("K2", "S2", shirt, 9_900, composition={"棉": 100}), AT).decision,
    )


def test_the_newest_notice_of_each_rulebook_governs(book: ListingRulebook) -> None:
    checker = prepublish_checker(book, seq=10)
    assert decisions(checker) == ("publish", "publish")
    first = Governance("listings-2026", (SUSPENDED,))
    ban = Governance("campaign", (), (BANNED,))
    order = (11, "orders", "{}")
    assert apply_notices(checker, [row(9, ban), order, row(12, first), row(13, ban)]) == 2
    assert checker.seq == 13
    assert decisions(checker) == ("block", "block")  # row 9 was already behind the checker
    assert apply_notices(checker, [row(12, first), row(13, ban)]) == 0  # seen: nothing
    lifted = Governance("listings-2026")
    assert apply_notices(checker, [row(14, lifted), row(15, lifted)]) == 2
    assert decisions(checker) == ("publish", "block")  # the campaign's ban stands
    with pytest.raises(InputError, match="inbox row 16"):
        apply_notices(checker, [(16, NOTICE_TYPE, "{not json")])
    assert apply_notices(checker, [(16, NOTICE_TYPE, "{not json")]) == 0  # refused once
    assert Governance.from_json(ban.to_json()) == ban
