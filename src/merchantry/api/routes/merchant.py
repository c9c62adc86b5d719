"""Merchant reads (operators may read any shop): statement, payouts, score, cases, fees.

Every route that names a shop checks the caller may act for it before reading;
routes that name an object (an order, a case) read it, then check its shop.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from merchantry.api import events
from merchantry.api.auth import Principal, require_scope, require_shop, scope_of
from merchantry.api.docs import (
    EXAMPLE_CASE,
    EXAMPLE_ORDER,
    EXAMPLE_SHOP,
    CaseId,
    End,
    Limit,
    Offset,
    OptEnd,
    OptStart,
    OrderId,
    Rulebook,
    ShopId,
    Start,
    ok,
    written,
)
from merchantry.api.idempotency import Idempotency, idempotency
from merchantry.api.schemas import AppealIn, Page, page
from merchantry.api.times import PLATFORM, OptQueryDay, zoned
from merchantry.api.warehouse import reading
from merchantry.ledger.payouts import PayoutRow
from merchantry.ledger.statements import Statement
from merchantry.risk.cases import Case, CaseState
from merchantry.scoring.diagnosis import ScoreDiagnosis
from merchantry.service import merchant
from merchantry.service.cases import QUEUE_ORDER, CaseView, appeal_case, case_queue, show_case

router = APIRouter(prefix="/v1", tags=["merchant"])

CASE_EXAMPLE: dict[str, Any] = {
    "case_id": EXAMPLE_CASE,
    "subject": "after_sales_request",
    "subject_id": "AS00001234",
    "shop_id": EXAMPLE_SHOP,
    "buyer_id": "B0004567",
    "state": "under_review",
    "decision": "intercept (score 910)",
    "reasons": ["buyer in a linked-account ring", "photo reused from another request"],
    "amount_fen": 12900,
    "opened_at": "2026-03-16T09:00:00+08:00",
    "updated_at": "2026-03-17T10:30:00+08:00",
    "ledger_entry_id": None,
    "reversal_entry_id": None,
}


def _warehouse(request: Request) -> Any:
    return reading(request.app.state.settings.warehouse)


@router.get(
    "/shops/{shop_id}/statement",
    response_model=Statement,
    summary="A shop's ledger statement",
    responses=ok(
        {
            "shop_id": EXAMPLE_SHOP,
            "start": "2026-03-01",
            "end": "2026-03-31",
            "opening": [
                ["merchant_pending", 0],
                ["merchant_available", 0],
                ["merchant_deposit", 0],
            ],
            "lines": [
                {
                    "booked_on": "2026-03-10",
                    "entry_id": "JE-3b1f0c2a9d8e7f61",
                    "kind": "payment",
                    "event_kind": "payment",
                    "order_id": EXAMPLE_ORDER,
                    "source_id": EXAMPLE_ORDER,
                    "account": "merchant_pending",
                    "rule_id": "payment",
                    "amount_fen": 10000,
                    "balance_fen": 10000,
                }
            ],
            "closing": [
                ["merchant_pending", 10000],
                ["merchant_available", 0],
                ["merchant_deposit", 0],
            ],
            "closed_through": "2026-03-31",
            "movements": [
                ["merchant_pending", 10000],
                ["merchant_available", 0],
                ["merchant_deposit", 0],
            ],
            "lines_total": 1,
            "lines_offset": 0,
        }
    ),
)
def statement(
    request: Request,
    shop_id: ShopId,
    start: Start,
    end: End,
    limit: Limit = 1000,
    offset: Offset = 0,
    principal: Principal = Depends(require_scope("statements:read")),
) -> Statement:
    """Opening and closing balances and each account's movement over the period (fen), and
    its postings with their rules, ``limit`` at a time from ``offset``: ``lines_total`` says
    how many there are. ``balance_fen`` is the account's running balance over the whole
    period whichever window is read, so the last line of the last window ends on the
    closing balance."""
    require_shop(principal, shop_id, "read the statement")
    with _warehouse(request) as con:
        return merchant.statement(con, shop_id, start, end, limit=limit, offset=offset)


@router.get(
    "/shops/{shop_id}/payouts",
    response_model=list[PayoutRow],
    summary="Expected payouts by day",
    responses=ok(
        [
            {
                "settle_on": "2026-03-20",
                "shop_id": EXAMPLE_SHOP,
                "status": "scheduled",
                "orders": 42,
                "amount_fen": 391200,
            },
            {
                "settle_on": None,
                "shop_id": EXAMPLE_SHOP,
                "status": "awaiting_receipt",
                "orders": 7,
                "amount_fen": 65100,
            },
        ]
    ),
)
def payouts_by_day(
    request: Request,
    shop_id: ShopId,
    start: OptStart = None,
    end: OptEnd = None,
    principal: Principal = Depends(require_scope("payouts:read")),
) -> list[PayoutRow]:
    """What becomes payable on each day, and what is not scheduled yet (held, awaiting
    receipt)."""
    require_shop(principal, shop_id, "read the payouts")
    with _warehouse(request) as con:
        return merchant.payouts_by_day(con, shop_id, start or date.min, end or date.max)


@router.get(
    "/shops/{shop_id}/payouts/orders",
    response_model=Page[merchant.OrderPayout],
    summary="Expected payout of each order",
    responses=ok(
        page(
            [
                {
                    "order_id": EXAMPLE_ORDER,
                    "shop_id": EXAMPLE_SHOP,
                    "paid_on": "2026-03-10",
                    "receipt_on": "2026-03-13",
                    "settle_on": "2026-03-20",
                    "status": "scheduled",
                    "held_by": None,
                    "settlement_days": 7,
                    "settle_rule_id": "settlement.standard",
                    "rulebook": "douyin-2026",
                    "amount_fen": 9400,
                }
            ],
            1,
            50,
            0,
        )
    ),
)
def payouts_by_order(
    request: Request,
    shop_id: ShopId,
    start: OptStart = None,
    end: OptEnd = None,
    limit: Limit = 100,
    offset: Offset = 0,
    principal: Principal = Depends(require_scope("payouts:read")),
) -> dict[str, Any]:
    """Each order's expected payout date and amount, and why (settlement rule, hold)."""
    require_shop(principal, shop_id, "read the payouts")
    with _warehouse(request) as con:
        rows, total = merchant.payouts_by_order(
            con, shop_id, start or date.min, end or date.max, limit=limit, offset=offset
        )
    return page(list(rows), total, limit, offset)


SCORE_DAY: dict[str, Any] = {
    "score_date": "2026-03-31",
    "platform": "douyin",
    "industry": "apparel",
    "stage": "formal",
    "valid_orders": 812,
    "product_cp": 8950,
    "logistics_cp": 9310,
    "service_cp": 9120,
    "bonus_cp": 100,
    "deduction_cp": 0,
    "score_cp": 9212,
    "score_7d_avg_cp": 9188,
    "display_tenths": 46,
}


@router.get(
    "/shops/{shop_id}/score",
    response_model=merchant.ScoreHistory,
    summary="Experience score with its history",
    responses=ok(
        {"rulebook": "douyin-score-2026-07", "shop_id": EXAMPLE_SHOP, "days": [SCORE_DAY]}
    ),
)
def score(
    request: Request,
    shop_id: ShopId,
    rulebook: Rulebook = None,
    start: OptStart = None,
    end: OptEnd = None,
    principal: Principal = Depends(require_scope("scores:read")),
) -> merchant.ScoreHistory:
    """Daily scores (centipoints: 9,212 = 92.12), oldest first; the last is the latest."""
    require_shop(principal, shop_id, "read the score")
    with _warehouse(request) as con:
        return merchant.score_history(con, shop_id, rulebook, start or date.min, end or date.max)


@router.get(
    "/shops/{shop_id}/score/diagnosis",
    response_model=ScoreDiagnosis,
    summary="What costs the score most, and what fixing it would add",
    responses=ok(
        {
            "rulebook": "douyin-score-2026-07",
            "shop_id": EXAMPLE_SHOP,
            "score_date": "2026-03-31",
            "industry": "apparel",
            "stage": "formal",
            "score_cp": 9212,
            "findings": [
                {
                    "indicator": "refund_handling_minutes",
                    "title": "退款处理时长",
                    "unit": "minutes",
                    "dimension": "service",
                    "value": 240,
                    "industry_median": 95,
                    "peers": 118,
                    "indicator_cp": 8000,
                    "weight_bp": 1500,
                    "gain_cp": 45,
                    "action_zh": "缩短退款处理时长，开启极速退款",
                    "action_en": "Shorten refund handling; enable fast refunds",
                }
            ],
        }
    ),
)
def diagnosis(
    request: Request,
    shop_id: ShopId,
    rulebook: Rulebook = None,
    on: Annotated[
        OptQueryDay,
        Query(alias="date", description="Scored day (default: latest).", examples=["2026-03-31"]),
    ] = None,
    principal: Principal = Depends(require_scope("scores:read")),
) -> ScoreDiagnosis:
    """Each weighted indicator against the industry median, best recomputed gain first."""
    require_shop(principal, shop_id, "read the score diagnosis")
    with _warehouse(request) as con:
        return merchant.score_diagnosis(con, shop_id, rulebook, on)


@router.get(
    "/orders/{order_id}/fees",
    response_model=merchant.OrderFees,
    summary="Fee lines of one order, with their rules",
    responses=ok(
        {
            "order_id": EXAMPLE_ORDER,
            "shop_id": EXAMPLE_SHOP,
            "lines": [
                {
                    "rulebook": "douyin-2026",
                    "fee_kind": "technical_service_fee",
                    "payer": "merchant",
                    "payee": "platform",
                    "base_fen": 10000,
                    "rate_bp": 500,
                    "amount_fen": 0,
                    "baseline_fen": 500,
                    "saved_fen": 500,
                    "rule_id": "tsf.apparel",
                    "rule_title": "Apparel technical service fee",
                    "rule_source": "platform-rules.md §2.1",
                    "rule_assumption": False,
                    "waiver_rule_id": "waiver.new-merchant",
                    "waiver_title": "New merchants pay no technical service fee",
                    "accrued_on": "2026-03-10",
                }
            ],
        }
    ),
)
def order_fees(
    request: Request,
    order_id: OrderId,
    rulebook: Rulebook = None,
    principal: Principal = Depends(require_scope("fees:read")),
) -> merchant.OrderFees:
    """Every fee line: the rule that set it, the amount before waivers, what the waiver saved."""
    with _warehouse(request) as con:
        fees = merchant.order_fees(con, order_id, rulebook)
    require_shop(principal, fees.shop_id, "read the fees")
    return fees


@router.get(
    "/cases",
    response_model=Page[Case],
    summary="Risk case queue (a merchant: its own shop's cases)",
    responses=ok(page([CASE_EXAMPLE], 1, 50, 0)),
)
def cases(
    request: Request,
    state: Annotated[
        list[CaseState] | None,
        Query(description="Only cases in these states.", examples=[["open", "under_review"]]),
    ] = None,
    shop_id: Annotated[
        str | None,
        Query(min_length=1, max_length=64, description="Only this shop.", examples=[EXAMPLE_SHOP]),
    ] = None,
    sort: Annotated[
        str,
        Query(
            description=f"One of {', '.join(QUEUE_ORDER)} ('-' descending).",
            examples=["-amount"],
        ),
    ] = "opened_at",
    limit: Limit = 50,
    offset: Offset = 0,
    principal: Principal = Depends(require_scope("cases:read")),
) -> dict[str, Any]:
    """Cases sorted and paged, with the total; a merchant key sees only its own shop's."""
    found, total = case_queue(
        request.app.state.ops_engine,
        scope_of(principal),
        states=state or (),
        shop_id=shop_id,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return page(zoned(list(found), PLATFORM), total, limit, offset)


CASE_DETAIL_EXAMPLE: dict[str, Any] = {
    "case": CASE_EXAMPLE,
    "audit": [
        {
            "case_id": EXAMPLE_CASE,
            "at": "2026-03-16T09:00:00+08:00",
            "actor": "risk-stage",
            "from_state": None,
            "to_state": "open",
            "note": "opened: intercept (score 910)",
        }
    ],
    "evidence": [
        {
            "case_id": EXAMPLE_CASE,
            "at": "2026-03-17T10:30:00+08:00",
            "submitted_by": "key:3f9a0c1d2e4b5a67",
            "ref": "s3://evidence/RC-7c1e/tracking.png",
            "note": "tracking attached",
        }
    ],
}


@router.get(
    "/cases/{case_id}",
    response_model=CaseView,
    summary="A risk case with its audit trail and evidence",
    responses=ok(CASE_DETAIL_EXAMPLE),
)
def case_detail(
    request: Request,
    case_id: CaseId,
    principal: Principal = Depends(require_scope("cases:read")),
) -> CaseView:
    return zoned(show_case(request.app.state.ops_engine, scope_of(principal), case_id), PLATFORM)


@router.post(
    "/cases/{case_id}/appeals",
    response_model=Case,
    summary="Appeal a case with evidence (merchants)",
    responses=written(CASE_EXAMPLE),
)
def appeal(
    request: Request,
    case_id: CaseId,
    body: AppealIn,
    principal: Principal = Depends(require_scope("cases:appeal")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    """The case goes under review with the merchant's note and evidence."""
    engine = request.app.state.ops_engine
    scope = scope_of(principal)

    def work() -> tuple[int, Any]:
        record = events.case_recorder(
            request, principal, action="case.appeal", zone=lambda c: zoned(c, PLATFORM)
        )
        after = appeal_case(
            engine, scope, case_id, body.evidence, body.note, datetime.now(), record=record
        )
        events.wake(request)
        return 200, events.as_json(zoned(after, PLATFORM))

    return idem.run(work)
