"""Growth programmes as use cases: run them, show a shop where it stands, report on them.

Shared by ``merchantry programs``, the API and the console. :func:`growth_stages` is every
``programs:`` stage and every ``seeding:`` stage (creator seeding attribution, whose payouts the
close posts) in the order the runner executes them; :func:`run_programmes` runs them and then
posts the rewards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb
from sqlalchemy import Engine

from merchantry.kit.errors import InputError, NotFound
from merchantry.ledger.coupons import CouponLine, coupon_report
from merchantry.ledger.journal import PostResult
from merchantry.ledger.rewards import post_rewards
from merchantry.ledger.seeding import post_seeding
from merchantry.programs import Programme, load_programme, shipped_programmes
from merchantry.programs.budget import BudgetLeft, Grant, budget_left, grant
from merchantry.programs.engine import last_event_day
from merchantry.programs.report import ProgrammeReport, programme_report
from merchantry.seeding.rules import shipped_rules_dir
from merchantry.service.runner import RunReport, run_stages
from merchantry.service.stages import (
    DEFAULT_FEE_RULEBOOK,
    Progress,
    Stage,
    check_order,
    programs_stage,
    seeding_stage,
)
from merchantry.store.sql import records
from merchantry.store.warehouse import table_exists

GROWTH_KINDS: Final = ("programs", "seeding")
"""Stage kinds ``merchantry programs run`` executes."""


def shipped_seeding_rulebooks() -> tuple[str, ...]:
    """The seeding rulebooks that ship (``rulebooks/seeding/*.yaml``), by name."""
    return tuple(sorted(p.stem for p in shipped_rules_dir().glob("*.yaml")))


def growth_stages(names: Sequence[str] = ()) -> tuple[Stage, ...]:
    """A ``programs:`` stage per programme and a ``seeding:`` stage per seeding rulebook
    (default: every shipped one of each); a name that is a shipped seeding rulebook is a
    seeding stage, any other a programme."""
    seeding = set(shipped_seeding_rulebooks())
    chosen = tuple(names) or (*shipped_programmes(), *sorted(seeding))
    return tuple(seeding_stage(n) if n in seeding else programs_stage(n) for n in chosen)


def with_growth(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    """``stages`` (the batch job, :func:`~merchantry.service.stages.default_stages`) with every
    growth stage before its first close, which posts their rewards and seeding payouts (the
    close reads ``seeding_payouts``, so :func:`check_order` refuses a seeding stage after it)."""
    plan = list(stages)
    at = next((i for i, s in enumerate(plan) if s.kind == "close"), len(plan))
    growth = [g for g in growth_stages() if g.name not in {s.name for s in plan}]
    out = (*plan[:at], *growth, *plan[at:])
    check_order(out)
    return out


@dataclass(frozen=True, slots=True)
class ProgrammesRun:
    """What ``programs run`` did: the stages, then the reward and seeding postings."""

    stages: RunReport
    postings: PostResult
    seeding_postings: PostResult
    data_end: date | None = None
    """The last day the warehouse has data for (:func:`last_event_day`): no programme is
    measured, and no reward granted, past it."""


def run_programmes(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    *,
    names: Sequence[str] = (),
    rulebook: str = DEFAULT_FEE_RULEBOOK,
    force: bool = False,
    progress: Progress | None = None,
    extra_stages: Sequence[Stage] = (),
) -> ProgrammesRun:
    """Run the stale growth stages over ``start``..``end``, then post the rewards, seeding
    payouts and clawbacks booked in it (the close of the period would post the same, once).

    A period that starts after the last day with data is refused: it would measure nothing,
    yet re-measure every programme to its end and replace the stored tasks and grants."""
    last = last_event_day(con)
    if last is not None and start > last:
        raise InputError(
            f"the period {start}..{end} starts after the data's last day, {last} (the last "
            "order payment, shipment, after-sales request, shop score or programme sign-up the "
            "warehouse holds): there is nothing to run the programmes over; give a period that "
            f"starts on or before {last}"
        )
    stages = (*growth_stages(names), *extra_stages)
    report = run_stages(con, start, end, stages=stages, force=force, progress=progress)
    return ProgrammesRun(
        report,
        post_rewards(con, rulebook, start, end),
        post_seeding(con, rulebook, start, end),
        last,
    )


@dataclass(frozen=True, slots=True)
class TaskLine:
    task_id: str
    title: str
    kind: str
    progress: int
    target: int
    state: str
    completed_on: date | None
    status_label: str | None
    rewards: tuple[tuple[str, int], ...]
    """What the task grants, as written in the rulebook: (reward kind, fen)."""


@dataclass(frozen=True, slots=True)
class ProgrammeStatus:
    """One shop's standing in one programme."""

    program: str
    title_zh: str
    title_en: str
    as_of: date
    tasks: tuple[TaskLine, ...]
    granted_fen: int
    held_fen: int
    pending_fen: int
    """Rewards of tasks not completed yet (what is still to earn)."""
    budget_left_fen: int | None
    """What is left of the programme's total budget; ``None`` when it has none."""
    merchant_left_fen: int | None
    """What is left of the per-merchant budget; ``None`` when it has none."""
    coupons: CouponLine | None = None
    """The shop's coupons of the programme in the journal (issued, redeemed, expired);
    ``None`` before any was posted."""


def shop_status(con: duckdb.DuckDBPyConnection, shop_id: str) -> list[ProgrammeStatus]:
    """Each programme the shop is eligible for: tasks, rewards granted and pending, budget
    left. Refuses a shop the warehouse does not know."""
    if not con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchone():
        raise NotFound(f"no shop {shop_id!r} in the warehouse")
    if not table_exists(con, "program_tasks"):
        return []
    programs = [
        str(r[0])
        for r in con.execute(
            "SELECT DISTINCT program FROM program_tasks WHERE shop_id = ? ORDER BY program",
            [shop_id],
        ).fetchall()
    ]
    return [_status(con, load_programme(name), shop_id) for name in programs]


def _status(con: duckdb.DuckDBPyConnection, p: Programme, shop_id: str) -> ProgrammeStatus:
    rows = {
        str(r["task_id"]): r
        for r in records(
            con,
            "SELECT * FROM program_tasks WHERE program = ? AND shop_id = ?",
            [p.name, shop_id],
        )
    }
    granted = records(
        con,
        "SELECT coalesce(sum(amount_fen), 0) AS granted, coalesce(sum(held_fen), 0) AS held, "
        "coalesce(sum(amount_fen) FILTER (WHERE shop_id = $shop), 0) AS mine, "
        "coalesce(sum(held_fen) FILTER (WHERE shop_id = $shop), 0) AS mine_held "
        "FROM program_rewards WHERE program = $program",
        {"program": p.name, "shop": shop_id},
    )[0]
    tasks: list[TaskLine] = []
    pending = 0
    as_of = p.window.start
    for task in p.tasks:
        row = rows.get(task.id)
        if row is None:
            continue
        as_of = row["as_of"]
        if row["state"] == "in_progress":
            pending += sum(r.amount_fen.value for r in task.rewards)
        tasks.append(
            TaskLine(
                task_id=task.id,
                title=task.title,
                kind=task.kind,
                progress=int(row["progress"]),
                target=int(row["target"]),
                state=str(row["state"]),
                completed_on=row["completed_on"],
                status_label=row["status_label"],
                rewards=tuple((r.kind, r.amount_fen.value) for r in task.rewards),
            )
        )
    total, merchant = p.budget.total_fen, p.budget.per_merchant_fen
    coupons = [c for c in coupon_report(con, shop_id=shop_id) if c.program == p.name]
    return ProgrammeStatus(
        program=p.name,
        title_zh=p.title_zh,
        title_en=p.title_en,
        as_of=as_of,
        tasks=tuple(tasks),
        granted_fen=int(granted["mine"]),
        held_fen=int(granted["mine_held"]),
        pending_fen=pending,
        budget_left_fen=total.value - int(granted["granted"]) if total else None,
        merchant_left_fen=merchant.value - int(granted["mine"]) if merchant else None,
        coupons=coupons[0] if coupons else None,
    )


def grant_now(
    engine: Engine,
    program: str,
    *,
    grant_id: str,
    shop_id: str,
    reward_kind: str,
    amount_fen: int,
    on: date,
) -> Grant:
    """A real-time grant from ``program``'s budget in the operational database (see
    :mod:`merchantry.programs.budget`)."""
    if program not in shipped_programmes():
        raise NotFound(f"no programme {program!r}; shipped: {', '.join(shipped_programmes())}")
    return grant(
        engine,
        load_programme(program),
        grant_id=grant_id,
        shop_id=shop_id,
        reward_kind=reward_kind,
        amount_fen=amount_fen,
        on=on,
    )


def live_budget(engine: Engine, program: str) -> BudgetLeft:
    """What ``program``'s total budget has left after the real-time grants."""
    return budget_left(engine, load_programme(program))


def programmes_report(
    con: duckdb.DuckDBPyConnection, names: Sequence[str] = ()
) -> list[ProgrammeReport]:
    """Uptake, cost, cohorts and effect of every programme that has run (or of ``names``)."""
    if not table_exists(con, "program_tasks"):
        return []
    ran = {
        str(r[0])
        for r in con.execute(
            "SELECT program FROM program_tasks UNION SELECT program FROM program_order_subsidies"
        ).fetchall()
    }
    chosen = [n for n in (names or shipped_programmes()) if n in ran]
    return [programme_report(con, load_programme(n)) for n in chosen]


def programme_coupons(
    con: duckdb.DuckDBPyConnection, names: Sequence[str] = ()
) -> list[CouponLine]:
    """Per programme (or of ``names``), the coupons posted: issued, redeemed, expired."""
    return [c for c in coupon_report(con) if not names or c.program in names]


@dataclass(frozen=True, slots=True)
class ProgrammeOverview:
    """One programme for the operator: its report and its spending against its budget."""

    report: ProgrammeReport
    budget_total_fen: int | None
    """The programme's total budget; ``None`` when it has none."""
    budget_assumed: bool
    """The budget is an assumption of the rulebook, not a published figure."""

    @property
    def budget_left_fen(self) -> int | None:
        if self.budget_total_fen is None:
            return None
        return self.budget_total_fen - self.report.cost_fen

    @property
    def spent_bp(self) -> int | None:
        """Cost (rewards granted plus order subsidies) as a share of the budget, bp."""
        if not self.budget_total_fen:
            return None
        return self.report.cost_fen * 10_000 // self.budget_total_fen


def programmes_overview(
    con: duckdb.DuckDBPyConnection, names: Sequence[str] = ()
) -> list[ProgrammeOverview]:
    """:func:`programmes_report` with each programme's budget (the operator's console page)."""
    out = []
    for report in programmes_report(con, names):
        total = load_programme(report.program).budget.total_fen
        out.append(
            ProgrammeOverview(
                report=report,
                budget_total_fen=total.value if total else None,
                budget_assumed=bool(total and total.assumption),
            )
        )
    return out
