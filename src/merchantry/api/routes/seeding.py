"""Creator seeding (种草激励): what creators' videos brought a shop, and the daily report.

``GET /v1/shops/{shop_id}/seeding`` (scope ``programs:read``; a merchant key reads its own
shop only): per creator, the shop's orders attributed to the creator's videos (watched, then
searched, then paid), their GMV and what the creator earned and had clawed back, with the
latest attributions. ``GET /v1/seeding/report`` (``programs:read``, operators only): the
platform's daily figures (creators taking part and paid, videos paid, attributed GMV,
payouts, clawbacks). Both read the warehouse's published snapshot.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from merchantry.api.auth import Principal, require_scope, require_shop
from merchantry.api.docs import EXAMPLE_SHOP, OptEnd, OptStart, ShopId, ok
from merchantry.api.warehouse import reading
from merchantry.risk.access import AccessDenied
from merchantry.seeding.rules import DEFAULT_RULEBOOK
from merchantry.service import seeding

router = APIRouter(prefix="/v1", tags=["seeding"])

SCOPE = "programs:read"

SeedingRulebook = Annotated[
    str,
    Query(
        min_length=1,
        max_length=128,
        pattern=r"^[a-z0-9][a-z0-9._-]{0,127}$",
        description="Seeding rulebook (rulebooks/seeding/).",
        examples=[DEFAULT_RULEBOOK],
    ),
]
RecentLimit = Annotated[
    int, Query(ge=0, le=1000, description="Latest attributions to list.", examples=[20])
]


class AttributedDaysOut(BaseModel):
    """The payment days the seeding stage has attributed, which a seeding answer carries so
    that a period's zeros can be told apart (the report, a shop's and a creator's answers)."""

    attributed_from: date | None = Field(
        description="First payment day with an order attributed under the rulebook, over the "
        "whole warehouse, any shop's or creator's (null: nothing attributed under it yet). A "
        "day of the period outside attributed_from..attributed_through reads 0 because the "
        "seeding stage has not attributed it, not because no buyer came."
    )
    attributed_through: date | None = Field(
        description="Last payment day with an order attributed under the rulebook."
    )


class CreatorOut(BaseModel):
    creator_id: str
    videos: int = Field(description="The creator's videos credited with the shop's orders.")
    orders: int = Field(description="Attributed orders that stand (refunds before payout out).")
    dropped_orders: int = Field(description="Refunded before the payout: nothing paid.")
    attributed_gmv_fen: int
    payout_fen: int = Field(description="Earned by the creator for these orders (after caps).")
    clawback_fen: int = Field(description="Of which taken back after a later refund.")


class AttributionOut(BaseModel):
    order_id: str
    video_id: str
    creator_id: str
    sku_id: str
    paid_on: date
    videos: int = Field(description="Qualifying videos of the order.")
    share_bp: int = Field(description="This video's share of the order.")
    attributed_gmv_fen: int
    payout_fen: int
    pay_on: date
    status: str = Field(description="payable, dropped_refund or clawed_back.")
    refunded_on: date | None
    rule_id: str


class ShopSeedingOut(AttributedDaysOut):
    shop_id: str
    rulebook: str
    start: date
    end: date
    orders: int
    attributed_gmv_fen: int
    payout_fen: int
    clawback_fen: int
    creators: list[CreatorOut]
    recent: list[AttributionOut]


SHOP_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "rulebook": DEFAULT_RULEBOOK,
    "start": "2026-10-01",
    "end": "2026-10-31",
    "orders": 3,
    "attributed_gmv_fen": 45_800,
    "payout_fen": 1_374,
    "clawback_fen": 0,
    "creators": [
        {
            "creator_id": "C00042",
            "videos": 2,
            "orders": 3,
            "dropped_orders": 1,
            "attributed_gmv_fen": 45_800,
            "payout_fen": 1_374,
            "clawback_fen": 0,
        }
    ],
    "recent": [
        {
            "order_id": "O000000123",
            "video_id": "V000311",
            "creator_id": "C00042",
            "sku_id": "K00000002",
            "paid_on": "2026-10-12",
            "videos": 1,
            "share_bp": 10_000,
            "attributed_gmv_fen": 15_900,
            "payout_fen": 477,
            "pay_on": "2026-10-19",
            "status": "payable",
            "refunded_on": None,
            "rule_id": "seeding.tier-small",
        }
    ],
    "attributed_from": "2026-09-03",
    "attributed_through": "2026-10-31",
}


@router.get(
    "/shops/{shop_id}/seeding",
    response_model=ShopSeedingOut,
    summary="Creators whose videos led buyers to search for and buy the shop's goods",
    responses=ok(SHOP_EXAMPLE),
)
def shop_seeding(
    request: Request,
    shop_id: ShopId,
    start: OptStart = None,
    end: OptEnd = None,
    rulebook: SeedingRulebook = DEFAULT_RULEBOOK,
    recent: RecentLimit = 20,
    principal: Principal = Depends(require_scope(SCOPE)),
) -> ShopSeedingOut:
    """Per creator and in total, over the payment days ``start``..``end`` (default: every
    attributed day)."""
    require_shop(principal, shop_id, "read the seeding attributions")
    with reading(request.app.state.settings.warehouse) as con:
        s = seeding.shop_seeding(
            con, shop_id, rulebook=rulebook, start=start, end=end, limit=recent
        )
    return ShopSeedingOut(
        shop_id=s.shop_id,
        rulebook=s.rulebook,
        start=s.start,
        end=s.end,
        orders=s.orders,
        attributed_gmv_fen=s.attributed_gmv_fen,
        payout_fen=s.payout_fen,
        clawback_fen=s.clawback_fen,
        creators=[CreatorOut(**_fields(c)) for c in s.creators],
        recent=[AttributionOut(**_fields(a)) for a in s.recent],
        attributed_from=s.attributed_from,
        attributed_through=s.attributed_through,
    )


def _fields(value: object) -> dict[str, Any]:
    return {name: getattr(value, name) for name in type(value).__slots__}  # type: ignore[attr-defined]


class SeedingDayOut(BaseModel):
    day: date
    creators_taking_part: int = Field(description="Creators with a video published by then.")
    creators_paid: int
    videos_paid: int
    orders: int
    attributed_gmv_fen: int
    payout_fen: int
    clawback_fen: int


class PublishedOut(BaseModel):
    name: str
    value: int
    source: str


class SeedingReportOut(AttributedDaysOut):
    rulebook: str
    start: date
    end: date
    creators_taking_part: int
    creators_paid: int = Field(description="Distinct creators paid over the period.")
    videos_paid: int
    attributed_gmv_fen: int
    payout_fen: int
    clawback_fen: int
    days: list[SeedingDayOut]
    published: list[PublishedOut] = Field(description="The platform's own published figures.")


REPORT_EXAMPLE: dict[str, Any] = {
    "rulebook": DEFAULT_RULEBOOK,
    "start": "2026-10-01",
    "end": "2026-10-01",
    "creators_taking_part": 120,
    "creators_paid": 14,
    "videos_paid": 17,
    "attributed_gmv_fen": 512_300,
    "payout_fen": 20_118,
    "clawback_fen": 0,
    "days": [
        {
            "day": "2026-10-01",
            "creators_taking_part": 120,
            "creators_paid": 14,
            "videos_paid": 17,
            "orders": 21,
            "attributed_gmv_fen": 512_300,
            "payout_fen": 20_118,
            "clawback_fen": 0,
        }
    ],
    "published": [
        {"name": "creators_joined", "value": 3_670_000, "source": "platform-rules.md §3.8"}
    ],
    "attributed_from": "2026-09-03",
    "attributed_through": "2026-10-31",
}


@router.get(
    "/seeding/report",
    response_model=SeedingReportOut,
    summary="The creator seeding incentive's daily figures (operators)",
    responses=ok(REPORT_EXAMPLE),
)
def seeding_report(
    request: Request,
    start: OptStart = None,
    end: OptEnd = None,
    rulebook: SeedingRulebook = DEFAULT_RULEBOOK,
    principal: Principal = Depends(require_scope(SCOPE)),
) -> SeedingReportOut:
    """Creators taking part and paid, videos paid, attributed GMV, payouts and clawbacks per
    payment day (default: every attributed day). Merchant and integrator keys are refused."""
    if not principal.is_operator:
        raise AccessDenied(
            f"key {principal.key_id} ({principal.role}) cannot read the platform-wide "
            "seeding report: operators only"
        )
    with reading(request.app.state.settings.warehouse) as con:
        r = seeding.seeding_overview(con, rulebook=rulebook, start=start, end=end)
    return SeedingReportOut(
        rulebook=r.rulebook,
        start=r.start,
        end=r.end,
        creators_taking_part=r.creators_taking_part,
        creators_paid=r.creators_paid,
        videos_paid=r.videos_paid,
        attributed_gmv_fen=r.attributed_gmv_fen,
        payout_fen=r.payout_fen,
        clawback_fen=r.clawback_fen,
        days=[SeedingDayOut(**_fields(d)) for d in r.days],
        published=[PublishedOut(name=n, value=v, source=s) for n, v, s in r.published],
        attributed_from=r.attributed_from,
        attributed_through=r.attributed_through,
    )
