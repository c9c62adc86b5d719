"""The fact relation rules are evaluated on: one row per order paid in the period.

Shared by every stage that evaluates order-level conditions (the fee stage
compiles its query over it; the ledger materialises it as ``ledger_facts``), so
that a condition means the same thing wherever it runs. It lives in the rulebook
layer because its columns are the condition namespace.

It joins each order to its shop, SKU category and creator, and adds the derived
facts conditions may use (refunds, 秒退, shop age). Its columns are exactly the
``fact_column`` of every :data:`~merchantry.rulebook.columns.CONDITION_COLUMNS`
entry plus ``order_refunded_on`` (the date refund lines accrue on); a test holds
the two in step. The score columns (:data:`~merchantry.rulebook.columns.SCORE_COLUMNS`,
``shop.experience_score`` …) come from the score series as of the payment date
(an ASOF LEFT JOIN on ``shop_scores``: NULL for shops never scored). The SQL is
fixed text (ours, not user input) with the named parameters ``$start`` and ``$end``
(payment dates, both inclusive).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, timedelta
from typing import Final

import duckdb
import sqlglot
import sqlglot.expressions as exp

from merchantry.rulebook.columns import (
    INSTANT_REFUND_MINUTES,
    SCORE_COLUMN_PLATFORM,
    SCORE_COLUMNS,
    SCORE_SERIES_SQL,
)
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.store.sql import fill, lit, parse, to_sql

SCORE_ALIAS: Final = "sc"
"""The alias the fact queries give the score series (as of each order's or shop's day)."""


def score_selects(alias: str = SCORE_ALIAS) -> list[exp.Expr]:
    """``sc.<field> AS shop_<field>`` for every score column, in declaration order: the one
    list both fact queries (per order here, per shop in the ledger) select."""
    return [exp.alias_(exp.column(c.field, table=alias), c.fact_column) for c in SCORE_COLUMNS]


SHOP_FIELDS: Final = (
    "industry",
    "store_type",
    "store_subtype",
    "tags",
    "entry_plan",
    "business_mode",
    "region",
    "opened_date",
)
"""Columns of ``shops`` both fact queries carry as ``shop_<field>``."""

_SHOP_AGE: Final = "date_diff('day', s.opened_date, p_as_of)"


def shop_selects(shop_id: exp.Expr, as_of: exp.Expr) -> list[exp.Expr]:
    """The shop columns of a fact row, in declaration order, from the shop row ``s``:
    ``shop_id AS shop_shop_id``, ``s.<field> AS shop_<field>`` and the shop's age in days on
    ``as_of``. The one list both fact queries (per order here, per shop in the ledger)
    select."""
    return [
        exp.alias_(shop_id, "shop_shop_id"),
        *[exp.alias_(exp.column(f, table="s"), f"shop_{f}") for f in SHOP_FIELDS],
        exp.alias_(fill(_SHOP_AGE, p_as_of=as_of), "shop_age_days"),
    ]


PERIOD: Final = (
    "o.paid_at >= CAST($start AS TIMESTAMP)"
    " AND o.paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY"
)
"""Orders ``o`` paid ``$start``..``$end`` (dates, inclusive) as a plain range on the stored
timestamp, never ``CAST(paid_at AS DATE)``: DuckDB then filters in the scan and skips the row
groups whose zone map lies outside the period."""

_FACT_TEMPLATE: Final = """
WITH refunds AS (
  SELECT
    a.order_id,
    sum(a.amount_fen) AS refunded_fen,
    sum(CASE
          WHEN CAST(a.requested_at AS DATE)
               <= CAST(coalesce(rc.event_at, o.paid_at) AS DATE) + coalesce(c.after_sales_days, 0)
          THEN a.amount_fen ELSE 0 END) AS refunded_in_period_fen,
    min(date_diff('minute', o.paid_at, a.requested_at)) AS refund_minutes,
    max(CAST(coalesce(a.closed_at, a.requested_at) AS DATE)) AS refunded_on
  FROM after_sales AS a
  JOIN orders AS o ON o.order_id = a.order_id
  LEFT JOIN products AS p ON p.sku_id = o.sku_id
  LEFT JOIN categories AS c ON c.category_id = p.category_id
  LEFT JOIN logistics_events AS rc
    ON rc.order_id = a.order_id AND rc.event = 'receipt_confirmed'
  WHERE a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund')
    AND p_period AND p_only
  GROUP BY a.order_id
)
SELECT
  o.order_id AS order_order_id,
  o.paid_at AS order_paid_at,
  CAST(o.paid_at AS DATE) AS order_paid_date,
  o.quantity AS order_quantity,
  o.goods_fen AS order_goods_fen,
  o.shipping_fen AS order_shipping_fen,
  o.platform_coupon_fen AS order_platform_coupon_fen,
  o.merchant_coupon_fen AS order_merchant_coupon_fen,
  o.amount_paid_fen AS order_amount_paid_fen,
  o.scene AS order_scene,
  o.entry_point AS order_entry_point,
  o.ad_product AS order_ad_product,
  o.ad_cost_fen AS order_ad_cost_fen,
  o.creator_id AS order_creator_id,
  o.commission_rate_bp AS order_commission_rate_bp,
  o.ad_commission_rate_bp AS order_ad_commission_rate_bp,
  cf.colonel_rate_bp AS order_colonel_rate_bp,
  o.insurance_type AS order_insurance_type,
  o.insured_by AS order_insured_by,
  o.is_gift AS order_is_gift,
  o.affiliate_plans AS order_affiliate_plans,
  o.installation AS order_installation,
  o.creator_id IS NOT NULL AS order_is_affiliate,
  least(coalesce(r.refunded_fen, 0), o.amount_paid_fen) AS order_refunded_fen,
  least(coalesce(r.refunded_in_period_fen, 0), o.amount_paid_fen) AS order_refunded_in_period_fen,
  r.refund_minutes AS order_refund_minutes,
  coalesce(r.refund_minutes <= p_instant_refund_minutes, FALSE) AS order_is_instant_refund,
  r.refunded_on AS order_refunded_on,
  p_shop_columns,
  c.category_id AS category_category_id,
  c.industry AS category_industry,
  c.parent_id AS category_parent_id,
  c.after_sales_days AS category_after_sales_days,
  cr.tier AS creator_tier,
  cr.followers AS creator_followers,
  p_score_columns
FROM orders AS o
LEFT JOIN products AS p ON p.sku_id = o.sku_id
LEFT JOIN categories AS c ON c.category_id = p.category_id
LEFT JOIN shops AS s ON s.shop_id = o.shop_id
LEFT JOIN creators AS cr ON cr.creator_id = o.creator_id
LEFT JOIN order_colonel_fees AS cf ON cf.order_id = o.order_id
LEFT JOIN refunds AS r ON r.order_id = o.order_id
ASOF LEFT JOIN p_score_series AS sc
  ON sc.shop_id = o.shop_id AND CAST(o.paid_at AS DATE) >= sc.score_date
WHERE p_period AND p_only
"""


_KEYED_SCORES: Final = """
WITH score_keys AS (
  SELECT DISTINCT o.shop_id, CAST(o.paid_at AS DATE) AS paid_date
  FROM p_orders AS o
  WHERE p_period AND p_only
), scores AS (
  SELECT k.shop_id, k.paid_date, p_score_fields
  FROM score_keys AS k
  ASOF LEFT JOIN p_score_series AS sc
    ON sc.shop_id = k.shop_id AND k.paid_date >= sc.score_date
)
SELECT 1
"""
"""The score series as of each (shop, payment day) of the period's orders: the ASOF join
runs on these distinct keys, not on the orders (see :func:`fact_sql`)."""

_KEYED_JOIN: Final = (
    "SELECT 1 FROM o LEFT JOIN scores AS sc"
    " ON sc.shop_id = o.shop_id AND sc.paid_date = CAST(o.paid_at AS DATE)"
)


def fact_sql(only: exp.Query | None = None, columns: Collection[str] | None = None) -> exp.Query:
    """The fact relation as a tree.

    With ``only`` (a query of ``order_id``), just those orders of the period (the daily
    close's touched orders), in every scan of ``orders``; the orders are cut to ``only``
    before any join, and the score series is ASOF-joined to the distinct (shop, payment
    day) keys of those orders, then hash-joined back: the same rows as the ASOF join on
    the orders, without sorting every order with every joined column (a cost that stays
    even with an empty series). The whole-period form (:data:`FACT_SQL`, the fee stage's)
    keeps the ASOF join on the orders: its sort lays the rows out by shop, which the fee
    steps above read faster when ``orders`` is not stored in payment order
    (``docs/performance.md``, round of 2026-12-02 afternoon).

    With ``columns`` (fact column names), only those columns, and only the joins and
    CTEs they need: every join of the relation is a LEFT join, so leaving one out keeps
    every order (a right side with a repeated key would repeat rows that are equal on the
    columns kept; the callers only take maxima, minima and distinct values of them).
    """
    only_term: exp.Expr = (
        exp.true() if only is None else exp.column("order_id", table="o").isin(query=only)
    )
    tree = fill(
        _FACT_TEMPLATE,
        p_period=parse(PERIOD),
        p_only=only_term,
        p_instant_refund_minutes=lit(INSTANT_REFUND_MINUTES),
        p_score_series=parse(SCORE_SERIES_SQL),
        p_score_columns=score_selects(),
        p_shop_columns=shop_selects(
            exp.column("shop_id", table="o"),
            exp.cast(exp.column("paid_at", table="o"), exp.DataType.Type.DATE),
        ),
    )
    if not isinstance(tree, exp.Query):
        raise TypeError("the fact template must be a query")
    if only is not None:
        # the orders cut to ``only`` before any join: the joins then see just those
        # orders, not the whole history the period's bound lets through (the WHERE keeps
        # the same term: same rows)
        kept = exp.select("*").from_("orders").where(exp.column("order_id").isin(query=only.copy()))
        cut = exp.Subquery(this=kept, alias=exp.TableAlias(this=exp.to_identifier("o")))
        tree.args["from_"].this.replace(cut)
        _key_the_scores(tree, cut, only_term)
    if columns is not None:
        _prune(tree, columns)
    return tree


def _key_the_scores(tree: exp.Query, orders: exp.Expr, only_term: exp.Expr) -> None:
    """Replace the ASOF join of the orders to the score series (alias ``sc``) by a LEFT
    join to the series as of each distinct (shop, payment day) key (:data:`_KEYED_SCORES`)."""
    keyed = fill(
        _KEYED_SCORES,
        p_orders=orders.this.copy(),
        p_period=parse(PERIOD),
        p_only=only_term.copy(),
        p_score_series=parse(SCORE_SERIES_SQL),
        p_score_fields=[exp.column(c.field, table=SCORE_ALIAS) for c in SCORE_COLUMNS],
    )
    if not isinstance(keyed, exp.Query):
        raise TypeError("the keyed score template must be a query")
    with_ = tree.args["with_"]
    for cte in keyed.ctes:
        with_.append("expressions", cte.copy())
    scored = next(j for j in tree.args["joins"] if j.alias_or_name == SCORE_ALIAS)
    scored.replace(parse(_KEYED_JOIN).args["joins"][0])


def _prune(tree: exp.Query, columns: Collection[str]) -> None:
    """Keep the select items named in ``columns``, then drop every join and CTE nothing
    kept reads (to a fixed point: a join read only by a dropped join's ``ON`` goes too)."""
    wanted = set(columns)
    items = [e for e in tree.expressions if e.alias_or_name in wanted]
    unknown = wanted - {e.alias_or_name for e in items}
    if unknown:
        raise ValueError(f"not fact columns: {sorted(unknown)}")
    tree.set("expressions", items)
    joins: list[exp.Join] = list(tree.args.get("joins") or [])
    read = {c.table for e in [*items, tree.args.get("where")] if e for c in e.find_all(exp.Column)}
    while True:
        more = {
            c.table
            for j in joins
            if j.alias_or_name in read
            for c in j.args["on"].find_all(exp.Column)
        }
        if more <= read:
            break
        read |= more
    tree.set("joins", [j for j in joins if j.alias_or_name in read])
    with_ = tree.args.get("with_")
    while with_ is not None:
        names = {t.name for t in tree.find_all(exp.Table)}
        ctes = list(with_.expressions)
        unused = [c for c in ctes if c.alias not in names]  # none of them is recursive
        if not unused:
            break
        for cte in unused:
            cte.pop()
        if not with_.expressions:
            with_.pop()
            with_ = None


FACT_SQL: Final = to_sql(fact_sql())
"""The fact relation's text: the template with the period, the instant-refund window, the
shop columns, the score series and its columns put in place through the tree."""

INTERNAL_FACT_COLUMNS: Final = ("order_refunded_on",)
"""Fact columns the query builder uses that conditions may not."""


def fact_relation(only: exp.Query | None = None) -> exp.Query:
    """The fact relation as a sqlglot query (a fresh tree each call); ``only`` as in
    :func:`fact_sql`."""
    if only is not None:
        return fact_sql(only)
    parsed = sqlglot.parse_one(FACT_SQL, read="duckdb")
    if not isinstance(parsed, exp.Query):
        raise TypeError("FACT_SQL must be a query")
    return parsed


def score_columns_of(rule: Rule) -> list[str]:
    """The score-series columns a rule's condition reads, in order of appearance."""
    return [name for name in rule.columns if name in SCORE_COLUMN_PLATFORM]


def score_gaps(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    applies: Callable[[Rule], bool],
) -> list[str]:
    """Warnings for score-gated rules the score series cannot serve over ``start..end``.

    A rule that reads ``shop.experience_score`` is false wherever the shop has no score,
    so a period closed before ``merchantry score`` ran would silently lose every
    score-gated benefit. For each rule ``applies`` selects (the rules the calling stage
    evaluates) and each platform it reads, says so when the series holds no score of
    that platform dated on or before ``end``, or when its first one comes after ``start``.
    """
    warnings: list[str] = []
    first: dict[str | None, date | None] = {}
    for rule in book.rules:
        if not applies(rule):
            continue
        read: dict[str | None, str] = {}  # platform -> first column of it the rule reads
        for column in score_columns_of(rule):
            read.setdefault(SCORE_COLUMN_PLATFORM[column], column)
        for platform, column in read.items():
            if platform not in first:
                row = con.execute(
                    "SELECT min(score_date) FROM shop_scores"
                    " WHERE (platform = $platform OR $platform IS NULL) AND score_date <= $end",
                    {"platform": platform, "end": end},
                ).fetchone()
                first[platform] = row[0] if row else None
            earliest = first[platform]
            whose = f"{platform} " if platform else ""
            if earliest is None:
                warnings.append(
                    f"rule {rule.id!r} reads {column} but no {whose}score is dated on or before "
                    f"{end}: it matches nothing; run `merchantry score` for the period first"
                )
            elif earliest > start:
                warnings.append(
                    f"rule {rule.id!r} reads {column} but the first {whose}score is dated "
                    f"{earliest}: it matches nothing dated {start}..{earliest - timedelta(days=1)}"
                )
    return warnings
