"""Invariants over random small order histories (Hypothesis).

Each example builds a fresh warehouse with a few orders, parcels, after-sales
cases, a violation and a programme's cash reward (each on a random day, or none), closes
March 2026 under ``ledger-test.yaml``, and checks:

* every entry balances and the journal check finds nothing;
* money is conserved: what buyers paid (plus premiums they bought) minus what came
  back to them (refunds, compensation) equals, to the fen, the sum of every other
  balance (merchants, creators, platform, carriers, deposits);
* closing again changes nothing;
* a refund never leaves a fee charged on money the merchant did not keep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.kit.money import pro_rata
from merchantry.ledger.check import check_journal
from merchantry.store.warehouse import connect, ensure_schema
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
    journal_dump,
)

START, END = date(2026, 3, 1), date(2026, 3, 31)
DAY0 = datetime(2026, 3, 1, 9)


@dataclass(frozen=True)
class CaseSpec:
    share_pct: int
    outcome: str
    party: str
    compensation_fen: int
    request_day: int
    days_open: int | None


@dataclass(frozen=True)
class OrderSpec:
    paid_day: int
    goods_fen: int
    shipping_fen: int
    coupon_pct: int
    ad_cost_fen: int
    affiliate: bool
    insured_by: str | None
    delivered_after: int | None
    confirmed: bool
    cases: tuple[CaseSpec, ...]


cases = st.builds(
    CaseSpec,
    share_pct=st.sampled_from([30, 50, 100]),
    outcome=st.sampled_from(["approved", "approved", "rejected", "open"]),
    party=st.sampled_from(["merchant", "logistics", "platform"]),
    compensation_fen=st.sampled_from([0, 0, 500]),
    request_day=st.integers(0, 20),
    days_open=st.one_of(st.none(), st.integers(0, 10)),
)
orders = st.builds(
    OrderSpec,
    paid_day=st.integers(0, 25),
    goods_fen=st.integers(1, 50_000),
    shipping_fen=st.sampled_from([0, 800]),
    coupon_pct=st.sampled_from([0, 0, 10]),
    ad_cost_fen=st.sampled_from([0, 0, 1_000]),
    affiliate=st.booleans(),
    insured_by=st.sampled_from([None, None, "merchant", "buyer", "platform"]),
    delivered_after=st.one_of(st.none(), st.integers(1, 6)),
    confirmed=st.booleans(),
    cases=st.lists(cases, max_size=2).map(tuple),
)
histories = st.tuples(
    st.lists(orders, min_size=1, max_size=5),
    st.sampled_from(["standard", "zero_deposit"]),
    st.sampled_from(["enterprise", "flagship"]),
    st.one_of(st.none(), st.integers(0, 25)),  # a violation's day: a deduction, then a top-up
    st.one_of(st.none(), st.tuples(st.integers(0, 25), st.integers(1, 60_000))),  # cash reward
    # the day of March the shop joins (None: long before); its orders may come before it
    st.one_of(st.none(), st.none(), st.integers(0, 25)),
)


def build(con: duckdb.DuckDBPyConnection, history: tuple[object, ...]) -> None:
    specs, plan, store_type, violation, reward, joins = history
    assert isinstance(specs, list)
    add_category(con)
    opened = (DAY0 + timedelta(days=joins)).date() if isinstance(joins, int) else date(2024, 1, 1)
    add_shop(con, entry_plan=str(plan), store_type=str(store_type), opened=opened)
    add_creator(con)
    if isinstance(violation, int):
        add_violation(con, "V1", "S1", DAY0 + timedelta(days=violation))
    if isinstance(reward, tuple):  # a programme's cash reward: goods payment a top-up takes
        day, amount = reward
        ensure_schema(con)
        con.execute(
            "INSERT INTO program_rewards VALUES ('RW1', 'test-programme', 'S1', 'T1',"
            " 'test-programme/T1', 'cash', ?, ?, 0, 'none', ?, NULL)",
            [amount, amount, (DAY0 + timedelta(days=day)).date()],
        )
    for i, o in enumerate(specs):
        order_id = f"O{i}"
        paid = DAY0 + timedelta(days=o.paid_day, minutes=i)
        coupon = o.goods_fen * o.coupon_pct // 100
        add_order(
            con,
            order_id,
            paid,
            o.goods_fen,
            shipping_fen=o.shipping_fen,
            platform_coupon_fen=coupon,
            ad_cost_fen=o.ad_cost_fen,
            creator_id="CR1" if o.affiliate else None,
            commission_rate_bp=2_000 if o.affiliate else None,
            insured_by=o.insured_by,
        )
        paid_fen = o.goods_fen + o.shipping_fen - coupon
        if o.delivered_after is not None:
            add_event(con, order_id, "shipped", paid + timedelta(hours=5))
            delivered = paid + timedelta(days=o.delivered_after)
            add_event(con, order_id, "delivered", delivered)
            if o.confirmed:
                add_event(con, order_id, "receipt_confirmed", delivered + timedelta(days=1))
        for j, c in enumerate(o.cases):
            requested = paid + timedelta(days=c.request_day, hours=1)
            closed = None if c.outcome == "open" else requested + timedelta(days=c.days_open or 0)
            add_case(
                con,
                f"A{i}-{j}",
                order_id,
                requested,
                paid_fen * c.share_pct // 100,
                outcome=c.outcome,
                closed_at=closed,
                compensation_fen=c.compensation_fen,
                party=c.party,
            )


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    params = {"start": START, "end": END} if "$start" in sql else {}
    row = con.execute(sql, params).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def buyers_net(con: duckdb.DuckDBPyConnection) -> int:
    """From the source tables alone: paid + premiums buyers bought − refunds − compensation."""
    paid = _scalar(con, "SELECT sum(amount_paid_fen) FROM orders")
    premiums = _scalar(
        con,
        "SELECT sum(amount_fen) FROM fee_lines WHERE fee_kind = 'insurance_premium'"
        " AND payer = 'buyer'",
    )
    refunds = _scalar(
        con,
        """
        SELECT sum(least(cum, paid) - least(cum - amount_fen, paid)) FROM (
          SELECT a.amount_fen, o.amount_paid_fen AS paid, CAST(a.closed_at AS DATE) AS closed_on,
                 sum(a.amount_fen) OVER (PARTITION BY a.order_id ORDER BY a.closed_at, a.case_id)
                   AS cum
          FROM after_sales AS a JOIN orders AS o USING (order_id)
          WHERE a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund'))
        WHERE closed_on BETWEEN $start AND $end
        """,
    )
    compensation = _scalar(
        con,
        "SELECT sum(compensation_fen) FROM after_sales WHERE outcome = 'approved'"
        " AND CAST(closed_at AS DATE) BETWEEN $start AND $end",
    )
    return paid + premiums - refunds - compensation


def held(con: duckdb.DuckDBPyConnection) -> int:
    """Where the money is: every balance but the buyers' and the merchants' own funds."""
    return _scalar(
        con,
        "SELECT sum(amount_fen) FROM journal_postings"
        " WHERE account NOT IN ('buyers', 'merchant_funds')",
    )


def funds_in(con: duckdb.DuckDBPyConnection) -> int:
    return -_scalar(
        con, "SELECT sum(amount_fen) FROM journal_postings WHERE account = 'merchant_funds'"
    )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories)
def test_every_close_balances_conserves_money_and_is_idempotent(
    tmp_path_factory: object, history: tuple[object, ...]
) -> None:
    assert hasattr(tmp_path_factory, "mktemp")
    path = Path(tmp_path_factory.mktemp("ledger")) / "w.duckdb"
    con = connect(path)
    try:
        build(con, history)
        close(con, START, END)

        assert check_journal(con) == []
        # Conservation (docs/ledger.md): buyers' net payments + deposits merchants paid in
        # = merchants' pending + available + deposit + creators + platform + carriers.
        assert -balance(con, "buyers") == buyers_net(con)
        assert buyers_net(con) + funds_in(con) == held(con)

        before = journal_dump(con)
        again = close(con, START, END)
        assert again.result.posted == 0
        assert again.result.reversed == 0
        assert journal_dump(con) == before

        assert_no_fee_on_refunded_money(con)
    finally:
        con.close()


def assert_no_fee_on_refunded_money(con: duckdb.DuckDBPyConnection) -> None:
    """Net technical fee of each order = the fee on what the merchant kept.

    The fee stage books an order's fee refund on its last refund's date, so the
    check applies to orders whose fee refund fell inside the closed period.
    """
    rows = con.execute(
        """
        SELECT o.order_id, o.amount_paid_fen,
               coalesce(sum(l.amount_fen) FILTER (WHERE l.fee_kind = 'technical_service_fee'), 0),
               coalesce(sum(l.amount_fen) FILTER (WHERE l.fee_kind = 'fee_refund'), 0),
               max(l.accrued_on) FILTER (WHERE l.fee_kind = 'fee_refund'),
               (SELECT coalesce(sum(p.amount_fen), 0) FROM journal_postings AS p
                WHERE p.order_id = o.order_id AND p.account = 'platform_fee_revenue'
                  AND p.rule_id IN ('tsf.base', 'refund.tsf'))
        FROM orders AS o LEFT JOIN fee_lines AS l USING (order_id)
        GROUP BY o.order_id, o.amount_paid_fen
        """
    ).fetchall()
    for order_id, paid, fee, fee_refund, refund_on, posted in rows:
        if refund_on is None or refund_on > END:
            assert posted == fee, order_id
            continue
        refunded = con.execute(
            """
            SELECT least(coalesce(sum(a.amount_fen), 0), ?) FROM after_sales AS a
            JOIN order_payouts AS s USING (order_id)
            WHERE a.order_id = ? AND a.outcome = 'approved'
              AND a.type IN ('refund_only', 'return_refund')
              AND CAST(a.requested_at AS DATE) <= coalesce(
                    (SELECT CAST(event_at AS DATE) FROM logistics_events
                     WHERE order_id = a.order_id AND event = 'receipt_confirmed'),
                    s.paid_on) + 7
            """,
            [paid, order_id],
        ).fetchone()
        kept = paid - int(refunded[0] if refunded else 0)
        assert posted == fee + fee_refund, order_id
        assert posted == fee - pro_rata(fee, paid - kept, paid), order_id
        if kept == 0:
            assert posted == 0, f"{order_id}: fee left on a fully refunded order"
