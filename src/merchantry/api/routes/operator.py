"""Operator reads and actions: rulebooks, rankings, simulations, case transitions, payouts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from merchantry.api import events
from merchantry.api.auth import Principal, require_scope, scope_of
from merchantry.api.docs import EXAMPLE_SHOP, CaseId, Limit, Offset, ok, written
from merchantry.api.idempotency import Idempotency, idempotency
from merchantry.api.jobs import Job, get_job
from merchantry.api.routes.merchant import CASE_EXAMPLE
from merchantry.api.schemas import (
    CaseMoved,
    Page,
    PayoutNotificationIn,
    SimulationIn,
    TransitionIn,
    page,
)
from merchantry.api.times import PLATFORM, SERVICE, OptQueryDay, zoned
from merchantry.api.warehouse import reading, writing
from merchantry.kit.errors import NotFound
from merchantry.kit.paging import window
from merchantry.ledger.payouts import list_payouts
from merchantry.risk.cases import CaseState, CaseSubject, get_case
from merchantry.scoring.report import RankedShop
from merchantry.service import operator
from merchantry.service.cases import move_case
from merchantry.service.payouts import EVENT, payout_data, payout_key

router = APIRouter(prefix="/v1", tags=["operator"])

RULEBOOK_EXAMPLE: dict[str, Any] = {
    "name": "douyin-2026",
    "title": "Douyin e-commerce merchant support 2026",
    "effective_from": "2026-01-01",
    "effective_to": None,
    "lineage": ["douyin-2026", "douyin-2025"],
    "rules": 48,
    "assumptions": 6,
    "in_force": True,
}

OnDay = Annotated[
    OptQueryDay,
    Query(
        alias="date",
        description="Day to judge 'in force' (default: today).",
        examples=["2026-03-15"],
    ),
]


@router.get(
    "/rulebooks",
    response_model=list[operator.RulebookInfo],
    summary="Rulebooks, and which are in force",
    responses=ok([RULEBOOK_EXAMPLE]),
)
def rulebooks(
    request: Request,
    on: OnDay = None,
    in_force: Annotated[
        bool, Query(description="Only those in force on the day.", examples=[True])
    ] = False,
    _: Principal = Depends(require_scope("rulebooks:read")),
) -> list[operator.RulebookInfo]:
    dirs = request.app.state.settings.rulebook_dirs
    return operator.rulebooks(on or date.today(), dirs, in_force_only=in_force)


@router.get(
    "/rulebooks/{name}/history",
    response_model=list[operator.RulebookVersion],
    summary="A rulebook's versions, newest first, with what each changed",
    responses=ok(
        [
            {
                "info": RULEBOOK_EXAMPLE,
                "changes": [
                    {"rule_id": "tsf.new-merchant", "change": "added", "title": "New merchants"}
                ],
            }
        ]
    ),
)
def rulebook_history(
    request: Request,
    name: Annotated[str, Path(min_length=1, max_length=128, examples=["douyin-2026"])],
    on: OnDay = None,
    _: Principal = Depends(require_scope("rulebooks:read")),
) -> list[operator.RulebookVersion]:
    dirs = request.app.state.settings.rulebook_dirs
    return operator.rulebook_history(name, on or date.today(), dirs)


@router.get(
    "/rankings",
    response_model=Page[RankedShop],
    summary="The published good-service ranking",
    responses=ok(
        page(
            [
                {
                    "industry": "apparel",
                    "rank": 1,
                    "shop_id": EXAMPLE_SHOP,
                    "score_cp": 9812,
                    "special_services": 3,
                    "rule_id": "ranking.good-service",
                }
            ],
            1,
            50,
            0,
        )
    ),
)
def rankings(
    request: Request,
    rulebook: Annotated[
        str, Query(min_length=1, max_length=128, examples=["douyin-score-2026-07"])
    ],
    on: Annotated[
        OptQueryDay,
        Query(alias="date", description="Ranked day (default: latest).", examples=["2026-03-31"]),
    ] = None,
    industry: Annotated[
        str | None, Query(min_length=1, max_length=64, examples=["apparel"])
    ] = None,
    limit: Limit = 100,
    offset: Offset = 0,
    _: Principal = Depends(require_scope("rankings:read")),
) -> dict[str, Any]:
    with reading(request.app.state.settings.warehouse) as con:
        _day, ranked = operator.rankings(con, rulebook, on, industry)
    return page(list(window(offset, limit).take(ranked)), len(ranked), limit, offset)


@router.post(
    "/cases/{case_id}/transitions",
    response_model=CaseMoved,
    summary="Move a case (an overturn reverses its money through the ledger)",
    responses=written(
        {
            "case": {
                **CASE_EXAMPLE,
                "state": "overturned",
                "ledger_entry_id": "JE-9a8b7c6d5e4f3a21",
                "reversal_entry_id": "JE-1f2e3d4c5b6a7980",
            },
            "reversal": {
                "reversed_entry_id": "JE-9a8b7c6d5e4f3a21",
                "reversal_entry_id": "JE-1f2e3d4c5b6a7980",
                "amount_fen": 30000,
                "legs": 2,
            },
            "money_note": "journal entry JE-9a8b7c6d5e4f3a21 reversed by JE-1f2e3d4c5b6a7980: "
            "¥300.00 moved back (2 legs)",
        }
    ),
)
def transition_case(
    request: Request,
    case_id: CaseId,
    body: TransitionIn,
    principal: Principal = Depends(require_scope("cases:review")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    engine = request.app.state.ops_engine
    settings = request.app.state.settings
    scope = scope_of(principal)
    target = CaseState(body.to)

    def work() -> tuple[int, Any]:
        before = get_case(engine, scope, case_id)
        now = datetime.now()
        record = events.case_recorder(
            request, principal, action="case.transition", zone=lambda c: zoned(c, PLATFORM)
        )
        if target is CaseState.OVERTURNED and (
            before.ledger_entry_id is not None or before.subject is CaseSubject.LISTING_VIOLATION
        ):
            with writing(settings.warehouse, settings.warehouse_write_wait_s) as con:
                moved = move_case(
                    engine, scope, case_id, target, body.note, now, con, record=record
                )
        else:
            moved = move_case(engine, scope, case_id, target, body.note, now, record=record)
        events.wake(request)
        out = CaseMoved(
            case=zoned(moved.case, PLATFORM), reversal=moved.reversal, money_note=moved.money_note
        )
        return 200, out.model_dump(mode="json")

    return idem.run(work)


JOB_EXAMPLE: dict[str, Any] = {
    "job_id": "job_5d2c9e0a7b1f3846",
    "kind": "simulation",
    "state": "done",
    "params": {
        "baseline": "douyin-2025",
        "candidate": "douyin-2026",
        "start": "2026-03-01",
        "end": "2026-03-31",
    },
    "result": {
        "run_id": "sim-0c1d2e3f",
        "summary": {"orders": 40210, "shops": 120, "saving_fen": 1234500},
    },
    "error": None,
    "created_at": "2026-03-31T08:00:00Z",
    "created_by": "key:3f9a0c1d2e4b5a67",
    "started_at": "2026-03-31T08:00:00Z",
    "finished_at": "2026-03-31T08:00:41Z",
}


@router.post(
    "/simulations",
    response_model=Job,
    status_code=202,
    summary="Start a simulation (a background job)",
    responses=written(
        {**JOB_EXAMPLE, "state": "queued", "result": None, "started_at": None, "finished_at": None},
        status=202,
    ),
)
def start_simulation(
    request: Request,
    body: SimulationIn,
    principal: Principal = Depends(require_scope("simulations:run")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    """Replays history under both rulebooks; poll ``GET /v1/simulations/{job_id}``."""

    def work() -> tuple[int, Any]:
        job = request.app.state.jobs.submit_simulation(
            baseline=body.baseline,
            candidate=body.candidate,
            start=body.start,
            end=body.end,
            created_by=principal.actor,
        )
        events.written(
            request,
            principal,
            action="simulation.start",
            resource=f"job:{job.job_id}",
            after=body.model_dump(mode="json"),
        )
        return 202, events.as_json(zoned(job, SERVICE))

    return idem.run(work)


@router.get(
    "/simulations/{job_id}",
    response_model=Job,
    summary="A simulation job: its state, and its result when done",
    responses=ok(JOB_EXAMPLE),
)
def simulation(
    request: Request,
    job_id: Annotated[str, Path(min_length=1, max_length=32, examples=["job_5d2c9e0a7b1f3846"])],
    _: Principal = Depends(require_scope("simulations:read")),
) -> Job:
    return zoned(get_job(request.app.state.ops_engine, job_id), SERVICE)


@router.post(
    "/payouts/notifications",
    summary="Send payout.scheduled webhooks for one day",
    responses=written({"date": "2026-03-20", "shops": 37, "messages": 37}),
)
def notify_payouts(
    request: Request,
    body: PayoutNotificationIn,
    principal: Principal = Depends(require_scope("payouts:notify")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    """One ``payout.scheduled`` event per shop with money settling that day (orders, amount).

    A resend carries the message id of the first sending of the same payout (and of the
    close's own announcement of it), so a receiver can drop what it already has."""

    def work() -> tuple[int, Any]:
        with reading(request.app.state.settings.warehouse) as con:
            rows = list_payouts(con, start=body.date, end=body.date)
        if not rows:
            raise NotFound(f"no payouts settle on {body.date}")
        for row in rows:
            events.written(
                request,
                principal,
                action="payout.notify",
                resource=f"payout:{row.shop_id}:{body.date}",
                shop_id=row.shop_id,
                after=row,
                webhook=(EVENT, payout_data(row)),
                webhook_key=payout_key(row),
            )
        shops = len({r.shop_id for r in rows})
        return 200, {"date": body.date.isoformat(), "shops": shops, "messages": len(rows)}

    return idem.run(work)
