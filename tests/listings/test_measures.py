"""Each escalation step's measures take effect where a user sees them, and lift again.

Notice aJmzLewhMq6J (merchant table): 3-4 violations in a scene close presale for 15 days;
5-6 close it for good, suspend the shop for 3 days and take a penalty of 10% of the listing's
last 30 days' sales (¥500 to ¥5,000) from the deposit; 7 and more clear the shop out, penalty
10% of 90 days' sales (¥1,000 to ¥20,000). Shops here: P3 has 3 false cashmere claims, P5
has 5, P7 has 7 (each published a day apart from 2026-03-01, found on 2026-03-15 10:00).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from merchantry.ledger.check import check_journal
from merchantry.listings.cases import open_listing_cases
from merchantry.listings.claims import Listing
from merchantry.listings.measures import PENALTY_KIND, read_restrictions
from merchantry.listings.rulebook import ListingRulebook
from merchantry.listings.usecases import check_warehouse, prepublish_checker
from merchantry.listings.warehouse import violation_id
from merchantry.reco.settings import load_settings
from merchantry.reco.similarity import Listing as RecoListing
from merchantry.reco.suppression import Catalogue
from merchantry.reco.usecases import filter_for_buyer
from merchantry.risk.access import Scope
from merchantry.risk.store import open_store
from merchantry.service import cases
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_order, add_shop
from tests.listings.test_flows import add_listing

FOUND = datetime(2026, 3, 15, 10)
OPS = Scope.operator("ops")
SHOPS = {"P3": 3, "P5": 5, "P7": 7, "OK": 0}


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    for shop, n in SHOPS.items():
        add_shop(con, shop)
        for k in range(n):
            sku = f"{shop}-{k}"
            add_listing(con, sku, shop, f"羊绒围巾女冬季款{shop}{k}", ["腈纶:100"])
            con.execute(
                "UPDATE listing_claims SET published_at = ? WHERE sku_id = ?",
                [datetime(2026, 3, 1 + k), sku],
            )
    add_listing(con, "OK-0", "OK", "纯棉短袖T恤男夏季", ["棉:100"])
    # P5's fifth listing sold ¥30,000 in the 30 days before the offence (¥12,000 of it 40
    # days before: outside the basis), so its penalty is 10% of ¥30,000 = ¥3,000.
    for k, (days_before, fen) in enumerate([(2, 1_000_000), (20, 2_000_000), (40, 1_200_000)]):
        add_order(con, f"O{k}", FOUND - timedelta(days=days_before), fen, shop_id="P5")
        con.execute("UPDATE orders SET sku_id = 'P5-4' WHERE order_id = ?", [f"O{k}"])
    return con


def restrictions(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, int, datetime | None]]:
    rows = con.execute(
        "SELECT shop_id, restriction, offence_no, ends_at FROM shop_restrictions"
    ).fetchall()
    return {(str(s), str(r), int(n), e) for s, r, n, e in rows}


def penalties(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        "SELECT party, sum(amount_fen) FROM journal_postings "
        "WHERE account = 'merchant_deposit' AND entry_kind IN (?, 'reversal') "
        "AND entry_id IN (SELECT entry_id FROM journal_entries WHERE kind = ? OR reverses IN "
        "(SELECT entry_id FROM journal_entries WHERE kind = ?)) GROUP BY party",
        [PENALTY_KIND, PENALTY_KIND, PENALTY_KIND],
    ).fetchall()
    return {str(p): -int(a) for p, a in rows if a}


def entries(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM journal_entries").fetchone()
    return int(row[0]) if row else 0


def test_each_step_imposes_its_restrictions_and_penalty_once(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=FOUND)
    presale_end = FOUND + timedelta(days=15)
    suspension_end = FOUND + timedelta(days=3)
    assert restrictions(warehouse) == {
        ("P3", "presale_closed", 3, presale_end),
        ("P5", "presale_closed", 3, presale_end),
        ("P5", "presale_closed", 4, presale_end),
        ("P5", "presale_closed", 5, None),
        ("P5", "suspended", 5, suspension_end),
        ("P7", "presale_closed", 3, presale_end),
        ("P7", "presale_closed", 4, presale_end),
        ("P7", "presale_closed", 5, None),
        ("P7", "suspended", 5, suspension_end),
        ("P7", "presale_closed", 6, None),
        ("P7", "suspended", 6, suspension_end),
        ("P7", "closed", 7, None),
    }
    # P5: the 5th offence, 10% of ¥30,000 = ¥3,000. P7: the 5th and 6th sold nothing (the
    # floor, ¥500 each), the 7th sold nothing (the 7th step's floor, ¥1,000).
    assert penalties(warehouse) == {"P5": 300_000, "P7": 50_000 + 50_000 + 100_000}
    assert check_journal(warehouse) == []
    posted = entries(warehouse)
    check_warehouse(warehouse, book, at=FOUND + timedelta(days=1))
    assert entries(warehouse) == posted  # a re-run posts nothing
    assert penalties(warehouse) == {"P5": 300_000, "P7": 200_000}


def new(shop: str, presale: bool = False) -> Listing:
    return Listing("NEW", shop, "纯棉短袖T恤女夏季新款", 9_900, composition={"棉": 100},
                   presale=presale)  # fmt: skip


def decisions(
    con: duckdb.DuckDBPyConnection, book: ListingRulebook, at: datetime
) -> dict[str, tuple[str, str]]:
    checker = prepublish_checker(book, con=con, today=at.date())
    return {
        shop: (checker.check(new(shop), at).decision, checker.check(new(shop, True), at).decision)
        for shop in SHOPS
    }


def test_the_pre_publish_check_refuses_while_a_restriction_holds(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    """(ordinary listing, presale listing) per shop, during and after each period."""
    check_warehouse(warehouse, book, at=FOUND)
    assert decisions(warehouse, book, FOUND + timedelta(days=1)) == {
        "P3": ("publish", "block"),  # presale closed for 15 days
        "P5": ("block", "block"),  # suspended for 3 days
        "P7": ("block", "block"),  # closed
        "OK": ("publish", "publish"),
    }
    assert decisions(warehouse, book, FOUND + timedelta(days=3)) == {
        "P3": ("publish", "block"),
        "P5": ("publish", "block"),  # the suspension is over; presale closed for good
        "P7": ("block", "block"),
        "OK": ("publish", "publish"),
    }
    assert decisions(warehouse, book, FOUND + timedelta(days=15)) == {
        "P3": ("publish", "publish"),  # 15 days on: presale open again
        "P5": ("publish", "block"),
        "P7": ("block", "block"),
        "OK": ("publish", "publish"),
    }
    refused = prepublish_checker(book, con=warehouse).check(new("P5"), FOUND).refusals
    assert {r.restriction.value for r in refused} == {"suspended"}
    assert "停业整顿3天" in refused[0].describe()


def test_recommendations_withhold_a_suspended_shop_s_goods_until_the_end(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=FOUND)
    settings = load_settings()
    catalogue = Catalogue(
        {
            sku: RecoListing(sku, "C1", title, 19_900, shop_id=shop)
            for sku, shop, title in (
                ("P5-0", "P5", "羊绒围巾女冬季款P50"),
                ("P3-0", "P3", "羊绒围巾女冬季款P30"),
                ("OK-0", "OK", "纯棉短袖T恤男夏季"),
            )
        },
        {},
        {"C1": "apparel"},
        settings.similarity,
    )

    def shown(at: datetime) -> list[str]:
        result, _ = filter_for_buyer(
            warehouse, catalogue, settings, ["P5-0", "P3-0", "OK-0"], buyer_id=None, now=at
        )
        return result.kept

    during = FOUND + timedelta(days=1)
    assert shown(during) == ["P3-0", "OK-0"]  # presale closure alone hides nothing
    result, _ = filter_for_buyer(
        warehouse, catalogue, settings, ["P5-0"], buyer_id=None, now=during
    )
    (removal,) = result.removed
    assert (removal.sku_id, removal.path) == ("P5-0", "shop_restriction")
    assert shown(FOUND + timedelta(days=3)) == ["P5-0", "P3-0", "OK-0"]


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'risk.sqlite'}")


def test_an_overturn_lifts_the_measures_and_reverses_the_penalty_once(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine, book: ListingRulebook
) -> None:
    """P5's fifth offence is overturned on appeal: its suspension and permanent presale
    closure lift at once (the 3rd and 4th offences' 15-day closures stay), its ¥3,000 comes
    back in a balanced reversal, and neither a re-check nor a second refresh posts again."""
    check_warehouse(warehouse, book, at=FOUND)
    open_listing_cases(engine, warehouse, OPS, book.name, FOUND + timedelta(hours=1))
    fifth = violation_id(book.name, "P5-4", "listing.material")
    case = next(c for c in cases.list_cases(engine, OPS) if c.subject_id == fifth)
    cases.appeal_case(engine, Scope.merchant("P5"), case.case_id, ["label.jpg"], "30%", FOUND)
    cases.overturn_case(engine, OPS, case.case_id, "label confirms", FOUND, warehouse)

    standing = {
        (r.restriction.value, r.offence_no)
        for r in read_restrictions(warehouse)
        if r.shop_id == "P5"
    }
    assert standing == {("presale_closed", 3), ("presale_closed", 4)}
    assert penalties(warehouse) == {"P7": 200_000}
    assert check_journal(warehouse) == []
    at = FOUND + timedelta(days=1)
    assert decisions(warehouse, book, at)["P5"] == ("publish", "block")
    posted = entries(warehouse)
    check_warehouse(warehouse, book, at=at)
    assert entries(warehouse) == posted
    assert penalties(warehouse) == {"P7": 200_000}
    reversal = warehouse.execute(
        "SELECT r.booked_on, e.kind FROM journal_entries AS r "
        "JOIN journal_entries AS e ON e.entry_id = r.reverses ORDER BY e.kind"
    ).fetchall()
    # the penalty and the goods-payment freeze of the 5th offence, both on the overturn's day
    assert reversal == [(date(2026, 3, 15), PENALTY_KIND), (date(2026, 3, 15), "goods_freeze")]


def test_a_withdrawn_earlier_offence_renumbers_the_later_ones(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    """P7's first offence withdrawn: its 7th becomes a 6th (no more clearance: suspended,
    penalty at the 5-6 step's floor ¥500 instead of the 7th's ¥1,000), its 5th becomes a 4th
    (no suspension, no penalty)."""
    from merchantry.listings.usecases import refresh_measures

    check_warehouse(warehouse, book, at=FOUND)
    warehouse.execute(
        "INSERT INTO withdrawn_violations VALUES (?, 'RC-1', DATE '2026-03-16', 'label ok')",
        [violation_id(book.name, "P7-0", "listing.material")],
    )
    refresh_measures(warehouse, book, date(2026, 3, 16))
    p7 = {(r, n) for s, r, n, _ in restrictions(warehouse) if s == "P7"}
    assert p7 == {
        ("presale_closed", 3),
        ("presale_closed", 4),
        ("presale_closed", 5),
        ("suspended", 5),
        ("presale_closed", 6),
        ("suspended", 6),
    }
    assert penalties(warehouse) == {"P5": 300_000, "P7": 50_000 + 50_000}
    assert check_journal(warehouse) == []
    posted = entries(warehouse)
    refresh_measures(warehouse, book, date(2026, 3, 16))
    assert entries(warehouse) == posted
