"""A merchant's money requests: deposit standing and withdrawals, insurance quotes.

The use cases behind ``merchantry deposit`` / ``merchantry withdraw`` /
``merchantry insurance-quote`` / ``merchantry insurance-eligibility`` and the API's
``/v1/shops/{shop_id}/deposit…`` and ``…/insurance…`` routes. Each takes a warehouse
connection and a rulebook name, loads the rulebook, and calls the ledger
(:mod:`merchantry.ledger.withdrawals`) or the fee stage's insurance terms
(:mod:`merchantry.fees.insurance`). Who may act for which shop is the front end's
check, made before these are called; an order's quote names its shop for that check.

A warehouse whose ledger was never closed has no journal: the answer is a
``NotFound`` saying so, not an empty balance that looks like "no deposit".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

import duckdb

from merchantry.fees.insurance import ClaimQuote, Eligibility, claim_quote, merchant_eligibility
from merchantry.kit.errors import InputError, NotFound
from merchantry.ledger.withdrawals import DepositStanding, deposit_standing, withdraw_deposit
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.store.warehouse import table_exists

DEFAULT_MONEY_RULEBOOK: Final = "douyin-2026"
"""The rulebook deposits and insurance are read under when the caller names none."""
EARLIEST: Final = date(1970, 1, 1)
LATEST: Final = date(2999, 12, 31)
"""Days outside these cannot be a deposit or insurance question (and would overflow the
calendar arithmetic of weeks and review months)."""


def _day(value: date, what: str) -> date:
    if not EARLIEST <= value <= LATEST:
        raise InputError(f"{what} {value} is outside {EARLIEST}..{LATEST}")
    return value


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """A granted withdrawal of excess deposit and the standing after it."""

    shop_id: str
    deposit_type: str
    amount_fen: int
    booked_on: date
    posted: int
    """Journal entries written (1; 0 when the same request was already booked)."""
    balance_fen: int
    """Deposit balance after the withdrawal."""
    required_fen: int
    rule_id: str


def _journal(con: duckdb.DuckDBPyConnection) -> None:
    closed = table_exists(con, "journal_entries") and con.execute(
        "SELECT count(*) > 0 FROM (SELECT 1 FROM journal_entries LIMIT 1)"
    ).fetchone() == (True,)
    if not closed:
        raise NotFound("the ledger has not been closed yet: no deposit balance to read")


def _deposit_book(name: str, dirs: Sequence[Path], needs: tuple[str, ...]) -> Rulebook:
    """The rulebook, refused when it cannot decide a deposit question (a score rulebook
    would hold nothing in force and allow any withdrawal)."""
    book = load_rulebook(name, dirs)
    missing = [kind for kind in needs if not book.rules_of(kind)]
    if missing:
        raise InputError(
            f"rulebook {name!r} has no {' or '.join(missing)} rule, so it cannot answer for "
            f"deposits; use a money rulebook such as {DEFAULT_MONEY_RULEBOOK}"
        )
    return book


def _order_shop(con: duckdb.DuckDBPyConnection, order_id: str) -> str:
    row = con.execute("SELECT shop_id FROM orders WHERE order_id = ?", [order_id]).fetchone()
    if row is None:
        raise NotFound(f"no order {order_id!r} in the warehouse")
    return str(row[0])


def order_shop(con: duckdb.DuckDBPyConnection, order_id: str) -> str:
    """The shop of ``order_id`` (``NotFound`` when there is no such order)."""
    return _order_shop(con, order_id)


def standing(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    at: datetime,
    *,
    rulebook: str = DEFAULT_MONEY_RULEBOOK,
    rulebook_dirs: Sequence[Path] = (),
) -> DepositStanding:
    """Where the shop's deposit stands at ``at`` and which limits apply."""
    _day(at.date(), "the moment")
    _journal(con)
    book = _deposit_book(rulebook, rulebook_dirs, ("deposit_tier",))
    return deposit_standing(con, book, shop_id, at)


def withdraw(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    on: date,
    amount_fen: int,
    *,
    deposit_type: str = "base",
    rulebook: str = DEFAULT_MONEY_RULEBOOK,
    rulebook_dirs: Sequence[Path] = (),
) -> Withdrawal:
    """Grant the merchant's request to withdraw excess deposit on ``on``, or refuse it
    (``InputError`` naming the reason: no excess, the week's allowance used, …)."""
    _day(on, "the withdrawal day")
    _journal(con)
    book = _deposit_book(rulebook, rulebook_dirs, ("deposit_tier", "deposit_terms"))
    result = withdraw_deposit(con, book, shop_id, on, amount_fen, deposit_type=deposit_type)
    after = deposit_standing(con, book, shop_id, datetime.combine(on, datetime.max.time()))
    return Withdrawal(
        shop_id,
        deposit_type,
        amount_fen,
        on,
        result.posted,
        after.balance_fen,
        after.required_fen,
        after.rule_id,
    )


def insurance_claim(
    con: duckdb.DuckDBPyConnection,
    order_id: str,
    freight_fen: int,
    asked_at: datetime,
    *,
    rulebook: str = DEFAULT_MONEY_RULEBOOK,
    rulebook_dirs: Sequence[Path] = (),
) -> ClaimQuote:
    """What the order's return-shipping insurance pays on a return asked at ``asked_at``."""
    _day(asked_at.date(), "the request time")
    _order_shop(con, order_id)
    return claim_quote(con, load_rulebook(rulebook, rulebook_dirs), order_id, freight_fen, asked_at)


def insurance_eligibility(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    insurance_type: str,
    joining_on: date,
    *,
    rulebook: str = DEFAULT_MONEY_RULEBOOK,
    rulebook_dirs: Sequence[Path] = (),
) -> Eligibility:
    """May the shop switch ``insurance_type`` on, on ``joining_on``, and why."""
    _day(joining_on, "the joining day")
    book = load_rulebook(rulebook, rulebook_dirs)
    return merchant_eligibility(con, book, shop_id, insurance_type, joining_on)
