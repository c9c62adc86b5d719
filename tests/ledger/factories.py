"""Small factories: write a few readable rows into a fresh warehouse, then close it.

Every factory fills the columns the ledger and fee stages read and leaves the rest
at plain defaults, so a test states only what matters to it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.ledger import CloseSummary
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.service.runner import close_with_fees

HERE: Final = Path(__file__).resolve().parent
TEST_RULEBOOK: Final = "ledger-test"


def ledger_rulebook() -> Rulebook:
    """The round-number rulebook in ``tests/ledger/ledger-test.yaml``."""
    return load_rulebook(TEST_RULEBOOK, (HERE,))


def _insert(con: duckdb.DuckDBPyConnection, table: str, row: dict[str, object]) -> None:
    values = exp.Values(expressions=[exp.Tuple(expressions=[exp.Placeholder() for _ in row])])
    insert = exp.insert(values, table, columns=list(row))
    con.execute(insert.sql(dialect="duckdb"), list(row.values()))


def add_category(
    con: duckdb.DuckDBPyConnection, category_id: str = "C1", after_sales_days: int = 7
) -> None:
    _insert(
        con,
        "categories",
        {
            "category_id": category_id,
            "name": "服装",
            "industry": "apparel",
            "after_sales_days": after_sales_days,
        },
    )


def add_shop(
    con: duckdb.DuckDBPyConnection,
    shop_id: str = "S1",
    *,
    entry_plan: str = "standard",
    store_type: str = "enterprise",
    category_id: str = "C1",
    opened: date = date(2024, 1, 1),
) -> None:
    _insert(
        con,
        "shops",
        {
            "shop_id": shop_id,
            "name": f"店铺{shop_id}",
            "industry": "apparel",
            "main_category_id": category_id,
            "store_type": store_type,
            "opened_date": opened,
            "region": "浙江",
            "county_code": "330106",
            "entry_plan": entry_plan,
            "business_mode": "domestic",
        },
    )
    _insert(
        con,
        "products",
        {
            "sku_id": f"K-{shop_id}",
            "shop_id": shop_id,
            "category_id": category_id,
            "title": "T恤",
            "price_fen": 10_000,
        },
    )


def add_creator(con: duckdb.DuckDBPyConnection, creator_id: str = "CR1") -> None:
    _insert(
        con,
        "creators",
        {"creator_id": creator_id, "name": "达人", "tier": "B", "followers": 1000},
    )


def add_order(
    con: duckdb.DuckDBPyConnection,
    order_id: str,
    paid_at: datetime,
    goods_fen: int,
    *,
    shop_id: str = "S1",
    shipping_fen: int = 0,
    platform_coupon_fen: int = 0,
    merchant_coupon_fen: int = 0,
    ad_cost_fen: int = 0,
    creator_id: str | None = None,
    commission_rate_bp: int | None = None,
    insured_by: str | None = None,
) -> None:
    paid = goods_fen + shipping_fen - platform_coupon_fen - merchant_coupon_fen
    _insert(
        con,
        "orders",
        {
            "order_id": order_id,
            "shop_id": shop_id,
            "buyer_id": "B1",
            "sku_id": f"K-{shop_id}",
            "quantity": 1,
            "paid_at": paid_at,
            "goods_fen": goods_fen,
            "shipping_fen": shipping_fen,
            "platform_coupon_fen": platform_coupon_fen,
            "merchant_coupon_fen": merchant_coupon_fen,
            "amount_paid_fen": paid,
            "scene": "live",
            "entry_point": "douyin_app",
            "ad_cost_fen": ad_cost_fen,
            "creator_id": creator_id,
            "commission_rate_bp": commission_rate_bp,
            "insurance_type": "small" if insured_by else None,
            "insured_by": insured_by,
            "is_gift": False,
        },
    )


def add_event(con: duckdb.DuckDBPyConnection, order_id: str, event: str, at: datetime) -> None:
    _insert(con, "logistics_events", {"order_id": order_id, "event": event, "event_at": at})


def add_case(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    order_id: str,
    requested_at: datetime,
    amount_fen: int,
    *,
    closed_at: datetime | None,
    outcome: str = "approved",
    kind: str = "refund_only",
    compensation_fen: int = 0,
    party: str = "merchant",
    escalated: bool = False,
) -> None:
    _insert(
        con,
        "after_sales",
        {
            "case_id": case_id,
            "order_id": order_id,
            "requested_at": requested_at,
            "type": kind,
            "reason_code": "quality",
            "amount_fen": amount_fen,
            "compensation_fen": compensation_fen,
            "outcome": outcome,
            "responsible_party": party,
            "closed_at": closed_at,
            "escalated": escalated,
        },
    )


def add_violation(
    con: duckdb.DuckDBPyConnection, violation_id: str, shop_id: str, at: datetime
) -> None:
    _insert(
        con,
        "violations",
        {"violation_id": violation_id, "shop_id": shop_id, "kind": "brushing", "occurred_at": at},
    )


def close(
    con: duckdb.DuckDBPyConnection, start: date, end: date, *, refresh_fees: bool = False
) -> CloseSummary:
    """Close the period under the test rulebook, running the fee stage when needed."""
    return close_with_fees(con, ledger_rulebook(), start, end, refresh_fees=refresh_fees)


def balance(
    con: duckdb.DuckDBPyConnection, account: str, party: str = "", *, order_id: str | None = None
) -> int:
    """Sum of postings to an account (optionally of one order)."""
    row = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings WHERE account = ? AND party = ?"
        " AND (CAST(? AS VARCHAR) IS NULL OR order_id = ?)",
        [account, party, order_id, order_id],
    ).fetchone()
    return int(row[0]) if row else 0


def journal_dump(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    """Every entry and posting, in a fixed order: two journals are equal when dumps are."""
    entries = con.execute(
        "SELECT entry_id, logical_key, revision, kind, source_id, order_id, shop_id, booked_on,"
        " signature, reverses, order_paid_on FROM journal_entries ORDER BY entry_id"
    ).fetchall()
    postings = con.execute(
        "SELECT entry_id, leg, account, party, booked_on, order_id, amount_fen, rule_id,"
        " entry_kind FROM journal_postings ORDER BY entry_id, leg"
    ).fetchall()
    return [*entries, *postings]
