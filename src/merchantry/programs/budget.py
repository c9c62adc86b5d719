"""Real-time grants against a programme's budget in the operational database.

The batch stage decides grants in time order inside one process. A grant requested through
the API (a task centre crediting a coupon the moment a task completes) may race with
others, so the budget lives in the operational SQL database: ``program_budgets`` holds one
row per programme and budget period with what is spent, ``program_grants`` one row per
grant with its idempotency id. A grant locks its programme's budget rows (``SELECT … FOR
UPDATE`` on PostgreSQL; SQLite's writer lock serialises transactions), takes what the
total, the month and the merchant have left, and moves ``spent_fen`` with a guarded
``UPDATE`` (``spent_fen + amount <= limit_fen``), all in one transaction: concurrent
grants never spend one fen past the budget. The same grant id returns the stored grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Engine,
    Index,
    MetaData,
    String,
    Table,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from merchantry.kit.errors import Conflict, InputError
from merchantry.programs.rulebook import REWARD_KINDS, Programme

metadata = MetaData()

program_budgets = Table(
    "program_budgets",
    metadata,
    Column("program", String(128), primary_key=True),
    Column("period", String(16), primary_key=True, comment="total, or YYYY-MM"),
    Column("limit_fen", BigInteger, nullable=False),
    Column("spent_fen", BigInteger, nullable=False),
    CheckConstraint("spent_fen <= limit_fen", name="ck_program_budget_not_overspent"),
)

program_grants = Table(
    "program_grants",
    metadata,
    Column("grant_id", String(128), primary_key=True),
    Column("program", String(128), nullable=False),
    Column("shop_id", String(64), nullable=False),
    Column("reward_kind", String(32), nullable=False),
    Column("requested_fen", BigInteger, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
    Column("limit_kind", String(32), nullable=False),
    Column("granted_on", Date, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_program_grants_program", "program"),
    Index("ix_program_grants_shop_id", "shop_id"),
)

TOTAL: Final = "total"
UNLIMITED: Final = 10**17
"""The limit of a programme with no total budget (its row still serialises grants)."""


@dataclass(frozen=True, slots=True)
class Grant:
    """One real-time grant."""

    grant_id: str
    program: str
    shop_id: str
    reward_kind: str
    requested_fen: int
    amount_fen: int
    limit_kind: str
    """``none`` or what held it back: ``merchant_budget``, ``month_budget``, ``total_budget``."""
    granted_on: date
    replayed: bool
    """True when the grant id was already stored (nothing was spent again)."""


@dataclass(frozen=True, slots=True)
class BudgetLeft:
    program: str
    limit_fen: int | None
    spent_fen: int

    @property
    def left_fen(self) -> int | None:
        return None if self.limit_fen is None else self.limit_fen - self.spent_fen


def _ensure_rows(conn: Connection, programme: Programme, month: str) -> None:
    budget = programme.budget
    rows = [
        {"period": TOTAL, "limit_fen": budget.total_fen.value if budget.total_fen else UNLIMITED}
    ]
    if budget.per_month_fen is not None:
        rows.append({"period": month, "limit_fen": budget.per_month_fen.value})
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for row in rows:
        statement = dialect.insert(program_budgets).values(
            program=programme.name, spent_fen=0, **row
        )
        conn.execute(statement.on_conflict_do_nothing())


def _stored(conn: Connection, grant_id: str) -> Grant | None:
    row = (
        conn.execute(select(program_grants).where(program_grants.c.grant_id == grant_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    return Grant(
        grant_id=row["grant_id"],
        program=row["program"],
        shop_id=row["shop_id"],
        reward_kind=row["reward_kind"],
        requested_fen=int(row["requested_fen"]),
        amount_fen=int(row["amount_fen"]),
        limit_kind=row["limit_kind"],
        granted_on=row["granted_on"],
        replayed=True,
    )


def grant(
    engine: Engine,
    programme: Programme,
    *,
    grant_id: str,
    shop_id: str,
    reward_kind: str,
    amount_fen: int,
    on: date,
) -> Grant:
    """Grant up to ``amount_fen`` to ``shop_id`` from ``programme``'s budget, atomically.

    The amount is cut to what the total, the month's and the merchant's budgets have left
    (``amount_fen`` 0 once spent). Replaying ``grant_id`` returns the stored grant; reusing it
    for another shop, programme or amount is refused (``Conflict``)."""
    if reward_kind not in REWARD_KINDS:
        raise InputError(f"unknown reward kind {reward_kind!r}; known: {', '.join(REWARD_KINDS)}")
    if amount_fen <= 0:
        raise InputError(f"amount_fen must be positive, got {amount_fen}")
    if not programme.window.contains(on):
        raise InputError(
            f"{on} is outside programme {programme.name}'s window "
            f"{programme.window.start}..{programme.window.end}"
        )
    month = f"{on:%Y-%m}"
    budget = programme.budget
    periods = [TOTAL] + ([month] if budget.per_month_fen is not None else [])
    with engine.begin() as conn:
        _ensure_rows(conn, programme, month)
        locked = conn.execute(
            select(
                program_budgets.c.period, program_budgets.c.limit_fen, program_budgets.c.spent_fen
            )
            .where(program_budgets.c.program == programme.name)
            .where(program_budgets.c.period.in_(periods))
            .order_by(program_budgets.c.period)
            .with_for_update()
        ).all()
        stored = _stored(conn, grant_id)
        if stored is not None:
            same = (stored.program, stored.shop_id, stored.requested_fen, stored.reward_kind)
            if same != (programme.name, shop_id, amount_fen, reward_kind):
                raise Conflict(f"grant id {grant_id} was already used for another grant")
            return stored
        left = {str(p): int(limit) - int(spent) for p, limit, spent in locked}
        room = []
        if budget.per_merchant_fen is not None:
            mine = conn.execute(
                select(func.coalesce(func.sum(program_grants.c.amount_fen), 0))
                .where(program_grants.c.program == programme.name)
                .where(program_grants.c.shop_id == shop_id)
            ).scalar_one()
            room.append(("merchant_budget", budget.per_merchant_fen.value - int(mine)))
        if month in left:
            room.append(("month_budget", left[month]))
        room.append(("total_budget", left[TOTAL]))
        amount, limit = amount_fen, "none"
        for name, value in room:
            if value < amount:
                amount, limit = max(value, 0), name
        for period in periods:
            moved = conn.execute(
                update(program_budgets)
                .where(program_budgets.c.program == programme.name)
                .where(program_budgets.c.period == period)
                .where(program_budgets.c.spent_fen + amount <= program_budgets.c.limit_fen)
                .values(spent_fen=program_budgets.c.spent_fen + amount)
            )
            if moved.rowcount != 1:  # the lock makes this unreachable; refuse rather than overspend
                raise Conflict(f"budget {programme.name}/{period} changed under a grant; retry")
        conn.execute(
            program_grants.insert().values(
                grant_id=grant_id,
                program=programme.name,
                shop_id=shop_id,
                reward_kind=reward_kind,
                requested_fen=amount_fen,
                amount_fen=amount,
                limit_kind=limit,
                granted_on=on,
                created_at=datetime.now(),
            )
        )
    return Grant(
        grant_id, programme.name, shop_id, reward_kind, amount_fen, amount, limit, on, False
    )


def budget_left(engine: Engine, programme: Programme) -> BudgetLeft:
    """What the programme's total budget has spent and has left in real time."""
    with engine.connect() as conn:
        row = conn.execute(
            select(program_budgets.c.limit_fen, program_budgets.c.spent_fen)
            .where(program_budgets.c.program == programme.name)
            .where(program_budgets.c.period == TOTAL)
        ).first()
    limit = programme.budget.total_fen.value if programme.budget.total_fen else None
    return BudgetLeft(programme.name, limit, int(row[1]) if row else 0)
