"""A creator's false claim in a caption becomes that creator's violation, and an overturn
withdraws it (创作者【虚假宣传】处置细则: the creator's offence, not the shop's).

Shop S1 sells an acrylic scarf (腈纶 100%). Creator CR1's video says it is cashmere (false);
CR2's says imitation cashmere (honest); CR3's promotes an honest blend truthfully.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from merchantry.ledger.check import check_journal
from merchantry.listings.cases import open_listing_cases
from merchantry.listings.rulebook import ListingRulebook
from merchantry.listings.usecases import check_warehouse
from merchantry.listings.warehouse import creator_violation_id, violation_id
from merchantry.risk.access import Scope
from merchantry.risk.store import open_store
from merchantry.service import cases
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_creator, add_shop
from tests.listings.test_flows import add_listing

FOUND = datetime(2026, 3, 15, 10)
OPS = Scope.operator("ops")


def add_video(
    con: duckdb.DuckDBPyConnection, video: str, creator: str, shop: str, sku: str, caption: str
) -> None:
    con.execute(
        "INSERT INTO creator_videos (video_id, creator_id, shop_id, sku_id, published_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [video, creator, shop, sku, datetime(2026, 3, 2)],
    )
    con.execute("INSERT INTO video_captions (video_id, caption) VALUES (?, ?)", [video, caption])


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    for creator in ("CR1", "CR2", "CR3"):
        add_creator(con, creator)
    add_listing(con, "K1", "S1", "女士围巾冬季保暖", ["腈纶:100"])
    add_listing(con, "K2", "S1", "羊绒混纺围巾女冬季", ["羊绒:30", "羊毛:70"])
    add_video(con, "V1", "CR1", "S1", "K1", "这款是羊绒的，很软")
    add_video(con, "V2", "CR2", "S1", "K1", "仿羊绒面料，平价好用")
    add_video(con, "V3", "CR3", "S1", "K2", "羊绒混纺，含羊绒30%")
    return con


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'risk.sqlite'}")


def creator_rows(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, datetime]]:
    rows = con.execute(
        "SELECT violation_id, creator_id, kind, occurred_at FROM creator_violations"
    ).fetchall()
    return [(str(v), str(c), str(k), t) for v, c, k, t in rows]


def test_a_false_caption_records_its_creator_s_violation_once(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    result = check_warehouse(warehouse, book, at=FOUND)
    assert [(f.sku_id, f.kind.value, f.outcome.value) for f in result.findings] == [
        ("K1", "caption_claim", "warn")
    ]
    expected = [
        (
            creator_violation_id(book.name, "V1", "listing.caption-claim"),
            "CR1",
            "false_advertising",
            FOUND,
        )
    ]
    assert creator_rows(warehouse) == expected
    # The shop records no violation of its own for a creator's words.
    assert warehouse.execute("SELECT count(*) FROM violations").fetchone() == (0,)
    check_warehouse(warehouse, book, at=FOUND + timedelta(days=2))
    assert creator_rows(warehouse) == expected  # kept at its first confirmation


def test_an_overturned_caption_case_withdraws_the_creator_violation(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=FOUND)
    open_listing_cases(engine, warehouse, OPS, book.name, FOUND)
    (case,) = cases.list_cases(engine, OPS)
    assert case.subject_id == violation_id(book.name, "K1", "listing.caption-claim")
    cases.appeal_case(engine, Scope.merchant("S1"), case.case_id, ["v1.mp4"], "context", FOUND)
    moved = cases.overturn_case(
        engine, OPS, case.case_id, "said of another scarf", FOUND, warehouse
    )
    assert moved.reversal is None  # no close ran: nothing frozen yet, nothing to give back
    withdrawn = warehouse.execute(
        "SELECT violation_id, case_id FROM withdrawn_violations ORDER BY violation_id"
    ).fetchall()
    assert withdrawn == sorted(
        [
            (creator_violation_id(book.name, "V1", "listing.caption-claim"), case.case_id),
            (case.subject_id, case.case_id),
        ]
    )


@pytest.mark.slow
def test_the_creator_s_commission_is_frozen_and_an_overturn_gives_it_back(
    tmp_path: Path, engine: Engine, book: ListingRulebook
) -> None:
    """douyin-2026's commission freeze (§3.7) over a real close: the creator's 1,125,000 fen
    of commission settles on 06-17, 5% of it (56,250) into the reserve (as in
    tests/rulebook/test_pins_ledger.py); its false caption, confirmed on 06-20, freezes the
    1,068,750 available; the overturn reverses the freeze, once, and a re-close keeps it so."""
    from merchantry.service.runner import close_with_fees
    from tests.fees.market import Market

    con = connect(tmp_path / "m.duckdb")
    market = Market(con)
    creator = market.creator("B")
    shop = market.shop()
    order = market.order(
        shop,
        creator=creator,
        commission_bp=2_000,
        goods=6_250_000,
        paid_at=datetime(2026, 6, 1, 10),
    )
    market.confirm_receipt(order, after=timedelta(days=1))
    (sku,) = con.execute("SELECT sku_id FROM orders WHERE order_id = ?", [order]).fetchone() or ()
    con.execute(
        "INSERT INTO listing_claims (sku_id, composition, subsidy_label, published_at) "
        "VALUES (?, ['腈纶:100'], false, ?)",
        [sku, datetime(2026, 5, 1)],
    )
    con.execute("UPDATE products SET title = '女士围巾冬季保暖' WHERE sku_id = ?", [sku])
    add_video(con, "V1", creator, shop, str(sku), "这款是羊绒的，很软")
    check_warehouse(con, book, at=datetime(2026, 6, 20, 9))
    period = (date(2026, 6, 1), date(2026, 7, 31))

    def frozen() -> int:
        row = con.execute(
            "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings "
            "WHERE account = 'creator_frozen' AND party = ?",
            [creator],
        ).fetchone()
        return int(row[0]) if row else 0

    close_with_fees(con, "douyin-2026", *period, refresh_fees=True)
    assert frozen() == 1_068_750
    open_listing_cases(engine, con, OPS, book.name, datetime(2026, 6, 21))
    (case,) = cases.list_cases(engine, OPS)
    cases.appeal_case(
        engine, Scope.merchant(shop), case.case_id, ["v.mp4"], "x", datetime(2026, 6, 22)
    )
    moved = cases.overturn_case(engine, OPS, case.case_id, "ok", datetime(2026, 6, 23), con)
    assert moved.reversal is not None
    assert moved.reversal.amount_fen == 1_068_750
    assert frozen() == 0
    close_with_fees(con, "douyin-2026", *period, refresh_fees=True)
    assert frozen() == 0
    assert check_journal(con) == []
