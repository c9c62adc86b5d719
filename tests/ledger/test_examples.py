"""Hand-checked examples under the round-number rulebook ``ledger-test.yaml``.

Shop S1 (standard entry, enterprise, apparel with a 7-day after-sales period) sells
in March 2026; the technical service fee is 5%, settlement is 3 days after receipt,
the deposit is ¥500 (no February GMV), reviewed on 8 March.
"""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from merchantry.ledger.check import check_journal
from merchantry.ledger.payouts import list_payouts
from merchantry.ledger.statements import shop_statement, statement_csv
from tests.ledger.factories import (
    add_case,
    add_category,
    add_event,
    add_order,
    add_shop,
    balance,
    close,
)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def shop(warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    add_category(warehouse)
    add_shop(warehouse)
    return warehouse


def deliver(con: duckdb.DuckDBPyConnection, order_id: str, *, confirm: bool = True) -> None:
    """Shipped 2 March, delivered 4 March, receipt confirmed 5 March (unless not)."""
    add_event(con, order_id, "shipped", datetime(2026, 3, 2, 18))
    add_event(con, order_id, "delivered", datetime(2026, 3, 4, 12))
    if confirm:
        add_event(con, order_id, "receipt_confirmed", datetime(2026, 3, 5, 9))


def legs(con: duckdb.DuckDBPyConnection, order_id: str) -> list[tuple[object, ...]]:
    return con.execute(
        "SELECT entry_kind, booked_on, account, amount_fen, rule_id FROM journal_postings"
        " WHERE order_id = ? ORDER BY booked_on, entry_kind, leg",
        [order_id],
    ).fetchall()


def test_one_order_from_payment_to_payout(shop: duckdb.DuckDBPyConnection) -> None:
    """¥100.00 paid on 2 March; 5% fee = ¥5.00; receipt 5 March + 3 days: ¥95.00 on 8 March."""
    add_order(shop, "O1", datetime(2026, 3, 2, 10), 10_000)
    deliver(shop, "O1")

    close(shop, *MARCH)

    d2, d8 = date(2026, 3, 2), date(2026, 3, 8)
    assert legs(shop, "O1") == [
        ("sale", d2, "buyers", -10_000, "ledger.payment"),
        ("sale", d2, "merchant_pending", 10_000, "ledger.payment"),
        ("sale", d2, "merchant_pending", -500, "tsf.base"),
        ("sale", d2, "platform_fee_revenue", 500, "tsf.base"),
        ("settlement", d8, "merchant_pending", -9_500, "settle.default"),
        ("settlement", d8, "merchant_available", 9_500, "settle.default"),
    ]
    payout = shop.execute(
        "SELECT receipt_on, receipt_source, settle_on, status FROM order_payouts"
    ).fetchall()
    assert payout == [(date(2026, 3, 5), "confirmed", d8, "settled")]
    rows = list_payouts(shop, start=d8, end=d8)
    assert [(r.settle_on, r.shop_id, r.orders, r.amount_fen) for r in rows] == [
        (d8, "S1", 1, 9_500)
    ]
    # The deposit: ¥500 paid before the window (opening), nothing to top up on 8 March.
    assert balance(shop, "merchant_deposit", "S1") == 50_000
    assert balance(shop, "merchant_available", "S1") == 9_500
    assert balance(shop, "merchant_pending", "S1") == 0
    assert check_journal(shop) == []


def test_partial_refund_refunds_the_fee_pro_rata(shop: duckdb.DuckDBPyConnection) -> None:
    """¥40 of ¥100 refunded on 7 March: the fee refund is 5% of ¥40 = ¥2; ¥57 settles."""
    add_order(shop, "O2", datetime(2026, 3, 2, 10), 10_000)
    deliver(shop, "O2")
    add_case(shop, "A2", "O2", datetime(2026, 3, 6, 8), 4_000, closed_at=datetime(2026, 3, 7, 8))

    close(shop, *MARCH)

    d7, d8 = date(2026, 3, 7), date(2026, 3, 8)
    assert [leg for leg in legs(shop, "O2") if leg[0] != "sale"] == [
        ("fee_refund", d7, "merchant_pending", 200, "refund.tsf"),
        ("fee_refund", d7, "platform_fee_revenue", -200, "refund.tsf"),
        ("refund", d7, "merchant_pending", -4_000, "ledger.refund"),
        ("refund", d7, "buyers", 4_000, "ledger.refund"),
        ("settlement", d8, "merchant_pending", -5_700, "settle.default"),
        ("settlement", d8, "merchant_available", 5_700, "settle.default"),
    ]
    assert balance(shop, "platform_fee_revenue", order_id="O2") == 300  # 5% of the ¥60 kept


def test_a_dispute_holds_the_money_until_it_closes(shop: duckdb.DuckDBPyConnection) -> None:
    """An escalated return asked for on 6 March holds O3 until the platform rejects it on
    20 March; O4's case is still open at the end of March, so O4 is not paid at all."""
    for order_id in ("O3", "O4"):
        add_order(shop, order_id, datetime(2026, 3, 2, 10), 10_000)
        deliver(shop, order_id)
    add_case(
        shop,
        "A3",
        "O3",
        datetime(2026, 3, 6, 8),
        10_000,
        kind="return_refund",
        outcome="rejected",
        closed_at=datetime(2026, 3, 20, 17),
        escalated=True,
    )
    add_case(shop, "A4", "O4", datetime(2026, 3, 6, 8), 10_000, outcome="open", closed_at=None)

    close(shop, *MARCH)

    schedule = dict(
        (r[0], r[1:])
        for r in shop.execute(
            "SELECT order_id, settle_on, held_until, held_by, status FROM order_payouts"
        ).fetchall()
    )
    assert schedule["O3"] == (date(2026, 3, 20), date(2026, 3, 20), None, "settled")
    assert schedule["O4"] == (None, None, "A4", "held")
    assert balance(shop, "merchant_available", "S1") == 9_500  # O3 only, on 20 March
    assert balance(shop, "merchant_pending", "S1") == 9_500  # O4, held
    statement = shop_statement(shop, "S1", date(2026, 3, 1), date(2026, 3, 19))
    assert statement.closing_of("merchant_available") == 0  # nothing paid before the 20th
    assert statement.reconciles()


def test_receipt_auto_confirms_seven_days_after_delivery(shop: duckdb.DuckDBPyConnection) -> None:
    """No receipt_confirmed event: delivered 4 March + 7 = 11 March, + 3 days = 14 March."""
    add_order(shop, "O5", datetime(2026, 3, 2, 10), 10_000)
    deliver(shop, "O5", confirm=False)

    close(shop, *MARCH)

    row = shop.execute(
        "SELECT receipt_on, receipt_source, receipt_rule_id, settle_on FROM order_payouts"
    ).fetchone()
    assert row == (date(2026, 3, 11), "auto", "receipt.auto", date(2026, 3, 14))


def test_statement_lists_every_line_with_its_rule(shop: duckdb.DuckDBPyConnection) -> None:
    add_order(shop, "O1", datetime(2026, 3, 2, 10), 10_000)
    deliver(shop, "O1")
    close(shop, *MARCH)

    statement = shop_statement(shop, "S1", *MARCH)

    assert statement.opening_of("merchant_available") == 0
    assert [(x.kind, x.account, x.rule_id, x.amount_fen) for x in statement.lines] == [
        ("deposit_opening", "merchant_deposit", "deposit.tier-1", 50_000),
        ("sale", "merchant_pending", "ledger.payment", 10_000),
        ("sale", "merchant_pending", "tsf.base", -500),
        ("settlement", "merchant_pending", "settle.default", -9_500),
        ("settlement", "merchant_available", "settle.default", 9_500),
    ]
    assert statement.reconciles()
    text = statement_csv(statement)
    assert text.splitlines()[0].startswith("date,entry_id,kind")
    assert "tsf.base,-500," in text
