"""Every scope a shipped rulebook names meets generated rows; no column is left empty.

A rule keyed on a value the generator never produces (an industry with no shop, a store kind
nobody has, an affiliate plan no order carries) never fires on generated data, so the demo
and every test built on it say nothing about it. The values are read from the rulebooks
themselves (conditions, effect fields, programme eligibility), not listed here, so a new
rule's scope is checked the day it is shipped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import duckdb
import pytest
import sqlglot
import sqlglot.expressions as exp

from merchantry.model.schema import ColumnType
from merchantry.model.tables import TABLES
from merchantry.programs.rulebook import load_programme
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.columns import COLUMNS_BY_NAME
from merchantry.rulebook.library import shipped_dir
from merchantry.synth import GenerateSummary, generate
from merchantry.synth.catalogue import INDUSTRIES
from tests.synth.market import open_market, scalar

SCOPE_MARKET = {"shops": 800, "days": 10, "seed": 3, "orders_per_shop_day": 2.0}
"""The test size: enough shops for every special industry to get one (15% of 800 > 108) and
enough days for the rarer violation kinds (about 20,000 orders)."""

NAMESPACE_SOURCE = {"order": "o", "shop": "s", "category": "c", "creator": "cr"}
"""Where a condition namespace's stored columns are in the generated market (aliases below)."""

FACTS_SQL = """
CREATE VIEW facts AS
SELECT o, s, c, cr
FROM orders AS o
JOIN shops AS s USING (shop_id)
JOIN products AS p USING (sku_id)
JOIN categories AS c ON c.category_id = p.category_id
LEFT JOIN creators AS cr ON cr.creator_id = o.creator_id
"""
"""One row per generated order with its shop, leaf category and creator as structs."""

EFFECT_FIELD_SOURCE = {
    "violation": ("violations", "kind"),
    "service": ("shop_services", "service"),
}
"""Effect fields that name a value of a generated table column (``any`` means every value)."""

OPTIONAL_BY_DESIGN: dict[tuple[str, str], str] = {
    ("orders", "parent_order_id"): (
        "one SKU line per checkout (docs/synthetic-data.md, Limits); the Olist adapter fills "
        "it from multi-item orders"
    ),
    ("listing_claims", "certifications"): (
        "the listing generator plants material, origin, count and brand claims; stated "
        "certifications are not planted yet, and planting them would move the listing truth"
    ),
    ("brand_authorisations", "valid_to"): (
        "planted authorisations are open-ended so the listing truth (unauthorised brands) "
        "stays exact; an expiry would turn authorised listings into violations"
    ),
}
"""Columns the generator leaves empty on purpose, with the reason."""


@pytest.fixture(scope="session")
def scope_market(tmp_path_factory: pytest.TempPathFactory) -> GenerateSummary:
    return generate(tmp_path_factory.mktemp("scope-market"), progress=False, **SCOPE_MARKET)


@pytest.fixture
def scoped(scope_market: GenerateSummary) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_market(scope_market.out)
    con.execute(FACTS_SQL)
    yield con
    con.close()


def condition_values(tree: exp.Expr) -> set[tuple[str, str]]:
    """(column, text value) pairs a condition compares: ``=``, ``<>``, ``IN``, list_contains."""
    found: set[tuple[str, str]] = set()
    for node in tree.walk():
        if isinstance(node, (exp.EQ, exp.NEQ)):
            pairs = [(node.this, [node.expression]), (node.expression, [node.this])]
        elif isinstance(node, exp.In):
            pairs = [(node.this, list(node.expressions))]
        elif isinstance(node, exp.ArrayContains):
            pairs = [(node.this, [node.expression])]
        else:
            continue
        for column, others in pairs:
            if not (isinstance(column, exp.Column) and column.table):
                continue
            for other in others:
                if isinstance(other, exp.Literal) and other.is_string:
                    found.add((f"{column.table}.{column.name}", other.name))
    return found


@functools.cache
def shipped_scopes() -> dict[tuple[str, str], set[str]]:
    """Every (column, value) a shipped rulebook or programme scopes on, with who names it."""
    scopes: dict[tuple[str, str], set[str]] = {}

    def add(column: str, value: str, where: str) -> None:
        scopes.setdefault((column, value), set()).add(where)

    root = shipped_dir()
    for path in sorted(root.glob("*.yaml")):
        book = load_rulebook(path.stem)  # cached: other tests of the session load them too
        for rule in book.rules:
            for column, value in condition_values(rule.condition):
                add(column, value, f"{path.name}:{rule.id}")
            for field, (table, col) in EFFECT_FIELD_SOURCE.items():
                value = dict(rule.effect.values).get(field)
                if isinstance(value, str) and value != "any":
                    add(f"{table}.{col}", value, f"{path.name}:{rule.id}")
    for path in sorted((root / "programs").glob("*.yaml")):
        eligibility = load_programme(str(path)).eligibility
        listed = {
            "shop.industry": eligibility.industries,
            "shop.tags": eligibility.tags_any,
            "shop.region": eligibility.regions,
            "shop.store_type": eligibility.store_types,
        }
        for column, names in listed.items():
            for value in names.values if names else ():
                add(column, value, f"programs/{path.name}")
    return scopes


def matches(con: duckdb.DuckDBPyConnection, column: str, value: str) -> int | None:
    """Generated rows carrying ``value`` in ``column``; None for a column computed by a stage."""
    namespace, field = column.split(".", 1)
    if namespace in NAMESPACE_SOURCE:
        declared = COLUMNS_BY_NAME[column]
        if declared.derived:
            return None  # a stage computes it (e.g. shop.score_stage), not the generator
        ref = f'{NAMESPACE_SOURCE[namespace]}."{field}"'
        listed = declared.type is ColumnType.TEXT_LIST
        table = "facts"
    else:  # table.column of a generated table (effect fields)
        table, field = namespace, field
        ref = f'"{field}"'
        listed = False
    test = f"list_contains({ref}, ?)" if listed else f"{ref} = ?"
    count: int = scalar(con, f"SELECT count(*) FROM {table} WHERE {test}", value)
    return count


def test_the_scope_reader_sees_in_lists_single_values_and_list_contains() -> None:
    tree = sqlglot.parse_one(
        "shop.industry IN ('a', 'b') AND category.industry <> 'c' "
        "AND list_contains(order.affiliate_plans, 'd') AND order.goods_fen > 5",
        read="duckdb",
    )
    assert condition_values(tree) == {
        ("shop.industry", "a"),
        ("shop.industry", "b"),
        ("category.industry", "c"),
        ("order.affiliate_plans", "d"),
    }


def test_the_shipped_rulebooks_name_the_scopes_this_test_is_about() -> None:
    scopes = shipped_scopes()
    columns = {column for column, _ in scopes}
    # The reader must find the kinds of scope the generator was widened for.
    assert {
        "shop.industry",
        "category.industry",
        "shop.store_subtype",
        "shop.business_mode",
        "order.affiliate_plans",
        "order.installation",
        "violations.kind",
    } <= columns
    assert len([1 for column, _ in scopes if column == "shop.industry"]) > 50


def test_a_value_no_row_has_is_reported(scoped: duckdb.DuckDBPyConnection) -> None:
    assert matches(scoped, "shop.industry", "no_such_industry") == 0
    assert matches(scoped, "order.affiliate_plans", "no_such_plan") == 0
    assert matches(scoped, "violations.kind", "no_such_kind") == 0


def test_every_rulebook_scope_matches_generated_rows(scoped: duckdb.DuckDBPyConnection) -> None:
    unmatched = {
        f"{column} = {value!r} (named by {', '.join(sorted(where)[:3])})"
        for (column, value), where in shipped_scopes().items()
        if matches(scoped, column, value) == 0
    }
    assert not unmatched, "rulebook scopes no generated row meets:\n" + "\n".join(sorted(unmatched))


def test_no_generated_column_is_left_empty(scope_market: GenerateSummary) -> None:
    con = open_market(scope_market.out)
    empty = []
    for table in TABLES:
        for column in table.columns:
            filled = scalar(con, f'SELECT count("{column.name}") FROM "{table.name}"')
            if filled == 0 and (table.name, column.name) not in OPTIONAL_BY_DESIGN:
                empty.append(f"{table.name}.{column.name}")
    con.close()
    assert empty == []


def test_the_optional_columns_are_real_and_nullable() -> None:
    declared = {(t.name, c.name): c for t in TABLES for c in t.columns}
    for key, reason in OPTIONAL_BY_DESIGN.items():
        assert key in declared, key
        assert declared[key].nullable, key
        assert len(reason) > 20


def test_special_shops_take_a_realistic_minority_share(scoped: duckdb.DuckDBPyConnection) -> None:
    """Every special industry has a shop, yet the core industries keep most of the market."""
    core_share = scalar(
        scoped,
        "SELECT avg((list_contains(?, industry))::INT) FROM shops",
        [i.code for i in INDUSTRIES],
    )
    assert 0.80 <= core_share <= 0.90
    cross_border = scalar(scoped, "SELECT avg((business_mode = 'cross_border')::INT) FROM shops")
    instant = scalar(scoped, "SELECT avg((business_mode = 'instant_retail')::INT) FROM shops")
    assert 0.01 <= cross_border <= 0.05
    assert 0.003 <= instant <= 0.04
    # store_subtype describes enterprise stores only
    assert (
        scalar(
            scoped,
            "SELECT count(*) FROM shops "
            "WHERE (store_subtype IS NULL) <> (store_type <> 'enterprise')",
        )
        == 0
    )


def test_installation_and_plans_sit_where_they_belong(scoped: duckdb.DuckDBPyConnection) -> None:
    orphan_plans = (
        "SELECT count(*) FROM orders WHERE affiliate_plans IS NOT NULL AND creator_id IS NULL"
    )
    assert scalar(scoped, orphan_plans) == 0
    recorded = scalar(
        scoped,
        "SELECT avg((affiliate_plans IS NOT NULL)::INT) FROM orders WHERE creator_id IS NOT NULL",
    )
    assert 0.85 <= recorded <= 0.97
    # Installation is promised only for goods that are installed (appliances, furniture …).
    kinds = {
        row[0]
        for row in scoped.execute(
            "SELECT DISTINCT c.industry FROM facts WHERE o.installation IS NOT NULL"
        ).fetchall()
    }
    assert "large_appliance" in kinds
    assert not kinds & {"apparel", "food_snacks", "skincare", "education"}


def test_counterfeits_come_mostly_from_poor_quality_shops(
    scoped: duckdb.DuckDBPyConnection,
) -> None:
    poor, total = scoped.execute(
        """SELECT count(*) FILTER (WHERE shop_id IN (SELECT shop_id FROM truth_poor_quality_shops)),
                  count(*)
           FROM violations WHERE kind = 'counterfeit'"""
    ).fetchone() or (0, 0)
    assert total > 0
    assert poor / total >= 0.5


def test_a_special_industry_shop_sells_its_industry(scoped: duckdb.DuckDBPyConnection) -> None:
    mismatched = scalar(
        scoped,
        """SELECT count(*) FROM facts
           WHERE NOT list_contains(?, s.industry) AND c.industry <> s.industry""",
        [i.code for i in INDUSTRIES],
    )
    assert mismatched == 0


def required_together(tree: exp.Expr) -> list[tuple[str, tuple[str, ...], bool]]:
    """The (column, allowed values, is a list column) atoms a condition's top-level AND
    requires at once: ``=``, ``IN`` and ``list_contains`` on a text value. Atoms under OR or
    NOT are not required, so they are left out."""
    atoms: list[tuple[str, tuple[str, ...], bool]] = []

    def visit(node: exp.Expr) -> None:
        if isinstance(node, exp.Paren):
            visit(node.this)
        elif isinstance(node, exp.And):
            visit(node.this)
            visit(node.expression)
        else:
            atoms.extend(_atom(node))

    visit(tree)
    return atoms


def _atom(node: exp.Expr) -> list[tuple[str, tuple[str, ...], bool]]:
    if isinstance(node, exp.EQ):
        column, others = node.this, [node.expression]
    elif isinstance(node, exp.In) and not node.args.get("query"):
        column, others = node.this, list(node.expressions)
    elif isinstance(node, exp.ArrayContains):
        column, others = node.this, [node.expression]
    else:
        return []
    if not (isinstance(column, exp.Column) and column.table):
        return []
    values = tuple(o.name for o in others if isinstance(o, exp.Literal) and o.is_string)
    name = f"{column.table}.{column.name}"
    declared = COLUMNS_BY_NAME.get(name)
    if not values or len(values) != len(others) or declared is None or declared.derived:
        return []
    if column.table not in NAMESPACE_SOURCE:
        return []
    listed = declared.type is ColumnType.TEXT_LIST or isinstance(node, exp.ArrayContains)
    return [(name, values, listed)]


def rows_meeting_all(
    con: duckdb.DuckDBPyConnection, atoms: list[tuple[str, tuple[str, ...], bool]]
) -> int:
    """Generated orders (with shop, category, creator) meeting every atom at once."""
    tests: list[str] = []
    args: list[str] = []
    for column, values, listed in atoms:
        namespace, field = column.split(".", 1)
        ref = f'{NAMESPACE_SOURCE[namespace]}."{field}"'
        if listed:
            tests.append("(" + " OR ".join(f"list_contains({ref}, ?)" for _ in values) + ")")
        else:
            tests.append(f"{ref} IN ({', '.join('?' for _ in values)})")
        args.extend(values)
    count: int = scalar(con, f"SELECT count(*) FROM facts WHERE {' AND '.join(tests)}", *args)
    return count


@functools.cache
def shipped_combinations() -> dict[tuple[tuple[str, tuple[str, ...], bool], ...], set[str]]:
    """Every set of two or more columns a shipped rule requires together, with who names it."""
    combos: dict[tuple[tuple[str, tuple[str, ...], bool], ...], set[str]] = {}
    for path in sorted(shipped_dir().glob("*.yaml")):
        for rule in load_rulebook(path.stem).rules:
            atoms = tuple(sorted(set(required_together(rule.condition))))
            if len({column for column, _, _ in atoms}) >= 2:
                combos.setdefault(atoms, set()).add(f"{path.name}:{rule.id}")
    return combos


def test_the_combination_reader_keeps_only_what_an_and_requires() -> None:
    tree = sqlglot.parse_one(
        "shop.industry IN ('a', 'b') AND (shop.store_subtype = 'c' AND order.goods_fen > 5) "
        "AND (category.industry = 'd' OR shop.business_mode = 'e') AND NOT shop.region = 'f'",
        read="duckdb",
    )
    assert sorted(required_together(tree)) == [
        ("shop.industry", ("a", "b"), False),
        ("shop.store_subtype", ("c",), False),
    ]


def test_every_combination_a_rule_requires_meets_generated_rows(
    scoped: duckdb.DuckDBPyConnection,
) -> None:
    """A rule scoped on industry × store subtype, category × business mode and the like fires
    only where both hold: each value alone meeting rows is not enough."""
    combos = shipped_combinations()
    assert any(len(atoms) >= 2 for atoms in combos)  # the shipped rules do combine scopes
    unmatched = sorted(
        " AND ".join(f"{c} IN {v}" for c, v, _ in atoms) + f" (named by {sorted(where)[0]})"
        for atoms, where in combos.items()
        if rows_meeting_all(scoped, list(atoms)) == 0
    )
    assert not unmatched, "combinations no generated row meets:\n" + "\n".join(unmatched)
