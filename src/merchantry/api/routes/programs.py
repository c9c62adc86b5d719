"""Growth programmes: a shop's tasks, rewards and budgets; real-time grants.

``GET /v1/shops/{shop_id}/programs`` reads the batch state (the warehouse's published
snapshot) and the programmes' budgets left after real-time grants; a merchant key reads its
own shop only. ``POST /v1/programs/{name}/grants`` is for operators and the marketplace's
own systems (a task centre): it spends the programme's budget in the operational database
atomically, so concurrent grants stop at the budget exactly; the grant id is the
idempotency key (a replay returns the stored grant).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from merchantry.api import events
from merchantry.api.auth import Principal, require_scope, require_shop
from merchantry.api.body import Body
from merchantry.api.docs import EXAMPLE_SHOP, ShopId, ok, written
from merchantry.api.times import RequestDay
from merchantry.api.warehouse import reading
from merchantry.programs.rulebook import REWARD_KINDS
from merchantry.service import programs

router = APIRouter(prefix="/v1", tags=["programs"])

EXAMPLE_PROGRAM = "douyin-2026-industry-belts"

ProgramName = Annotated[
    str,
    Path(
        pattern=r"^[a-z0-9][a-z0-9._-]{0,127}$",
        description="Programme rulebook name.",
        examples=[EXAMPLE_PROGRAM],
    ),
]


class RewardOut(BaseModel):
    kind: str = Field(
        description="traffic_coupon, ad_coupon, commission_discount, fee_waiver or cash."
    )
    amount_fen: int


class TaskOut(BaseModel):
    task_id: str
    title: str
    kind: str
    progress: int
    target: int
    state: str = Field(description="completed, in_progress, gated or late.")
    completed_on: date | None
    status_label: str | None
    rewards: list[RewardOut] = Field(description="What completing the task grants.")


class ProgrammeOut(BaseModel):
    program: str
    title_zh: str
    title_en: str
    as_of: date
    tasks: list[TaskOut]
    granted_fen: int
    held_fen: int = Field(description="Held back by caps and budgets.")
    pending_fen: int = Field(description="Rewards of tasks not completed yet.")
    budget_left_fen: int | None = Field(description="Batch budget left; null without a budget.")
    merchant_left_fen: int | None
    live_granted_fen: int = Field(description="Spent by real-time grants.")
    coupons_redeemed_fen: int = Field(0, description="The shop's coupons spent (journal).")
    coupons_expired_fen: int = Field(0, description="Left unspent when they expired.")
    coupons_outstanding_fen: int = Field(0, description="Still held and valid.")


class ShopProgrammesOut(BaseModel):
    shop_id: str
    programs: list[ProgrammeOut]


STATUS_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "programs": [
        {
            "program": EXAMPLE_PROGRAM,
            "title_zh": "县域产业带与特色产业扶持",
            "title_en": "County and interest industry belts 2026",
            "as_of": "2026-03-31",
            "tasks": [
                {
                    "task_id": "belt-twenty-orders",
                    "title": "累计20单 / Twenty orders",
                    "kind": "orders",
                    "progress": 20,
                    "target": 20,
                    "state": "completed",
                    "completed_on": "2026-03-02",
                    "status_label": None,
                    "rewards": [{"kind": "traffic_coupon", "amount_fen": 50000}],
                }
            ],
            "granted_fen": 50000,
            "held_fen": 0,
            "pending_fen": 30000,
            "budget_left_fen": None,
            "merchant_left_fen": 30000,
            "live_granted_fen": 0,
            "coupons_redeemed_fen": 12000,
            "coupons_expired_fen": 0,
            "coupons_outstanding_fen": 38000,
        }
    ],
}


@router.get(
    "/shops/{shop_id}/programs",
    response_model=ShopProgrammesOut,
    summary="A shop's growth programmes: task progress, rewards granted and pending, budget left",
    responses=ok(STATUS_EXAMPLE),
)
def shop_programmes(
    request: Request,
    shop_id: ShopId,
    principal: Principal = Depends(require_scope("programs:read")),
) -> ShopProgrammesOut:
    """Every programme the shop is eligible for, as of the last programmes run."""
    require_shop(principal, shop_id, "read the programmes")
    settings = request.app.state.settings
    with reading(settings.warehouse) as con:
        statuses = programs.shop_status(con, shop_id)
    engine = request.app.state.ops_engine
    out = []
    for s in statuses:
        live = programs.live_budget(engine, s.program)
        out.append(
            ProgrammeOut(
                program=s.program,
                title_zh=s.title_zh,
                title_en=s.title_en,
                as_of=s.as_of,
                tasks=[_task(t) for t in s.tasks],
                granted_fen=s.granted_fen,
                held_fen=s.held_fen,
                pending_fen=s.pending_fen,
                budget_left_fen=s.budget_left_fen,
                merchant_left_fen=s.merchant_left_fen,
                live_granted_fen=live.spent_fen,
                coupons_redeemed_fen=s.coupons.redeemed_fen if s.coupons else 0,
                coupons_expired_fen=s.coupons.expired_fen if s.coupons else 0,
                coupons_outstanding_fen=s.coupons.outstanding_fen if s.coupons else 0,
            )
        )
    return ShopProgrammesOut(shop_id=shop_id, programs=out)


def _task(t: programs.TaskLine) -> TaskOut:
    return TaskOut(
        task_id=t.task_id,
        title=t.title,
        kind=t.kind,
        progress=t.progress,
        target=t.target,
        state=t.state,
        completed_on=t.completed_on,
        status_label=t.status_label,
        rewards=[RewardOut(kind=k, amount_fen=f) for k, f in t.rewards],
    )


class GrantIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "grant_id": "task-centre-20260302-0001",
                    "shop_id": EXAMPLE_SHOP,
                    "reward_kind": "traffic_coupon",
                    "amount_fen": 50000,
                    "on": "2026-03-02",
                }
            ]
        },
    )

    grant_id: str = Field(
        min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$", description="Idempotency id."
    )
    shop_id: str = Field(min_length=1, max_length=64)
    reward_kind: str = Field(pattern="^(" + "|".join(REWARD_KINDS) + ")$")
    amount_fen: int = Field(gt=0, le=10**12, description="Amount asked for, fen.")
    on: RequestDay = Field(description="Grant day (inside the programme's window).")


class GrantOut(BaseModel):
    grant_id: str
    program: str
    shop_id: str
    reward_kind: str
    requested_fen: int
    amount_fen: int = Field(description="Granted: cut to what the budgets have left.")
    limit_kind: str = Field(description="none, merchant_budget, month_budget or total_budget.")
    granted_on: date
    replayed: bool = Field(description="The grant id was already stored; nothing spent again.")
    budget_left_fen: int | None


GRANT_EXAMPLE: dict[str, Any] = {
    "grant_id": "task-centre-20260302-0001",
    "program": EXAMPLE_PROGRAM,
    "shop_id": EXAMPLE_SHOP,
    "reward_kind": "traffic_coupon",
    "requested_fen": 50000,
    "amount_fen": 50000,
    "limit_kind": "none",
    "granted_on": "2026-03-02",
    "replayed": False,
    "budget_left_fen": None,
}


@router.post(
    "/programs/{name}/grants",
    response_model=GrantOut,
    summary="Grant a reward from a programme's budget now (never past the budget)",
    responses=written(GRANT_EXAMPLE),
)
def grant(
    request: Request,
    name: ProgramName,
    body: GrantIn,
    principal: Principal = Depends(require_scope("programs:grant")),
) -> GrantOut:
    """Atomic against concurrent grants: the amount is cut to what the merchant's, the
    month's and the total budget have left (0 once spent)."""
    engine = request.app.state.ops_engine
    done = programs.grant_now(
        engine,
        name,
        grant_id=body.grant_id,
        shop_id=body.shop_id,
        reward_kind=body.reward_kind,
        amount_fen=body.amount_fen,
        on=body.on,
    )
    out = GrantOut(
        grant_id=done.grant_id,
        program=done.program,
        shop_id=done.shop_id,
        reward_kind=done.reward_kind,
        requested_fen=done.requested_fen,
        amount_fen=done.amount_fen,
        limit_kind=done.limit_kind,
        granted_on=done.granted_on,
        replayed=done.replayed,
        budget_left_fen=programs.live_budget(engine, name).left_fen,
    )
    if not done.replayed:
        events.written(
            request,
            principal,
            action="program.grant",
            resource=f"program:{name}:grant:{done.grant_id}",
            shop_id=done.shop_id,
            after=out.model_dump(mode="json"),
        )
    return out
