"""A banned listing cannot come back under a new title; a taken-down one not unchanged.

The shops are those of ``test_measures``: P3 made three false cashmere claims (羊绒 in the
title, 腈纶 in the composition), published 2026-03-01..03, found 2026-03-15 10:00, so P3-0
and P3-1 are taken down (1st and 2nd offence) and P3-2 is banned (3rd). P3-2's main image
hash is set below.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
from sqlalchemy import select
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.listings.claims import Listing
from merchantry.listings.governance import Governance
from merchantry.listings.rulebook import ListingRulebook
from merchantry.listings.usecases import check_warehouse, prepublish_checker, refresh_measures
from merchantry.listings.warehouse import violation_id
from merchantry.ops.tables import online_inbox
from merchantry.risk.cases import CaseSubject, case_id_for
from merchantry.risk.store import open_store
from merchantry.service.listing_notices import NOTICE_TYPE
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


def test_the_warehouse_check_announces_its_governance_once(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """`merchantry listings check --db W --ops-db URL` records one governance notice with
    the rulebook's restrictions and held listings; a re-run that changes nothing records
    none."""
    warehouse.close()
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    command = ["listings", "check", "--db", str(tmp_path / "w.duckdb"), "--ops-db", url]
    for _ in range(2):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
    engine = open_store(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(online_inbox.c.body).where(online_inbox.c.event_type == NOTICE_TYPE)
            ).all()
    finally:
        engine.dispose()
    (body,) = rows
    notice = Governance.from_json(json.loads(body[0]))
    assert notice.rulebook == "listings-2026"
    banned = {h.sku_id for h in notice.holds if h.outcome.value == "ban"}
    assert banned == {"P3-2", "P5-2", "P5-3", "P5-4", *(f"P7-{k}" for k in range(2, 7))}
    assert {r.restriction.value for r in notice.restrictions if r.shop_id == "P7"} == {
        "presale_closed",
        "suspended",
        "closed",
    }
