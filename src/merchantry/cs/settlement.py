"""Which settlement rules of a fee rulebook apply to a shop's goods, as the rulebook decides.

The assistant may tell a buyer or a merchant when money settles (账期), and must say what the
close would do. So it never decides by itself: it evaluates the fee rulebook's own compiled
``settlement_days`` and ``settlement_delay`` rules (:class:`~merchantry.rulebook.ruleset.RuleSet`,
the compiler the ledger's close uses) on one fact row per category the shop sells, built with
the fact relation's columns (:data:`~merchantry.rulebook.columns.CONDITION_COLUMNS`): the
shop's columns, the category's, the shop's scores in force on the day, and the order and
creator columns NULL except ``order.paid_date`` (the day), as the ledger's per-shop facts do.
A rulebook that changes a threshold, adds a category list or gates settlement by a score
changes the answer without a line of code here.

A rule that reads an order's or a creator's own columns cannot be decided for a category: it
is never chosen here, and a category for which such a rule comes first in precedence says
so (:attr:`CategorySettlement.order_rules`), so the assistant can say that some orders may
settle otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.rulebook.columns import CONDITION_COLUMNS, SCORE_SERIES_SQL
from merchantry.rulebook.facts import score_selects, shop_selects
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.rulebook.ruleset import FACT_ALIAS, RuleSet, fact_column
from merchantry.store.sql import fill, parse

DAYS_KIND: Final = "settlement_days"
DELAY_KIND: Final = "settlement_delay"
PER_ORDER: Final = ("order", "creator")
"""Namespaces of the columns a category's fact row cannot know (one order's own facts)."""
KNOWN_FOR_A_DAY: Final = frozenset({"order.paid_date"})
"""Order columns a category's row does know: an order paid on the day asked about."""

_CATEGORY_ROWS: Final = """
SELECT p_columns
FROM (SELECT *, CAST($day AS DATE) AS as_of_date FROM shops WHERE shop_id = $shop) AS s
JOIN categories AS c
  ON c.category_id IN (SELECT p.category_id FROM products AS p WHERE p.shop_id = $shop)
ASOF LEFT JOIN p_score_series AS sc
  ON sc.shop_id = s.shop_id AND s.as_of_date >= sc.score_date
"""


@dataclass(frozen=True, slots=True)
class CategorySettlement:
    """The settlement rules the rulebook picks for one category of a shop."""

    category_id: str
    category_name: str
    days_rule: Rule | None
    """The first matching ``settlement_days`` rule (None: no rule matches)."""
    delay_rule: Rule | None
    """The first matching ``settlement_delay`` rule (cross-border working days), if any."""
    order_rules: tuple[Rule, ...] = ()
    """Rules ahead of the chosen ones that read an order's own columns: some orders of the
    category may settle under them instead."""

    @property
    def days(self) -> int | None:
        return None if self.days_rule is None else self.days_rule.effect.int("days")

    @property
    def business_days(self) -> int | None:
        return None if self.delay_rule is None else self.delay_rule.effect.int("business_days")


def reads_order(rule: Rule) -> bool:
    """Whether the rule's condition reads a column only one order has."""
    return any(c.split(".", 1)[0] in PER_ORDER and c not in KNOWN_FOR_A_DAY for c in rule.columns)


def _column(name: str, namespace: str, field: str, sql_type: str) -> exp.Expr:
    if name in KNOWN_FOR_A_DAY:
        return exp.cast(exp.Placeholder(this="day"), exp.DataType.Type.DATE)
    if namespace == "category":
        return exp.column(field, table="c")
    return exp.cast(exp.Null(), sql_type)


def category_facts() -> exp.Query:
    """One fact row per category of shop ``$shop`` as of day ``$day`` (the condition columns
    and the score columns of the fact relation, by their fact-column names)."""
    shop = shop_selects(
        exp.column("shop_id", table="s"),
        exp.cast(exp.Placeholder(this="day"), exp.DataType.Type.DATE),
    )
    by_name = {e.alias_or_name: e for e in shop}
    columns: list[exp.Expr] = []
    for c in CONDITION_COLUMNS:
        if c.fact_column in by_name:
            columns.append(by_name[c.fact_column])
        elif c.namespace == "shop":
            raise TypeError(f"the shop fact columns do not carry {c.name}")
        else:
            value = _column(c.name, c.namespace, c.field, c.type.sql)
            columns.append(exp.alias_(value, c.fact_column))
    columns += score_selects()
    columns.append(exp.alias_(exp.column("name", table="c"), "cs_category_name"))
    tree = fill(_CATEGORY_ROWS, p_columns=columns, p_score_series=parse(SCORE_SERIES_SQL))
    if not isinstance(tree, exp.Query):
        raise TypeError("the category fact template must be a query")
    return tree


def settlement_query(book: Rulebook) -> tuple[str, RuleSet, RuleSet]:
    """The query choosing each category's settlement rules, and the two rule sets."""
    days = RuleSet.of(book, DAYS_KIND)
    delay = RuleSet.of(book, DELAY_KIND)
    select = exp.select(
        fact_column("category_category_id"),
        fact_column("cs_category_name"),
        exp.alias_(days.rule_id(), "days_rule"),
        exp.alias_(delay.rule_id(), "delay_rule"),
    )
    subquery = exp.Subquery(
        this=category_facts(), alias=exp.TableAlias(this=exp.to_identifier(FACT_ALIAS))
    )
    query = select.from_(subquery).order_by(fact_column("category_category_id"))
    return query.sql(dialect="duckdb"), days, delay


def _ahead(rules: RuleSet, chosen: str | None) -> tuple[Rule, ...]:
    """The order-reading rules of ``rules`` that come before ``chosen`` (all, when none)."""
    out: list[Rule] = []
    for rule in rules:
        if rule.id == chosen:
            break
        if reads_order(rule):
            out.append(rule)
    return tuple(out)


def category_settlements(
    con: duckdb.DuckDBPyConnection, shop_id: str, book: Rulebook, on: date
) -> list[CategorySettlement]:
    """Each category the shop sells, with the rules ``book`` settles its goods under on
    ``on`` (by category id)."""
    sql, days, delay = settlement_query(book)
    by_id = {r.id: r for r in (*days, *delay)}
    out = []
    for category_id, name, days_id, delay_id in con.execute(
        sql, {"shop": shop_id, "day": on}
    ).fetchall():
        out.append(
            CategorySettlement(
                str(category_id),
                str(name),
                by_id.get(str(days_id)) if days_id is not None else None,
                by_id.get(str(delay_id)) if delay_id is not None else None,
                _ahead(days, days_id) + _ahead(delay, delay_id),
            )
        )
    return out
