"""What the return diagnosis reads from the warehouse: order counts and after-sales cases.

Every query is a constant with parameters; a period is ``[start, end)`` on the order's
payment time (a case counts in the period its order was paid in, so a late refund still
lands against the right orders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import duckdb

from merchantry.kit.errors import NotFound
from merchantry.store.sql import fill_sql, parse

WEEK_COUNTS_SQL: Final = """
WITH cases AS (
    SELECT order_id,
           bool_or(outcome = 'approved' AND type IN ('refund_only', 'return_refund')) AS refunded,
           bool_or(outcome <> 'withdrawn' AND type IN ('return_refund', 'exchange')) AS returned
    FROM after_sales
    GROUP BY order_id
)
SELECT o.sku_id, o.shop_id, p.category_id, coalesce(k.industry, '') AS industry,
       CAST(date_trunc('week', o.paid_at) AS DATE) AS week,
       count(*) AS orders,
       count(*) FILTER (WHERE c.refunded) AS refunds,
       count(*) FILTER (WHERE c.returned) AS returns
FROM orders o
JOIN products p ON p.sku_id = o.sku_id
LEFT JOIN categories k ON k.category_id = p.category_id
LEFT JOIN cases c ON c.order_id = o.order_id
WHERE o.paid_at >= $start AND o.paid_at < $end
  AND ($categories_of IS NULL OR p.category_id IN (
        SELECT category_id FROM categories WHERE industry IN (
            SELECT k.industry FROM categories k JOIN products q ON q.category_id = k.category_id
            WHERE q.shop_id = $categories_of)))
GROUP BY ALL
ORDER BY o.sku_id, week
"""

CASES_SQL: Final = """
WITH review AS (
    SELECT order_id, string_agg(text, '。' ORDER BY review_id) AS text
    FROM reviews WHERE text IS NOT NULL AND text <> '' GROUP BY order_id
), note AS (
    SELECT order_id, string_agg(notes, '。' ORDER BY session_id) AS text
    FROM p_notes WHERE order_id IS NOT NULL AND notes IS NOT NULL AND notes <> ''
    GROUP BY order_id
), carrier AS (
    SELECT order_id, min(carrier) AS carrier
    FROM logistics_events WHERE event = 'delivered' AND carrier IS NOT NULL GROUP BY order_id
), insurance AS (
    SELECT order_id, sum(amount_fen) AS amount_fen
    FROM p_fee_lines
    WHERE fee_kind = 'insurance_premium' AND payer = 'merchant' AND rulebook = $rulebook
    GROUP BY order_id
)
SELECT a.case_id, a.order_id, o.shop_id, o.sku_id, p.category_id, a.type, a.reason_code,
       coalesce(a.reason_text, '') AS reason_text, coalesce(r.text, '') AS review_text,
       coalesce(n.text, '') AS cs_notes, k.carrier,
       CASE WHEN a.outcome = 'approved' AND a.type <> 'exchange' THEN a.amount_fen ELSE 0 END
           AS refund_fen,
       CASE WHEN a.outcome = 'approved' THEN a.compensation_fen ELSE 0 END AS compensation_fen,
       CASE WHEN a.outcome = 'approved' AND a.type <> 'exchange' THEN o.ad_cost_fen ELSE 0 END
           AS ad_cost_fen,
       CASE WHEN a.outcome = 'approved' AND a.type <> 'exchange'
            THEN coalesce(i.amount_fen, 0) ELSE 0 END AS insurance_fen
FROM after_sales a
JOIN orders o ON o.order_id = a.order_id
JOIN products p ON p.sku_id = o.sku_id
LEFT JOIN review r ON r.order_id = a.order_id
LEFT JOIN note n ON n.order_id = a.order_id
LEFT JOIN carrier k ON k.order_id = a.order_id
LEFT JOIN insurance i ON i.order_id = a.order_id
WHERE a.outcome <> 'withdrawn'
  AND o.paid_at >= $start AND o.paid_at < $end
  AND ($categories_of IS NULL OR p.category_id IN (
        SELECT category_id FROM categories WHERE industry IN (
            SELECT k.industry FROM categories k JOIN products q ON q.category_id = k.category_id
            WHERE q.shop_id = $categories_of)))
ORDER BY a.case_id
"""

CARRIER_COUNTS_SQL: Final = """
SELECT l.carrier, p.category_id, count(DISTINCT l.order_id) AS delivered
FROM logistics_events l
JOIN orders o ON o.order_id = l.order_id
JOIN products p ON p.sku_id = o.sku_id
WHERE l.event = 'delivered' AND l.carrier IS NOT NULL
  AND o.paid_at >= $start AND o.paid_at < $end
  AND ($categories_of IS NULL OR p.category_id IN (
        SELECT category_id FROM categories WHERE industry IN (
            SELECT k.industry FROM categories k JOIN products q ON q.category_id = k.category_id
            WHERE q.shop_id = $categories_of)))
GROUP BY l.carrier, p.category_id ORDER BY l.carrier, p.category_id
"""

PERIOD_SQL: Final = "SELECT min(paid_at), max(paid_at) FROM orders"


@dataclass(frozen=True, slots=True)
class WeekCount:
    """Orders of one SKU paid in one week, and how many were refunded or returned."""

    sku_id: str
    shop_id: str
    category_id: str
    industry: str
    week: date
    orders: int
    refunds: int
    returns: int


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One after-sales case (not withdrawn) with its texts and the money it cost the shop."""

    case_id: str
    order_id: str
    shop_id: str
    sku_id: str
    category_id: str
    type: str
    reason_code: str
    reason_text: str
    review_text: str
    cs_notes: str
    """The customer-service agents' notes on chats about the order, joined by '。'."""
    carrier: str | None
    refund_fen: int
    compensation_fen: int
    ad_cost_fen: int
    insurance_fen: int


def period(
    con: duckdb.DuckDBPyConnection, start: date | None, end: date | None
) -> tuple[date, date]:
    """``[start, end)``: the given days, or the first and last payment day in the warehouse."""
    row = con.execute(PERIOD_SQL).fetchone()
    if row is None or row[0] is None:
        raise NotFound("the warehouse has no orders to diagnose")
    first: datetime = row[0]
    last: datetime = row[1]
    return start or first.date(), end or (last.date() + timedelta(days=1))


def payment_span(
    con: duckdb.DuckDBPyConnection, shop_id: str, sku_id: str | None = None
) -> tuple[date, date] | None:
    """The first and last payment day of the shop's (or its SKU's) orders; None: none."""
    row = con.execute(
        "SELECT CAST(min(paid_at) AS DATE), CAST(max(paid_at) AS DATE) FROM orders "
        "WHERE shop_id = $shop AND ($sku IS NULL OR sku_id = $sku)",
        {"shop": shop_id, "sku": sku_id},
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1]


def require_fee_lines(con: duckdb.DuckDBPyConnection, rulebook: str) -> None:
    """Refuse a fee rulebook without fee lines in the warehouse: its insurance premiums
    would count as none."""
    if _has_table(con, "fee_lines"):
        row = con.execute(
            "SELECT count(*) FROM fee_lines WHERE rulebook = ?", [rulebook]
        ).fetchone()
        if row and row[0]:
            return
    raise NotFound(
        f"the warehouse has no fee lines of rulebook {rulebook!r}, so no insurance premium "
        f"would be counted: run `merchantry fees --rulebook {rulebook} --from … --to …` first"
    )


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(found and found[0])


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column],
    ).fetchone()
    return bool(found and found[0])


NO_FEE_LINES: Final = parse(
    "SELECT NULL::VARCHAR AS order_id, 0::BIGINT AS amount_fen, NULL::VARCHAR AS fee_kind, "
    "NULL::VARCHAR AS payer, NULL::VARCHAR AS rulebook"
)
"""An empty stand-in for ``fee_lines`` when no fee stage ran."""

NO_NOTES: Final = parse(
    "SELECT NULL::VARCHAR AS order_id, NULL::VARCHAR AS session_id, NULL::VARCHAR AS notes"
)
"""What the notes are read from in a warehouse made before ``cs_sessions.notes`` existed."""


def week_counts(
    con: duckdb.DuckDBPyConnection, start: date, end: date, categories_of: str | None = None
) -> list[WeekCount]:
    """Per SKU and week; only the industries of the categories ``categories_of`` (a shop)
    sells in, when given (a sparse category falls back to its industry's rate)."""
    rows = con.execute(
        WEEK_COUNTS_SQL, {"start": start, "end": end, "categories_of": categories_of}
    ).fetchall()
    return [WeekCount(*row) for row in rows]


def cases(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    categories_of: str | None = None,
    fees_rulebook: str | None = None,
) -> list[CaseRow]:
    """Every case not withdrawn of orders paid in the period, with the buyer's words, the
    review and the agents' notes (insurance premiums from the fee lines of ``fees_rulebook``
    when given and computed)."""
    source = "fee_lines" if fees_rulebook and _has_table(con, "fee_lines") else None
    notes = "cs_sessions" if _has_column(con, "cs_sessions", "notes") else NO_NOTES
    sql = fill_sql(
        CASES_SQL,
        p_notes=notes,
        p_fee_lines=source or NO_FEE_LINES,
    )
    rows = con.execute(
        sql,
        {
            "start": start,
            "end": end,
            "categories_of": categories_of,
            "rulebook": fees_rulebook or "",
        },
    ).fetchall()
    return [CaseRow(*row) for row in rows]


def carrier_counts(
    con: duckdb.DuckDBPyConnection, start: date, end: date, categories_of: str | None = None
) -> dict[tuple[str, str], int]:
    """Delivered parcels per (carrier, category) of orders paid in the period (of the
    industries ``categories_of`` sells in, when given)."""
    rows = con.execute(
        CARRIER_COUNTS_SQL, {"start": start, "end": end, "categories_of": categories_of}
    ).fetchall()
    return {(str(c), str(k)): int(n) for c, k, n in rows}
