"""Money events of orders and after-sales cases, staged as journal entries.

Each function inserts target entries into ``ledger_stage`` for events booked in
the period; :func:`merchantry.ledger.journal.post_staged` then posts what is new.
A merchant leg books to ``merchant_pending`` before the order's settlement date
and to ``merchant_available`` on or after it (a refund after settlement comes out
of settled money); a creator leg likewise to ``creator_payable`` or
``creator_available`` around the commission's settlement date.

* ``sale`` (payment date): the buyer's payment into the shop's goods payment, and
  every fee line charged at payment, each as a payer leg and a payee leg.
* ``fee_refund`` (refund date): the fee stage's refund lines (technical service fee
  and promotion fee refunds) of the order.
* ``refund`` (case close date): an approved refund back to the buyer, capped so an
  order never refunds more than was paid; with it, the platform coupon subsidy is
  clawed back pro rata, and inside the after-sales period the affiliate commission
  and the creator's service fee on it, and the colonel (团长) fee and the colonel's
  technical service fee on it (§3.7). Pro-rata parts are computed on
  cumulative refunds, so several partial refunds never claw back more than the line.
* ``compensation`` (case close date): compensation to the buyer from the responsible
  party (merchant, carrier, otherwise the platform); a ``compensation_reduction`` rule
  moves part of a merchant's share to the platform (减赔).
"""

from __future__ import annotations

import functools
from datetime import date
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.money import apply_rate_sql, pro_rata_sql
from merchantry.ledger.accounts import PLATFORM_ACCOUNT_BY_FEE_KIND, REFUND_FEE_KINDS
from merchantry.ledger.journal import day_span, namespace
from merchantry.ledger.settlement import SCHEDULE_SPAN
from merchantry.store.sql import fill, fill_sql, parse, run_sql, to_sql

ROUTING_MACROS: Final = """
CREATE OR REPLACE TEMP MACRO ledger_merchant(d, settle_on) AS
  CASE WHEN settle_on IS NOT NULL AND d >= settle_on
       THEN 'merchant_available' ELSE 'merchant_pending' END;
CREATE OR REPLACE TEMP MACRO ledger_creator(d, settle_on) AS
  CASE WHEN settle_on IS NOT NULL AND d >= settle_on
       THEN 'creator_available' ELSE 'creator_payable' END;
CREATE OR REPLACE TEMP MACRO ledger_colonel(d, settle_on) AS
  CASE WHEN settle_on IS NOT NULL AND d >= settle_on
       THEN 'colonel_available' ELSE 'colonel_payable' END;
CREATE OR REPLACE TEMP MACRO ledger_role(role, platform_account, d, settle_on, csettle_on) AS
  CASE role WHEN 'merchant' THEN ledger_merchant(d, settle_on)
            WHEN 'creator' THEN ledger_creator(d, csettle_on)
            WHEN 'colonel' THEN ledger_colonel(d, csettle_on)
            WHEN 'buyer' THEN 'buyers'
            ELSE platform_account END;
CREATE OR REPLACE TEMP MACRO ledger_party(role, shop_id, creator_id) AS
  CASE role WHEN 'merchant' THEN shop_id WHEN 'creator' THEN coalesce(creator_id, '')
            ELSE '' END;
CREATE OR REPLACE TEMP TABLE ledger_fee_accounts (fee_kind VARCHAR, platform_account VARCHAR);
"""

FEE_LEGS: Final = """
flatten(list([
  ledger_leg(ledger_role(l.payer, fa.platform_account, l.accrued_on, s.settle_on,
                         s.commission_settle_on),
             ledger_party(l.payer, s.shop_id, s.creator_id), -l.amount_fen, l.rule_id),
  ledger_leg(ledger_role(l.payee, fa.platform_account, l.accrued_on, s.settle_on,
                         s.commission_settle_on),
             ledger_party(l.payee, s.shop_id, s.creator_id), l.amount_fen, l.rule_id)
] ORDER BY l.fee_kind))
"""


SALE_LINES: Final = """
CREATE OR REPLACE TEMP TABLE ledger_sale_lines AS
SELECT order_id, fee_kind, payer, payee, amount_fen, rule_id
FROM fee_lines
WHERE rulebook = $rulebook AND NOT list_contains($refund_kinds, fee_kind)
  AND paid_on BETWEEN $start AND $end
  AND order_id IN (SELECT order_id FROM ledger_schedule WHERE paid_on BETWEEN $start AND $end)
"""
"""The charge lines of the orders paid in the period, with the columns the sale reads: what
:data:`STAGE_SALES` joins, once per charge kind. Joined to ``fee_lines`` itself, each of the
eight joins built a hash table of every line of its kind ever written: at 100 M orders a
day's close ran out of memory there under 6 GB. The semi-join bounds them by the period's
orders (a day's, in the daily close); the range on the line's own payment day
(``fee_lines.paid_on``) lets the scan skip the row groups of other days, which the semi-join
alone read in full."""


def _sales_template(kinds: tuple[str, ...] | None = None) -> str:
    """:data:`STAGE_SALES`: a sale per order paid in the period, with its payment legs and
    two legs per charge kind, read from the order's line of that kind
    (:data:`SALE_LINES`). Each kind's line is joined on its own (``fee_lines``' key is
    rulebook, order and kind, so at most one line per join): eight hash joins cost about half
    the pivot (a ``GROUP BY`` of the lines with 32 filtered aggregates) that did this before,
    and give the same rows. ``kinds``: join only those charge kinds (default: all)."""
    # the statement before its fee lines are joined (kept out of the module's constants:
    # the Spark check reads those as statements, and this one is only a part)
    base = """
INSERT INTO ledger_stage
SELECT md5($ns || s.order_id), 'sale', s.order_id, s.order_id, s.shop_id, s.paid_on,
       list_filter(
         [ledger_leg('buyers', '', -s.amount_paid_fen, 'ledger.payment'),
          ledger_leg(ledger_merchant(s.paid_on, s.settle_on), s.shop_id, s.amount_paid_fen,
                     'ledger.payment'),
          p_fee_legs],
         lambda l: l.amount_fen <> 0)
FROM ledger_schedule AS s
WHERE s.paid_on BETWEEN $start AND $end
"""
    # the join of one charge kind's fee line to the schedule (only its JOIN is taken)
    line_join = """
SELECT 1 FROM ledger_schedule AS s
LEFT JOIN ledger_sale_lines AS p_line ON p_line.order_id = s.order_id AND p_line.fee_kind = p_kind
"""
    tree = parse(base)
    joins = [
        fill(line_join, p_line=_line(kind), p_kind=exp.Literal.string(kind)).args["joins"][0]
        for kind in (CHARGE_KINDS if kinds is None else kinds)
    ]
    tree.expression.set("joins", joins)
    return to_sql(tree)


STAGE_FEE_REFUNDS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || l.order_id), 'fee_refund', l.order_id, l.order_id, min(s.shop_id),
       max(l.accrued_on), p_fee_legs
FROM fee_lines AS l
JOIN ledger_schedule AS s USING (order_id)
JOIN ledger_fee_accounts AS fa USING (fee_kind)
WHERE l.rulebook = $rulebook AND list_contains($refund_kinds, l.fee_kind)
  AND l.paid_on BETWEEN $paid_from AND $paid_to
  AND l.order_id IN (
    SELECT order_id FROM fee_lines
    WHERE rulebook = $rulebook AND list_contains($refund_kinds, fee_kind)
      AND paid_on BETWEEN $paid_from AND $paid_to AND accrued_on BETWEEN $start AND $end)
GROUP BY l.order_id
HAVING max(l.accrued_on) BETWEEN $start AND $end
"""
"""An order's fee refund: its refund lines under the rulebook, when the last accrues in the
period. The lines read are those of the scheduled orders' span of payment days
(:data:`SCHEDULE_SPAN`; a line carries its order's day), not every refund line stored, and
only of the orders with a line accruing in the period (an order whose last line accrues in
it has one): a day's close builds the legs of that day's refunds, not of every refund of
the orders it schedules (at 10 M orders a month, the refunds of two weeks of orders to keep
one day's)."""

REFUND_CASES: Final = """
CREATE OR REPLACE TEMP TABLE ledger_refund_cases AS
WITH c AS (
  SELECT a.case_id, a.order_id, CAST(a.closed_at AS DATE) AS closed_on,
         CAST(a.requested_at AS DATE) AS requested_on, a.amount_fen,
         sum(a.amount_fen) OVER (PARTITION BY a.order_id ORDER BY a.closed_at, a.case_id
                                 ROWS UNBOUNDED PRECEDING) AS cum_fen
  FROM after_sales AS a
  WHERE a.outcome = 'approved' AND a.type IN ('refund_only', 'return_refund')
    AND a.amount_fen > 0 AND a.order_id IN (SELECT order_id FROM ledger_schedule)
    AND a.requested_at >= CAST($paid_from AS TIMESTAMP)
)
SELECT c.case_id, c.order_id, c.closed_on, s.shop_id, s.creator_id, s.settle_on,
       s.commission_settle_on, s.amount_paid_fen,
       least(c.cum_fen, s.amount_paid_fen) AS cum_fen,
       least(c.cum_fen - c.amount_fen, s.amount_paid_fen) AS prev_fen,
       c.requested_on <= coalesce(s.receipt_on, s.paid_on) + s.after_sales_days AS in_period,
       coalesce(f.commission_fen, 0) AS commission_fen, f.commission_rule,
       coalesce(f.creator_fee_fen, 0) AS creator_fee_fen, f.creator_fee_rule,
       coalesce(f.coupon_fen, 0) AS coupon_fen, f.coupon_rule,
       coalesce(f.colonel_fee_fen, 0) AS colonel_fee_fen,
       coalesce(f.colonel_tech_fen, 0) AS colonel_tech_fen, f.colonel_rule
FROM c
JOIN ledger_schedule AS s USING (order_id)
LEFT JOIN (
  SELECT order_id,
         sum(amount_fen) FILTER (WHERE fee_kind = 'affiliate_commission') AS commission_fen,
         min(rule_id) FILTER (WHERE fee_kind = 'affiliate_commission') AS commission_rule,
         sum(amount_fen) FILTER (WHERE fee_kind = 'creator_service_fee') AS creator_fee_fen,
         min(rule_id) FILTER (WHERE fee_kind = 'creator_service_fee') AS creator_fee_rule,
         sum(amount_fen) FILTER (WHERE fee_kind = 'coupon_subsidy') AS coupon_fen,
         min(rule_id) FILTER (WHERE fee_kind = 'coupon_subsidy') AS coupon_rule,
         sum(amount_fen) FILTER (WHERE fee_kind = 'colonel_service_fee') AS colonel_fee_fen,
         sum(amount_fen) FILTER (WHERE fee_kind = 'colonel_technical_fee') AS colonel_tech_fen,
         min(rule_id) FILTER (WHERE fee_kind = 'colonel_service_fee') AS colonel_rule
  FROM fee_lines
  WHERE rulebook = $rulebook
    AND fee_kind IN ('affiliate_commission', 'creator_service_fee', 'coupon_subsidy',
                     'colonel_service_fee', 'colonel_technical_fee')
    AND order_id IN (SELECT order_id FROM c)
    AND paid_on BETWEEN $paid_from AND $paid_to
  GROUP BY order_id
) AS f USING (order_id)
WHERE c.closed_on BETWEEN $start AND $end
"""
"""Approved refund cases closed in the period, with each case's cumulative share of its order
and the order's affiliate, coupon and colonel fee lines. The cases and lines read are those
of the scheduled orders' payment days on (``$paid_from``..``$paid_to``,
:data:`SCHEDULE_SPAN`): a case is requested after its order was paid (ingest holds it to
that: ``TimeOrder("orders.paid_at", "requested_at")``) and a fee line carries its order's
payment day, so zone maps skip older row groups and a day's close does not read every case
ever stored."""

STAGE_REFUNDS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || r.case_id), 'refund', r.case_id, r.order_id, r.shop_id, r.closed_on,
  [ledger_leg(ledger_merchant(r.closed_on, r.settle_on), r.shop_id, -(r.cum_fen - r.prev_fen),
              'ledger.refund'),
   ledger_leg('buyers', '', r.cum_fen - r.prev_fen, 'ledger.refund'),
   ledger_leg(ledger_merchant(r.closed_on, r.settle_on), r.shop_id, -r.coupon_claw, r.coupon_rule),
   ledger_leg('platform_subsidy', '', r.coupon_claw, r.coupon_rule),
   ledger_leg(ledger_creator(r.closed_on, r.commission_settle_on), r.creator_id,
              -r.commission_claw, r.commission_rule),
   ledger_leg(ledger_merchant(r.closed_on, r.settle_on), r.shop_id, r.commission_claw,
              r.commission_rule),
   ledger_leg('platform_fee_revenue', '', -r.creator_fee_claw, r.creator_fee_rule),
   ledger_leg(ledger_creator(r.closed_on, r.commission_settle_on), r.creator_id,
              r.creator_fee_claw, r.creator_fee_rule),
   ledger_leg(ledger_colonel(r.closed_on, r.commission_settle_on), '', -r.colonel_claw,
              r.colonel_rule),
   ledger_leg(ledger_merchant(r.closed_on, r.settle_on), r.shop_id, r.colonel_claw,
              r.colonel_rule),
   ledger_leg('platform_fee_revenue', '', -r.colonel_tech_claw, r.colonel_rule),
   ledger_leg(ledger_colonel(r.closed_on, r.commission_settle_on), '', r.colonel_tech_claw,
              r.colonel_rule)]
FROM (
  SELECT *,
         p_coupon AS coupon_claw,
         CASE WHEN in_period THEN p_commission ELSE 0 END AS commission_claw,
         CASE WHEN in_period THEN p_creator_fee ELSE 0 END AS creator_fee_claw,
         CASE WHEN in_period THEN p_colonel_fee ELSE 0 END AS colonel_claw,
         CASE WHEN in_period THEN p_colonel_tech ELSE 0 END AS colonel_tech_claw
  FROM ledger_refund_cases
) AS r
"""

STAGE_COMPENSATION: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || c.case_id), 'compensation', c.case_id, c.order_id, c.shop_id, c.closed_on,
  [ledger_leg(c.payer_account, c.payer_party, -(c.compensation_fen - c.reduced_fen),
              'ledger.compensation'),
   ledger_leg('platform_subsidy', '', -c.reduced_fen, c.comp_rule),
   ledger_leg('buyers', '', c.compensation_fen, 'ledger.compensation')]
FROM (
  SELECT a.case_id, a.order_id, s.shop_id, CAST(a.closed_at AS DATE) AS closed_on,
         a.compensation_fen,
         CASE a.responsible_party
           WHEN 'merchant' THEN ledger_merchant(CAST(a.closed_at AS DATE), s.settle_on)
           WHEN 'logistics' THEN 'logistics_claims'
           ELSE 'platform_subsidy' END AS payer_account,
         CASE WHEN a.responsible_party = 'merchant' THEN s.shop_id ELSE '' END AS payer_party,
         CASE WHEN a.responsible_party = 'merchant' THEN p_reduced ELSE 0 END AS reduced_fen,
         s.comp_rule
  FROM after_sales AS a JOIN ledger_schedule AS s USING (order_id)
  WHERE a.outcome = 'approved' AND a.compensation_fen > 0
    AND CAST(a.closed_at AS DATE) BETWEEN $start AND $end
    AND a.requested_at >= CAST($paid_from AS TIMESTAMP)
) AS c
"""


def _claw(line: str) -> exp.Expr:
    """The increment of ``line × refunded / paid`` this case adds (cumulative pro rata)."""

    def share(part: str) -> exp.Expr:
        return pro_rata_sql(exp.column(line), exp.column(part), exp.column("amount_paid_fen"))

    return exp.paren(exp.Sub(this=share("cum_fen"), expression=share("prev_fen")))


def reduced_compensation_sql(rules: str = "s", case: str = "a") -> exp.Expr:
    """The part of a compensation the reduction rule moves to the platform: the case's
    ``compensation_fen`` × the rule's ``comp_share_bp`` (none: 0), rounded to a fen."""
    rate = exp.func("coalesce", exp.column("comp_share_bp", table=rules), exp.Literal.number(0))
    return apply_rate_sql(exp.column("compensation_fen", table=case), rate)


CHARGE_KINDS: Final = tuple(k for k in PLATFORM_ACCOUNT_BY_FEE_KIND if k not in REFUND_FEE_KINDS)
"""Fee kinds charged at payment (posted in the ``sale`` entry), in a fixed order."""


def _line(kind: str) -> str:
    """Alias of the joined fee line of ``kind`` in :data:`STAGE_SALES`."""
    return f"fl_{kind}"


def _fee_legs(kinds: tuple[str, ...] = CHARGE_KINDS) -> list[exp.Expr]:
    """Two legs per charge kind (payer gives, payee receives); a kind the order has no line
    of has NULL amounts (nothing joined) and is dropped with the zero legs."""
    s = "s"
    legs: list[exp.Expr] = []
    for kind in kinds:
        platform = exp.Literal.string(PLATFORM_ACCOUNT_BY_FEE_KIND[kind].value)
        amount = exp.column("amount_fen", table=_line(kind))
        rule = exp.column("rule_id", table=_line(kind))
        for role, sign in (("payer", -1), ("payee", 1)):
            who = exp.column(role, table=_line(kind))
            account = exp.Anonymous(
                this="ledger_role",
                expressions=[
                    who.copy(),
                    platform.copy(),
                    exp.column("paid_on", table=s),
                    exp.column("settle_on", table=s),
                    exp.column("commission_settle_on", table=s),
                ],
            )
            party = exp.Anonymous(
                this="ledger_party",
                expressions=[
                    who.copy(),
                    exp.column("shop_id", table=s),
                    exp.column("creator_id", table=s),
                ],
            )
            value: exp.Expr = amount.copy() if sign > 0 else exp.Neg(this=amount.copy())
            legs.append(
                exp.Anonymous(this="ledger_leg", expressions=[account, party, value, rule.copy()])
            )
    return legs


STAGE_SALES: Final = _sales_template()


def filled_statements() -> dict[str, str]:
    """The order-event templates with their placeholders filled: what the close runs
    (also what ``merchantry.spark.unported`` checks for Spark, not the bare templates)."""
    return dict(_filled())


@functools.cache
def _filled() -> dict[str, str]:
    """:func:`filled_statements`, built once per process (parsing and filling the templates
    cost more CPU than a small day's statements)."""
    return {
        "SALE_LINES": SALE_LINES,
        "STAGE_SALES": fill_sql(STAGE_SALES, p_fee_legs=_fee_legs()),
        "STAGE_FEE_REFUNDS": fill_sql(STAGE_FEE_REFUNDS, p_fee_legs=parse(FEE_LEGS)),
        "STAGE_REFUNDS": fill_sql(
            STAGE_REFUNDS,
            p_coupon=_claw("coupon_fen"),
            p_commission=_claw("commission_fen"),
            p_creator_fee=_claw("creator_fee_fen"),
            p_colonel_fee=_claw("colonel_fee_fen"),
            p_colonel_tech=_claw("colonel_tech_fen"),
        ),
        "STAGE_COMPENSATION": fill_sql(STAGE_COMPENSATION, p_reduced=reduced_compensation_sql()),
    }


@functools.cache
def sales_sql(kinds: tuple[str, ...]) -> str:
    """:data:`STAGE_SALES` joining only the charge ``kinds`` (in :data:`CHARGE_KINDS` order)
    that the period's sale lines hold. A kind no line of the period has gives every order
    NULL legs, which the zero-leg filter drops, so the rows are the statement's with every
    kind joined, leg for leg; each kind left out saves a scan of the period's lines and a
    probe per order (most rulebooks charge two or three of the eight kinds)."""
    return fill_sql(_sales_template(kinds), p_fee_legs=_fee_legs(kinds))


SALE_KINDS: Final = "SELECT DISTINCT fee_kind FROM ledger_sale_lines"


def prepare(con: duckdb.DuckDBPyConnection) -> None:
    """Routing macros and the fee-kind → platform-account table."""
    con.execute(ROUTING_MACROS)
    con.executemany(
        "INSERT INTO ledger_fee_accounts VALUES (?, ?)",
        [(kind, account.value) for kind, account in PLATFORM_ACCOUNT_BY_FEE_KIND.items()],
    )


def stage_order_events(
    con: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date
) -> None:
    """Stage sales, fee refunds, refunds and compensation booked in ``start``..``end``."""
    period = {"start": start, "end": end}
    kinds = {"refund_kinds": list(REFUND_FEE_KINDS)}
    filled = filled_statements()
    run_sql(con, filled["SALE_LINES"], {**period, **kinds, "rulebook": rulebook})
    found = {str(row[0]) for row in con.execute(SALE_KINDS).fetchall()}
    kinds_held = tuple(kind for kind in CHARGE_KINDS if kind in found)
    run_sql(con, sales_sql(kinds_held), {**period, "ns": namespace("sale")})
    days = day_span(con, SCHEDULE_SPAN)
    run_sql(
        con,
        filled["STAGE_FEE_REFUNDS"],
        {**period, **kinds, **days, "rulebook": rulebook, "ns": namespace("fee_refund")},
    )
    run_sql(con, REFUND_CASES, {**period, **days, "rulebook": rulebook})
    run_sql(con, filled["STAGE_REFUNDS"], {"ns": namespace("refund")})
    compensation = {**period, "paid_from": days["paid_from"], "ns": namespace("compensation")}
    run_sql(con, filled["STAGE_COMPENSATION"], compensation)
