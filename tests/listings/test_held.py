"""A banned listing cannot come back under a new title; a taken-down one not unchanged.

The shops are those of ``test_measures``: P3 made three false cashmere claims (羊绒 in the
title, 腈纶 in the composition), published 2026-03-01..03, found 2026-03-15 10:00, so P3-0
and P3-1 are taken down (1st and 2nd offence) and P3-2 is banned (3rd). P3-2's main image
hash is set below.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb

from merchantry.listings.claims import Listing
from merchantry.listings.rulebook import ListingRulebook
from merchantry.listings.usecases import check_warehouse, prepublish_checker, refresh_measures
from merchantry.listings.warehouse import violation_id
from merchantry.risk.cases import CaseSubject, case_id_for
from tests.listings.test_measures import FOUND, warehouse

__all__ = ["warehouse"]  # the fixture, shared

AFTER = FOUND + timedelta(days=1)
IMAGE = 0x9F3A_5C71_0E2B_D846


def offer(sku: str, shop: str, title: str, material: str, phash: int | None = None) -> Listing:
    return Listing(sku, shop, title, 19_900, composition={material: 100}, image_phash=phash)


def test_a_banned_sku_and_its_near_copies_are_refused_while_the_ban_stands(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    warehouse.execute("UPDATE listing_claims SET image_phash = ? WHERE sku_id = 'P3-2'",
                      [f"{IMAGE:016x}"])  # fmt: skip
    check_warehouse(warehouse, book, at=FOUND)
    holds = warehouse.execute(
        "SELECT sku_id, outcome, offence_no FROM listing_holds WHERE shop_id = 'P3' ORDER BY 1"
    ).fetchall()
    assert holds == [("P3-0", "take_down", 1), ("P3-1", "take_down", 2), ("P3-2", "ban", 3)]
    checker = prepublish_checker(book, con=warehouse, today=AFTER.date())
    banned = violation_id(book.name, "P3-2", "listing.material")

    # the banned SKU under an honest new title: refused, naming the ban and the case
    again = checker.check(offer("P3-2", "P3", "纯棉短袖T恤女夏季新款", "棉"), AFTER)
    assert again.findings == ()
    assert again.decision == "block"
    (refusal,) = again.held
    assert (refusal.held.sku_id, refusal.held.violation_id, refusal.match) == (
        "P3-2",
        banned,
        "same SKU",
    )
    case = case_id_for(CaseSubject.LISTING_VIOLATION, banned)
    assert refusal.held.case_id == case
    assert f"appeal: case {case}" in refusal.reason
    assert "banned" in refusal.reason

    # a near-copy by the same shop under a new SKU, its composition now honest
    copy = checker.check(offer("P3-9", "P3", "羊绒围巾女冬季款P32", "羊绒"), AFTER)
    assert copy.findings == ()
    assert [(r.held.sku_id, r.match[:5]) for r in copy.held] == [("P3-2", "title")]
    # the same picture under another title
    pictured = checker.check(offer("P3-8", "P3", "针织开衫女春秋款", "棉", IMAGE ^ 0b101), AFTER)
    assert [(r.held.sku_id, r.match) for r in pictured.held] == [("P3-2", "main image 97% alike")]
    # another shop's listing is no resubmission of P3's (the copy rule judges it)
    assert checker.check(offer("OK-9", "OK", "羊绒围巾女冬季款P32", "羊绒"), AFTER).held == ()
    # an unrelated new listing of P3 publishes
    assert checker.check(offer("P3-7", "P3", "纯棉短袖T恤女夏季新款", "棉"), AFTER).decision == (
        "publish"
    )

    # the taken-down P3-0: unchanged it is refused, corrected it publishes
    unchanged = checker.check(offer("P3-0", "P3", "羊绒围巾女冬季款P30", "羊绒"), AFTER)
    assert [(r.held.outcome.value, r.match) for r in unchanged.held] == [
        ("take_down", "same SKU, title unchanged")
    ]
    corrected = checker.check(offer("P3-0", "P3", "腈纶针织围巾女冬季保暖款", "腈纶"), AFTER)
    assert corrected.decision == "publish"

    # the ban overturned on appeal: the SKU may come back
    warehouse.execute(
        "INSERT INTO withdrawn_violations VALUES (?, ?, DATE '2026-03-16', 'label ok')",
        [banned, case],
    )
    refresh_measures(warehouse, book, date(2026, 3, 16))
    lifted = prepublish_checker(book, con=warehouse, today=AFTER.date())
    assert lifted.check(offer("P3-2", "P3", "纯棉短袖T恤女夏季新款", "棉"), AFTER).held == ()
