"""Deposits (保证金): openings, deductions for violations, top-ups from goods payments.

* **Required amount**: the first ``deposit_tier`` rule (precedence order) whose
  condition holds for the shop (main category, entry plan, …) and whose GMV range
  holds for last calendar month's paid GMV (¥500 / ¥2,000 / ¥5,000; zero-deposit
  entry owes nothing). Written to ``deposit_requirements``.
* **Opening**: a shop's deposit before the data window is unknown; on the shop's
  first close it is taken as the amount then owed, paid from ``merchant_funds``, on the
  day the shop joined (:data:`OPENING_DAYS`), the amount owed that day.
* **Deduction**: each confirmed violation takes the first matching
  ``deposit_deduction`` rule's amount from the deposit (to ``platform_penalties``).
* **Review** on the rulebook's ``deposit_review_day`` of each month (Douyin: notice on the
  1st, new amount on the 8th):
  the requirement is set for the month (``deposit_requirements``).
* **Top-up** (货款直充) on each review day and each day a deduction is booked: a
  shortfall (balance below the amount in force) is taken from the shop's settled goods
  payments (``deposit_topup``: available → deposit), never more than the goods payment
  available then; what is still missing stays a shortfall the merchant must pay, and
  :func:`merchantry.ledger.withdrawals.deposit_standing` says which limits apply.
* **Experience deposit** (体验保证金) for special categories: an order matching an
  ``experience_deposit`` rule adds the rule's amount to the amount in force from its
  payment day until ``clean_days`` (30) pass with no such order (the highest amount of the
  window's matching orders applies). The deposit account holds base and experience
  together (``deposit_requirements`` then names the experience rule and holds the sum);
  each such payment day is a top-up day, so the shortfall is taken from goods
  payments at once. The experience deposit owed for after-sales advances (2x the base) is
  not modelled: the data has no record of platform advances.
* **Excess** is never released by the close: the merchant withdraws it on request,
  once a week per deposit type (:func:`merchantry.ledger.withdrawals.withdraw_deposit`).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.money import apply_rate_sql
from merchantry.ledger import balances
from merchantry.ledger.balances import BALANCED_OF
from merchantry.ledger.facts import (
    FACT_COLUMNS,
    RuleSet,
    col,
    fact_reads,
    select_rules,
    shop_facts,
)
from merchantry.ledger.journal import (
    CloseRef,
    PostResult,
    namespace,
    post_staged,
    run_sql,
    start_stage,
)
from merchantry.rulebook.facts import SHOP_FIELDS, fact_sql
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.store.sql import create_temp_as, fill_sql, parse

REVIEW_DAY_PARAMETER: Final = "deposit_review_day"
"""The rulebook parameter naming the day of the month a new deposit amount takes effect
(Douyin: the 8th, §3.5, declared in ``douyin-2025``)."""
REVIEW_DAY_DEFAULT: Final = 8
"""The review day of a rulebook that declares none."""


def review_day(book: Rulebook) -> int:
    """The rulebook's deposit review day (1-28, so every month has it); refused
    (:class:`~merchantry.kit.errors.InputError`, naming the file) otherwise."""
    return book.bounded_parameter(REVIEW_DAY_PARAMETER, REVIEW_DAY_DEFAULT)


OPENING_DAYS: Final = """
CREATE OR REPLACE TEMP TABLE ledger_opening_days AS
WITH fresh AS (
  SELECT shop_id, opened_date FROM shops
  WHERE shop_id NOT IN (SELECT shop_id FROM journal_shops WHERE close_key <> $close_key)
), joining AS (
  SELECT shop_id FROM fresh WHERE opened_date > CAST($start AS DATE)
), early AS (
  SELECT shop_id, booked_on AS active_on FROM journal_entries
  WHERE booked_on BETWEEN $start AND $end AND shop_id IN (SELECT shop_id FROM joining)
  UNION ALL
  SELECT shop_id, CAST(occurred_at AS DATE) FROM violations
  WHERE occurred_at >= CAST($start AS TIMESTAMP)
    AND occurred_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
    AND shop_id IN (SELECT shop_id FROM joining)
    AND violation_id NOT IN (SELECT violation_id FROM withdrawn_violations)
), dated AS (
  SELECT f.shop_id,
         greatest(CAST($start AS DATE),
                  least(coalesce(f.opened_date, CAST($start AS DATE)),
                        coalesce(e.active_on, f.opened_date, CAST($start AS DATE)))) AS joined_on
  FROM fresh AS f
  LEFT JOIN (SELECT shop_id, min(active_on) AS active_on FROM early GROUP BY shop_id) AS e
    ON e.shop_id = f.shop_id
)
SELECT shop_id, joined_on FROM dated WHERE joined_on <= CAST($end AS DATE)
"""
"""The shops whose deposit this close opens, and the day: a shop's deposit is opened by the
first period close that posts anything for it, on the day the shop joined: its ``opened_date``, or,
when the data has the shop active before that day, the first day in the period the journal
holds an entry for it (this close's, a sale or a reward, or one posted apart from a close,
a listing penalty or programme rewards posted on their own: a shop no other period close
posted has no other) or a violation of it occurred; the period's first
day for a shop that joined before the period. A shop that joins after the period, with
nothing in it, is left for a later close, so closing a past period after later shops were
ingested opens nothing for them, and a month closed at once opens each shop on the day the
same month closed day by day does (the first day of the two is the first day either close
sees the shop). Shops no other period close posted are asked of the journal's index of
shops (``journal_shops``, :mod:`merchantry.ledger.shops`: a row or two per shop; entries
posted apart from a close do not count, so programme rewards posted before the shop's first
close leave its deposit to that close to open) instead of
the shop of every entry ever posted, which a day on which shops join read in full; the
entries and the violations are read only for shops joining inside the period, and only the
period's."""

STAGE_OPENINGS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || r.shop_shop_id), 'deposit_opening', r.shop_shop_id, NULL, r.shop_shop_id,
       o.joined_on,
       [ledger_leg('merchant_funds', r.shop_shop_id, -r.required_fen,
                   coalesce(r.rule_id, 'ledger.deposit-opening')),
        ledger_leg('merchant_deposit', r.shop_shop_id, r.required_fen,
                   coalesce(r.rule_id, 'ledger.deposit-opening'))]
FROM ledger_opening_days AS o
JOIN ledger_requirements AS r ON r.shop_shop_id = o.shop_id
WHERE o.joined_on = CAST($day AS DATE) AND r.required_fen <> 0
"""
"""The openings of the shops that join on ``$day`` (:data:`OPENING_DAYS`), each the amount
owed that day (``ledger_requirements`` as of ``$day``: a tier whose rule changes on a date
applies as on the day the shop joined, in a month closed at once as day by day). A shop that
owes no deposit (a zero-deposit entry plan) is not staged: its opening would move nothing
and post no entry (zero legs are dropped)."""

VIOLATION_FACTS: Final = """
CREATE OR REPLACE TEMP TABLE ledger_violation_facts AS
SELECT f.*, v.violation_id, v.kind AS violation_kind, CAST(v.occurred_at AS DATE) AS occurred_on
FROM violations AS v JOIN ledger_shop_facts AS f ON f.shop_shop_id = v.shop_id
WHERE CAST(v.occurred_at AS DATE) BETWEEN $start AND $end
  AND v.violation_id NOT IN (SELECT violation_id FROM withdrawn_violations)
"""

STAGE_DEDUCTIONS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || d.violation_id), 'deposit_deduction', d.violation_id, NULL, d.shop_shop_id,
       d.occurred_on,
       [ledger_leg('merchant_deposit', d.shop_shop_id, -d.amount_fen, d.rule_id),
        ledger_leg('platform_penalties', '', d.amount_fen, d.rule_id)]
FROM ledger_deductions AS d
WHERE d.rule_id IS NOT NULL
"""

STAGE_TOPUP: Final = fill_sql(
    """
INSERT INTO ledger_stage
WITH deposit AS (
  SELECT party AS shop_id, sum(amount_fen) AS balance_fen
  FROM p_balanced
  WHERE account = 'merchant_deposit' AND booked_on <= $day
    AND NOT (entry_kind = 'deposit_topup' AND booked_on = $day)
  GROUP BY party
), available AS (
  SELECT party AS shop_id, sum(amount_fen) AS balance_fen
  FROM p_balanced
  WHERE account = 'merchant_available' AND booked_on <= $day
    AND NOT (entry_kind = 'deposit_topup' AND booked_on = $day)
  GROUP BY party
), topups AS (
  SELECT r.shop_shop_id AS shop_id,
         least(r.required_fen - coalesce(d.balance_fen, 0),
               greatest(coalesce(a.balance_fen, 0), 0)) AS topup_fen,
         coalesce(r.rule_id, 'ledger.deposit-topup') AS rule_id
  FROM ledger_requirements AS r
  LEFT JOIN deposit AS d ON d.shop_id = r.shop_shop_id
  LEFT JOIN available AS a ON a.shop_id = r.shop_shop_id
  WHERE r.required_fen > coalesce(d.balance_fen, 0)
)
SELECT md5($ns || t.shop_id || '|' || CAST($day AS VARCHAR)), 'deposit_topup',
       t.shop_id || '|' || CAST($day AS VARCHAR), NULL, t.shop_id, CAST($day AS DATE),
       [ledger_leg('merchant_available', t.shop_id, -t.topup_fen, t.rule_id),
        ledger_leg('merchant_deposit', t.shop_id, t.topup_fen, t.rule_id)]
FROM topups AS t
WHERE t.topup_fen > 0
""",
    p_balanced=parse(BALANCED_OF),
)
"""A shortfall on ``$day`` taken from the goods payment available (balances from the opening
balances of ``$snapshot``, :mod:`merchantry.ledger.balances`)."""

EXPERIENCE_KEYS: Final = ("shop_shop_id", "order_paid_date")
"""Fact columns every experience-deposit match carries besides the ones its rules read."""


@functools.lru_cache(maxsize=32)
def experience_facts_sql(read: tuple[str, ...]) -> str:
    """``ledger_experience_facts``: the order facts of ``$start``..``$end`` (payment dates)
    with only :data:`EXPERIENCE_KEYS` and the columns the experience rules ``read``, so only
    the joins those columns need (:func:`merchantry.rulebook.facts.fact_sql`): the rules of
    the shipped rulebooks read the order's category, so the relation is the window's
    orders and their categories, not every fact join (refunds, scores, creators …) over
    ``clean_days`` of history on every day closed."""
    return create_temp_as("ledger_experience_facts", fact_sql(columns=[*EXPERIENCE_KEYS, *read]))


ADVANCES_OF: Final = """
CREATE OR REPLACE TEMP TABLE ledger_advances AS
WITH goods AS (
  SELECT party AS shop_id, booked_on, amount_fen, last_on
  FROM p_balanced
  WHERE account IN ('merchant_pending', 'merchant_available') AND booked_on <= $end
), moved AS (
  SELECT shop_id, booked_on, sum(amount_fen) AS moved_fen
  FROM goods WHERE booked_on >= CAST($start AS DATE) - $back
  GROUP BY shop_id, booked_on
  UNION ALL
  SELECT shop_id, max(last_on), sum(amount_fen)
  FROM goods WHERE booked_on < CAST($start AS DATE) - $back
  GROUP BY shop_id
), running AS (
  SELECT shop_id, booked_on, sum(moved_fen) OVER w AS goods_fen, lead(booked_on) OVER w AS next_on
  FROM moved
  WINDOW w AS (PARTITION BY shop_id ORDER BY booked_on)
), negative AS (
  SELECT shop_id, booked_on AS from_on, coalesce(next_on - 1, CAST($end AS DATE)) AS to_on,
         -goods_fen AS advance_fen
  FROM running WHERE goods_fen < 0
)
SELECT n.*,
       (SELECT coalesce(sum(p.amount_fen), 0) FROM p_balanced AS p
        WHERE p.account = 'merchant_deposit' AND p.party = n.shop_id
          AND p.booked_on <= greatest(n.from_on, CAST($snapshot AS DATE) - 1))
       - (SELECT coalesce(sum(m.amount_fen), 0) FROM journal_movements AS m
          WHERE m.account = 'merchant_deposit' AND m.party = n.shop_id
            AND m.booked_on > n.from_on AND m.booked_on < $snapshot) AS deposit_fen
FROM negative AS n
WHERE n.to_on >= CAST($start AS DATE) - $back
  AND n.shop_id IN (SELECT shop_id FROM journal_entries
                    WHERE kind IN ('refund', 'compensation') AND shop_id IS NOT NULL
                      AND booked_on BETWEEN CAST($start AS DATE) - $back AND $end)
"""

ADVANCES: Final = fill_sql(ADVANCES_OF, p_balanced=parse(BALANCED_OF))
"""Platform advances (先行垫付): each stretch of days over which a shop's goods payments
(pending plus available) stood below zero, and by how much (what the platform paid buyers on
the shop's behalf), with the deposit balance on its first day. Only shops with a refund or
compensation booked in the period or the ``$back`` days before are kept.

The balances are sums of ``journal_movements`` (the postings summed by day), not of every
posting ever made, and the days before the window (the period and the ``$back`` days before
it) are summed into one row per shop, dated on its last day with money moved: the running
sum over that row and the window's days is the running sum over every day, and the one
stretch that can reach into the window from before it keeps its first day. Those days are
read from the opening balances of ``$snapshot`` (on or before the window's first day) and
the movements since (:mod:`merchantry.ledger.balances`), so neither the window functions nor
the sum before them read more than the window and a month or two, whatever the length of
the history; the shops are chosen at the end (each shop's stretches are its own), not by a
join over every movement. The deposit balance on a stretch's first day is read the same way:
the opening balance plus the deposit movements since, up to that day; for a stretch begun
before the opening balances' day, that opening balance less the deposit movements between
the stretch's first day and it (only the movements after the first day are read)."""

EXPERIENCE_IN_FORCE: Final = """
CREATE OR REPLACE TEMP TABLE ledger_requirements AS
WITH owed AS (
  SELECT shop_id, max(amount_fen) AS experience_fen,
         min(rule_id) FILTER (WHERE amount_fen = top_fen) AS experience_rule
  FROM (
    SELECT shop_id, amount_fen, rule_id, max(amount_fen) OVER (PARTITION BY shop_id) AS top_fen
    FROM ledger_experience_orders
    WHERE paid_on <= CAST($day AS DATE)
      AND paid_on > CAST($day AS DATE) - clean_days
  )
  GROUP BY shop_id
), advanced AS (
  SELECT a.shop_id, min(ar.adv_rule) AS advance_rule,
         min(p_advance_owed) AS advance_fen
  FROM ledger_advances AS a
  JOIN ledger_advance_rules AS ar ON ar.shop_shop_id = a.shop_id
  JOIN ledger_requirements AS r ON r.shop_shop_id = a.shop_id
  WHERE ar.adv_rule IS NOT NULL
    AND a.from_on <= CAST($day AS DATE) AND a.to_on > CAST($day AS DATE) - ar.adv_days
    AND a.advance_fen > least(greatest(a.deposit_fen, 0), r.required_fen)
  GROUP BY a.shop_id
)
SELECT r.* REPLACE (
         r.required_fen + coalesce(o.experience_fen, v.advance_fen, 0) AS required_fen,
         coalesce(o.experience_rule, v.advance_rule, r.rule_id) AS rule_id)
FROM ledger_requirements AS r
LEFT JOIN owed AS o ON o.shop_id = r.shop_shop_id
LEFT JOIN advanced AS v ON v.shop_id = r.shop_shop_id
"""
"""The amount in force on ``$day``: the base, plus the special-category experience deposit
when one is owed, otherwise the after-sales-risk one when an advance past the bound lies
within its clean days (they never add up). The experience rule is the one of the largest
amount, the smallest rule id among equal amounts (a total order, the same on every engine);
an advance's rule and amount are the shop's own (one row per shop), so ``min`` reads them."""

WRITE_REQUIREMENTS: Final = """
DELETE FROM deposit_requirements WHERE month = $month;
INSERT INTO deposit_requirements BY NAME
SELECT shop_shop_id AS shop_id, CAST($month AS DATE) AS month,
       CAST($effective AS DATE) AS effective_on, gmv_fen, required_fen, rule_id,
       $rulebook AS rulebook
FROM ledger_requirements;
"""


def review_in_force(book: Rulebook, day: date) -> date:
    """The review whose amount is in force on ``day``: this month's review day (Douyin: the
    8th) when it has come, else last month's."""
    review = review_day(book)
    if day.day >= review:
        return day.replace(day=review)
    year, month = (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)
    return date(year, month, review)


def review_dates(book: Rulebook, start: date, end: date) -> list[date]:
    """The deposit review days (one a month, Douyin the 8th) inside ``start``..``end``."""
    review = review_day(book)
    found = []
    year, month = start.year, start.month
    while date(year, month, 1) <= end:
        day = date(year, month, review)
        if start <= day <= end:
            found.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found


def _tier_range(rule: Rule) -> exp.Expr:
    effect = rule.effect
    low = exp.GTE(this=col("gmv_fen"), expression=exp.Literal.number(effect.int("gmv_from_fen")))
    names = {k for k, _ in effect.values}
    if "gmv_below_fen" not in names:
        return low
    high = exp.LT(this=col("gmv_fen"), expression=exp.Literal.number(effect.int("gmv_below_fen")))
    return exp.and_(low, high)


def _violation_match(rule: Rule) -> exp.Expr | None:
    wanted = rule.effect.text("violation")
    if wanted == "any":
        return None
    return exp.EQ(this=col("violation_kind"), expression=exp.Literal.string(wanted))


def advance_back(book: Rulebook) -> int:
    """How many days before a period the advances look back: the ``advance_deposit``
    rules' longest ``clean_days`` (0 without such rules)."""
    rules = [r for r in book.rules if r.effect.kind == "advance_deposit"]
    return max((r.effect.int("clean_days") for r in rules), default=0)


def compute_advances(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date
) -> list[date]:
    """``ledger_advances`` (see :data:`ADVANCES`) for ``start``..``end`` and the
    ``advance_deposit`` rules' clean days before; returns the days inside the period on
    which an advance began (the amount in force can rise)."""
    back = advance_back(book)
    window = start - timedelta(days=back)
    snapshot = balances.latest(con, window) or balances.NONE_BEFORE
    run_sql(con, ADVANCES, {"start": start, "end": end, "back": back, "snapshot": snapshot})
    rows = run_sql(
        con,
        "SELECT DISTINCT from_on FROM ledger_advances WHERE from_on BETWEEN $start AND $end",
        {"start": start, "end": end},
    ).fetchall()
    return sorted(row[0] for row in rows)


def compute_experience_orders(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date
) -> list[date]:
    """``ledger_experience_orders``: every order paid ``start``..``end`` (and the rules'
    clean days before ``start``) that an ``experience_deposit`` rule matches, with the
    amount and clean days of the first matching rule; and ``ledger_advances``
    (:func:`compute_advances`). Returns the payment and advance days inside
    ``start``..``end`` (the days the amount in force can rise)."""
    advance_days = compute_advances(con, book, start, end)
    return sorted(set(advance_days) | set(_experience_orders(con, book, start, end)))


def _experience_orders(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date
) -> list[date]:
    rules = RuleSet.of(book, "experience_deposit")
    if not rules.rules:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE ledger_experience_orders (shop_id VARCHAR, "
            "paid_on DATE, amount_fen BIGINT, clean_days INTEGER, rule_id VARCHAR)"
        )
        return []
    back = max(r.effect.int("clean_days") for r in rules.rules)
    values = (
        ("amount_fen", rules.int_field("amount_fen")),
        ("clean_days", rules.int_field("clean_days")),
        ("rule_id", rules.rule_id()),
    )
    read = sorted(fact_reads(*(v for _, v in values)))
    facts = experience_facts_sql(tuple(read))
    run_sql(con, facts, {"start": start - timedelta(days=back), "end": end})
    con.execute(
        select_rules(
            "ledger_experience_facts", EXPERIENCE_KEYS, values, "ledger_experience_matches"
        )
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE ledger_experience_orders AS "
        "SELECT shop_shop_id AS shop_id, order_paid_date AS paid_on, amount_fen, clean_days, "
        "rule_id FROM ledger_experience_matches WHERE rule_id IS NOT NULL"
    )
    rows = run_sql(
        con,
        "SELECT DISTINCT paid_on FROM ledger_experience_orders "
        "WHERE paid_on BETWEEN $start AND $end ORDER BY paid_on",
        {"start": start, "end": end},
    ).fetchall()
    return [row[0] for row in rows]


SAME_ALL_MONTH: Final = frozenset(
    {"shop_shop_id", "gmv_fen", *(f"shop_{f}" for f in SHOP_FIELDS)}
    | {c for c in FACT_COLUMNS if c.startswith(("category_", "creator_"))}
    | {c for c in FACT_COLUMNS if c.startswith("order_") and c != "order_paid_date"}
)
"""The shop-fact columns that are the same on every day of a month (the shop's and its
category's fields, last month's GMV, the order columns a shop row leaves NULL); the others
(the day itself, the shop's age, its scores) can change from one day to the next."""


def _tiers(book: Rulebook) -> tuple[exp.Expr, exp.Expr]:
    """The deposit owed and the rule that says so, as expressions over a shop-fact row."""
    tiers = RuleSet.of(book, "deposit_tier")
    required = exp.func(
        "coalesce", tiers.int_field("deposit_fen", extra=_tier_range), exp.Literal.number(0)
    )
    return required, tiers.rule_id(extra=_tier_range)


def owed_changes_within_month(book: Rulebook) -> bool:
    """Whether the deposit a shop owes can differ between two days of one month under the
    rulebook's tiers: a tier reads the day (a rule dated mid-month), the shop's age or a
    score. Otherwise one requirement a month serves every opening in it."""
    return bool(fact_reads(*_tiers(book)) - SAME_ALL_MONTH)


def compute_requirements(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    as_of: date,
    *,
    write: bool,
    experience_on: date | None = None,
    gmv_of: date | None = None,
    joining: bool = False,
) -> date:
    """``ledger_requirements``: each shop's required deposit in ``as_of``'s month, plus,
    with ``experience_on``, the experience deposit in force that day (read from
    ``ledger_experience_orders``, which :func:`compute_experience_orders` fills). Returns
    the month whose GMV it read, ``gmv_of`` for the step's next call
    (:func:`~merchantry.ledger.facts.shop_facts`). With ``joining``, only the shops whose
    deposit the close opens on ``as_of`` (``ledger_opening_days``)."""
    month = shop_facts(con, as_of, gmv_of=gmv_of, joining=joining)
    required, rule_id = _tiers(book)
    con.execute(
        select_rules(
            "ledger_shop_facts",
            ("shop_shop_id", "gmv_fen"),
            (("required_fen", required), ("rule_id", rule_id)),
            "ledger_requirements",
        )
    )
    if experience_on is not None:
        advance = RuleSet.of(book, "advance_deposit")
        con.execute(
            select_rules(
                "ledger_shop_facts",
                ("shop_shop_id",),
                (
                    ("adv_bp", advance.int_field("multiple_bp")),
                    ("adv_base", advance.int_field("base_fen")),
                    ("adv_days", advance.int_field("clean_days")),
                    ("adv_rule", advance.rule_id()),
                ),
                "ledger_advance_rules",
            )
        )
        counted = (
            exp.case()
            .when(
                exp.GT(this=exp.column("adv_base", table="ar"), expression=exp.Literal.number(0)),
                exp.column("adv_base", table="ar"),
            )
            .else_(exp.column("required_fen", table="r"))
        )
        owed = apply_rate_sql(counted, exp.column("adv_bp", table="ar"))
        run_sql(con, fill_sql(EXPERIENCE_IN_FORCE, p_advance_owed=owed), {"day": experience_on})
    if write:
        run_sql(
            con,
            WRITE_REQUIREMENTS,
            {"month": as_of.replace(day=1), "effective": as_of, "rulebook": book.name},
        )
    return month


def compute_deductions(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    *,
    gmv_of: date | None = None,
) -> date:
    """``ledger_deductions``: what each confirmed violation of ``start``..``end`` takes from
    the deposit (``amount_fen``, ``rule_id``; NULL when no rule matches). ``gmv_of`` and
    the return as :func:`compute_requirements`'s."""
    month = shop_facts(con, end, gmv_of=gmv_of)
    run_sql(con, VIOLATION_FACTS, {"start": start, "end": end})
    deductions = RuleSet.of(book, "deposit_deduction")
    con.execute(
        select_rules(
            "ledger_violation_facts",
            ("violation_id", "shop_shop_id", "occurred_on"),
            (
                ("amount_fen", deductions.int_field("amount_fen", extra=_violation_match)),
                ("rule_id", deductions.rule_id(extra=_violation_match)),
            ),
            "ledger_deductions",
        )
    )
    return month


def post_deposits(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date, close_key: str
) -> PostResult:
    """Openings, deductions, then each review in date order (each sees the one before)."""
    ref = CloseRef(book.name, close_key)
    # the opening balances the advances and the top-ups read from (made by the first close
    # to need the month's): a month or two of movements a day, not the whole history
    snapshot = balances.prepare(con, start - timedelta(days=advance_back(book)))
    gmv_of = compute_requirements(con, book, start, write=False)
    run_sql(con, OPENING_DAYS, {"start": start, "end": end, "close_key": close_key})
    joining = [
        row[0]
        for row in con.execute(
            "SELECT DISTINCT joined_on FROM ledger_opening_days ORDER BY joined_on"
        ).fetchall()
    ]
    start_stage(con)
    daily = owed_changes_within_month(book)
    owed_on = start
    for day in joining:  # each shop opened with what it owes on the day it joins
        if daily and day != owed_on:  # only the shops joining that day
            gmv_of = compute_requirements(con, book, day, write=False, gmv_of=gmv_of, joining=True)
            owed_on = day
        elif not daily and day.replace(day=1) != owed_on.replace(day=1):  # every shop, once
            gmv_of = compute_requirements(con, book, day, write=False, gmv_of=gmv_of)
            owed_on = day
        run_sql(con, STAGE_OPENINGS, {"day": day, "ns": namespace("deposit_opening")})
    result = post_staged(con, ref, kinds=("deposit_opening",), start=start, end=end, orphans=False)

    gmv_of = compute_deductions(con, book, start, end, gmv_of=gmv_of)
    run_sql(con, STAGE_DEDUCTIONS, {"ns": namespace("deposit_deduction")})
    result += post_staged(con, ref, kinds=("deposit_deduction",), start=start, end=end)
    deducted = {
        row[0]
        for row in con.execute(
            "SELECT DISTINCT occurred_on FROM ledger_deductions WHERE rule_id IS NOT NULL"
        ).fetchall()
    }

    reviews = set(review_dates(book, start, end))
    raised = set(compute_experience_orders(con, book, start, end))
    for day in sorted(reviews | deducted | raised):
        gmv_of = compute_requirements(
            con,
            book,
            review_in_force(book, day),
            write=day in reviews,
            experience_on=day,
            gmv_of=gmv_of,
        )
        start_stage(con)
        run_sql(
            con,
            STAGE_TOPUP,
            {"day": day, "ns": namespace("deposit_topup"), "snapshot": snapshot},
        )
        result += post_staged(con, ref, kinds=("deposit_topup",), start=day, end=day)
    return result
