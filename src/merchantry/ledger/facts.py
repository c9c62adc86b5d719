"""Facts the ledger's rules are evaluated on, and rule precedence compiled to SQL.

Ledger-stage rules (settlement days, auto-confirm, commission settlement,
compensation reduction, deposit tiers and deductions) use the same condition
columns as the fee stage (:mod:`merchantry.rulebook.columns`). Both evaluate them on
the same fact relation, :data:`merchantry.rulebook.facts.FACT_SQL`:

* ``ledger_facts``: one row per order paid up to ``$end`` (and from ``$start``), with the
  shop's scores as of the payment date (``shop.experience_score`` …);
* ``ledger_shop_facts``: one row per shop as of ``$as_of``, with the shop's main
  category as ``category.*``, order and creator columns NULL except ``order.paid_date``,
  which holds ``$as_of`` (so a deposit rule can be dated: ``order.paid_date < DATE …``),
  plus ``gmv_fen``
  (paid GMV of the calendar month before ``$as_of``'s month), scores as of ``$as_of``.

A test keeps both relations' columns equal to the condition columns. The rules of one
effect kind compile through the shared :class:`~merchantry.rulebook.ruleset.RuleSet`
(``RuleSet.of(book, kind)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.rulebook.columns import (
    CONDITION_COLUMNS,
    SCORE_COLUMNS,
    SCORE_SERIES_SQL,
)
from merchantry.rulebook.facts import FACT_SQL, score_selects, shop_selects
from merchantry.rulebook.ruleset import FACT_ALIAS, RuleSet, fact_column
from merchantry.store.sql import create_temp_as, fill, parse, run_sql

F: Final = FACT_ALIAS

LEDGER_RULE_KINDS: Final = frozenset(
    {
        "settlement_days",
        "settlement_delay",
        "auto_confirm_days",
        "commission_settlement_days",
        "commission_reserve",
        "commission_freeze",
        "compensation_reduction",
        "deposit_tier",
        "deposit_terms",
        "advance_deposit",
        "deposit_deduction",
        "annual_fee",
        "installation_hold",
    }
)
"""Effect kinds the ledger evaluates itself (fee kinds come through the fee stage)."""

ORDER_FACTS: Final = create_temp_as("ledger_facts", FACT_SQL)
"""The shared fact relation materialised for the ledger's rules; parameters
``$start`` and ``$end`` (payment dates, inclusive)."""

MONTH_GMV: Final = create_temp_as(
    "ledger_gmv",
    """
SELECT shop_id, sum(amount_paid_fen) AS gmv_fen
FROM orders
WHERE paid_at >= CAST(date_trunc('month', CAST($as_of AS DATE)) - INTERVAL 1 MONTH AS TIMESTAMP)
  AND paid_at < CAST(date_trunc('month', CAST($as_of AS DATE)) AS TIMESTAMP)
GROUP BY shop_id
""",
)
"""Each shop's paid GMV of the calendar month before ``$as_of``'s month, materialised as
``ledger_gmv`` for :data:`SHOP_FACTS` (a month of orders: read once a close, not once a
deposit step; :func:`shop_facts`)."""

_SHOP_FACTS_QUERY: Final = """
SELECT
  NULL::VARCHAR AS order_order_id, NULL::TIMESTAMP AS order_paid_at,
  CAST($as_of AS DATE) AS order_paid_date,
  NULL::INTEGER AS order_quantity, NULL::BIGINT AS order_goods_fen,
  NULL::BIGINT AS order_shipping_fen, NULL::BIGINT AS order_platform_coupon_fen,
  NULL::BIGINT AS order_merchant_coupon_fen, NULL::BIGINT AS order_amount_paid_fen,
  NULL::VARCHAR AS order_scene, NULL::VARCHAR AS order_entry_point,
  NULL::VARCHAR AS order_ad_product, NULL::BIGINT AS order_ad_cost_fen,
  NULL::VARCHAR AS order_creator_id, NULL::INTEGER AS order_commission_rate_bp,
  NULL::INTEGER AS order_ad_commission_rate_bp, NULL::INTEGER AS order_colonel_rate_bp,
  NULL::VARCHAR AS order_insurance_type,
  NULL::VARCHAR AS order_insured_by, NULL::BOOLEAN AS order_is_gift,
  NULL::VARCHAR[] AS order_affiliate_plans, NULL::VARCHAR AS order_installation,
  NULL::BOOLEAN AS order_is_affiliate, NULL::BIGINT AS order_refunded_fen,
  NULL::BIGINT AS order_refunded_in_period_fen, NULL::INTEGER AS order_refund_minutes,
  NULL::BOOLEAN AS order_is_instant_refund,
  p_shop_columns,
  c.category_id AS category_category_id,
  c.industry AS category_industry,
  c.parent_id AS category_parent_id,
  c.after_sales_days AS category_after_sales_days,
  NULL::VARCHAR AS creator_tier,
  NULL::INTEGER AS creator_followers,
  p_score_columns,
  coalesce(g.gmv_fen, 0) AS gmv_fen
FROM (SELECT *, CAST($as_of AS DATE) AS as_of_date FROM p_shops) AS s
LEFT JOIN categories AS c ON c.category_id = s.main_category_id
LEFT JOIN ledger_gmv AS g ON g.shop_id = s.shop_id
ASOF LEFT JOIN p_score_series AS sc
  ON sc.shop_id = s.shop_id AND s.as_of_date >= sc.score_date
"""


def _shop_facts(shops: str | exp.Expr) -> str:
    return create_temp_as(
        "ledger_shop_facts",
        fill(
            _SHOP_FACTS_QUERY,
            p_shops=shops,
            p_score_series=parse(SCORE_SERIES_SQL),
            p_score_columns=score_selects(),
            p_shop_columns=shop_selects(
                exp.column("shop_id", table="s"),
                exp.cast(exp.Placeholder(this="as_of"), exp.DataType.Type.DATE),
            ),
        ),
    )


SHOP_FACTS: Final = _shop_facts("shops")
"""One row per shop as of ``$as_of``: the condition columns (order columns NULL), the score
series as of that day and last month's GMV (from ``ledger_gmv``, :data:`MONTH_GMV` of a day
of the same month), materialised as ``ledger_shop_facts``; run it through :func:`shop_facts`."""

JOINING_SHOP_FACTS: Final = _shop_facts(
    parse(
        "SELECT * FROM shops WHERE shop_id IN "
        "(SELECT shop_id FROM ledger_opening_days WHERE joined_on = CAST($as_of AS DATE))"
    )
)
""":data:`SHOP_FACTS` of only the shops whose deposit the close opens on ``$as_of``
(``ledger_opening_days``, :data:`merchantry.ledger.deposits.OPENING_DAYS`): what each owes
the day it joins, without the facts of every shop again for each such day."""


def shop_facts(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    gmv_of: date | None = None,
    joining: bool = False,
) -> date:
    """Materialise ``ledger_shop_facts`` as of ``as_of`` and return the first of its month.

    ``gmv_of`` is what an earlier call of the same step returned, when nothing changed the
    orders since: in the same month, the GMV it read (``ledger_gmv``) is used again instead
    of summing the month before's orders once more (a deposit step asks up to three times a
    day, and at 100 M orders a month that sum reads 100 M orders). Without it, or in another
    month, the GMV is read from the orders. With ``joining``, only the shops whose deposit
    the close opens on ``as_of`` (:data:`JOINING_SHOP_FACTS`)."""
    month = as_of.replace(day=1)
    if gmv_of != month:
        run_sql(con, MONTH_GMV, {"as_of": as_of})
    run_sql(con, JOINING_SHOP_FACTS if joining else SHOP_FACTS, {"as_of": as_of})
    return month


EXTRA_SHOP_COLUMNS: Final = ("gmv_fen",)
"""Shop-fact columns beyond the condition columns (used by deposit tiers, not by conditions)."""

FACT_COLUMNS: Final = tuple(c.fact_column for c in (*CONDITION_COLUMNS, *SCORE_COLUMNS))


def col(name: str) -> exp.Column:
    """A column of the fact row ``f``."""
    return fact_column(name)


def fact_reads(*trees: exp.Expr) -> set[str]:
    """The fact columns the trees read (columns qualified by the fact alias ``f``)."""
    return {c.name for tree in trees for c in tree.find_all(exp.Column) if c.table == F}


def select_rules(
    source: str, keys: Sequence[str], columns: Sequence[tuple[str, exp.Expr]], target: str
) -> str:
    """``CREATE TEMP TABLE target AS SELECT f.keys…, <columns> FROM source AS f`` (DuckDB SQL)."""
    select = exp.select(*[exp.alias_(col(k), k, quoted=True) for k in keys])
    for name, value in columns:
        select = select.select(exp.alias_(value, name, quoted=True), copy=False)
    select = select.from_(exp.alias_(exp.to_table(source), F, table=True), copy=False)
    create = exp.Create(
        this=exp.to_table(target),
        kind="TABLE",
        expression=select,
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    return create.sql(dialect="duckdb")


__all__ = [
    "EXTRA_SHOP_COLUMNS",
    "FACT_COLUMNS",
    "LEDGER_RULE_KINDS",
    "MONTH_GMV",
    "ORDER_FACTS",
    "SHOP_FACTS",
    "F",
    "RuleSet",
    "col",
    "fact_reads",
    "select_rules",
    "shop_facts",
]
