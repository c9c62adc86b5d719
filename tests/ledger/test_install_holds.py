"""Installation holds in the journal: settled money waits for the end of the after-sales
period (douyin-2026 ``hold.installation``: 1% of the payment), posted once, balanced, and the
same whether the weeks are closed day by day or at once.

Orders are paid 07-02 10:00, shipped 07-03, received 07-07 (settled 07-10, after 3 days);
their category's after-sales period is 15 days, so the hold is released on 07-22.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest

from merchantry.fees import compute_fees
from merchantry.ledger.check import check_journal
from merchantry.ledger.daily import close_days
from merchantry.ledger.install_holds import KINDS
from merchantry.rulebook.checker import load_rulebook
from merchantry.service.runner import close_with_fees
from merchantry.store.warehouse import ensure_schema
from tests.fees.market import Market, insert

PAID = datetime(2026, 7, 2, 10)
SPAN = (date(2026, 7, 1), date(2026, 7, 31))


def _market(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    market = Market(con)
    orders = {}
    for name, goods, refund in (("plain", 50_000, None), ("big", 400_000, None),
                                ("half", 50_000, 25_000)):  # fmt: skip
        order = market.order(
            goods=goods, paid_at=PAID, installation="merchant", after_sales_days=15
        )
        for event, days in (("shipped", 1), ("receipt_confirmed", 5)):
            insert(con, "logistics_events", {"order_id": order, "event": event,
                                             "event_at": PAID + timedelta(days=days)})  # fmt: skip
        if refund is not None:  # asked 07-12, after settlement, inside the after-sales period
            market.refund(order, refund, after=timedelta(days=10))
        orders[name] = order
    return orders


def _rows(con: duckdb.DuckDBPyConnection, order: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT e.kind, e.booked_on, p.account, p.amount_fen, p.rule_id "
        "FROM journal_entries AS e JOIN journal_postings AS p USING (entry_id) "
        "WHERE e.order_id = ? AND list_contains(?, e.kind) ORDER BY e.booked_on, p.leg",
        [order, list(KINDS)],
    ).fetchall()


def test_the_hold_is_posted_at_settlement_and_released_when_after_sales_ends(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    orders = _market(warehouse)
    first = close_with_fees(warehouse, "douyin-2026", *SPAN)
    settled, released, rule = date(2026, 7, 10), date(2026, 7, 22), "hold.installation"
    for name, held in (("plain", 500), ("big", 4_000), ("half", 500)):
        assert _rows(warehouse, orders[name]) == [
            ("installation_hold", settled, "merchant_available", -held, rule),
            ("installation_hold", settled, "merchant_held", held, rule),
            ("installation_release", released, "merchant_held", -held, rule),
            ("installation_release", released, "merchant_available", held, rule),
        ], name
    payout = warehouse.execute(
        "SELECT settle_on, install_hold_rule_id, install_released_on FROM order_payouts "
        "WHERE order_id = ?",
        [orders["plain"]],
    ).fetchone()
    assert payout == (settled, rule, released)
    assert check_journal(warehouse) == []
    assert {k.kind for k in first.kinds} >= set(KINDS)
    again = close_with_fees(warehouse, "douyin-2026", *SPAN)
    assert (again.result.posted, again.result.reversed) == (0, 0)


@pytest.mark.slow
def test_days_closed_one_by_one_post_the_same_holds(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    at_once = warehouse
    orders = _market(at_once)
    close_with_fees(at_once, "douyin-2026", *SPAN)
    daily = duckdb.connect(":memory:")
    ensure_schema(daily)
    assert _market(daily) == orders
    book = load_rulebook("douyin-2026")
    compute_fees(daily, "douyin-2026", *SPAN)
    close_days(daily, book, PAID.date(), SPAN[1])
    for order in orders.values():
        assert _rows(daily, order) == _rows(at_once, order)
    assert check_journal(daily) == []
