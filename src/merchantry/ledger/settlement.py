"""Settlement (账期): when each order's money moves from pending to available.

For every order paid up to the close's end:

* **receipt**: the ``receipt_confirmed`` event; without one, the ``delivered``
  event plus the rulebook's ``auto_confirm_days`` (assumption-marked rule);
* **nominal date**: receipt + the rulebook's ``settlement_days`` (first matching
  rule: 21 for zero-deposit entry, 10 for long after-sales periods, 3 otherwise), then
  a ``settlement_delay`` rule's business days (cross-border: 2 working days), counted on
  the business-day calendar (:mod:`merchantry.kit.businessdays`);
* **holds**: an after-sales case requested on or before the nominal date holds the
  money until it closes (an open case holds it indefinitely: ``held_by``);
* **settle_on** = the later of the nominal date and the last holding case's close;
* **commission_settle_on** = the later of receipt + ``commission_settlement_days``
  and ``settle_on`` (§3.7), for affiliate orders; a ``commission_reserve`` rule holds a
  share of it back in the creator's reserve (:mod:`merchantry.ledger.reserve`);
* **install_released_on**: with an ``installation_hold`` rule, the end of the after-sales
  period (receipt + the category's days) when it falls after ``settle_on``: the rule's share
  of the payment is held from ``settle_on`` until then (:mod:`merchantry.ledger.install_holds`).

The schedule is written to ``order_payouts``; amounts are never stored there (a
payout's amount is the order's pending postings, summed when asked).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.businessdays import add_business_days_sql
from merchantry.kit.money import apply_rate_sql
from merchantry.ledger.facts import RuleSet, fact_reads, select_rules
from merchantry.ledger.journal import (
    day_span,
    namespace,
    read_undated,
    reads_undated,
    run_sql,
    span_sql,
)
from merchantry.model.outputs import ORDER_PAYOUTS
from merchantry.rulebook.facts import fact_sql
from merchantry.rulebook.model import Rulebook
from merchantry.store.sql import col as sql_col
from merchantry.store.sql import create_temp_as, fill_sql, parse, table
from merchantry.store.sql import lit as sql_lit

EPOCH: Final = date(1970, 1, 1)

SCHEDULE_EVENTS: Final = ("receipt_confirmed", "delivered")
"""The parcel events a schedule reads (receipt, or delivery plus the auto-confirm days): the
only ones that can move an order's settlement. The daily close reschedules an order on a day
with one of these, not on one where it was only shipped or picked up (:data:`TOUCHED`)."""

SCHEDULE_EVENT_FILTER: Final = exp.column("event").isin(*(sql_lit(e) for e in SCHEDULE_EVENTS))

SCHEDULE: Final = """
CREATE OR REPLACE TEMP TABLE ledger_schedule AS
WITH ev AS (
  SELECT order_id,
         max(CAST(event_at AS DATE)) FILTER (WHERE event = 'receipt_confirmed') AS confirmed_on,
         max(CAST(event_at AS DATE)) FILTER (WHERE event = 'delivered') AS delivered_on
  FROM logistics_events
  WHERE p_schedule_events AND p_scheduled
  GROUP BY order_id
), base AS (
  SELECT f.order_order_id AS order_id, f.shop_shop_id AS shop_id, f.order_creator_id AS creator_id,
         f.order_paid_date AS paid_on, f.order_amount_paid_fen AS amount_paid_fen,
         coalesce(f.category_after_sales_days, 0) AS after_sales_days,
         CASE WHEN ev.confirmed_on IS NOT NULL THEN ev.confirmed_on
              WHEN ev.delivered_on IS NOT NULL AND r.auto_days IS NOT NULL
              THEN ev.delivered_on + CAST(r.auto_days AS INTEGER) END AS receipt_on,
         CASE WHEN ev.confirmed_on IS NOT NULL THEN 'confirmed'
              WHEN ev.delivered_on IS NOT NULL AND r.auto_days IS NOT NULL THEN 'auto'
              ELSE 'none' END AS receipt_source,
         CASE WHEN ev.confirmed_on IS NULL AND ev.delivered_on IS NOT NULL THEN r.auto_rule END
           AS receipt_rule_id,
         r.settle_days, r.settle_rule, r.comm_days, r.comm_rule, r.comp_share_bp, r.comp_rule,
         r.reserve_bp, r.reserve_rule, r.inst_bp, r.inst_rule, r.delay_days, r.delay_weekdays,
         r.delay_rule
  FROM ledger_facts AS f
  JOIN ledger_order_rules AS r USING (order_order_id)
  LEFT JOIN ev ON ev.order_id = f.order_order_id
), nominal AS (
  SELECT *, p_nominal AS nominal_on FROM base
), holds AS (
  SELECT a.order_id, max(CAST(a.closed_at AS DATE)) AS held_until,
         min(a.case_id) FILTER (WHERE a.closed_at IS NULL) AS open_case
  FROM after_sales AS a JOIN nominal AS n USING (order_id)
  WHERE (n.nominal_on IS NULL OR CAST(a.requested_at AS DATE) <= n.nominal_on) AND p_cases
  GROUP BY a.order_id
), settled AS (
  SELECT n.*, h.held_until, h.open_case AS held_by,
         CASE WHEN h.open_case IS NULL AND n.nominal_on IS NOT NULL
              THEN greatest(n.nominal_on, coalesce(h.held_until, n.nominal_on)) END AS settle_on
  FROM nominal AS n LEFT JOIN holds AS h USING (order_id)
)
SELECT *,
       CASE WHEN creator_id IS NOT NULL AND settle_on IS NOT NULL AND comm_days IS NOT NULL
            THEN greatest(p_commission, settle_on) END
         AS commission_settle_on,
       CASE WHEN inst_rule IS NOT NULL AND settle_on IS NOT NULL
             AND receipt_on + after_sales_days > settle_on THEN inst_rule END
         AS install_hold_rule_id,
       CASE WHEN inst_rule IS NOT NULL AND settle_on IS NOT NULL
             AND receipt_on + after_sales_days > settle_on
            THEN receipt_on + after_sales_days END AS install_released_on,
       CASE WHEN receipt_on IS NULL THEN 'awaiting_receipt'
            WHEN held_by IS NOT NULL OR settle_on IS NULL THEN 'held'
            WHEN settle_on > $end THEN 'scheduled'
            ELSE 'settled' END AS status
FROM settled
"""


def _delayed(day: str) -> exp.Expr:
    """``day`` plus the order's ``settlement_delay`` business days (none: ``day``)."""
    days = exp.func("coalesce", exp.column("delay_days"), exp.Literal.number(0))
    weekdays = exp.func("coalesce", exp.column("delay_weekdays"), exp.Literal.number(1))
    return add_business_days_sql(parse(day), days, weekdays)


TOUCHED_EVENTS: Final = (
    "order_id IN (SELECT order_order_id FROM ledger_facts)"
    " AND event_at >= CAST($paid_from AS TIMESTAMP)"
)
"""The daily close's schedule reads the parcel events of the orders it schedules only, and
only those from the first payment day of those orders on (``$paid_from``, from
:func:`touched_paid_from`). Over the whole table, their aggregate cost a day's close as much
as the month's events, and it grows with every day of events ever stored; the semi-join
leaves the aggregate to the day's touched orders (the result is the same: ``ev`` is only
ever joined to those orders). Ingest holds every parcel event to its order's payment time
(``TimeOrder("orders.paid_at", "event_at")``: an earlier one is quarantined), so no event
of those orders is before ``$paid_from``, and DuckDB's zone maps skip the row groups of
older events (the table is appended day by day)."""

TOUCHED_CASES: Final = "a.requested_at >= CAST($paid_from AS TIMESTAMP)"
"""The same bound on the after-sales cases the daily close's schedule reads for its holds
(ingest holds a case's request to its order's payment time too)."""


@functools.cache
def schedule_sql(touched: bool = False) -> str:
    """:data:`SCHEDULE` with the settlement delay in place: the goods payment settles the
    delay's business days after receipt + the settlement days, and the commission (and the
    colonel fee) the same business days after receipt + its days (never before the goods).
    ``touched`` (the daily close): the parcel events of ``ledger_facts``' orders only
    (:data:`TOUCHED_EVENTS`), and the cases and events from those orders' first payment day
    on (``$paid_from``); the month close reads them all, its facts being every order."""
    return fill_sql(
        SCHEDULE,
        p_nominal=_delayed("receipt_on + CAST(settle_days AS INTEGER)"),
        p_commission=_delayed("receipt_on + CAST(comm_days AS INTEGER)"),
        p_scheduled=parse(TOUCHED_EVENTS) if touched else exp.true(),
        p_cases=parse(TOUCHED_CASES) if touched else exp.true(),
        p_schedule_events=SCHEDULE_EVENT_FILTER,
    )


def filled_statements() -> dict[str, str]:
    """The templates as the close runs them (what ``merchantry.spark.unported`` checks)."""
    return {"SCHEDULE": schedule_sql(), "SCHEDULE_TOUCHED": schedule_sql(touched=True)}


SCHEDULE_AS_PAYOUT: Final[Mapping[str, str]] = {
    "rulebook": "$rulebook",
    "settlement_days": "CAST(settle_days AS INTEGER)",
    "settle_rule_id": "settle_rule",
    "settle_delay_rule_id": "delay_rule",
}
"""How an ``order_payouts`` column is read from ``ledger_schedule`` where the names differ;
every other column of the declared table is the schedule's column of the same name."""


SCHEDULE_SPAN: Final = span_sql("ledger_schedule", "paid_on")
"""The span of the scheduled orders' payment days (``$paid_from``..``$paid_to``), to which
:data:`WRITE_PAYOUTS` holds its reads of the stored payout rows: an order's payment day
never changes, so its stored row is among them, and DuckDB's zone maps skip the row groups
of other days' orders, so a day's close does not read every payout row ever written to
find the ones it replaces."""


def _write_payouts() -> str:
    """The three statements, their column lists derived from the ``order_payouts``
    declaration (one list, in :mod:`merchantry.model.outputs`)."""
    names = ORDER_PAYOUTS.column_names
    from_schedule = exp.select(
        *[
            exp.alias_(parse(SCHEDULE_AS_PAYOUT[n]), n, quoted=True)
            if n in SCHEDULE_AS_PAYOUT
            else sql_col(n)
            for n in names
        ]
    ).from_(table("ledger_schedule"))
    stored = (
        exp.select(*[sql_col(n) for n in names])
        .from_(table("order_payouts"))
        .where(
            parse(
                "paid_on BETWEEN $paid_from AND $paid_to"
                " AND order_id IN (SELECT order_id FROM ledger_schedule)"
            )
        )
    )
    same = exp.and_(
        *[
            exp.NullSafeEQ(
                this=exp.column(n, table="t", quoted=True),
                expression=exp.column(n, table="s", quoted=True),
            )
            for n in names
        ]
    )
    unchanged = exp.select("1").from_(exp.alias_(exp.Subquery(this=stored), "t")).where(same)
    changed = create_temp_as(
        "ledger_payouts_changed",
        exp.select("s.*")
        .from_(exp.alias_(exp.Subquery(this=from_schedule), "s"))
        .where(exp.not_(exp.Exists(this=unchanged))),
    )
    return ";\n".join(
        (
            changed,
            "DELETE FROM order_payouts WHERE paid_on BETWEEN $paid_from AND $paid_to"
            " AND order_id IN (SELECT order_id FROM ledger_payouts_changed)",
            "INSERT INTO order_payouts BY NAME SELECT * FROM ledger_payouts_changed",
        )
    )


WRITE_PAYOUTS: Final = _write_payouts()
"""Rewrite only the schedule rows that changed (a re-run writes nothing): a scheduled order
with no stored row equal to its new one in every column (NULL equal to NULL). Asked as an
anti-join on the order, not as the two sides' ``EXCEPT``: a set difference hashes every
column of every row of both sides, where the anti-join hashes the stored rows by order
and compares the columns of the pairs (a 1 M-order month's first close, with no stored row,
hashed its million schedule rows to find them all new)."""

STAGE_SETTLEMENTS_OF: Final = """
INSERT INTO ledger_stage
WITH due AS (
  SELECT order_id, shop_id, settle_on, settle_rule FROM ledger_schedule
  WHERE settle_on BETWEEN $start AND $end
), amounts AS (
  SELECT order_id, sum(amount_fen) AS pending_fen FROM journal_postings
  WHERE account = 'merchant_pending' AND entry_kind <> 'settlement'
    AND order_id IN (SELECT order_id FROM due)
    AND (order_paid_on BETWEEN $paid_from AND $paid_to OR p_undated)
  GROUP BY order_id
)
SELECT md5($ns || d.order_id), 'settlement', d.order_id, d.order_id, d.shop_id, d.settle_on,
       [ledger_leg('merchant_pending', d.shop_id, -a.pending_fen, d.settle_rule),
        ledger_leg('merchant_available', d.shop_id, a.pending_fen, d.settle_rule)]
FROM due AS d JOIN amounts AS a USING (order_id)
"""

STAGE_SETTLEMENTS, STAGE_SETTLEMENTS_DATED = read_undated(STAGE_SETTLEMENTS_OF)
"""The goods payment of the orders that settle in the period, from pending to available:
what their postings put into ``merchant_pending``, looked up among the postings of their
payment days (and, as :func:`~merchantry.ledger.journal.reads_undated` decides, of none)."""

STAGE_PARTY_SETTLEMENTS: Final = """
INSERT INTO ledger_stage
WITH due AS (
  SELECT order_id, shop_id, commission_settle_on, comm_rule, reserve_bp, reserve_rule
  FROM ledger_schedule
  WHERE commission_settle_on BETWEEN $start AND $end
), amounts AS (
  SELECT order_id, party, sum(amount_fen) AS payable_fen FROM journal_postings
  WHERE account = p_payable AND entry_kind <> p_kind
    AND order_id IN (SELECT order_id FROM due)
    AND (order_paid_on BETWEEN $paid_from AND $paid_to OR p_undated)
  GROUP BY order_id, party
), split AS (
  SELECT d.*, a.party, a.payable_fen,
         CASE WHEN a.payable_fen > 0 AND d.reserve_bp IS NOT NULL THEN p_reserve ELSE 0 END
           AS reserve_fen
  FROM due AS d JOIN amounts AS a USING (order_id)
)
SELECT md5($ns || s.order_id), p_kind, s.order_id, s.order_id, s.shop_id,
       s.commission_settle_on,
       [ledger_leg(p_payable, s.party, -s.payable_fen, s.comm_rule),
        ledger_leg(p_available, s.party, s.payable_fen - s.reserve_fen, s.comm_rule),
        ledger_leg(p_reserve_account, s.party, s.reserve_fen, s.reserve_rule)]
FROM split AS s
"""
"""A party's money earned on an order moves from its payable account to available when the
commission settles (receipt + 15 days, never before the goods payment); with a
``commission_reserve`` rule, its share (rounded to a fen) goes to the party's reserve instead
(released by :mod:`merchantry.ledger.reserve`). Filled once for the creator's commission
(``commission_settlement``) and once for the colonel (团长) fee, net of the colonel's
technical service fee (``colonel_settlement``): the rule's reserve covers creators and
agencies, colonels included."""

PARTY_SETTLEMENTS: Final = (
    ("commission_settlement", "creator"),
    ("colonel_settlement", "colonel"),
)
"""(entry kind, party account prefix) of each party settled by :data:`STAGE_PARTY_SETTLEMENTS`."""

UNPOSTED_DUE_OF: Final = """
WITH due AS (
  SELECT order_id FROM ledger_schedule WHERE settle_on BETWEEN $start AND $end
)
SELECT count(*) FROM due
WHERE order_id NOT IN (
  SELECT order_id FROM journal_entries
  WHERE kind = 'sale' AND order_id IN (SELECT order_id FROM due)
    AND (order_paid_on BETWEEN $paid_from AND $paid_to OR p_undated)
)
"""
"""Orders falling due whose sale was never posted. The sale entries looked at are the due
orders' only, and only those of the due orders' payment days (``$paid_from``..``$paid_to``,
:data:`DUE_SPAN`; a sale carries its order's day) or of none: DuckDB's zone maps skip the
other days' row groups, so the read does not grow with the journal; the entries of none are
read only as :func:`~merchantry.ledger.journal.reads_undated` decides (:data:`UNPOSTED_DUE`
reads them, :data:`UNPOSTED_DUE_DATED` not)."""

UNPOSTED_DUE, UNPOSTED_DUE_DATED = read_undated(UNPOSTED_DUE_OF)


TOUCHED_OF: Final = """
CREATE OR REPLACE TEMP TABLE ledger_touched AS
SELECT order_id FROM orders
WHERE paid_at >= CAST($start AS TIMESTAMP)
  AND paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
UNION
SELECT order_id FROM logistics_events
WHERE event_at >= CAST($start AS TIMESTAMP)
  AND event_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
  AND p_schedule_events
UNION
SELECT order_id FROM after_sales
WHERE (requested_at >= CAST($start AS TIMESTAMP)
       AND requested_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY)
   OR (closed_at >= CAST($start AS TIMESTAMP)
       AND closed_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY)
UNION
SELECT order_id FROM fee_lines WHERE rulebook = $rulebook AND accrued_on BETWEEN $start AND $end
UNION
SELECT order_id FROM order_payouts
WHERE settle_on BETWEEN $start AND $end OR commission_settle_on BETWEEN $start AND $end
   OR install_released_on BETWEEN $start AND $end
"""

TOUCHED: Final = fill_sql(TOUCHED_OF, p_schedule_events=SCHEDULE_EVENT_FILTER)
"""Orders a period can post anything for: paid in it, with a delivery or receipt in it (the
parcel events the schedule reads, :data:`SCHEDULE_EVENTS`: a shipment or a pick-up moves no
money and changes no settlement date, so an order touched by nothing else that day keeps its
stored schedule: 6.5% of a day's touched orders in ``bench_close``'s input, whose parcels
ship six hours after payment, more where they ship the next day), an after-sales request or
close, or a fee line dated in it, or falling due in it by the stored schedule
(``order_payouts``, kept current by the closes of the days before), or whose installation
hold is released in it. Timestamps are compared as ranges (midnight of ``start`` to midnight
after ``end``), not cast to dates, so DuckDB can skip row groups of tables appended day by
day."""


TOUCHED_PAID: Final = """
SELECT (SELECT count(*) FROM ledger_touched), count(*), CAST(min(paid_at) AS DATE)
FROM orders
WHERE paid_at >= CAST($look_from AS TIMESTAMP)
  AND paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
  AND order_id IN (SELECT order_id FROM ledger_touched)
"""
"""How many orders :data:`TOUCHED` found, how many of them were paid from ``$look_from`` on,
and the first payment day among those."""

LOOK_BACK_DAYS: Final = 92
"""How far before a day the daily close first looks for the payment days of the orders it
touches (a quarter: most orders a day touches were paid within its settlement cycles)."""


def touched_paid_from(con: duckdb.DuckDBPyConnection, start: date, end: date) -> date:
    """The first payment day of the orders in ``ledger_touched`` (``start`` when there are
    none): the day from which the daily close reads orders, parcel events and after-sales
    cases. The orders are looked for among those paid in the :data:`LOOK_BACK_DAYS` before
    ``start`` (zone maps skip older row groups of ``orders``, appended day by day); only
    when one is not among them (an old order refunded, or closed late) is every order read,
    so the day is exact either way and costs what it did before in the rare case."""
    look_from = start - timedelta(days=LOOK_BACK_DAYS)
    for first in (look_from, EPOCH):
        row = run_sql(con, TOUCHED_PAID, {"look_from": first, "end": end}).fetchone()
        touched, found, paid_from = row if row else (0, 0, None)
        if found == touched:
            break
    return paid_from if isinstance(paid_from, date) else start


def order_rule_values(book: Rulebook) -> tuple[tuple[str, exp.Expr], ...]:
    """Each column of ``ledger_order_rules`` and its value over the fact relation (alias
    ``f``): the chosen settlement, auto-confirm, commission-settlement, compensation-reduction,
    reserve, installation-hold and delay numbers and rule ids."""
    settle = RuleSet.of(book, "settlement_days")
    auto = RuleSet.of(book, "auto_confirm_days")
    commission = RuleSet.of(book, "commission_settlement_days")
    reduction = RuleSet.of(book, "compensation_reduction")
    reserve = RuleSet.of(book, "commission_reserve")
    install = RuleSet.of(book, "installation_hold")
    delay = RuleSet.of(book, "settlement_delay")
    return (
        ("settle_days", settle.int_field("days")),
        ("settle_rule", settle.rule_id()),
        ("auto_days", auto.int_field("days")),
        ("auto_rule", auto.rule_id()),
        ("comm_days", commission.int_field("days")),
        ("comm_rule", commission.rule_id()),
        ("comp_share_bp", reduction.int_field("share_bp")),
        ("comp_rule", reduction.rule_id()),
        ("reserve_bp", reserve.int_field("share_bp")),
        ("reserve_rule", reserve.rule_id()),
        ("inst_bp", install.int_field("settle_share_bp")),
        ("inst_rule", install.rule_id()),
        ("delay_days", delay.int_field("business_days")),
        ("delay_weekdays", delay.int_field("weekdays_only")),
        ("delay_rule", delay.rule_id()),
    )


@functools.lru_cache(maxsize=32)
def ledger_fact_columns(book: Rulebook) -> tuple[str, ...]:
    """The fact columns the close reads from ``ledger_facts``: those :data:`SCHEDULE` reads
    (as ``f.…``) and those the rulebook's order rules read (:func:`order_rule_values`).
    Computed from the statements and the compiled rules, so a rule on any fact column
    still finds it."""
    read = fact_reads(parse(schedule_sql()), *(value for _, value in order_rule_values(book)))
    return tuple(sorted(read | {"order_order_id"}))


@functools.lru_cache(maxsize=64)
def ledger_facts_sql(book: Rulebook, *, touched: bool = False) -> str:
    """``ledger_facts`` for the close: the fact relation with only
    :func:`ledger_fact_columns` (and only the joins they need; the whole relation has 54
    columns, of which the shipped rulebooks' close reads about ten, and it is the close's
    largest temporary table: one row per order paid up to the period's end); with
    ``touched``, for the orders of ``ledger_touched`` only (the daily close)."""
    only = exp.select("order_id").from_("ledger_touched") if touched else None
    tree = fact_sql(only, columns=ledger_fact_columns(book))
    return create_temp_as("ledger_facts", tree)


def select_order_rules(
    con: duckdb.DuckDBPyConnection, book: Rulebook, target: str = "ledger_order_rules"
) -> None:
    """Temp table ``target``: for every order of ``ledger_facts``, :func:`order_rule_values`."""
    con.execute(select_rules("ledger_facts", ("order_order_id",), order_rule_values(book), target))


def build_schedule(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    end: date,
    *,
    since: date = EPOCH,
    touched_from: date | None = None,
) -> None:
    """Facts, per-order ledger rules and the schedule (temp tables), then ``order_payouts``.

    With ``touched_from``, only the orders :data:`TOUCHED` finds in ``touched_from``..``end``
    are scheduled (the daily close: its cost follows the day's events, not the history's
    length); other orders keep their stored ``order_payouts`` row.
    """
    if touched_from is not None:
        run_sql(con, TOUCHED, {"start": touched_from, "end": end, "rulebook": book.name})
        paid_from = max(since, touched_paid_from(con, touched_from, end))
        run_sql(con, ledger_facts_sql(book, touched=True), {"start": paid_from, "end": end})
        select_order_rules(con, book)
        run_sql(con, schedule_sql(touched=True), {"end": end, "paid_from": paid_from})
    else:
        run_sql(con, ledger_facts_sql(book), {"start": since, "end": end})
        select_order_rules(con, book)
        run_sql(con, schedule_sql(), {"end": end})
    run_sql(con, WRITE_PAYOUTS, {"rulebook": book.name, **day_span(con, SCHEDULE_SPAN)})


@functools.lru_cache(maxsize=32)
def party_settlement_sql(kind: str, party: str, *, dated: bool = False) -> str:
    """:data:`STAGE_PARTY_SETTLEMENTS` filled for one party's settlement kind (once per
    process); ``dated``: without the postings that carry no payment day
    (:func:`~merchantry.ledger.journal.reads_undated`)."""
    reserve = apply_rate_sql(
        exp.column("payable_fen", table="a"), exp.column("reserve_bp", table="d")
    )
    accounts = {f"p_{use}": sql_lit(f"{party}_{use}") for use in ("payable", "available")}
    whole, dated_only = read_undated(
        STAGE_PARTY_SETTLEMENTS,
        **accounts,
        p_reserve=reserve,
        p_kind=sql_lit(kind),
        p_reserve_account=sql_lit(f"{party}_reserve"),
    )
    return dated_only if dated else whole


DUE_SPAN: Final = span_sql(
    parse(
        "SELECT paid_on FROM ledger_schedule"
        " WHERE settle_on BETWEEN $start AND $end OR commission_settle_on BETWEEN $start AND $end"
        " OR install_released_on BETWEEN $start AND $end"
    ),
    "paid_on",
)
"""The payment days of the orders that settle (goods or commission) or have a hold released
in the period: the span their postings are looked up in. Each posting about an order carries
that order's payment day or none (``journal_postings.order_paid_on``), so the look-ups of a
due order's postings read only the postings of those days and those without one."""


def due_span(con: duckdb.DuckDBPyConnection, start: date, end: date) -> dict[str, date]:
    """``paid_from``/``paid_to`` of :data:`DUE_SPAN` for ``start``..``end``."""
    return day_span(con, DUE_SPAN, {"start": start, "end": end})


def stage_settlements(con: duckdb.DuckDBPyConnection, start: date, end: date) -> int:
    """Stage goods and commission settlements due in the period; returns how many orders
    fall due whose sale was never posted (an earlier period was not closed)."""
    period = {"start": start, "end": end, **due_span(con, start, end)}
    dated = not reads_undated(con, period["paid_from"], period["paid_to"])
    stage = STAGE_SETTLEMENTS_DATED if dated else STAGE_SETTLEMENTS
    run_sql(con, stage, {**period, "ns": namespace("settlement")})
    for kind, party in PARTY_SETTLEMENTS:
        staged = party_settlement_sql(kind, party, dated=dated)
        run_sql(con, staged, {**period, "ns": namespace(kind)})
    row = run_sql(con, UNPOSTED_DUE_DATED if dated else UNPOSTED_DUE, period).fetchone()
    return int(row[0]) if row else 0
