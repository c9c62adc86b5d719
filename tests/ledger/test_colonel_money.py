"""The colonel (团长) fee as money: a fee line, posted, settled and clawed back (§3.7).

A colonel-plan sale of ¥500 of goods at a 20% colonel rate: the merchant owes the colonel
10,000 fen on the commission base, the colonel owes the platform 10% of it (1,000), so 9,000
waits in ``colonel_payable`` until the commission's settlement day (receipt + 15) and then
moves to ``colonel_available``, less 5% kept 15 days in ``colonel_reserve``. A refund asked
inside the after-sales period claws both back pro rata; one asked after it claws back
nothing. Every figure is worked out by hand here.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb

from merchantry.ledger.check import check_journal
from merchantry.service.runner import close_with_fees
from tests.fees.market import Market

PAID = datetime(2026, 6, 1, 10)
JUNE = (date(2026, 6, 1), date(2026, 7, 31))
"""June and July: the colonel's reserve is released in July."""


def _balance(
    con: duckdb.DuckDBPyConnection, account: str, order: str, day: date, rule: str | None = None
) -> int:
    row = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings WHERE account = ? "
        "AND order_id = ? AND booked_on <= ? AND (? IS NULL OR rule_id = ?)",
        [account, order, day, rule, rule],
    ).fetchone()
    return int(row[0]) if row else 0


def _line(con: duckdb.DuckDBPyConnection, order: str, kind: str) -> tuple[object, ...] | None:
    return con.execute(
        "SELECT payer, payee, base_fen, rate_bp, amount_fen, rule_id FROM fee_lines "
        "WHERE order_id = ? AND fee_kind = ?",
        [order, kind],
    ).fetchone()


def _sale(market: Market, **kw: object) -> str:
    order = market.order(
        creator=market.creator("B"),
        commission_bp=2_000,
        colonel_bp=2_000,
        plans=["colonel"],
        goods=50_000,
        paid_at=PAID,
        **kw,  # type: ignore[arg-type]
    )
    market.confirm_receipt(order, after=timedelta(days=1))
    return order


def test_the_colonel_fee_is_a_line_posted_settled_and_clawed_back(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    market = Market(warehouse)
    kept = _sale(market)
    halved = _sale(market)
    market.refund(halved, 25_000, after=timedelta(days=2))  # asked 06-03: inside 7 days
    late = _sale(market)
    market.refund(late, 25_000, after=timedelta(days=10))  # asked 06-11: after 06-02 + 7
    plain = market.order(creator=market.creator("B"), commission_bp=2_000, paid_at=PAID)
    first = close_with_fees(warehouse, "douyin-2026", *JUNE)

    assert _line(warehouse, kept, "colonel_service_fee") == (
        "merchant", "colonel", 50_000, 2_000, 10_000, "colonel.fee"
    )  # fmt: skip
    assert _line(warehouse, kept, "colonel_technical_fee") == (
        "colonel", "platform", 10_000, 1_000, 1_000, "colonel.fee"
    )  # fmt: skip
    assert _line(warehouse, plain, "colonel_service_fee") is None

    sold, settled = PAID.date(), date(2026, 6, 17)  # receipt 06-02 + 15
    assert _balance(warehouse, "merchant_pending", kept, sold, "colonel.fee") == -10_000
    assert _balance(warehouse, "platform_fee_revenue", kept, sold, "colonel.fee") == 1_000
    assert _balance(warehouse, "colonel_payable", kept, sold) == 9_000
    assert _balance(warehouse, "colonel_payable", kept, settled - timedelta(days=1)) == 9_000
    assert _balance(warehouse, "colonel_payable", kept, settled) == 0
    # 5% of the settled 9,000 stays in the colonel's reserve for 15 days (commission.reserve)
    assert _balance(warehouse, "colonel_available", kept, settled) == 8_550
    assert _balance(warehouse, "colonel_reserve", kept, settled) == 450
    released = settled + timedelta(days=15)
    assert _balance(warehouse, "colonel_reserve", kept, released - timedelta(days=1)) == 450
    assert _balance(warehouse, "colonel_reserve", kept, released) == 0
    assert _balance(warehouse, "colonel_available", kept, released) == 9_000

    # half refunded inside the after-sales period: 5,000 back to the merchant, 500 of the
    # colonel's technical fee back to the colonel; 4,500 settles
    end = date(2026, 7, 31)
    assert _balance(warehouse, "colonel_available", halved, end) == 4_500
    assert _balance(warehouse, "platform_fee_revenue", halved, end, "colonel.fee") == 500
    # asked after the after-sales period: the colonel keeps its fee
    assert _balance(warehouse, "colonel_available", late, end) == 9_000

    assert check_journal(warehouse) == []
    assert first.result.posted > 0
    again = close_with_fees(warehouse, "douyin-2026", *JUNE)
    assert (again.result.posted, again.result.reversed) == (0, 0)
