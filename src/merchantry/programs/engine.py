"""Run one programme: task progress, grants within caps and budgets, order subsidies.

The run recomputes the programme from its window's first day to ``run_end`` (never past the
last day the warehouse has data for, :func:`last_event_day`: no reward is granted on a day
without data) and replaces its rows, so re-running changes nothing. Grants are decided in time
order (completion day, then shop, then the task's place in the rulebook); each reward is cut
to what is left of the shop's cap for its kind, the per-merchant budget, the month's budget and
the total budget, so spending stops at the budget exactly. Reward ids hash programme, shop,
task and the reward's position: the same reward has the same id in every run, and the ledger
posts it once.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Final

import duckdb

from merchantry.kit.words import counted
from merchantry.model.programs import PROGRAM_REWARDS, PROGRAM_TASKS
from merchantry.programs.rulebook import Budget, Programme, Reward
from merchantry.programs.tasks import Progress, gate_days, is_late, measure, select_shops
from merchantry.store.sql import insert_values
from merchantry.store.warehouse import table_exists, transaction

ORDER_SUBSIDIES: Final = """
INSERT INTO program_order_subsidies
WITH o AS (
  SELECT o.order_id, o.shop_id, o.paid_at, o.platform_coupon_fen AS coupon_fen,
         CASE WHEN $has_cap THEN least(o.platform_coupon_fen, $cap) ELSE o.platform_coupon_fen END
           AS wanted
  FROM orders AS o JOIN shops AS s USING (shop_id)
  WHERE o.platform_coupon_fen > 0
    AND o.paid_at >= CAST($window_from AS TIMESTAMP)
    AND o.paid_at < CAST($run_end AS TIMESTAMP) + INTERVAL 1 DAY
    AND (NOT $has_industries OR list_contains($industries, s.industry))
    AND (NOT $has_store_types OR list_contains($store_types, s.store_type))
    AND (NOT $has_tags_any OR len(list_intersect($tags_any, coalesce(s.tags, []))) > 0)
), m AS (
  SELECT *, greatest(0, least(wanted, $month_budget - coalesce(sum(wanted) OVER (
      PARTITION BY date_trunc('month', paid_at) ORDER BY paid_at, order_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))) AS month_ok
  FROM o
), t AS (
  SELECT *, greatest(0, least(month_ok, $total_budget - coalesce(sum(month_ok) OVER (
      ORDER BY paid_at, order_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0))) AS charged
  FROM m
)
SELECT $program, order_id, shop_id, paid_at, coupon_fen, charged, coupon_fen - charged FROM t
"""

CLEAR: Final = (
    "DELETE FROM program_tasks WHERE program = ?",
    "DELETE FROM program_rewards WHERE program = ?",
    "DELETE FROM program_order_subsidies WHERE program = ?",
)
"""A programme's rows, cleared before each run writes them again."""

_UNLIMITED: Final = 10**17

_LAST_EVENT: Final = """
SELECT CAST(greatest(
  (SELECT max(paid_at) FROM orders),
  (SELECT max(event_at) FROM logistics_events),
  (SELECT max(requested_at) FROM after_sales),
  (SELECT max(score_date) FROM shop_scores WHERE score_cp IS NOT NULL),
  (SELECT max(signed_up_on) FROM program_signups)) AS DATE)
"""
_MEASURED: Final = ("orders", "logistics_events", "after_sales", "shop_scores", "program_signups")


def last_event_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The last day the warehouse holds something the programmes measure (an order paid, a
    logistics event, an after-sales request, a shop score: a score day without data has no
    score, a programme sign-up); None when it holds none."""
    if not all(table_exists(con, t) for t in _MEASURED):
        return None
    row = con.execute(_LAST_EVENT).fetchone()
    return row[0] if row and isinstance(row[0], date) else None


@dataclass(frozen=True, slots=True)
class ProgrammeRun:
    """What one programme run wrote."""

    program: str
    as_of: date
    """The last day measured: the run's end, cut to the programme's window and the data."""
    eligible_shops: int
    tasks_completed: int
    rewards: int
    granted_fen: int
    held_fen: int
    subsidised_orders: int
    subsidy_fen: int

    @property
    def summary(self) -> str:
        text = (
            f"{self.program}, from its start through {self.as_of}: "
            f"{counted(self.eligible_shops, 'eligible shop')}, "
            f"{counted(self.tasks_completed, 'task')} completed, {counted(self.rewards, 'reward')}"
            f" ({self.granted_fen:,} fen granted, {self.held_fen:,} held by caps and budgets)"
        )
        if self.subsidised_orders:
            text += (
                f", {counted(self.subsidised_orders, 'order')} subsidised"
                f" ({self.subsidy_fen:,} fen)"
            )
        return text


def reward_id(program: str, shop_id: str, task_id: str, index: int) -> str:
    """The deterministic id of a shop's ``index``-th reward for a task."""
    key = "\x1f".join((program, shop_id, task_id, str(index)))
    return "rw-" + hashlib.sha256(key.encode()).hexdigest()[:24]


@dataclass
class _Budgets:
    """What is left of each limit while grants are decided in time order."""

    programme: Programme
    total: int = 0
    months: defaultdict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    merchants: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    kinds: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def grant(self, shop_id: str, day: date, reward: Reward) -> tuple[int, str]:
        """Spend as much of ``reward`` as every limit allows: (amount, what held it back)."""
        budget: Budget = self.programme.budget
        cap = self.programme.caps.get(reward.kind)
        month = (day.year, day.month)
        room = [
            ("cap", cap.value - self.kinds[(shop_id, reward.kind)] if cap else _UNLIMITED),
            (
                "merchant_budget",
                budget.per_merchant_fen.value - self.merchants[shop_id]
                if budget.per_merchant_fen
                else _UNLIMITED,
            ),
            (
                "month_budget",
                budget.per_month_fen.value - self.months[month]
                if budget.per_month_fen
                else _UNLIMITED,
            ),
            (
                "total_budget",
                budget.total_fen.value - self.total if budget.total_fen else _UNLIMITED,
            ),
        ]
        wanted = reward.amount_fen.value
        amount, limit = wanted, "none"
        for name, left in room:
            if left < amount:
                amount, limit = max(left, 0), name
        self.total += amount
        self.months[month] += amount
        self.merchants[shop_id] += amount
        self.kinds[(shop_id, reward.kind)] += amount
        return amount, limit


def run_programme(
    con: duckdb.DuckDBPyConnection, programme: Programme, run_end: date
) -> ProgrammeRun:
    """Recompute ``programme`` up to ``run_end`` and replace its rows in the programme tables.

    The day measured up to is ``run_end`` cut to the programme's window and to the last day
    with data (:func:`last_event_day`): a run over days the warehouse has no events for must
    not grant rewards dated on them."""
    last = last_event_day(con)
    as_of = min(run_end, programme.window.end, *(() if last is None else (last,)))
    with transaction(con):
        for statement in CLEAR:
            con.execute(statement, [programme.name])
        eligible = 0
        task_rows: list[tuple[object, ...]] = []
        reward_rows: list[tuple[object, ...]] = []
        if as_of >= programme.window.start and programme.tasks:
            eligible = select_shops(con, programme, as_of)
            done: list[tuple[date, str, int, Progress]] = []
            measured = [
                (i, t, measure(con, t, as_of, programme.platform))
                for i, t in enumerate(programme.tasks)
            ]
            met = [
                (p.shop_id, t.id, p.completed_on)
                for _i, t, ps in measured
                for p in ps
                if p.completed_on is not None
            ]
            passed = gate_days(con, programme, met, as_of)
            for order, task, progresses in measured:
                for p in progresses:
                    state, day = "in_progress", p.completed_on
                    if p.completed_on is not None:
                        day = passed.get((p.shop_id, task.id))
                        if day is None:
                            state, day = "gated", p.completed_on
                        elif is_late(programme, task, p, day):
                            state = "late"
                        else:
                            state = "completed"
                            done.append((day, p.shop_id, order, p))
                    task_rows.append(
                        (
                            programme.name,
                            p.shop_id,
                            task.id,
                            p.started_on,
                            min(p.progress, 2**62),
                            p.target,
                            day,
                            state,
                            task.status if state == "completed" and task.status else None,
                            as_of,
                        )
                    )
            reward_rows = _grants(programme, sorted(done, key=lambda d: d[:3]))
            if task_rows:
                con.executemany(
                    insert_values(PROGRAM_TASKS.name, PROGRAM_TASKS.column_names), task_rows
                )
            if reward_rows:
                con.executemany(
                    insert_values(PROGRAM_REWARDS.name, PROGRAM_REWARDS.column_names), reward_rows
                )
        subsidised, subsidy = _order_subsidies(con, programme, as_of)
    return ProgrammeRun(
        program=programme.name,
        as_of=as_of,
        eligible_shops=eligible,
        tasks_completed=sum(1 for r in task_rows if r[7] == "completed"),
        rewards=sum(1 for r in reward_rows if _fen(r[7]) > 0),
        granted_fen=sum(_fen(r[7]) for r in reward_rows),
        held_fen=sum(_fen(r[8]) for r in reward_rows),
        subsidised_orders=subsidised,
        subsidy_fen=subsidy,
    )


def _fen(value: object) -> int:
    assert isinstance(value, int)
    return value


def _grants(
    programme: Programme, done: list[tuple[date, str, int, Progress]]
) -> list[tuple[object, ...]]:
    budgets = _Budgets(programme)
    rows: list[tuple[object, ...]] = []
    for day, shop_id, order, _p in done:
        task = programme.tasks[order]
        for index, reward in enumerate(task.rewards):
            amount, limit = budgets.grant(shop_id, day, reward)
            expires = (
                day + timedelta(days=reward.expiry_days.value)
                if reward.expiry_days is not None
                else None
            )
            rows.append(
                (
                    reward_id(programme.name, shop_id, task.id, index),
                    programme.name,
                    shop_id,
                    task.id,
                    f"{programme.name}/{task.id}",
                    reward.kind,
                    reward.amount_fen.value,
                    amount,
                    reward.amount_fen.value - amount,
                    limit,
                    day,
                    expires,
                )
            )
    return rows


def _order_subsidies(
    con: duckdb.DuckDBPyConnection, programme: Programme, as_of: date
) -> tuple[int, int]:
    plan = programme.order_subsidy
    if plan is None or as_of < programme.window.start:
        return 0, 0
    budget = programme.budget
    params: dict[str, object] = {
        "program": programme.name,
        "window_from": programme.window.start,
        "run_end": as_of,
        "has_cap": plan.cap_fen is not None,
        "cap": plan.cap_fen.value if plan.cap_fen else 0,
        "month_budget": budget.per_month_fen.value if budget.per_month_fen else _UNLIMITED,
        "total_budget": budget.total_fen.value if budget.total_fen else _UNLIMITED,
    }
    for key in ("industries", "store_types", "tags_any"):
        listed = getattr(plan, key)
        params[f"has_{key}"] = listed is not None
        params[key] = list(listed.values) if listed is not None else [""]
    con.execute(ORDER_SUBSIDIES, params)
    row = con.execute(
        "SELECT count(*) FILTER (WHERE charged_fen > 0), coalesce(sum(charged_fen), 0) "
        "FROM program_order_subsidies WHERE program = ?",
        [programme.name],
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
