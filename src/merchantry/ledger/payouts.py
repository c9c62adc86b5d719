"""What becomes payable when: the payout schedule with amounts summed from the journal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb

from merchantry.store.sql import run_sql

PAYOUTS: Final = """
WITH o AS (
  SELECT order_id, shop_id, settle_on, status FROM order_payouts
  WHERE (CAST($shop AS VARCHAR) IS NULL OR shop_id = $shop)
    AND ((settle_on BETWEEN $start AND $end) OR (settle_on IS NULL AND $unscheduled))
), amounts AS (
  SELECT order_id, sum(amount_fen) AS fen FROM journal_postings
  WHERE account = 'merchant_pending' AND entry_kind <> 'settlement'
    AND order_id IN (SELECT order_id FROM o)
  GROUP BY order_id
)
SELECT o.settle_on, o.shop_id, o.status, count(*), coalesce(sum(a.fen), 0)
FROM o LEFT JOIN amounts AS a USING (order_id)
GROUP BY ALL
ORDER BY o.settle_on NULLS LAST, o.shop_id, o.status
"""


@dataclass(frozen=True, slots=True)
class PayoutRow:
    """Orders of one shop that become payable on one day (or are not scheduled yet)."""

    settle_on: date | None
    shop_id: str
    status: str
    """settled / scheduled, or held / awaiting_receipt when ``settle_on`` is empty."""
    orders: int
    amount_fen: int
    """The orders' net goods payment: their pending postings (payments − fees − refunds …)."""


def list_payouts(
    con: duckdb.DuckDBPyConnection,
    *,
    start: date = date.min,
    end: date = date.max,
    shop: str | None = None,
    unscheduled: bool = False,
) -> list[PayoutRow]:
    """Payouts by day and shop from the last close's schedule (``unscheduled``: also the
    orders still awaiting receipt or held by a case)."""
    params = {"start": start, "end": end, "shop": shop, "unscheduled": unscheduled}
    return [
        PayoutRow(r[0], str(r[1]), str(r[2]), int(r[3]), int(r[4]))
        for r in run_sql(con, PAYOUTS, params).fetchall()
    ]
