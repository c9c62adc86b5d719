"""A merchant's reads: statement, payouts, score and diagnosis, an order's fee lines.

Each function reads the warehouse through the connection it is given (the API
passes a read-only snapshot) and answers for one shop; it raises ``NotFound``
naming what is missing (an unknown shop, order or score), never an empty answer
that looks like "nothing happened". Who may ask for which shop is the front
end's check (the API's principal), made before these are called; an order's
fee lines name their shop so that check can be made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import duckdb

from merchantry.kit.errors import InputError, NotFound
from merchantry.ledger.payouts import PayoutRow, list_payouts
from merchantry.ledger.statements import Statement, shop_statement
from merchantry.scoring.diagnosis import ScoreDiagnosis, diagnose_score
from merchantry.store.sql import records
from merchantry.store.warehouse import table_exists

ORDER_PAYOUTS: Final = """
WITH o AS (
  SELECT order_id, shop_id, paid_on, receipt_on, settle_on, status, held_by, settle_rule_id,
         settlement_days, rulebook
  FROM order_payouts
  WHERE shop_id = $shop AND ((settle_on BETWEEN $start AND $end) OR settle_on IS NULL)
), amounts AS (
  SELECT order_id, sum(amount_fen) AS fen FROM journal_postings
  WHERE account = 'merchant_pending' AND entry_kind <> 'settlement'
    AND order_id IN (SELECT order_id FROM o)
  GROUP BY order_id
)
SELECT o.order_id, o.shop_id, o.paid_on, o.receipt_on, o.settle_on, o.status, o.held_by,
       o.settlement_days, o.settle_rule_id, o.rulebook, coalesce(a.fen, 0) AS amount_fen,
       count(*) OVER () AS total
FROM o LEFT JOIN amounts AS a USING (order_id)
ORDER BY o.settle_on NULLS LAST, o.order_id
LIMIT $limit OFFSET $offset
"""

SCORES: Final = """
SELECT score_date, platform, industry, stage, valid_orders, product_cp, logistics_cp, service_cp,
       bonus_cp, deduction_cp, score_cp, score_7d_avg_cp, display_tenths
FROM shop_scores
WHERE rulebook = $rulebook AND shop_id = $shop AND score_date BETWEEN $start AND $end
ORDER BY score_date
"""

LATEST_RULEBOOK: Final = """
SELECT rulebook FROM shop_scores WHERE shop_id = $shop
ORDER BY score_date DESC, rulebook LIMIT 1
"""

ORDER_FEES: Final = """
SELECT f.rulebook, f.order_id, f.shop_id, f.fee_kind, f.payer, f.payee, f.base_fen, f.rate_bp,
       f.amount_fen, f.baseline_fen, f.rule_id, f.waiver_rule_id, f.accrued_on,
       r.title AS rule_title, r.source AS rule_source, r.assumption AS rule_assumption,
       w.title AS waiver_title
FROM fee_lines AS f
LEFT JOIN rulebook_rules AS r ON r.rulebook = f.rulebook AND r.rule_id = f.rule_id
LEFT JOIN rulebook_rules AS w ON w.rulebook = f.rulebook AND w.rule_id = f.waiver_rule_id
WHERE f.order_id = $order AND (CAST($rulebook AS VARCHAR) IS NULL OR f.rulebook = $rulebook)
ORDER BY f.rulebook, f.accrued_on, f.fee_kind, f.payer, f.payee
"""


def require_shop(con: duckdb.DuckDBPyConnection, shop: str) -> None:
    """Raise ``NotFound`` when the warehouse has no such shop."""
    found = con.execute("SELECT count(*) FROM shops WHERE shop_id = ?", [shop]).fetchone()
    if not found or not found[0]:
        raise NotFound(f"no shop {shop!r} in the warehouse")


def _require_table(con: duckdb.DuckDBPyConnection, table: str, how: str) -> None:
    if not table_exists(con, table):
        raise NotFound(f"the warehouse has no {table} yet; {how}")


def _period(start: date, end: date) -> None:
    if end < start:
        raise InputError(f"the period ends ({end}) before it starts ({start})")


def statement(
    con: duckdb.DuckDBPyConnection,
    shop: str,
    start: date,
    end: date,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> Statement:
    """The shop's ledger statement (opening, every posting with its rule or ``limit`` of
    them after ``offset``, closing)."""
    _period(start, end)
    require_shop(con, shop)
    _require_table(con, "journal_postings", "run `merchantry close` first")
    return shop_statement(con, shop, start, end, limit=limit, offset=offset)


def payouts_by_day(
    con: duckdb.DuckDBPyConnection, shop: str, start: date, end: date
) -> list[PayoutRow]:
    """What becomes payable on each day, plus the orders not scheduled yet (held, awaiting
    receipt)."""
    _period(start, end)
    require_shop(con, shop)
    _require_table(con, "order_payouts", "run `merchantry close` first")
    return list_payouts(con, start=start, end=end, shop=shop, unscheduled=True)


@dataclass(frozen=True, slots=True)
class OrderPayout:
    """When one order's money reaches the merchant, and why then."""

    order_id: str
    shop_id: str
    paid_on: date | None
    receipt_on: date | None
    settle_on: date | None
    status: str
    held_by: str | None
    settlement_days: int | None
    settle_rule_id: str | None
    rulebook: str
    amount_fen: int


def payouts_by_order(
    con: duckdb.DuckDBPyConnection,
    shop: str,
    start: date,
    end: date,
    *,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[OrderPayout], int]:
    """Each order's expected payout (settling in the period, or not scheduled yet), and how
    many there are in all."""
    _period(start, end)
    require_shop(con, shop)
    _require_table(con, "order_payouts", "run `merchantry close` first")
    params = {"shop": shop, "start": start, "end": end, "limit": limit, "offset": offset}
    rows = records(con, ORDER_PAYOUTS, params)
    total = int(rows[0]["total"]) if rows else _count_orders(con, params)
    return [
        OrderPayout(
            str(r["order_id"]),
            str(r["shop_id"]),
            r["paid_on"],
            r["receipt_on"],
            r["settle_on"],
            str(r["status"]),
            r["held_by"],
            None if r["settlement_days"] is None else int(r["settlement_days"]),
            r["settle_rule_id"],
            str(r["rulebook"]),
            int(r["amount_fen"]),
        )
        for r in rows
    ], total


def _count_orders(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> int:
    row = con.execute(
        "SELECT count(*) FROM order_payouts WHERE shop_id = $shop "
        "AND ((settle_on BETWEEN $start AND $end) OR settle_on IS NULL)",
        {k: params[k] for k in ("shop", "start", "end")},
    ).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True, slots=True)
class ScoreDay:
    """A shop's experience score on one day (centipoints: 9,123 = 91.23)."""

    score_date: date
    platform: str
    industry: str
    stage: str
    valid_orders: int
    product_cp: int | None
    logistics_cp: int | None
    service_cp: int | None
    bonus_cp: int
    deduction_cp: int
    score_cp: int | None
    score_7d_avg_cp: int | None
    display_tenths: int | None


@dataclass(frozen=True, slots=True)
class ScoreHistory:
    rulebook: str
    shop_id: str
    days: tuple[ScoreDay, ...]

    @property
    def latest(self) -> ScoreDay | None:
        return self.days[-1] if self.days else None


def score_rulebook(con: duckdb.DuckDBPyConnection, shop: str, rulebook: str | None) -> str:
    """The rulebook asked for, or the one the shop was scored under most recently."""
    if rulebook:
        return rulebook
    row = con.execute(LATEST_RULEBOOK, {"shop": shop}).fetchone()
    if row is None:
        raise NotFound(f"shop {shop!r} has no experience score; run `merchantry score`")
    return str(row[0])


def score_history(
    con: duckdb.DuckDBPyConnection,
    shop: str,
    rulebook: str | None,
    start: date = date.min,
    end: date = date.max,
) -> ScoreHistory:
    """The shop's daily scores under a rulebook over a period (oldest first)."""
    _period(start, end)
    require_shop(con, shop)
    _require_table(con, "shop_scores", "run `merchantry score` first")
    book = score_rulebook(con, shop, rulebook)
    rows = records(con, SCORES, {"rulebook": book, "shop": shop, "start": start, "end": end})
    if not rows:
        raise NotFound(f"shop {shop!r} has no score under {book} between {start} and {end}")
    days = tuple(
        ScoreDay(
            r["score_date"],
            str(r["platform"]),
            str(r["industry"]),
            str(r["stage"]),
            int(r["valid_orders"]),
            r["product_cp"],
            r["logistics_cp"],
            r["service_cp"],
            int(r["bonus_cp"] or 0),
            int(r["deduction_cp"] or 0),
            r["score_cp"],
            r["score_7d_avg_cp"],
            r["display_tenths"],
        )
        for r in rows
    )
    return ScoreHistory(book, shop, days)


def score_diagnosis(
    con: duckdb.DuckDBPyConnection, shop: str, rulebook: str | None, on: date | None
) -> ScoreDiagnosis:
    """Which indicators cost the shop the most points, and what fixing each would add."""
    require_shop(con, shop)
    _require_table(con, "shop_scores", "run `merchantry score` first")
    return diagnose_score(con, score_rulebook(con, shop, rulebook), shop, on)


@dataclass(frozen=True, slots=True)
class OrderFeeLine:
    """One fee line of an order, with the rule that set it and the waiver that cut it."""

    rulebook: str
    fee_kind: str
    payer: str
    payee: str
    base_fen: int | None
    """What the rate applies to (``None`` for fixed-amount lines)."""
    rate_bp: int | None
    amount_fen: int
    baseline_fen: int
    saved_fen: int
    rule_id: str
    rule_title: str | None
    rule_source: str | None
    rule_assumption: bool | None
    waiver_rule_id: str | None
    waiver_title: str | None
    accrued_on: date


@dataclass(frozen=True, slots=True)
class OrderFees:
    order_id: str
    shop_id: str
    lines: tuple[OrderFeeLine, ...]


def order_fees(
    con: duckdb.DuckDBPyConnection, order_id: str, rulebook: str | None = None
) -> OrderFees:
    """Every fee line of one order (under one rulebook, or every rulebook priced)."""
    _require_table(con, "fee_lines", "run `merchantry fees` first")
    rows = records(con, ORDER_FEES, {"order": order_id, "rulebook": rulebook})
    if not rows:
        where = f" under {rulebook}" if rulebook else ""
        raise NotFound(f"order {order_id!r} has no fee lines{where}")
    lines = tuple(
        OrderFeeLine(
            str(r["rulebook"]),
            str(r["fee_kind"]),
            str(r["payer"]),
            str(r["payee"]),
            None if r["base_fen"] is None else int(r["base_fen"]),
            None if r["rate_bp"] is None else int(r["rate_bp"]),
            int(r["amount_fen"]),
            int(r["baseline_fen"]),
            int(r["baseline_fen"]) - int(r["amount_fen"]),
            str(r["rule_id"]),
            r["rule_title"],
            r["rule_source"],
            r["rule_assumption"],
            r["waiver_rule_id"],
            r["waiver_title"],
            r["accrued_on"],
        )
        for r in rows
    )
    return OrderFees(order_id, str(rows[0]["shop_id"]), lines)
