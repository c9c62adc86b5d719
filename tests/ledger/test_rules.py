"""Corrections, deposits, compensation and claw-backs, each on a few rows."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from merchantry.kit.errors import InputError
from merchantry.ledger.check import check_journal
from merchantry.ledger.withdrawals import deposit_standing, withdraw_deposit
from tests.ledger.factories import (
    add_case,
    add_category,
    add_creator,
    add_event,
    add_order,
    add_shop,
    add_violation,
    balance,
    close,
    ledger_rulebook,
)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))
APRIL = (date(2026, 4, 1), date(2026, 4, 30))


@pytest.fixture
def shop(warehouse: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    add_category(warehouse)
    add_shop(warehouse)
    return warehouse


def test_changed_data_is_corrected_by_reversal_never_by_edit(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    """A refund approved after March was closed: re-closing March reverses the settlement
    (its amount changed) and posts a new revision; nothing is updated or deleted."""
    add_order(shop, "O1", datetime(2026, 3, 2, 10), 10_000)
    add_event(shop, "O1", "delivered", datetime(2026, 3, 4, 12))
    add_event(shop, "O1", "receipt_confirmed", datetime(2026, 3, 5, 9))
    close(shop, *MARCH)
    first = shop.execute("SELECT entry_id FROM journal_entries ORDER BY entry_id").fetchall()

    add_case(shop, "A1", "O1", datetime(2026, 3, 6), 10_000, closed_at=datetime(2026, 3, 7))
    summary = close(shop, *MARCH, refresh_fees=True)

    assert summary.result.reversed == 1  # the old settlement of ¥95
    after = shop.execute("SELECT entry_id FROM journal_entries ORDER BY entry_id").fetchall()
    assert set(first) <= set(after)  # append-only
    kinds = shop.execute(
        "SELECT kind, revision, count(*) FROM journal_entries GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert ("reversal", 0, 1) in kinds
    assert balance(shop, "merchant_available", "S1") == 0  # fully refunded, fee refunded too
    assert balance(shop, "buyers") == 0
    assert check_journal(shop) == []


def test_deposit_follows_last_months_gmv_deductions_and_top_up(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    """March GMV ¥60,000 puts S1 in the ¥2,000 tier from 8 April; a violation on 3 April
    took ¥300, made up the same day from goods payments (货款直充); the 8 April review tops
    the deposit up to ¥2,000 from goods payments."""
    add_order(shop, "O1", datetime(2026, 3, 2, 10), 6_000_000)
    add_event(shop, "O1", "receipt_confirmed", datetime(2026, 3, 5, 9))
    add_violation(shop, "V1", "S1", datetime(2026, 4, 3, 10))
    close(shop, *MARCH)
    assert balance(shop, "merchant_deposit", "S1") == 50_000  # opening: ¥500 (no Feb GMV)

    close(shop, *APRIL)

    moves = shop.execute(
        "SELECT e.kind, p.booked_on, p.rule_id, p.amount_fen FROM journal_postings AS p"
        " JOIN journal_entries AS e USING (entry_id)"
        " WHERE p.account = 'merchant_deposit' ORDER BY p.booked_on"
    ).fetchall()
    assert moves == [
        ("deposit_opening", date(2026, 3, 1), "deposit.tier-1", 50_000),
        ("deposit_deduction", date(2026, 4, 3), "deposit.deduct", -30_000),
        ("deposit_topup", date(2026, 4, 3), "deposit.tier-1", 30_000),
        ("deposit_topup", date(2026, 4, 8), "deposit.tier-2", 150_000),
    ]
    assert balance(shop, "platform_penalties") == 30_000
    required = shop.execute(
        "SELECT month, gmv_fen, required_fen, rule_id FROM deposit_requirements"
        " WHERE month = DATE '2026-04-01'"
    ).fetchall()
    assert required == [(date(2026, 4, 1), 6_000_000, 200_000, "deposit.tier-2")]


def test_a_deposit_is_opened_for_shops_no_close_posted_for_and_only_once(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    """S1 already has an entry another close posted (a February compensation, say from a
    ledger carried over) but no opening; S2 has nothing: the March close opens S2's deposit
    only, and closing March again opens nothing more."""
    add_shop(shop, "S2")
    shop.execute(
        "INSERT INTO journal_entries VALUES ('e1', 'k1', 0, 'compensation', 'A0', NULL, 'S1',"
        " DATE '2026-02-15', 'ledger-test', 'sig', NULL, 'carried-over', NULL)"
    )
    shop.execute(
        "INSERT INTO journal_postings VALUES"
        " ('e1', 1, 'merchant_available', 'S1', DATE '2026-02-15', NULL, -100, 'r',"
        " 'compensation', NULL),"
        " ('e1', 2, 'buyers', '', DATE '2026-02-15', NULL, 100, 'r', 'compensation', NULL)"
    )
    # a journal carried over brings its index of shops, as the journal keeps it
    shop.execute("INSERT INTO journal_shops VALUES ('S1', 'carried-over')")
    opened = (
        "SELECT shop_id, booked_on, count(*) FROM journal_entries"
        " WHERE kind = 'deposit_opening' GROUP BY ALL ORDER BY ALL"
    )
    close(shop, *MARCH)
    assert shop.execute(opened).fetchall() == [("S2", date(2026, 3, 1), 1)]
    close(shop, *MARCH, refresh_fees=True)
    close(shop, *APRIL)
    assert shop.execute(opened).fetchall() == [("S2", date(2026, 3, 1), 1)]
    assert balance(shop, "merchant_deposit", "S2") == 50_000
    assert balance(shop, "merchant_deposit", "S1") == 0


def test_excess_deposit_stays_until_the_merchant_withdraws_it(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    """¥60,000 sold in February raises the deposit to ¥2,000 on 8 March; nothing sold in
    March lowers the amount due to ¥500 on 8 April, but the close releases nothing: the
    merchant asks for the ¥1,500 excess, once a week."""
    add_order(shop, "O1", datetime(2026, 2, 2, 10), 6_000_000)
    add_event(shop, "O1", "receipt_confirmed", datetime(2026, 2, 5, 9))
    for period in ((date(2026, 2, 1), date(2026, 2, 28)), MARCH, APRIL):
        close(shop, *period)

    reviews = shop.execute(
        "SELECT e.kind, e.booked_on, p.amount_fen FROM journal_postings AS p"
        " JOIN journal_entries AS e USING (entry_id)"
        " WHERE p.account = 'merchant_deposit' AND e.kind LIKE 'deposit_%' ORDER BY e.booked_on"
    ).fetchall()
    assert reviews == [
        ("deposit_opening", date(2026, 2, 1), 50_000),
        ("deposit_topup", date(2026, 3, 8), 150_000),
    ]
    assert balance(shop, "merchant_deposit", "S1") == 200_000

    book = ledger_rulebook()
    with pytest.raises(InputError, match="only 150000 fen"):
        withdraw_deposit(shop, book, "S1", date(2026, 4, 9), 150_001)
    withdraw_deposit(shop, book, "S1", date(2026, 4, 9), 100_000)  # a Thursday
    with pytest.raises(InputError, match="already withdrew"):
        withdraw_deposit(shop, book, "S1", date(2026, 4, 12), 10_000)  # same week (Sunday)
    withdraw_deposit(shop, book, "S1", date(2026, 4, 13), 50_000)  # next Monday
    assert balance(shop, "merchant_deposit", "S1") == 50_000
    with pytest.raises(InputError, match="only 0 fen"):
        withdraw_deposit(shop, book, "S1", date(2026, 4, 20), 1, deposit_type="experience")
    with pytest.raises(InputError, match="unknown deposit type"):
        withdraw_deposit(shop, book, "S1", date(2026, 4, 20), 1, deposit_type="quality")

    close(shop, *APRIL)  # a re-close leaves the withdrawals alone
    assert balance(shop, "merchant_deposit", "S1") == 50_000
    assert check_journal(shop) == []


def test_a_shortfall_takes_only_the_goods_payment_there_is(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    """No sales: a ¥300 deduction on 3 March leaves ¥200 and nothing to top up from; the
    balance stays short and withdrawals stop. Two more deductions take it below zero on
    10 March; 48 hours later trading is limited."""
    add_violation(shop, "V1", "S1", datetime(2026, 3, 3, 10))
    add_violation(shop, "V2", "S1", datetime(2026, 3, 10, 10))
    add_violation(shop, "V3", "S1", datetime(2026, 3, 10, 11))
    close(shop, *MARCH)
    book = ledger_rulebook()
    assert balance(shop, "merchant_available", "S1") == 0
    assert deposit_standing(shop, book, "S1", datetime(2026, 3, 5, 12)).level == "short"
    with pytest.raises(InputError, match="only 0 fen"):
        withdraw_deposit(shop, book, "S1", date(2026, 3, 5), 1)
    under = deposit_standing(shop, book, "S1", datetime(2026, 3, 11, 23, 59))
    assert (under.balance_fen, under.level, under.negative_since) == (
        -40_000,
        "negative",
        date(2026, 3, 10),
    )
    assert deposit_standing(shop, book, "S1", datetime(2026, 3, 12, 0, 0)).level == "limited"


def test_quality_merchant_pays_less_compensation(warehouse: duckdb.DuckDBPyConnection) -> None:
    """¥10 compensation: a flagship shop pays ¥7, the platform bears ¥3 (减赔 rule)."""
    add_category(warehouse)
    add_shop(warehouse, store_type="flagship")
    add_order(warehouse, "O1", datetime(2026, 3, 2, 10), 10_000)
    add_case(
        warehouse,
        "A1",
        "O1",
        datetime(2026, 3, 3),
        0,
        kind="exchange",
        compensation_fen=1_000,
        closed_at=datetime(2026, 3, 4),
    )
    close(warehouse, *MARCH)

    legs = warehouse.execute(
        "SELECT account, amount_fen, rule_id FROM journal_postings"
        " WHERE entry_kind = 'compensation' ORDER BY leg"
    ).fetchall()
    assert legs == [
        ("merchant_pending", -700, "ledger.compensation"),
        ("platform_subsidy", -300, "compensation.flagship"),
        ("buyers", 1_000, "ledger.compensation"),
    ]


def test_refund_claws_back_coupon_subsidy_and_commission(
    shop: duckdb.DuckDBPyConnection,
) -> None:
    """Half of an affiliate order with a ¥10 platform coupon is refunded in the after-sales
    period: half the coupon subsidy goes back to the platform, half the 20% commission
    comes back from the creator, and half the creator's service fee goes back to them."""
    add_creator(shop)
    add_order(
        shop,
        "O1",
        datetime(2026, 3, 2, 10),
        10_000,
        platform_coupon_fen=1_000,
        creator_id="CR1",
        commission_rate_bp=2_000,
    )
    add_event(shop, "O1", "receipt_confirmed", datetime(2026, 3, 5, 9))
    add_case(shop, "A1", "O1", datetime(2026, 3, 6), 4_500, closed_at=datetime(2026, 3, 7))
    close(shop, *MARCH)

    refund = shop.execute(
        "SELECT account, amount_fen, rule_id FROM journal_postings"
        " WHERE entry_kind = 'refund' ORDER BY leg"
    ).fetchall()
    assert refund == [
        ("merchant_pending", -4_500, "ledger.refund"),
        ("buyers", 4_500, "ledger.refund"),
        ("merchant_pending", -500, "coupon.platform"),
        ("platform_subsidy", 500, "coupon.platform"),
        ("creator_payable", -1_000, "aff.daily"),
        ("merchant_pending", 1_000, "aff.daily"),
        ("platform_fee_revenue", -100, "creator.fee"),
        ("creator_payable", 100, "creator.fee"),
    ]
    # Commission on what was kept: 20% of ¥50 = ¥10, minus the 10% creator fee = ¥9.
    assert (
        balance(shop, "creator_payable", "CR1") + balance(shop, "creator_available", "CR1") == 900
    )
