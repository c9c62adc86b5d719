"""Repeat offences in one scene escalate: 1-2 take-downs, a ban from the 3rd, heavier bans
from the 5th and the 7th (notice aJmzLewhMq6J), counted over the rulebook's window."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from merchantry.listings.check import Finding
from merchantry.listings.escalation import Offence, escalate
from merchantry.listings.rulebook import ListingRulebook, Outcome, RuleKind
from merchantry.listings.usecases import check_warehouse
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_shop
from tests.listings.test_flows import add_listing

AT = datetime(2026, 8, 1, 10)


def material(sku: str, shop: str = "S1") -> Finding:
    return Finding(
        sku, shop, RuleKind.MATERIAL_CLAIM, "listing.material", Outcome.TAKE_DOWN, 10,
        "false_advertising", "title says 羊绒",
    )  # fmt: skip


def outcomes(findings: list[Finding]) -> list[tuple[str, int | None, str]]:
    return [(f.sku_id, f.offence, f.outcome.value) for f in findings]


LADDER: list[tuple[int, tuple[int, str, str]]] = [
    (0, (1, "take_down", "商品下架")),
    (1, (2, "take_down", "商品下架")),
    (2, (3, "ban", "关闭预售权限15天")),
    (3, (4, "ban", "关闭预售权限15天")),
    (4, (5, "ban", "停业整顿3天")),
    (5, (6, "ban", "停业整顿3天")),
    (6, (7, "ban", "店铺清退")),
    (9, (10, "ban", "店铺清退")),
]
"""(earlier offences in the window, (the new one's number, outcome, a measure it names))."""


@pytest.mark.parametrize(("prior", "expected"), LADDER)
def test_each_step_of_the_ladder(
    book: ListingRulebook, prior: int, expected: tuple[int, str, str]
) -> None:
    history = [
        Offence("S1", "listing.material", f"OLD{k}", AT - timedelta(days=30 + k))
        for k in range(prior)
    ]
    (found,) = escalate([material("NEW")], book, history, AT)
    number, outcome, measure = expected
    assert (found.offence, found.outcome.value) == (number, outcome)
    assert measure in found.evidence
    assert f"offence {number} in this scene within 365 days" in found.evidence


def test_offences_found_together_are_numbered_in_publication_order(book: ListingRulebook) -> None:
    published = {f"K{k}": AT - timedelta(days=10 - k) for k in range(4)}
    found = escalate([material(f"K{k}") for k in (3, 1, 0, 2)], book, [], AT, published)
    assert sorted(outcomes(found)) == [
        ("K0", 1, "take_down"),
        ("K1", 2, "take_down"),
        ("K2", 3, "ban"),
        ("K3", 4, "ban"),
    ]


def test_only_the_same_shop_and_scene_within_the_window_count(book: ListingRulebook) -> None:
    history = [
        Offence("S2", "listing.material", "A", AT - timedelta(days=5)),  # another shop
        Offence("S1", "listing.origin", "B", AT - timedelta(days=5)),  # another scene
        Offence("S1", "listing.material", "C", AT - timedelta(days=366)),  # out of the window
        Offence("S1", "listing.material", "D", AT - timedelta(days=365)),  # just inside
    ]
    (found,) = escalate([material("NEW")], book, history, AT)
    assert (found.offence, found.outcome) == (2, Outcome.TAKE_DOWN)
    history.append(Offence("S1", "listing.material", "E", AT - timedelta(days=1)))
    (found,) = escalate([material("NEW")], book, history, AT)
    assert (found.offence, found.outcome) == (3, Outcome.BAN)


def test_a_recorded_offence_keeps_its_number_on_a_rerun(book: ListingRulebook) -> None:
    history = [
        Offence("S1", "listing.material", f"K{k}", AT - timedelta(days=3 - k)) for k in range(3)
    ]
    found = escalate([material("K0"), material("K2")], book, history, AT + timedelta(days=30))
    assert outcomes(found) == [("K0", 1, "take_down"), ("K2", 3, "ban")]


def test_rules_without_a_ladder_and_warnings_are_left_alone(book: ListingRulebook) -> None:
    warn = Finding("W", "S1", RuleKind.ABSOLUTE_TERMS, "listing.absolute-terms", Outcome.WARN, 0,
                   None, "最")  # fmt: skip
    history = [Offence("S1", "listing.material", f"O{k}", AT) for k in range(5)]
    assert escalate([warn], book, history, AT) == [warn]


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """S1 sells three scarves claiming cashmere they lack, published a day apart."""
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    for k in range(3):
        add_listing(con, f"K{k}", "S1", f"羊绒围巾女冬季款{k}", ["腈纶:100"])
        con.execute(
            "UPDATE listing_claims SET published_at = ? WHERE sku_id = ?",
            [datetime(2026, 3, 1 + k), f"K{k}"],
        )
    return con


def test_the_warehouse_check_bans_the_third_and_keeps_counting_across_runs(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    check_warehouse(warehouse, book, at=datetime(2026, 3, 15))
    rows = warehouse.execute(
        "SELECT sku_id, offence_no, outcome FROM listing_violations ORDER BY sku_id"
    ).fetchall()
    assert rows == [("K0", 1, "take_down"), ("K1", 2, "take_down"), ("K2", 3, "ban")]
    # Every one of them is a recorded violation (a ban records one, as a take-down does).
    assert warehouse.execute("SELECT count(*) FROM violations").fetchone() == (3,)
    # The banned listing leaves the catalogue; its offence still counts for the next one.
    warehouse.execute("DELETE FROM listing_claims WHERE sku_id = 'K2'")
    warehouse.execute("DELETE FROM products WHERE sku_id = 'K2'")
    add_listing(warehouse, "K3", "S1", "羊绒围巾女冬季款3", ["腈纶:100"])
    check_warehouse(warehouse, book, at=datetime(2026, 4, 1))
    rows = warehouse.execute(
        "SELECT sku_id, offence_no, outcome FROM listing_violations ORDER BY sku_id"
    ).fetchall()
    assert rows == [("K0", 1, "take_down"), ("K1", 2, "take_down"), ("K3", 4, "ban")]


def test_a_withdrawn_offence_does_not_count(
    warehouse: duckdb.DuckDBPyConnection, book: ListingRulebook
) -> None:
    from merchantry.listings.warehouse import violation_id

    check_warehouse(warehouse, book, at=datetime(2026, 3, 15))
    warehouse.execute(
        "INSERT INTO withdrawn_violations VALUES (?, 'RC-1', DATE '2026-03-16', 'label ok')",
        [violation_id(book.name, "K0", "listing.material")],
    )
    warehouse.execute("DELETE FROM listing_claims WHERE sku_id = 'K0'")
    warehouse.execute("DELETE FROM products WHERE sku_id = 'K0'")
    check_warehouse(warehouse, book, at=datetime(2026, 3, 20))
    rows = warehouse.execute(
        "SELECT sku_id, offence_no, outcome FROM listing_violations ORDER BY sku_id"
    ).fetchall()
    assert rows == [("K1", 1, "take_down"), ("K2", 2, "take_down")]
