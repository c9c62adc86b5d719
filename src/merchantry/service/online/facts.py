"""The fact row of one order, built in memory: the Python twin of the fact relation.

:data:`merchantry.rulebook.facts.FACT_SQL` joins an order to its shop, SKU
category, creator and the shop's score in force on the payment date. A real-time
call has the order in hand and the rest in :class:`Reference`, loaded once from
the warehouse (shops, products, categories, creators, the score series), so
:func:`order_facts` builds the same row without a query. The refund columns are
those of an order as it is placed, before any after-sales request: nothing
refunded, no 秒退. ``tests/online/test_facts.py`` holds the row equal to
``FACT_SQL``'s for generated orders.
"""

from __future__ import annotations

import bisect
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import duckdb
import sqlglot.expressions as exp

from merchantry.rulebook.columns import CONDITION_COLUMNS, SCORE_COLUMNS, SCORE_SERIES_SQL
from merchantry.rulebook.facts import SHOP_FIELDS
from merchantry.service.online.rows import rows_of
from merchantry.store.sql import col, parse, select_from, to_sql

ORDER_FIELDS: Final = (
    "order_id",
    "shop_id",
    "buyer_id",
    "sku_id",
    "quantity",
    "paid_at",
    "goods_fen",
    "shipping_fen",
    "platform_coupon_fen",
    "merchant_coupon_fen",
    "amount_paid_fen",
    "scene",
    "entry_point",
    "ad_product",
    "ad_cost_fen",
    "creator_id",
    "commission_rate_bp",
    "ad_commission_rate_bp",
    "insurance_type",
    "insured_by",
    "is_gift",
    "affiliate_plans",
    "installation",
)
"""The ``orders`` columns a fact row reads (the buyer's identifiers are the ring index's)."""

_ORDER_COPY: Final = tuple(f for f in ORDER_FIELDS if f not in ("buyer_id", "sku_id", "shop_id"))
_CATEGORY_FIELDS: Final = ("category_id", "industry", "parent_id", "after_sales_days")
_CREATOR_FIELDS: Final = ("tier", "followers")
SCORE_FIELDS: Final = tuple(c.fact_column.removeprefix("shop_") for c in SCORE_COLUMNS)
"""Score-series columns, in :data:`SCORE_COLUMNS` order (``experience_score`` …)."""

FACT_COLUMNS: Final = (
    *(c.fact_column for c in (*CONDITION_COLUMNS, *SCORE_COLUMNS)),
    "order_refunded_on",
)


def _interned(value: Any) -> Any:
    return sys.intern(value) if isinstance(value, str) else value


@dataclass
class Reference:
    """Slowly changing tables a fact row joins, keyed by id (loaded from the warehouse)."""

    shops: dict[str, dict[str, Any]] = field(default_factory=dict)
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    creators: dict[str, dict[str, Any]] = field(default_factory=dict)
    score_dates: dict[str, list[date]] = field(default_factory=dict)
    """Per shop, the dates of its score series, ascending."""
    score_rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    """Per shop, the series rows (``SCORE_FIELDS``) in the order of ``score_dates``."""

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> Reference:
        ref = cls()
        ref.shops = _by_key(con, "shops", "shop_id")
        ref.products = _by_key(con, "products", "sku_id")
        ref.categories = _by_key(con, "categories", "category_id")
        ref.creators = _by_key(con, "creators", "creator_id")
        ref.load_scores(con)
        return ref

    def load_scores(self, con: duckdb.DuckDBPyConnection) -> None:
        """The score series in force (re-read after a scoring run)."""
        query = (
            exp.select(col("shop_id"), col("score_date"), *[col(n) for n in SCORE_FIELDS])
            .from_(exp.Subquery(this=parse(SCORE_SERIES_SQL)))
            .order_by(col("shop_id"), col("score_date"))
        )
        rows = rows_of(con.execute(to_sql(query)))
        dates: dict[str, list[date]] = {}
        values: dict[str, list[tuple[Any, ...]]] = {}
        for shop_id, score_date, *rest in rows:
            dates.setdefault(shop_id, []).append(score_date)
            values.setdefault(shop_id, []).append(tuple(rest))
        self.score_dates, self.score_rows = dates, values

    def score_in_force(self, shop_id: str, on: date) -> tuple[Any, ...] | None:
        """The shop's series row dated on or before ``on`` (the ASOF join), if any."""
        dates = self.score_dates.get(shop_id)
        if not dates:
            return None
        at = bisect.bisect_right(dates, on)
        return self.score_rows[shop_id][at - 1] if at else None


def _by_key(con: duckdb.DuckDBPyConnection, table: str, key: str) -> dict[str, dict[str, Any]]:
    cursor = con.execute(select_from(table))
    names = [d[0] for d in cursor.description]
    return {
        row[names.index(key)]: {n: _interned(v) for n, v in zip(names, row, strict=True)}
        for row in rows_of(cursor)
    }


def _paid_date(paid_at: datetime) -> date:
    return paid_at.date()


def order_facts(order: Mapping[str, Any], ref: Reference) -> dict[str, Any]:
    """The fact row of ``order`` (a mapping with :data:`ORDER_FIELDS`) as placed."""
    row: dict[str, Any] = {f"order_{name}": order.get(name) for name in _ORDER_COPY}
    paid_at: datetime = order["paid_at"]
    paid_on = _paid_date(paid_at)
    row["order_paid_date"] = paid_on
    row["order_is_affiliate"] = order.get("creator_id") is not None
    row["order_colonel_rate_bp"] = order.get("colonel_rate_bp")  # order_colonel_fees, if given
    row["order_refunded_fen"] = 0
    row["order_refunded_in_period_fen"] = 0
    row["order_refund_minutes"] = None
    row["order_is_instant_refund"] = False
    row["order_refunded_on"] = None
    shop_id = order["shop_id"]
    row["shop_shop_id"] = shop_id
    shop = ref.shops.get(shop_id)
    for name in SHOP_FIELDS:
        row[f"shop_{name}"] = shop.get(name) if shop else None
    opened = shop.get("opened_date") if shop else None
    row["shop_age_days"] = (paid_on - opened).days if opened is not None else None
    product = ref.products.get(order.get("sku_id") or "")
    category = ref.categories.get(product["category_id"]) if product else None
    for name in _CATEGORY_FIELDS:
        row[f"category_{name}"] = category.get(name) if category else None
    creator = ref.creators.get(order.get("creator_id") or "")
    for name in _CREATOR_FIELDS:
        row[f"creator_{name}"] = creator.get(name) if creator else None
    score = ref.score_in_force(shop_id, paid_on)
    for i, name in enumerate(SCORE_FIELDS):
        row[f"shop_{name}"] = score[i] if score is not None else None
    return row
