"""A listing taken down flows on: a `violations` row the deposit deduction and the score read,
a case the merchant appeals with evidence, and an overturn that gives the money back."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import Engine

from merchantry.kit.errors import AccessDenied
from merchantry.ledger import apply_overturns, close_period, entry_id, logical_key
from merchantry.ledger.check import check_journal
from merchantry.listings.cases import open_listing_cases
from merchantry.listings.rulebook import ListingRulebook
from merchantry.listings.usecases import check_warehouse
from merchantry.listings.warehouse import violation_id
from merchantry.risk.access import Scope
from merchantry.risk.cases import CaseState, CaseSubject, InvalidTransition
from merchantry.risk.store import open_store
from merchantry.service import cases
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_shop, ledger_rulebook
from tests.scoring.market import Market, at

OPS = Scope.operator("ops")
FOUND_AT = datetime(2026, 3, 15, 10)


def add_listing(
    con: duckdb.DuckDBPyConnection,
    sku: str,
    shop: str,
    title: str,
    composition: list[str],
    category: str = "C1",
) -> None:
    con.execute(
        "INSERT INTO products (sku_id, shop_id, category_id, title, price_fen)"
        " VALUES (?, ?, ?, ?, 19900)",
        [sku, shop, category, title],
    )
    con.execute(
        "INSERT INTO listing_claims (sku_id, composition, subsidy_label, published_at)"
        " VALUES (?, ?, false, ?)",
        [sku, composition, datetime(2026, 3, 1)],
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """S1 sells a 羊绒 scarf with no cashmere and an honest 羊绒混纺 one; S2 only honest goods."""
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    add_shop(con, "S2")
    add_listing(con, "K1", "S1", "羊绒围巾女冬季保暖", ["腈纶:100"])
    add_listing(con, "K2", "S1", "羊绒混纺围巾女冬季", ["羊绒:30", "羊毛:70"])
    add_listing(con, "K3", "S2", "纯棉短袖T恤男夏季", ["棉:100"])
    return con


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    return open_store(f"sqlite:///{tmp_path / 'risk.sqlite'}")


def penalties(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings"
        " WHERE account = 'platform_penalties'"
    ).fetchone()
    return int(row[0]) if row else 0


def test_a_take_down_records_one_violation_and_reruns_change_nothing(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    result = check_warehouse(warehouse, book, at=FOUND_AT)
    assert [(f.sku_id, f.kind.value, f.outcome.value) for f in result.findings] == [
        ("K1", "material_claim", "take_down")
    ]
    check_warehouse(warehouse, book, at=datetime(2026, 3, 20))
    rows = warehouse.execute(
        "SELECT violation_id, shop_id, kind, occurred_at FROM violations"
    ).fetchall()
    assert rows == [
        (violation_id(book.name, "K1", "listing.material"), "S1", "false_advertising", FOUND_AT)
    ]
    stored = warehouse.execute("SELECT sku_id, points, evidence FROM listing_violations").fetchall()
    assert stored[0][:2] == ("K1", 10)
    assert "腈纶" in stored[0][2]


def test_the_deposit_is_deducted_and_an_appealed_overturn_gives_it_back(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=FOUND_AT)
    close_period(warehouse, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    assert penalties(warehouse) == 30_000  # the test rulebook's ¥300 for any violation

    assert open_listing_cases(engine, warehouse, OPS, book.name, datetime(2026, 3, 16)) == 1
    assert open_listing_cases(engine, warehouse, OPS, book.name, datetime(2026, 3, 16)) == 1
    (case,) = cases.list_cases(engine, OPS)
    subject = violation_id(book.name, "K1", "listing.material")
    assert (case.subject, case.subject_id, case.shop_id) == (
        CaseSubject.LISTING_VIOLATION,
        subject,
        "S1",
    )
    assert case.amount_fen == 30_000
    assert case.ledger_entry_id == entry_id(logical_key("deposit_deduction", subject))

    with pytest.raises(AccessDenied):
        cases.appeal_case(
            engine, Scope.merchant("S2"), case.case_id, ["x.jpg"], "not mine", datetime(2026, 3, 17)
        )
    appealed = cases.appeal_case(
        engine,
        Scope.merchant("S1"),
        case.case_id,
        ["label-photo.jpg"],
        "the label shows 30% cashmere",
        datetime(2026, 3, 17),
    )
    assert appealed.state is CaseState.UNDER_REVIEW
    moved = cases.overturn_case(
        engine, OPS, case.case_id, "label confirms cashmere", datetime(2026, 3, 20), warehouse
    )
    assert moved.reversal is not None
    assert moved.reversal.amount_fen == 30_000
    assert penalties(warehouse) == 0
    assert check_journal(warehouse) == []


def test_a_take_down_is_a_score_deduction_where_the_score_rulebook_deducts_false_advertising(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    """taobao-score-2026 deducts false advertising (penalty.false_advertising, 0.1 per case);
    the Douyin 2026-05 text has no such deduction, so the same violation leaves it unmoved."""
    market = Market(warehouse)
    for shop in ("G1", "G2"):
        market.shop(shop)
        market.orders(shop, 40)
    add_listing(warehouse, "KG1", "G1", "纯羊绒大衣女双面呢", ["羊毛:60", "涤纶:40"], "digital_3c")
    add_listing(
        warehouse, "KG2", "G2", "羊毛混纺大衣女双面呢", ["羊毛:60", "涤纶:40"], "digital_3c"
    )
    check_warehouse(warehouse, book, at=at(20))
    market.score("taobao-score-2026")
    assert market.adjustments("G1", "taobao-score-2026") == {
        "penalty.false_advertising:deduction": -10
    }
    assert market.adjustments("G2", "taobao-score-2026") == {}
    market.score()
    assert market.row("G1")["score_cp"] == market.row("G2")["score_cp"]


def overturn_listing_case(
    engine: Engine, con: duckdb.DuckDBPyConnection, book: ListingRulebook, when: datetime
) -> cases.CaseMove:
    """The merchant of the one listing case appeals with evidence; an operator overturns it."""
    (case,) = cases.list_cases(engine, OPS)
    cases.appeal_case(
        engine, Scope.merchant(case.shop_id), case.case_id, ["label.jpg"], "label", when
    )
    return cases.overturn_case(engine, OPS, case.case_id, "label confirms it", when, con)


@pytest.mark.parametrize(
    ("rulebook", "adjustment"),
    [
        ("taobao-score-2026", {"penalty.false_advertising:deduction": -10}),
        ("douyin-score-2026-09-listings", {"deduct.false_advertising:deduction": -1000}),
    ],
)
def test_an_overturn_withdraws_the_violation_from_the_score(
    warehouse: duckdb.DuckDBPyConnection,
    engine: Engine,
    book: ListingRulebook,
    rulebook: str,
    adjustment: dict[str, int],
) -> None:
    """Before the overturn G1 loses the false-advertising deduction; after it, re-scoring
    gives G1 the score of G2, its twin with an honest listing. On Taobao's score and on
    Douyin's with the 2026-09 proposal's listing deductions."""
    market = Market(warehouse)
    for shop in ("G1", "G2"):
        market.shop(shop)
        market.orders(shop, 40)
    add_listing(warehouse, "KG1", "G1", "纯羊绒大衣女双面呢", ["羊毛:60", "涤纶:40"], "digital_3c")
    add_listing(
        warehouse, "KG2", "G2", "羊毛混纺大衣女双面呢", ["羊毛:60", "涤纶:40"], "digital_3c"
    )
    check_warehouse(warehouse, book, at=at(20))
    market.score(rulebook)
    assert market.adjustments("G1", rulebook) == adjustment
    assert market.row("G1", rulebook)["score_cp"] < market.row("G2", rulebook)["score_cp"]
    warehouse.execute("DELETE FROM listing_violations WHERE sku_id <> 'KG1'")  # K1: fixture's
    assert open_listing_cases(engine, warehouse, OPS, book.name, at(21)) == 1

    moved = overturn_listing_case(engine, warehouse, book, at(22))
    assert moved.case.state is CaseState.OVERTURNED
    assert moved.reversal is None  # no close ran: no money moved, none to give back
    withdrawn = warehouse.execute("SELECT violation_id, case_id FROM withdrawn_violations")
    assert withdrawn.fetchall() == [
        (violation_id(book.name, "KG1", "listing.material"), moved.case.case_id)
    ]
    market.score(rulebook)
    assert market.adjustments("G1", rulebook) == {}
    assert market.row("G1", rulebook)["score_cp"] == market.row("G2", rulebook)["score_cp"]
    # The listing rule still fires on a re-check, but neither a new violation nor a new case
    # comes of it: the violation keeps its id and stays withdrawn.
    check_warehouse(warehouse, book, at=at(25))
    market.score(rulebook)
    assert market.adjustments("G1", rulebook) == {}


def test_an_overturn_after_the_close_reverses_the_deduction_once_and_for_good(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=FOUND_AT)
    close_period(warehouse, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    open_listing_cases(engine, warehouse, OPS, book.name, datetime(2026, 3, 16))
    moved = overturn_listing_case(engine, warehouse, book, datetime(2026, 3, 20))
    assert moved.reversal is not None
    assert moved.reversal.amount_fen == 30_000
    assert penalties(warehouse) == 0
    entries = warehouse.execute("SELECT count(*) FROM journal_entries").fetchone()
    # Re-closing the month and re-applying the overturn post nothing: the reversal stands.
    close_period(warehouse, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    assert apply_overturns(warehouse) == 0
    assert warehouse.execute("SELECT count(*) FROM journal_entries").fetchone() == entries
    assert penalties(warehouse) == 0
    assert check_journal(warehouse) == []


def test_a_case_opened_before_the_close_still_gets_its_deduction_back(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine, book: ListingRulebook
) -> None:
    """The case names no entry (the close had not run); the deduction the close posted
    afterwards is found by the violation and reversed, balanced, once."""
    check_warehouse(warehouse, book, at=FOUND_AT)
    open_listing_cases(engine, warehouse, OPS, book.name, datetime(2026, 3, 16))
    close_period(warehouse, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    assert penalties(warehouse) == 30_000
    moved = overturn_listing_case(engine, warehouse, book, datetime(2026, 3, 20))
    assert moved.reversal is not None
    assert moved.reversal.amount_fen == 30_000
    assert moved.reversal.legs == 2
    assert penalties(warehouse) == 0
    close_period(warehouse, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    assert penalties(warehouse) == 0
    assert check_journal(warehouse) == []


def test_a_violation_overturned_before_the_close_is_never_deducted(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=FOUND_AT)
    open_listing_cases(engine, warehouse, OPS, book.name, datetime(2026, 3, 16))
    overturn_listing_case(engine, warehouse, book, datetime(2026, 3, 17))
    close_period(warehouse, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    assert penalties(warehouse) == 0
    assert check_journal(warehouse) == []


def test_overturning_a_listing_case_without_the_warehouse_is_refused(
    warehouse: duckdb.DuckDBPyConnection, engine: Engine, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=FOUND_AT)
    open_listing_cases(engine, warehouse, OPS, book.name, datetime(2026, 3, 16))
    (case,) = cases.list_cases(engine, OPS)
    cases.appeal_case(engine, Scope.merchant("S1"), case.case_id, ["a.jpg"], "x", FOUND_AT)
    with pytest.raises(InvalidTransition, match="needs the warehouse"):
        cases.overturn_case(engine, OPS, case.case_id, "ok", datetime(2026, 3, 17))
    assert cases.get_case(engine, OPS, case.case_id).state is CaseState.UNDER_REVIEW


def test_douyin_listing_deductions_are_ten_each_and_capped_at_ten(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    """platform-rules.md §1.5 (2026-09-08 proposal): false advertising −10 at once, at most
    −10; confusing brand information −10 at once, at most −10 (each its own cap). G1 has one
    false claim (−10.00), G2 two (still −10.00), G3 two and a brand without papers (−20.00)."""
    market = Market(warehouse)
    for shop in ("G1", "G2", "G3", "G4"):
        market.shop(shop)
        market.orders(shop, 40)
    claims = {"G1": 1, "G2": 2, "G3": 2}
    for shop, n in claims.items():
        for k in range(n):
            add_listing(
                warehouse, f"{shop}K{k}", shop, f"纯羊绒大衣女款{k}", ["羊毛:60"], "digital_3c"
            )
    add_listing(warehouse, "G3B", "G3", "修护面霜套装", [], "digital_3c")
    warehouse.execute("UPDATE listing_claims SET brand = '澜庭' WHERE sku_id = 'G3B'")
    check_warehouse(warehouse, book, at=at(20))
    market.score("douyin-score-2026-09-listings")
    got = {s: market.adjustments(s, "douyin-score-2026-09-listings") for s in ("G1", "G2", "G3")}
    assert got["G1"] == {"deduct.false_advertising:deduction": -1000}
    assert sum(got["G2"].values()) == -1000
    assert sum(got["G3"].values()) == -2000
    base = market.row("G4", "douyin-score-2026-09-listings")["score_cp"]
    assert base - market.row("G1", "douyin-score-2026-09-listings")["score_cp"] == 1000
    assert base - market.row("G3", "douyin-score-2026-09-listings")["score_cp"] == 2000


def test_douyin_listing_deductions_are_pinned() -> None:
    """The 2026-09-08 proposal (platform-rules.md §1.5): each listing deduction is 10 points
    (1000 hundredths) at once, at most 10, from 2026-09-08. With the cap equal to the points a
    points value above it would not show in any score, so the numbers are pinned here too."""
    from merchantry.rulebook import load_rulebook

    book = load_rulebook("douyin-score-2026-09-listings")
    assert book.effective_from == date(2026, 9, 8)
    effects = {
        r.id: (r.effect.text("violation"), r.effect.int("points_cp"), r.effect.int("cap_cp"))
        for r in book.rules
        if r.id in ("deduct.false_advertising", "deduct.brand_confusion")
    }
    assert effects == {
        "deduct.false_advertising": ("false_advertising", 1000, 1000),
        "deduct.brand_confusion": ("brand_confusion", 1000, 1000),
    }
