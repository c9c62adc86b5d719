"""Real-time integrator endpoints: refund pre-identification, fee quotes, events in.

``install(app)`` mounts the routes and starts building the worker's online state
(:class:`merchantry.service.online.service.OnlineService`) in the background from
the warehouse; until it is ready, answers wait for it (503 if it cannot be built).
Routes only translate HTTP to the service's use cases and back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

import duckdb
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from merchantry.api.auth import KEY_SECURITY, Principal, require_scope, require_scope_inline
from merchantry.api.body import Body
from merchantry.api.docs import EXAMPLE_ORDER, EXAMPLE_SHOP, ok, written
from merchantry.api.errors import Unauthenticated, Unavailable, body
from merchantry.api.events import written as audit_write
from merchantry.api.fastpath import FastRoute, RealtimeFastPath, is_merchant_elsewhere
from merchantry.api.idempotency import Idempotency, idempotency
from merchantry.api.settings import ServiceSettings
from merchantry.api.times import RequestTime, platform_time
from merchantry.api.warehouse import reading
from merchantry.ops.keys import RevokedKey
from merchantry.risk.access import AccessDenied
from merchantry.risk.decisions import Decision, RiskRequest
from merchantry.service.online.quote import Quote
from merchantry.service.online.service import MAX_EVENTS, EventResult, NotReady, OnlineService
from merchantry.service.online.state import EventType

router = APIRouter(prefix="/v1", tags=["real-time"])
DECISIONS = "/risk/after-sales/decisions"
QUOTES = "/fees/quote"

# --- schemas ----------------------------------------------------------------------------

REQUEST_EXAMPLE: dict[str, Any] = {
    "case_id": "AS00001234",
    "order_id": EXAMPLE_ORDER,
    "requested_at": "2026-03-14T20:15:00",
    "type": "refund_only",
    "reason_code": "quality",
    "amount_fen": 12_900,
    "evidence_images": ["ev/AS00001234-1.jpg"],
}


MinSeq = Annotated[
    int | None,
    Field(
        ge=0,
        le=2**62,
        description="Answer only from a state holding every inbox event up to this seq (the "
        "`seq` the events endpoint returned): any worker then sees the caller's own events "
        "at once, instead of within the pulse bound.",
    ),
]
"""A decision's or quote's ``min_seq``: read your own writes on any worker."""


class AfterSalesRequestIn(Body):
    """One after-sales (refund, return, complaint) request as it arrives."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [REQUEST_EXAMPLE]})

    case_id: str = Field(min_length=1, max_length=64, description="After-sales case id.")
    order_id: str = Field(min_length=1, max_length=64, description="The order it concerns.")
    requested_at: RequestTime = Field(description="When the buyer asked (platform local time).")
    type: Literal["refund_only", "return_refund", "exchange", "resend"] = Field(
        description="What the buyer asks for."
    )
    reason_code: str = Field(min_length=1, max_length=64, description="Reason the buyer picked.")
    amount_fen: int = Field(ge=0, le=10**12, description="Amount asked, fen.")
    evidence_images: list[str] = Field(
        default=[], max_length=50, description="References of the evidence photos."
    )
    min_seq: MinSeq = None


class ReasonOut(BaseModel):
    rule_id: str
    points: int
    text: str


DECISION_EXAMPLE: dict[str, Any] = {
    "case_id": "AS00001234",
    "decision": "review",
    "score": 45,
    "rule_points": 25,
    "model_points": 20,
    "probability": 0.3312,
    "reasons": [
        {"rule_id": "risk.buyer.refund-only-rate", "points": 20, "text": "The buyer asked …"},
        {"rule_id": "risk.claim.before-delivery", "points": 15, "text": "Refund-only …"},
        {"rule_id": "risk.trust.history", "points": -10, "text": "The buyer has five …"},
        {"rule_id": "model", "points": 20, "text": "model rm-1a2b3c4d5e6f puts abuse at 33%"},
    ],
    "band_rule": "risk.band.review",
    "rulebook": "risk-2026",
    "model_version": "rm-1a2b3c4d5e6f",
    "as_of_seq": 1042,
}


class DecisionOut(BaseModel):
    """The decision on a request, its score and every reason (rule id, points, words)."""

    model_config = ConfigDict(json_schema_extra={"examples": [DECISION_EXAMPLE]})

    case_id: str
    decision: Literal["fast_approve", "normal", "review", "intercept"]
    score: int
    rule_points: int
    model_points: int
    probability: float | None = Field(description="The model's P(abuse); null without a model.")
    reasons: list[ReasonOut]
    band_rule: str = Field(description="Rule of the band the score fell in ('' for normal).")
    rulebook: str
    model_version: str | None
    as_of_seq: int = Field(description="Last inbox event the answering state held.")


def decision_out(decision: Decision, seq: int) -> DecisionOut:
    return DecisionOut(
        case_id=decision.case_id,
        decision=decision.decision.value,
        score=decision.score,
        rule_points=decision.rule_points,
        model_points=decision.model_points,
        probability=decision.probability,
        reasons=[
            ReasonOut(rule_id=r.rule_id, points=r.points, text=r.text) for r in decision.reasons
        ],
        band_rule=decision.band_rule,
        rulebook=decision.rulebook,
        model_version=decision.model_version,
        as_of_seq=seq,
    )


ORDER_EXAMPLE: dict[str, Any] = {
    "order_id": EXAMPLE_ORDER,
    "shop_id": EXAMPLE_SHOP,
    "buyer_id": "B0004567",
    "sku_id": "K00012345",
    "quantity": 1,
    "paid_at": "2026-03-14T10:02:11",
    "goods_fen": 12_900,
    "shipping_fen": 0,
    "platform_coupon_fen": 500,
    "merchant_coupon_fen": 1_000,
    "amount_paid_fen": 11_400,
    "scene": "live",
    "entry_point": "douyin_app",
    "ad_product": None,
    "ad_cost_fen": 0,
    "creator_id": "CR000123",
    "commission_rate_bp": 2000,
    "ad_commission_rate_bp": None,
    "insurance_type": "return_shipping",
    "insured_by": "merchant",
    "is_gift": False,
}


class OrderIn(Body):
    """An order as it is placed: the ``orders`` columns fees depend on (money in fen)."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [ORDER_EXAMPLE]})

    order_id: str = Field(min_length=1, max_length=64)
    shop_id: str = Field(min_length=1, max_length=64)
    buyer_id: str | None = Field(default=None, max_length=64)
    sku_id: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1, ge=1, le=100_000)
    paid_at: RequestTime
    goods_fen: int = Field(ge=0, le=10**12)
    shipping_fen: int = Field(default=0, ge=0, le=10**12)
    platform_coupon_fen: int = Field(default=0, ge=0, le=10**12)
    merchant_coupon_fen: int = Field(default=0, ge=0, le=10**12)
    amount_paid_fen: int = Field(ge=0, le=10**12)
    scene: str | None = Field(default=None, max_length=64)
    entry_point: str | None = Field(default=None, max_length=64)
    ad_product: str | None = Field(default=None, max_length=64)
    ad_cost_fen: int = Field(default=0, ge=0, le=10**12)
    creator_id: str | None = Field(default=None, max_length=64)
    commission_rate_bp: int | None = Field(default=None, ge=0, le=10_000)
    ad_commission_rate_bp: int | None = Field(default=None, ge=0, le=10_000)
    colonel_rate_bp: int | None = Field(default=None, ge=0, le=10_000)
    affiliate_plans: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None,
        max_length=16,
        description="The affiliate plans the sale was made under (e.g. colonel, all_creators); "
        "the plan rules pick the commission range from them.",
    )
    installation: str | None = Field(
        default=None, max_length=64, description="Who installs: merchant, partner or none."
    )
    insurance_type: str | None = Field(default=None, max_length=64)
    insured_by: str | None = Field(default=None, max_length=64)
    is_gift: bool = False
    min_seq: MinSeq = None


class FeeLineOut(BaseModel):
    fee_kind: str
    payer: str | None
    payee: str | None
    base_fen: int | None
    rate_bp: int | None
    amount_fen: int = Field(description="Charged, after waivers.")
    baseline_fen: int = Field(description="Before waivers.")
    saved_fen: int = Field(description="What the waiver saved (baseline − charged).")
    rule_id: str | None = Field(description="Rule that set the fee.")
    waiver_rule_id: str | None = Field(description="Waiver that lowered it, if any.")
    accrued_on: date | None


class PayoutOut(BaseModel):
    settlement_days: int | None
    settle_rule_id: str | None
    auto_confirm_days: int | None
    auto_confirm_rule_id: str | None
    commission_settlement_days: int | None
    commission_rule_id: str | None
    receipt_on: date | None
    receipt_source: Literal["confirmed", "auto", "estimated", "none"] = Field(
        description="confirmed / auto (delivered + auto-confirm days) / estimated (not "
        "delivered yet: the shop's usual delivery days) / none"
    )
    expected_payout_on: date | None
    commission_payout_on: date | None


QUOTE_EXAMPLE: dict[str, Any] = {
    "order_id": EXAMPLE_ORDER,
    "shop_id": EXAMPLE_SHOP,
    "rulebook": "douyin-2026",
    "lines": [
        {
            "fee_kind": "technical_service_fee",
            "payer": "merchant",
            "payee": "platform",
            "base_fen": 11_900,
            "rate_bp": 300,
            "amount_fen": 357,
            "baseline_fen": 595,
            "saved_fen": 238,
            "rule_id": "douyin.tsf.apparel",
            "waiver_rule_id": "douyin.waiver.new-merchant",
            "accrued_on": "2026-03-14",
        }
    ],
    "total_fen": 357,
    "payout": {
        "settlement_days": 3,
        "settle_rule_id": "douyin.settle.standard",
        "auto_confirm_days": 7,
        "auto_confirm_rule_id": "douyin.auto-confirm",
        "commission_settlement_days": 15,
        "commission_rule_id": "douyin.commission-settle",
        "receipt_on": "2026-03-24",
        "receipt_source": "estimated",
        "expected_payout_on": "2026-03-27",
        "commission_payout_on": "2026-04-08",
    },
}


class QuoteOut(BaseModel):
    """Every fee line of the order with its rule, and when its money is paid out."""

    model_config = ConfigDict(json_schema_extra={"examples": [QUOTE_EXAMPLE]})

    order_id: str
    shop_id: str
    rulebook: str
    lines: list[FeeLineOut]
    total_fen: int = Field(description="Net charged to the merchant (paid minus received).")
    payout: PayoutOut


def quote_out(quote: Quote) -> QuoteOut:
    p = quote.payout
    return QuoteOut(
        order_id=quote.order_id,
        shop_id=quote.shop_id,
        rulebook=quote.rulebook,
        lines=[
            FeeLineOut(
                fee_kind=line.fee_kind,
                payer=line.payer,
                payee=line.payee,
                base_fen=line.base_fen,
                rate_bp=line.rate_bp,
                amount_fen=line.amount_fen,
                baseline_fen=line.baseline_fen,
                saved_fen=line.saved_fen,
                rule_id=line.rule_id,
                waiver_rule_id=line.waiver_rule_id,
                accrued_on=line.accrued_on,
            )
            for line in quote.lines
        ],
        total_fen=quote.total_fen,
        payout=PayoutOut(
            settlement_days=p.settlement_days,
            settle_rule_id=p.settle_rule_id,
            auto_confirm_days=p.auto_confirm_days,
            auto_confirm_rule_id=p.auto_confirm_rule_id,
            commission_settlement_days=p.commission_settlement_days,
            commission_rule_id=p.commission_rule_id,
            receipt_on=p.receipt_on,
            receipt_source=p.receipt_source,
            expected_payout_on=p.expected_payout_on,
            commission_payout_on=p.commission_payout_on,
        ),
    )


EVENTS_EXAMPLE: dict[str, Any] = {
    "events": [
        {
            "order_id": EXAMPLE_ORDER,
            "event": "delivered",
            "event_at": "2026-03-16 14:30:00",
            "auto_confirmed": False,
            "carrier": "SF",
        }
    ]
}


class EventsIn(Body):
    """Events of one type, as JSON objects with the warehouse table's columns."""

    model_config = ConfigDict(json_schema_extra={"examples": [EVENTS_EXAMPLE]})

    events: list[Any] = Field(
        min_length=1,
        max_length=MAX_EVENTS,
        description="Each a JSON object whose keys are the table's columns "
        "(docs/data-model.md); lists as JSON arrays.",
    )


class ProblemOut(BaseModel):
    column: str | None = Field(description="The column of the first problem.")
    reason: str = Field(description="Machine-readable reason (as quarantine's).")
    message: str = Field(description="Every problem of the event, in words.")


class EventResultOut(BaseModel):
    index: int = Field(description="Position in the posted list (0-based).")
    event_id: str | None = Field(description="The event's primary key, as text.")
    status: Literal["accepted", "refused"]
    replay: bool = Field(description="True when the event id was recorded before (first result).")
    seq: int | None = Field(description="Inbox sequence number of the accepted event.")
    problem: ProblemOut | None = None


RESULTS_EXAMPLE: dict[str, Any] = {
    "accepted": 1,
    "refused": 0,
    "results": [
        {
            "index": 0,
            "event_id": f"{EXAMPLE_ORDER}, delivered",
            "status": "accepted",
            "replay": False,
            "seq": 1043,
            "problem": None,
        }
    ],
}


class EventsOut(BaseModel):
    """One result per posted event; 422 when any was refused (the rest are recorded)."""

    model_config = ConfigDict(json_schema_extra={"examples": [RESULTS_EXAMPLE]})

    accepted: int
    refused: int
    results: list[EventResultOut]


def _result_out(result: EventResult) -> EventResultOut:
    problem = None
    if result.refusal is not None:
        problem = ProblemOut(
            column=result.refusal.column_name,
            reason=result.refusal.reason,
            message=result.refusal.message,
        )
    return EventResultOut(
        index=result.index,
        event_id=result.event_id,
        status=result.status,
        replay=result.replay,
        seq=result.seq,
        problem=problem,
    )


BUILT_EXAMPLE: dict[str, Any] = {
    "seq": 1043,
    "orders": 1_012_345,
    "requests": 81_234,
    "rings": 57,
    "seconds": 21.4,
}


class BuiltOut(BaseModel):
    """What the rebuilt online state holds."""

    model_config = ConfigDict(json_schema_extra={"examples": [BUILT_EXAMPLE]})

    seq: int
    orders: int
    requests: int
    rings: int
    seconds: float


# --- routes -----------------------------------------------------------------------------


async def online(request: Request) -> OnlineService:
    service: OnlineService = request.app.state.online
    return service


def json_bytes(content: bytes) -> Response:
    """A JSON body already serialised (by pydantic, once: the route's ``response_model``
    documents it; FastAPI would otherwise validate and encode it a second time)."""
    return Response(content, media_type="application/json")


def decision_body(state: Any, principal: Principal, payload: BaseModel) -> bytes:
    """The decision route's answer, as JSON (the FastAPI route and the fast path,
    :mod:`merchantry.api.fastpath`, both call this)."""
    assert isinstance(payload, AfterSalesRequestIn)
    service: OnlineService = state.online
    asked = RiskRequest(
        payload.case_id,
        payload.order_id,
        platform_time(payload.requested_at),
        payload.type,
        payload.reason_code,
        payload.amount_fen,
        tuple(payload.evidence_images),
    )
    with _available(state, principal.key_id):
        decision, seq = service.decide(asked, key_id=principal.key_id, min_seq=payload.min_seq)
    return decision_out(decision, seq).model_dump_json().encode()


def quote_body(
    state: Any, principal: Principal, payload: BaseModel, rulebook: str | None = None
) -> bytes:
    """The quote route's answer, as JSON (see :func:`decision_body`)."""
    assert isinstance(payload, OrderIn)
    service: OnlineService = state.online
    if is_merchant_elsewhere(principal, payload.shop_id):
        raise AccessDenied(f"key {principal.key_id} cannot quote orders of shop {payload.shop_id}")
    order = payload.model_dump(exclude={"min_seq"})
    order["paid_at"] = platform_time(payload.paid_at)
    with _available(state, principal.key_id):
        quote = service.quote(
            order, rulebook=rulebook, key_id=principal.key_id, min_seq=payload.min_seq
        )
    return quote_out(quote).model_dump_json().encode()


@contextmanager
def _available(state: Any = None, key_id: str | None = None) -> Iterator[None]:
    """NotReady as 503; a key the inbox's read found revoked as 401 (and forgotten)."""
    try:
        yield
    except NotReady as err:
        raise Unavailable(str(err)) from err
    except RevokedKey as err:
        if state is not None and key_id is not None:
            state.keys.forget(key_id)
        raise Unauthenticated("the API key is malformed, unknown or revoked") from err


@router.post(
    DECISIONS,
    response_model=DecisionOut,
    responses=ok(DECISION_EXAMPLE),
    summary="Decide an after-sales request (refund / complaint pre-identification)",
    openapi_extra={"security": KEY_SECURITY},
)
async def decide_request(
    request: Request,
    payload: AfterSalesRequestIn,
    principal: Annotated[Principal, Depends(require_scope_inline("risk:decide"))],
) -> Response:
    """fast_approve / normal / review / intercept, the score and the reasons, as the batch
    decision would be for the same request as of the same moment (the request itself need
    not have been posted as an event)."""
    return json_bytes(decision_body(request.app.state, principal, payload))


@router.post(
    QUOTES,
    response_model=QuoteOut,
    responses=ok(QUOTE_EXAMPLE),
    summary="Quote an order's fees and payout date as it is placed",
    openapi_extra={"security": KEY_SECURITY},
)
async def quote_order(
    request: Request,
    payload: OrderIn,
    principal: Annotated[Principal, Depends(require_scope_inline("fees:quote"))],
    rulebook: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="Fee rulebook (default: the configured one in force on the payment date).",
            examples=["douyin-2026"],
        ),
    ] = None,
) -> Response:
    """Every fee line with its rule, the amount before waivers and what each waiver saved
    (equal to the fee stage's lines for the same order), and the expected payout date
    under the settlement rules. A merchant key quotes its own shop only."""
    return json_bytes(quote_body(request.app.state, principal, payload, rulebook))


EventPath = Annotated[
    EventType,
    Path(description="Which events: a warehouse event table.", examples=["logistics_events"]),
]


@router.post(
    "/events/{event_type}",
    response_model=EventsOut,
    responses={
        **written(RESULTS_EXAMPLE),
        422: {
            "description": "At least one event was refused (quarantined); the others are recorded",
            "content": {
                "application/json": {
                    "example": {
                        **body(
                            "invalid_event",
                            "1 of 1 events refused: event_at: sequence_order",
                            ["[0] event_at sequence_order: delivered at … is out of order"],
                        ),
                        "accepted": 0,
                        "refused": 1,
                        "results": [],
                    }
                }
            },
        },
    },
    summary="Post events (orders, logistics, after-sales, reviews, service sessions)",
)
def post_events(
    request: Request,
    event_type: EventPath,
    payload: EventsIn,
    principal: Annotated[Principal, Depends(require_scope("events:write"))],
    idem: Annotated[Idempotency, Depends(idempotency)],
    service: Annotated[OnlineService, Depends(online)],
) -> Response:
    """Checked with the same checks as `merchantry ingest`; each event is recorded once per
    event id (its primary key: a replay returns the first result) and reaches every
    worker's online state before its next answer. A refused event is quarantined and the
    response is 422, naming its column and reason."""

    def work() -> tuple[int, Any]:
        with _available():
            results = service.post_events(event_type, payload.events, principal.key_id)
        out = [_result_out(r) for r in results]
        refused = [r for r in out if r.status == "refused"]
        seqs = [r.seq for r in out if r.seq is not None and not r.replay]
        audit_write(
            request,
            principal,
            action="events.post",
            resource=f"events:{event_type.value}",
            after={
                "accepted": len(out) - len(refused),
                "recorded": len(seqs),
                "refused": len(refused),
                "first_seq": min(seqs, default=None),
                "last_seq": max(seqs, default=None),
            },
        )
        content: dict[str, Any] = EventsOut(
            accepted=len(out) - len(refused), refused=len(refused), results=out
        ).model_dump(mode="json")
        if not refused:
            return 200, content
        problems = [
            f"[{r.index}] {r.problem.column} {r.problem.reason}: {r.problem.message}"
            for r in refused
            if r.problem is not None
        ]
        first = refused[0].problem
        headline = f"{first.column}: {first.reason}" if first else "refused"
        return 422, {
            **body(
                "invalid_event",
                f"{len(refused)} of {len(out)} events refused: {headline}",
                problems,
            ),
            **content,
        }

    return idem.run(work)


@router.post(
    "/online/rebuild",
    response_model=BuiltOut,
    responses=written(BUILT_EXAMPLE),
    summary="Rebuild this worker's online state from the warehouse",
)
def rebuild_state(
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("events:write"))],
    idem: Annotated[Idempotency, Depends(idempotency)],
    service: Annotated[OnlineService, Depends(online)],
) -> Response:
    """Re-read the warehouse (after a drain, a ring run or a scoring run) and re-apply the
    inbox events it does not hold yet. Rebuilds the worker that answers."""

    def work() -> tuple[int, Any]:
        with _available():
            before = service.seq if service.readiness()[0] else None
            built = service.build()
        audit_write(
            request,
            principal,
            action="online.rebuild",
            resource=f"online:{os.getpid()}",
            before={"seq": before},
            after={"seq": built.seq, "orders": built.orders, "requests": built.requests},
        )
        return 200, BuiltOut(
            seq=built.seq,
            orders=built.orders,
            requests=built.requests,
            rings=built.rings,
            seconds=round(built.seconds, 3),
        ).model_dump()

    return idem.run(work)


def _opener(settings: ServiceSettings) -> Any:
    @contextmanager
    def open_warehouse() -> Iterator[duckdb.DuckDBPyConnection]:
        with reading(settings.warehouse) as con:
            yield con

    return open_warehouse


def install(app: FastAPI) -> None:
    """Mount the real-time routes and start building this worker's online state."""
    settings: ServiceSettings = app.state.settings
    service = OnlineService(
        app.state.ops_engine,
        _opener(settings),
        risk_rulebook=settings.risk_rulebook,
        fee_rulebooks=settings.fee_rulebooks,
        model_path=settings.risk_model,
        rulebook_dirs=settings.rulebook_dirs,
        pulse=app.state.pulse,
    )
    app.state.online = service
    app.include_router(router)
    app.add_middleware(
        RealtimeFastPath,
        routes={
            router.prefix + DECISIONS: FastRoute(AfterSalesRequestIn, "risk:decide", decision_body),
            router.prefix + QUOTES: FastRoute(OrderIn, "fees:quote", quote_body),
        },
        state=app.state,
    )
    if settings.warehouse.exists():
        service.start()
