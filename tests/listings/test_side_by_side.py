"""Two listing rulebooks in force side by side, and the goods payments a step freezes.

The shops are those of ``test_measures``: P3, P5 and P7 made 3, 5 and 7 false cashmere
claims; P5's fifth listing sold ¥10,000 2 days, ¥20,000 20 days and ¥12,000 40 days before
the offence (2026-03-15 10:00).

* A second listing rulebook (the shipped one under another name, as a campaign or a
  candidate would be) records its own violations, restrictions, penalties and freezes. A run
  of either never reverses, re-numbers or re-posts the other's, and a re-run of either posts
  nothing.
* Notice aJmzLewhMq6J freezes the violating listing's last 60 days' goods payments for 30
  days at the 5-6 step (P5's fifth offence: all three orders, ¥42,000) and the last 90 days'
  for 90 days at the 7th: a ``goods_freeze`` entry on the offence's day, a
  ``goods_freeze_release`` when the days end, both balanced and posted once.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from merchantry.ledger.check import check_journal
from merchantry.listings.measures import FREEZE_KIND, RELEASE_KIND
from merchantry.listings.rulebook import ListingRulebook, load_listing_rulebook, shipped_listing_dir
from merchantry.listings.usecases import check_warehouse
from tests.ledger.factories import add_order
from tests.listings.test_measures import FOUND, entries, warehouse

__all__ = ["warehouse"]  # the fixture, shared


def campaign(tmp_path: Path) -> ListingRulebook:
    """The shipped rulebook under another name."""
    text = (shipped_listing_dir() / "listings-2026.yaml").read_text(encoding="utf-8")
    path = tmp_path / "campaign.yaml"
    path.write_text(text.replace("rulebook: listings-2026", "rulebook: campaign-2026"), "utf-8")
    return load_listing_rulebook(str(path))


def deposit_taken(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], int]:
    """(rulebook that posted the penalty, shop) -> what its penalties hold, net of reversals."""
    rows = con.execute(
        "SELECT e.rulebook, p.party, -sum(p.amount_fen) FROM journal_postings AS p "
        "JOIN journal_entries AS e ON e.entry_id = coalesce("
        "  (SELECT r.reverses FROM journal_entries AS r WHERE r.entry_id = p.entry_id), "
        "  p.entry_id) "
        "WHERE p.account = 'merchant_deposit' AND p.entry_kind = 'deposit_penalty' "
        "GROUP BY ALL HAVING sum(p.amount_fen) <> 0"
    ).fetchall()
    return {(str(b), str(s)): int(a) for b, s, a in rows}


def held(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Shop -> what ``merchant_held`` holds for it through freezes and releases."""
    rows = con.execute(
        "SELECT party, sum(amount_fen) FROM journal_postings WHERE account = 'merchant_held' "
        "AND entry_kind IN (?, ?) GROUP BY party HAVING sum(amount_fen) <> 0",
        [FREEZE_KIND, RELEASE_KIND],
    ).fetchall()
    return {str(s): int(a) for s, a in rows}


def test_a_second_rulebook_never_touches_the_first_one_s_measures(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook, tmp_path: Path
) -> None:
    other = campaign(tmp_path)
    check_warehouse(warehouse, book, at=FOUND)
    first = deposit_taken(warehouse)
    assert first == {("listings-2026", "P5"): 300_000, ("listings-2026", "P7"): 200_000}
    restrictions = warehouse.execute("SELECT * FROM shop_restrictions ORDER BY ALL").fetchall()

    check_warehouse(warehouse, other, at=FOUND + timedelta(hours=1))
    # the campaign's own penalties beside the first rulebook's, none of them reversed
    assert deposit_taken(warehouse) == first | {
        ("campaign-2026", "P5"): 300_000,
        ("campaign-2026", "P7"): 200_000,
    }
    assert warehouse.execute(
        "SELECT count(*) FROM journal_entries WHERE kind = 'reversal'"
    ).fetchone() == (0,)
    mine = warehouse.execute(
        "SELECT * FROM shop_restrictions WHERE rulebook = 'listings-2026' ORDER BY ALL"
    ).fetchall()
    assert mine == restrictions
    offences = warehouse.execute(
        "SELECT rulebook, count(*) FROM listing_offences GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert offences == [("campaign-2026", 15), ("listings-2026", 15)]
    assert check_journal(warehouse) == []

    posted = entries(warehouse)
    check_warehouse(warehouse, book, at=FOUND + timedelta(hours=2))
    check_warehouse(warehouse, other, at=FOUND + timedelta(hours=3))
    assert entries(warehouse) == posted  # re-running either posts nothing
    assert len(deposit_taken(warehouse)) == 4


def test_the_fifth_and_seventh_offences_freeze_the_listing_s_goods_payments(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    """P5's fifth offence: all three orders are in the 60 days before (¥42,000), frozen for
    30 days. P7's seventh listing sold ¥5,000 80 days and ¥7,000 100 days before: only the
    first is in the 90-day basis, frozen for 90 days (its 5th and 6th sold nothing)."""
    for k, (days, fen) in enumerate([(80, 500_000), (100, 700_000)]):
        add_order(warehouse, f"Q{k}", FOUND - timedelta(days=days), fen, shop_id="P7")
        warehouse.execute("UPDATE orders SET sku_id = 'P7-6' WHERE order_id = ?", [f"Q{k}"])
    check_warehouse(warehouse, book, at=FOUND)
    assert held(warehouse) == {"P5": 4_200_000, "P7": 500_000}
    frozen = warehouse.execute(
        "SELECT e.booked_on, p.account, p.amount_fen FROM journal_entries AS e "
        "JOIN journal_postings AS p USING (entry_id) WHERE e.kind = ? AND e.shop_id = 'P5' "
        "ORDER BY p.leg",
        [FREEZE_KIND],
    ).fetchall()
    assert frozen == [
        (date(2026, 3, 15), "merchant_available", -4_200_000),
        (date(2026, 3, 15), "merchant_held", 4_200_000),
    ]
    # 29 days on the freeze still holds; a re-run posts nothing
    posted = entries(warehouse)
    check_warehouse(warehouse, book, at=FOUND + timedelta(days=29))
    assert entries(warehouse) == posted
    assert held(warehouse) == {"P5": 4_200_000, "P7": 500_000}
    # 30 days on P5's is released, once; P7's holds for 90
    check_warehouse(warehouse, book, at=FOUND + timedelta(days=30))
    assert held(warehouse) == {"P7": 500_000}
    released = warehouse.execute(
        "SELECT booked_on FROM journal_entries WHERE kind = ?", [RELEASE_KIND]
    ).fetchall()
    assert released == [(date(2026, 4, 14),)]
    posted = entries(warehouse)
    check_warehouse(warehouse, book, at=FOUND + timedelta(days=31))
    assert entries(warehouse) == posted
    check_warehouse(warehouse, book, at=datetime(2026, 6, 13, 10))
    assert held(warehouse) == {}
    assert check_journal(warehouse) == []
