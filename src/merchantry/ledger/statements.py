"""Merchant statements: opening balance, every posting with its rule, closing balance.

A statement covers the shop's own accounts (pending, available, deposit). The
closing balance is computed independently of the lines (a sum of every posting
up to the end), so :meth:`Statement.reconciles` is a real check that opening +
lines = closing, account by account.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import duckdb

from merchantry.kit.money import format_fen
from merchantry.kit.settings import active_marketplace
from merchantry.ledger.accounts import MERCHANT_ACCOUNTS
from merchantry.report import CellKind, Column, Metric, Metrics, Page, Paragraph, Section, Table
from merchantry.store.sql import run_sql

BALANCES: Final = """
SELECT account, coalesce(sum(amount_fen), 0) FROM journal_postings
WHERE party = $shop AND list_contains($accounts, account)
  AND (booked_on < $day OR ($through AND booked_on = $day))
GROUP BY account
"""
"""Balances before ``$day`` (the opening), or through it (``$through``: the closing). No day
is computed from another, so 0001-01-01 and 9999-12-31 are days like any other."""

LINES: Final = """
SELECT p.booked_on, p.entry_id, e.kind, p.entry_kind, p.order_id, e.source_id, p.account,
       p.rule_id, p.amount_fen,
       CAST(sum(p.amount_fen) OVER (
         PARTITION BY p.account
         ORDER BY p.booked_on, p.order_id NULLS LAST, e.source_id, p.entry_id, p.leg
         ROWS UNBOUNDED PRECEDING) AS BIGINT) AS moved
FROM journal_postings AS p JOIN journal_entries AS e USING (entry_id)
WHERE p.party = $shop AND list_contains($accounts, p.account)
  AND p.booked_on BETWEEN $start AND $end
ORDER BY p.booked_on, p.order_id NULLS LAST, e.source_id, p.entry_id, p.leg
LIMIT $limit OFFSET $offset
"""
"""One window of the lines (``$limit`` NULL: all of them), each with what its account moved
over the period up to and including it, so a later window's running balances are right. The
order is total ((entry, leg) is unique), and the running sum follows the same order."""

MOVEMENTS: Final = """
SELECT account, count(*), coalesce(sum(amount_fen), 0) FROM journal_postings
WHERE party = $shop AND list_contains($accounts, account)
  AND booked_on BETWEEN $start AND $end
GROUP BY account
"""
"""Each account's lines and movement over the period, summed apart from the lines read."""

ACCOUNT_NAMES: Final = tuple(a.value for a in MERCHANT_ACCOUNTS)


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One posting on a shop account."""

    booked_on: date
    entry_id: str
    kind: str
    """Entry kind (``reversal`` for corrections)."""
    event_kind: str
    """The money event it belongs to (for a reversal: what it reverses)."""
    order_id: str | None
    source_id: str
    account: str
    rule_id: str
    amount_fen: int
    balance_fen: int
    """Running balance of ``account`` after this line."""


@dataclass(frozen=True, slots=True)
class Statement:
    """A shop's statement for ``start``..``end``; every figure is a sum of postings."""

    shop_id: str
    start: date
    end: date
    opening: tuple[tuple[str, int], ...]
    lines: tuple[StatementLine, ...]
    closing: tuple[tuple[str, int], ...]
    closed_through: date | None = None
    """The last day any close has posted (None: nothing closed yet). Days after it read as
    if nothing happened on them: their events are not in the journal yet."""
    movements: tuple[tuple[str, int], ...] = ()
    """What each account moved over the period: the sum of all its lines, whichever are
    shown."""
    lines_total: int = 0
    """How many lines the period has (``lines`` may hold one window of them)."""
    lines_offset: int = 0
    """How many of the period's lines come before the first of ``lines``."""

    def unclosed_from(self) -> date | None:
        """The period's first day no close has posted (None: every day is closed, or nothing
        was ever closed, which :meth:`unposted_days` says apart)."""
        if self.closed_through is None or self.closed_through >= self.end:
            return None
        return max(self.start, self.closed_through + timedelta(days=1))

    def unposted_days(self) -> str | None:
        """Why some of the period may read as empty, in words (None when it is all closed)."""
        if self.closed_through is None:
            return (
                "nothing has been closed in this warehouse yet, so the journal is empty and "
                "every balance reads 0; run `merchantry close --from … --to …` first"
            )
        first = self.unclosed_from()
        if first is not None:
            return (
                f"closes have posted through {self.closed_through}: {first}..{self.end} is "
                "not closed yet, so its sales, refunds and settlements are not in these figures"
            )
        return None

    def opening_of(self, account: str) -> int:
        return dict(self.opening).get(account, 0)

    def closing_of(self, account: str) -> int:
        return dict(self.closing).get(account, 0)

    def movement_of(self, account: str) -> int:
        return dict(self.movements).get(account, 0)

    @property
    def complete(self) -> bool:
        """True when ``lines`` holds every line of the period."""
        return self.lines_offset == 0 and len(self.lines) == self.lines_total

    def reconciles(self) -> bool:
        """Opening + movement = closing for every account, each summed on its own; and when
        every line is here, the lines add up to the movement."""
        sums = all(
            self.opening_of(a) + self.movement_of(a) == self.closing_of(a) for a in ACCOUNT_NAMES
        )
        if not self.complete:
            return sums
        return sums and all(
            sum(x.amount_fen for x in self.lines if x.account == a) == self.movement_of(a)
            for a in ACCOUNT_NAMES
        )


def _balances(
    con: duckdb.DuckDBPyConnection, shop: str, day: date, *, through: bool
) -> tuple[tuple[str, int], ...]:
    params = {"shop": shop, "accounts": list(ACCOUNT_NAMES), "day": day, "through": through}
    rows = dict(run_sql(con, BALANCES, params).fetchall())
    return tuple((a, int(rows.get(a, 0))) for a in ACCOUNT_NAMES)


def shop_statement(
    con: duckdb.DuckDBPyConnection,
    shop: str,
    start: date,
    end: date,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> Statement:
    """The statement of ``shop`` for postings booked ``start``..``end`` (inclusive): every
    line, or ``limit`` of them after the first ``offset`` (balances are the period's whatever
    the window)."""
    opening = _balances(con, shop, start, through=False)
    params = {"shop": shop, "accounts": list(ACCOUNT_NAMES), "start": start, "end": end}
    moved = {str(a): (int(n), int(fen)) for a, n, fen in run_sql(con, MOVEMENTS, params).fetchall()}
    window = {**params, "limit": limit, "offset": offset}
    lines = tuple(
        StatementLine(
            booked_on=row[0],
            entry_id=str(row[1]),
            kind=str(row[2]),
            event_kind=str(row[3]),
            order_id=row[4],
            source_id=str(row[5]),
            account=str(row[6]),
            rule_id=str(row[7]),
            amount_fen=int(row[8]),
            balance_fen=dict(opening).get(str(row[6]), 0) + int(row[9]),
        )
        for row in run_sql(con, LINES, window).fetchall()
    )
    return Statement(
        shop,
        start,
        end,
        opening,
        lines,
        _balances(con, shop, end, through=True),
        closed_through(con),
        movements=tuple((a, moved.get(a, (0, 0))[1]) for a in ACCOUNT_NAMES),
        lines_total=sum(n for n, _ in moved.values()),
        lines_offset=offset,
    )


def closed_through(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last day a close covered: the latest day a close mark or a recorded close run
    (``stage_runs``) reaches, else (a journal filled some other way) the latest booking
    day; None when nothing was ever closed."""
    recorded = (
        _latest(con, "SELECT max(end_on) FROM ledger_close_marks"),
        _latest(con, "SELECT max(period_end) FROM stage_runs WHERE stage LIKE 'close:%'"),
    )
    days = [d for d in recorded if d is not None]
    if days:
        return max(days)
    return _latest(con, "SELECT max(booked_on) FROM journal_entries")


def _latest(con: duckdb.DuckDBPyConnection, sql: str) -> date | None:
    try:
        row = con.execute(sql).fetchall()
    except duckdb.CatalogException:  # a warehouse from before the table existed
        return None
    day: date | None = row[0][0] if row else None
    return day


CSV_HEADER: Final = (
    "date",
    "entry_id",
    "kind",
    "event_kind",
    "order_id",
    "source_id",
    "account",
    "rule_id",
    "amount_fen",
    "balance_fen",
)


def statement_csv(statement: Statement) -> str:
    """The statement as CSV: opening rows, one row per line, closing rows (amounts in fen)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for account, fen in statement.opening:
        writer.writerow((statement.start, "", "opening", "", "", "", account, "", "", fen))
    for x in statement.lines:
        writer.writerow(
            (
                x.booked_on,
                x.entry_id,
                x.kind,
                x.event_kind,
                x.order_id or "",
                x.source_id,
                x.account,
                x.rule_id,
                x.amount_fen,
                x.balance_fen,
            )
        )
    for account, fen in statement.closing:
        writer.writerow((statement.end, "", "closing", "", "", "", account, "", "", fen))
    return out.getvalue()


def statement_page(statement: Statement, *, rule_titles: dict[str, str] | None = None) -> Page:
    """The statement as a report page (Page/Table kit; money formatted at render)."""
    titles = rule_titles or {}
    summary = Table.from_records(
        "余额 · Balances",
        (
            Column("account", "account"),
            Column("opening", "opening", CellKind.MONEY),
            Column("movement", "movement", CellKind.MONEY),
            Column("closing", "closing", CellKind.MONEY),
        ),
        [
            {
                "account": a,
                "opening": statement.opening_of(a),
                "movement": statement.movement_of(a),
                "closing": statement.closing_of(a),
            }
            for a in ACCOUNT_NAMES
        ],
    )
    lines = Table.from_records(
        "明细 · Lines",
        (
            Column("date", "date"),
            Column("kind", "kind"),
            Column("order", "order / source"),
            Column("account", "account"),
            Column("rule", "rule"),
            Column("amount", "amount", CellKind.MONEY),
            Column("balance", "balance", CellKind.MONEY),
        ),
        [
            {
                "date": x.booked_on.isoformat(),
                "kind": x.kind if x.kind == x.event_kind else f"{x.kind} of {x.event_kind}",
                "order": x.order_id or x.source_id,
                "account": x.account,
                "rule": f"{x.rule_id} — {titles[x.rule_id]}" if x.rule_id in titles else x.rule_id,
                "amount": x.amount_fen,
                "balance": x.balance_fen,
            }
            for x in statement.lines
        ],
    )
    available = statement.closing_of("merchant_available")
    return Page(
        title=f"对账单 · Statement {statement.shop_id}",
        subtitle=f"{statement.start} – {statement.end}",
        sections=(
            Section(
                "概要 · Summary",
                (
                    Metrics(
                        (
                            Metric.money("available at close", available),
                            Metric.money(
                                "pending at close", statement.closing_of("merchant_pending")
                            ),
                            Metric.money("deposit", statement.closing_of("merchant_deposit")),
                        )
                    ),
                    summary,
                    Paragraph(
                        "Reconciles: opening + lines = closing for every account."
                        if statement.reconciles()
                        else "DOES NOT RECONCILE: run `merchantry ledger-check`."
                    ),
                ),
            ),
            Section("明细 · Lines", (lines,)),
        ),
        meta=(("shop", statement.shop_id), ("lines", f"{statement.lines_total:,}")),
        footer=f"Amounts in {active_marketplace().currency.code}; "
        f"e.g. {format_fen(12345)} = 12,345 minor units (fen, centavos).",
    )
