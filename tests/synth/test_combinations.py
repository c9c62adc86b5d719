"""Combinations of scopes a rule requires: read from the rulebooks, met by shops and orders.

The end-to-end check over the shipped rulebooks is
``test_scopes.py::test_every_combination_a_rule_requires_meets_generated_rows``; these tests
pin the pieces on small hand-written combinations, and read the result back through DuckDB
rather than through the module's own masks.
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import sqlglot

from merchantry.synth.combination_reader import (
    Atom,
    Combination,
    combine,
    required_atoms,
    rulebook_conditions,
    shipped_combinations,
)
from merchantry.synth.combinations import (
    COMBINATION_SHOP_SHARE,
    meet_order_combinations,
    meet_shop_combinations,
)
from merchantry.synth.orders import OrderBatch, draw_orders
from merchantry.synth.population import Population, draw_population
from merchantry.synth.scopes import scope_orders, widen_population
from merchantry.synth.vector import stream

START = date(2026, 10, 1)


def parse(text: str) -> sqlglot.exp.Expr:
    return sqlglot.parse_one(text, read="duckdb")


def combo(*atoms: tuple[str, tuple[str, ...]]) -> Combination:
    """A combination from ``("shop.store_type", ("flagship",))`` pairs."""
    parts = []
    for name, values in atoms:
        namespace, column = name.split(".")
        parts.append(Atom(namespace, column, values, column in {"tags", "affiliate_plans"}))
    return Combination(tuple(sorted(parts)), ("test.yaml:rule",))


@functools.cache
def market(shops: int) -> Population:
    pop = draw_population(stream(5, 0), shops, START)
    return widen_population(stream(5, 11), pop, leaf_rng=stream(5, 9, 1))


def facts(pop: Population) -> duckdb.DuckDBPyConnection:
    """Shops joined to the leaf category of each of their SKUs."""
    con = duckdb.connect()
    for name in ("shops", "products", "categories"):
        con.register(name, pop.tables[name])
    con.execute(
        """CREATE VIEW sells AS
           SELECT s.*, c.industry AS category_industry
           FROM shops AS s JOIN products AS p USING (shop_id)
           JOIN categories AS c ON c.category_id = p.category_id"""
    )
    return con


def count(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> int:
    ((value,),) = con.execute(sql, list(params)).fetchall()
    return int(value)


# --- reading ---------------------------------------------------------------------------------


def test_the_reader_keeps_only_text_parts_an_and_requires_on_generated_columns() -> None:
    atoms = required_atoms(
        parse(
            "(shop.industry IN ('a', 'b') AND 'flagship' = shop.store_type) "
            "AND list_contains(shop.tags, 'brand') AND order.goods_fen > 5 "
            "AND (category.industry = 'c' OR order.scene = 'live') "
            "AND NOT shop.region = 'r' AND shop.score_stage = 'growth' "
            "AND creator.tier IN ('A') AND order.paid_date >= DATE '2026-07-15'"
        )
    )
    assert sorted((a.name, a.values, a.listed) for a in atoms) == [
        ("creator.tier", ("A",), False),
        ("shop.industry", ("a", "b"), False),
        ("shop.store_type", ("flagship",), False),
        ("shop.tags", ("brand",), True),
    ]


def test_combine_keeps_two_or_more_columns_once_with_every_rule() -> None:
    found = combine(
        [
            ("a.yaml:one", parse("shop.industry = 'x' AND shop.store_type = 'flagship'")),
            ("b.yaml:two", parse("shop.store_type = 'flagship' AND shop.industry IN ('x')")),
            ("b.yaml:single", parse("shop.industry = 'x'")),
            ("b.yaml:same-column", parse("shop.industry = 'x' AND shop.industry = 'y'")),
        ]
    )
    assert [(len(c.atoms), c.rules) for c in found] == [(2, ("a.yaml:one", "b.yaml:two"))]


def test_rulebook_conditions_reads_every_rule_of_every_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "one.yaml").write_text(
        "rulebook: one\nrules:\n"
        "  - id: r1\n    when: shop.business_mode = 'cross_border' AND category.industry = 'x'\n"
        "  - id: r2\n    when: true\n",
        encoding="utf-8",
    )
    (tmp_path / "notes.txt").write_text("rules: []", encoding="utf-8")
    (tmp_path / "two.yaml").write_text("rulebook: two\nrules:\n  - id: r3\n", encoding="utf-8")
    found = rulebook_conditions(tmp_path)
    assert [who for who, _ in found] == ["one.yaml:r1"]
    (only,) = combine(found)
    assert {a.name for a in only.atoms} == {"shop.business_mode", "category.industry"}


def test_the_shipped_rulebooks_combine_shop_category_and_order_scopes() -> None:
    combos = shipped_combinations()
    columns = {a.name for c in combos for a in c.atoms}
    assert {"shop.store_type", "shop.business_mode", "category.industry"} <= columns
    assert any(c.on("order") for c in combos)
    assert all(len({a.name for a in c.atoms}) >= 2 for c in combos)


# --- shops -----------------------------------------------------------------------------------

FLAGSHIP_GAME = combo(("shop.industry", ("game_services",)), ("shop.store_type", ("flagship",)))
CROSS_BORDER_MAKEUP = combo(
    ("shop.business_mode", ("cross_border",)),
    ("category.industry", ("makeup",)),
    ("shop.store_subtype", ("specialty", "franchise")),
)
INSTANT_ADULT = combo(
    ("shop.business_mode", ("instant_retail",)), ("category.industry", ("adult_family_planning",))
)
IMPOSSIBLE = combo(("shop.store_subtype", ("specialty",)), ("shop.store_type", ("flagship",)))
NOWHERE = combo(("shop.region", ("no such region",)), ("shop.store_type", ("flagship",)))


MEETING_SQL = (
    "SELECT count(*) FROM sells WHERE industry = 'game_services' AND store_type = 'flagship'",
    "SELECT count(*) FROM sells WHERE business_mode = 'cross_border' "
    "AND category_industry = 'makeup' AND store_subtype IN ('specialty', 'franchise')",
    "SELECT count(*) FROM sells WHERE business_mode = 'instant_retail' "
    "AND category_industry = 'adult_family_planning'",
)
"""Independent checks of the first three combinations above, one per combination."""


def test_each_combination_gets_a_shop_and_planted_shops_stay() -> None:
    pop = market(200)
    wanted = [FLAGSHIP_GAME, CROSS_BORDER_MAKEUP, INSTANT_ADULT, IMPOSSIBLE, NOWHERE]
    con = facts(pop)
    assert [count(con, sql) for sql in MEETING_SQL] == [0, 0, 0]  # not met as drawn
    con.close()

    after = meet_shop_combinations(stream(5, 16), pop, wanted)
    con = facts(after)
    assert all(count(con, sql) > 0 for sql in MEETING_SQL)
    # a shop sells its own industry; store kinds describe enterprise stores only
    assert count(con, "SELECT count(*) FROM sells WHERE category_industry <> industry") == 0
    assert (
        count(
            con,
            "SELECT count(*) FROM shops "
            "WHERE (store_subtype IS NULL) <> (store_type <> 'enterprise')",
        )
        == 0
    )
    con.close()
    changed = _changed_shops(pop, after)
    assert 1 <= len(changed) <= 3
    planted = {
        shop
        for name in ("poor_quality_shops", "late_shipping_shops", "sizing_skus")
        for shop in pop.truth[name].column("shop_id").to_pylist()
    }
    restricted = set(pop.shop_ids.filter(pa.array(pop.shop_restricted)).to_pylist())
    assert not changed & (planted | restricted)
    # the arrays the other streams draw from agree with the written tables
    shops = after.tables["shops"]
    assert (
        after.shop_cross_border == [m == "cross_border" for m in shops["business_mode"].to_pylist()]
    ).all()
    assert (after.shop_industry == pop.shop_industry).sum() >= 200 - len(changed)


def test_a_combination_met_as_drawn_changes_nothing() -> None:
    pop = market(200)
    shops = pop.tables["shops"].to_pylist()
    first = shops[0]
    met = combo(
        ("shop.industry", (first["industry"],)), ("shop.store_type", (first["store_type"],))
    )
    assert meet_shop_combinations(stream(5, 16), pop, [met]) is pop


def test_a_small_market_relabels_at_most_its_share_of_shops() -> None:
    pop = market(40)
    wanted = [
        combo(("shop.industry", (code,)), ("shop.store_type", ("flagship",)))
        for code in ("car_supplies", "kitchenware", "mens_wear", "underwear", "tea", "jade")
    ]
    after = meet_shop_combinations(stream(5, 16), pop, wanted)
    assert len(_changed_shops(pop, after)) == int(COMBINATION_SHOP_SHARE * 40) == 2


def test_relabelling_moves_no_other_stream_s_draws() -> None:
    """The day's orders are drawn from arrays of the same sizes: same ids, shops, SKUs,
    buyers and times, whatever was relabelled (moved SKUs included)."""
    pop = market(200)
    after = meet_shop_combinations(stream(5, 16), pop, [FLAGSHIP_GAME, INSTANT_ADULT])
    assert _changed_shops(pop, after)
    keys = ["order_id", "shop_id", "sku_id", "buyer_id", "paid_at", "quantity", "scene"]
    drawn = [
        draw_orders(stream(5, 1, 0, 0), p, 0, START, 3.0).table.select(keys) for p in (pop, after)
    ]
    assert drawn[0].equals(drawn[1])


def _changed_shops(before: Population, after: Population) -> set[str]:
    old, new = before.tables["shops"].to_pylist(), after.tables["shops"].to_pylist()
    return {a["shop_id"] for a, b in zip(old, new, strict=True) if a != b}


# --- orders ----------------------------------------------------------------------------------


def day_batch(pop: Population) -> OrderBatch:
    batch = draw_orders(stream(5, 1, 0, 0), pop, 0, START, 3.0)
    return scope_orders(stream(5, 11, 0), batch)


def test_a_day_gets_one_order_meeting_each_order_combination() -> None:
    pop = market(200)
    batch = day_batch(pop)
    shop_industry = pop.tables["shops"]["industry"].to_pylist()
    sold = Counter(shop_industry[int(s)] for s in batch.shop.tolist())
    busiest = sold.most_common(1)[0][0]
    wanted = combo(
        ("shop.industry", (busiest,)),
        ("order.entry_point", ("doubao",)),
        ("order.scene", ("mall",)),
    )
    insured = combo(("shop.industry", (busiest,)), ("order.insurance_type", ("no_such_type",)))
    con = duckdb.connect()
    con.register("orders", batch.table)
    con.register("shops", pop.tables["shops"])
    meeting = (
        "SELECT count(*) FROM orders JOIN shops USING (shop_id) "
        "WHERE industry = ? AND entry_point = 'doubao' AND scene = 'mall'"
    )
    assert count(con, meeting, busiest) == 0
    after = meet_order_combinations(stream(5, 16, 0), pop, batch, [wanted, insured])
    con.register("orders", after.table)
    assert count(con, meeting, busiest) == 1
    con.close()
    old, new = batch.table.to_pylist(), after.table.to_pylist()
    differ = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert len(differ) == 1  # one order, and only the columns required
    ((a, b),) = differ
    assert {k for k in a if a[k] != b[k]} <= {"entry_point", "scene"}
    assert after.scene[old.index(a)] == 4  # the batch's scene array follows the table (mall)
    assert (after.scene != batch.scene).sum() <= 1
    # an order with no insurance is not given one, and no unknown value is written
    assert after.table["insurance_type"].equals(batch.table["insurance_type"])


def test_a_nullable_order_column_is_set_only_where_it_has_a_value() -> None:
    pop = market(200)
    batch = day_batch(pop)
    unknown = combo(("shop.store_type", ("personal",)), ("order.affiliate_plans", ("no_plan",)))
    colonel = combo(
        ("shop.store_type", ("personal",)),
        ("order.affiliate_plans", ("hosted_colonel",)),
        ("order.scene", ("mall",)),
        ("order.entry_point", ("other",)),
    )
    personal = {
        s["shop_id"] for s in pop.tables["shops"].to_pylist() if s["store_type"] == "personal"
    }

    def meeting(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        return [
            r
            for r in rows
            if r["shop_id"] in personal
            and "hosted_colonel" in (r["affiliate_plans"] or ())
            and r["scene"] == "mall"
            and r["entry_point"] == "other"
        ]

    before = batch.table.to_pylist()
    assert meeting(before) == []
    after = meet_order_combinations(stream(5, 16, 0), pop, batch, [unknown, colonel])
    now = after.table.to_pylist()
    (order,) = meeting(now)
    was = before[now.index(order)]
    assert was["creator_id"] is not None
    assert was["affiliate_plans"] is not None
    assert order["affiliate_plans"] == [*was["affiliate_plans"], "hosted_colonel"]
    assert sum(a != b for a, b in zip(before, now, strict=True)) == 1
    assert not any(r["affiliate_plans"] and r["creator_id"] is None for r in now)


@pytest.mark.parametrize("combos", [[], [IMPOSSIBLE]])
def test_nothing_to_meet_returns_the_batch(combos: list[Combination]) -> None:
    pop = market(200)
    batch = day_batch(pop)
    assert meet_order_combinations(stream(5, 16, 0), pop, batch, combos) is batch
