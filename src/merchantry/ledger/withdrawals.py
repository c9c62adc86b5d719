"""The merchant's side of a deposit: withdrawing the excess, and the limits a shortfall brings.

Douyin's deposit rule (docs/sources.md#dy-deposit) never pays an excess back on its own:

* **Withdrawal** (提现): when the balance exceeds the amount in force, the merchant may
  ask for the excess, at most ``withdrawals_per_week`` times per calendar week
  (Monday to Sunday) per deposit type (the ``deposit_terms`` rule). A granted request
  is a ``deposit_release`` entry (deposit → available) booked on the request's day.
* **Standing**: a balance below the amount in force is topped up from goods payments
  and withdrawals stop (``short``); a balance below zero limits the shop's and its
  linked shops' withdrawals (``negative``); once it has stayed below zero for
  ``negative_grace_hours``, product publishing and trading are limited too (``limited``).

The base deposit (基础保证金) and the special-category experience deposit (体验保证金)
are held in one account (``merchant_deposit``); the amount in force is their sum, and each
type keeps its own weekly withdrawal allowance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import duckdb

from merchantry.kit.errors import InputError
from merchantry.ledger.deposits import (
    compute_experience_orders,
    compute_requirements,
    review_in_force,
)
from merchantry.ledger.facts import RuleSet, select_rules, shop_facts
from merchantry.ledger.journal import (
    CloseRef,
    PostResult,
    namespace,
    post_staged,
    run_sql,
    start_stage,
)
from merchantry.model.outputs import WITHDRAWAL_KEY_PREFIX
from merchantry.rulebook.model import Rulebook

DEPOSIT_TYPES: Final = ("base", "experience")
"""Deposit types of the rule; each has its own weekly withdrawal allowance."""
HELD_TYPES: Final = ("base", "experience")
"""Deposit types held as an account here."""
TERMS_RULE: Final = "ledger.deposit-terms"
"""Rule id written when the rulebook has no ``deposit_terms`` rule (no limits then)."""

BALANCE: Final = """
SELECT coalesce(sum(amount_fen), 0) FROM journal_postings
WHERE account = $account AND party = $shop AND booked_on <= $day
"""

DAILY_BALANCES: Final = """
SELECT booked_on, sum(sum(amount_fen)) OVER (ORDER BY booked_on) AS balance_fen
FROM journal_postings
WHERE account = 'merchant_deposit' AND party = $shop AND booked_on <= $day
GROUP BY booked_on
ORDER BY booked_on
"""

WEEK_WITHDRAWALS: Final = """
SELECT count(*) FROM journal_entries
WHERE kind = 'deposit_release' AND shop_id = $shop AND source_id LIKE $type_prefix
  AND booked_on BETWEEN $monday AND $sunday
  AND entry_id NOT IN (SELECT reverses FROM journal_entries WHERE reverses IS NOT NULL)
"""

STAGE_WITHDRAWAL: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || $source), 'deposit_release', $source, NULL, $shop, CAST($day AS DATE),
       [ledger_leg('merchant_deposit', $shop, -$amount, $rule),
        ledger_leg('merchant_available', $shop, $amount, $rule)]
"""


@dataclass(frozen=True, slots=True)
class DepositTerms:
    """The ``deposit_terms`` rule in force for a shop."""

    rule_id: str
    negative_grace_hours: int | None
    withdrawals_per_week: int | None


@dataclass(frozen=True, slots=True)
class DepositStanding:
    """A shop's deposit at a moment, and the limits that follow from it."""

    shop_id: str
    balance_fen: int
    required_fen: int
    level: str
    """``ok``; ``short`` (below the amount in force: topped up from goods payments,
    withdrawals stopped); ``negative`` (below zero: the shop's and linked shops'
    withdrawals limited); ``limited`` (below zero past the grace hours: publishing and
    trading limited too)."""
    negative_since: date | None
    rule_id: str


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]) -> int:
    row = run_sql(con, sql, params).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _shop_exists(con: duckdb.DuckDBPyConnection, shop_id: str) -> None:
    if con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchone() is None:
        raise InputError(f"no shop {shop_id!r} in the warehouse")


def deposit_terms(
    con: duckdb.DuckDBPyConnection, book: Rulebook, shop_id: str, day: date
) -> DepositTerms:
    """The first ``deposit_terms`` rule whose condition holds for the shop on ``day``."""
    rules = RuleSet.of(book, "deposit_terms")
    shop_facts(con, day)
    con.execute(
        select_rules(
            "ledger_shop_facts",
            ("shop_shop_id",),
            (
                ("rule_id", rules.rule_id()),
                ("grace", rules.int_field("negative_grace_hours")),
                ("per_week", rules.int_field("withdrawals_per_week")),
            ),
            "ledger_deposit_terms",
        )
    )
    row = con.execute(
        "SELECT rule_id, grace, per_week FROM ledger_deposit_terms WHERE shop_shop_id = ?",
        [shop_id],
    ).fetchone()
    if row is None or row[0] is None:
        return DepositTerms(TERMS_RULE, None, None)
    return DepositTerms(str(row[0]), int(row[1]), int(row[2]))


def required_on(con: duckdb.DuckDBPyConnection, book: Rulebook, shop_id: str, day: date) -> int:
    """The deposit amount in force for the shop on ``day``: the last review's base amount
    plus the experience deposit its recent special-category orders owe."""
    compute_experience_orders(con, book, day, day)
    compute_requirements(con, book, review_in_force(book, day), write=False, experience_on=day)
    row = con.execute(
        "SELECT required_fen FROM ledger_requirements WHERE shop_shop_id = ?", [shop_id]
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def deposit_standing(
    con: duckdb.DuckDBPyConnection, book: Rulebook, shop_id: str, at: datetime
) -> DepositStanding:
    """Where the shop's deposit stands at ``at`` and which limits apply (from the journal).

    Postings carry a day, not a time: a balance that went below zero on day D is taken
    to have done so at the start of D.
    """
    _shop_exists(con, shop_id)
    day = at.date()
    balance = _scalar(con, BALANCE, {"account": "merchant_deposit", "shop": shop_id, "day": day})
    required = required_on(con, book, shop_id, day)
    terms = deposit_terms(con, book, shop_id, day)
    since: date | None = None
    for booked_on, running in run_sql(
        con, DAILY_BALANCES, {"shop": shop_id, "day": day}
    ).fetchall():
        since = (since or booked_on) if running < 0 else None
    if balance >= required:
        level = "ok"
    elif balance >= 0:
        level = "short"
    else:
        grace = terms.negative_grace_hours
        start = datetime.combine(since or day, datetime.min.time())
        past = grace is not None and at - start >= timedelta(hours=grace)
        level = "limited" if past else "negative"
    return DepositStanding(shop_id, balance, required, level, since, terms.rule_id)


def withdraw_deposit(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    shop_id: str,
    day: date,
    amount_fen: int,
    *,
    deposit_type: str = "base",
) -> PostResult:
    """Grant the merchant's request to withdraw ``amount_fen`` of excess deposit on ``day``.

    Refused (``InputError`` naming the shop, the day and the reason) when the amount is
    not positive, the type is unknown or not held, the amount exceeds the excess over
    the amount in force, or the week's allowance for that type is used up.
    """
    _shop_exists(con, shop_id)
    if amount_fen <= 0:
        raise InputError(
            f"shop {shop_id}: a withdrawal must be a positive amount, not {amount_fen}"
        )
    if deposit_type not in DEPOSIT_TYPES:
        raise InputError(
            f"shop {shop_id}: unknown deposit type {deposit_type!r} "
            f"(one of {', '.join(DEPOSIT_TYPES)})"
        )
    if deposit_type not in HELD_TYPES:
        raise InputError(
            f"shop {shop_id}: the {deposit_type} deposit is not held as an account here, "
            "so there is nothing to withdraw"
        )
    balance = _scalar(con, BALANCE, {"account": "merchant_deposit", "shop": shop_id, "day": day})
    required = required_on(con, book, shop_id, day)
    excess = balance - required
    if amount_fen > excess:
        raise InputError(
            f"shop {shop_id} asked on {day} to withdraw {amount_fen} fen, but only "
            f"{max(excess, 0)} fen of its {balance} fen deposit exceed the {required} fen in force"
        )
    terms = deposit_terms(con, book, shop_id, day)
    monday = day - timedelta(days=day.weekday())
    used = _scalar(
        con,
        WEEK_WITHDRAWALS,
        {
            "shop": shop_id,
            "type_prefix": f"{shop_id}|{deposit_type}|%",
            "monday": monday,
            "sunday": monday + timedelta(days=6),
        },
    )
    if terms.withdrawals_per_week is not None and used >= terms.withdrawals_per_week:
        raise InputError(
            f"shop {shop_id} already withdrew its {deposit_type} deposit {used} time(s) in the "
            f"week of {monday} (allowed {terms.withdrawals_per_week} a week, rule {terms.rule_id})"
        )
    source = f"{shop_id}|{deposit_type}|{day.isoformat()}|{used + 1}"
    start_stage(con)
    run_sql(
        con,
        STAGE_WITHDRAWAL,
        {
            "ns": namespace("deposit_release"),
            "source": source,
            "shop": shop_id,
            "day": day,
            "amount": amount_fen,
            "rule": terms.rule_id,
        },
    )
    ref = CloseRef(book.name, f"{WITHDRAWAL_KEY_PREFIX}{source}")
    return post_staged(con, ref, kinds=("deposit_release",), start=day, end=day, orphans=False)
