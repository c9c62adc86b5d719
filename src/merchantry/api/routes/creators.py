"""Creators (达人): keys that act for one creator, and a creator's own seeding incentive.

``POST /v1/creators/{creator_id}/keys`` (scope ``keys:manage``, operators): issue a creator
key (its secret is shown once), as shop keys are issued with ``POST /v1/keys``.
``GET /v1/creators/{creator_id}/seeding`` (scope ``creators:read``): per video, the orders
attributed to the creator's videos, their GMV, payouts and clawbacks; each month's
settlement and its status; the creator's commission balances. A creator key reads its own
creator only; operators read any; merchant and integrator keys hold no ``creators:read``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from merchantry.api import events
from merchantry.api.auth import Principal, require_scope
from merchantry.api.body import Body
from merchantry.api.docs import OptEnd, OptStart, ok, written
from merchantry.api.idempotency import Idempotency, idempotency
from merchantry.api.routes.seeding import AttributedDaysOut, SeedingRulebook
from merchantry.api.times import SERVICE, zoned
from merchantry.api.warehouse import reading
from merchantry.ops.creator_keys import create_creator_key, creator_of
from merchantry.ops.keys import KeyRole
from merchantry.risk.access import AccessDenied
from merchantry.seeding.rules import DEFAULT_RULEBOOK
from merchantry.service.creators import creator_seeding, require_known

router = APIRouter(prefix="/v1", tags=["creators"])

READ_SCOPE = "creators:read"
EXAMPLE_CREATOR = "C00042"

CreatorId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        description="Creator id.",
        examples=[EXAMPLE_CREATOR],
    ),
]


def require_creator(request: Request, principal: Principal, creator_id: str, action: str) -> None:
    """Operators pass; a creator key only for its own creator; any other key never."""
    if principal.is_operator:
        return
    mine = principal.role == KeyRole.CREATOR.value
    if mine and creator_of(request.app.state.ops_engine, principal.key_id) == creator_id:
        return
    raise AccessDenied(f"key {principal.key_id} cannot {action} of creator {creator_id}")


class CreatorKeyIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"scopes": [READ_SCOPE], "name": "C00042 studio"}]},
    )

    scopes: list[str] | None = Field(
        None, max_length=10, description="resource:action; default: every creator scope."
    )
    name: str = Field("", max_length=128)


class CreatorKeyOut(BaseModel):
    key_id: str
    role: str
    creator_id: str
    scopes: list[str]
    name: str
    created_at: datetime
    created_by: str
    secret_key: str = Field(description="The key itself: shown in this response only.")


KEY_EXAMPLE: dict[str, Any] = {
    "key_id": "5b7c9d1e3f2a4b68",
    "role": "creator",
    "creator_id": EXAMPLE_CREATOR,
    "scopes": [READ_SCOPE],
    "name": "C00042 studio",
    "created_at": "2026-03-01T08:00:00Z",
    "created_by": "key:0a1b2c3d4e5f6071",
    "secret_key": "mk_5b7c9d1e3f2a4b68_Qm3t…",
}


@router.post(
    "/creators/{creator_id}/keys",
    response_model=CreatorKeyOut,
    status_code=201,
    summary="Issue an API key for one creator (its secret is shown once)",
    responses=written(KEY_EXAMPLE, status=201),
)
def create_key(
    request: Request,
    creator_id: CreatorId,
    body: CreatorKeyIn,
    principal: Principal = Depends(require_scope("keys:manage")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    """Operators only; the creator must be in the warehouse."""
    if not principal.is_operator:
        raise AccessDenied(f"key {principal.key_id} cannot issue keys for creators")

    def work() -> tuple[int, Any]:
        with reading(request.app.state.settings.warehouse) as con:
            require_known(con, creator_id)
        issued = create_creator_key(
            request.app.state.ops_engine,
            creator_id=creator_id,
            scopes=None if body.scopes is None else frozenset(body.scopes),
            name=body.name,
            created_by=principal.actor,
        )
        key = zoned(issued.key, SERVICE)
        out = {
            "key_id": key.key_id,
            "role": key.role.value,
            "creator_id": creator_id,
            "scopes": sorted(key.scopes),
            "name": key.name,
            "created_at": key.created_at,
            "created_by": key.created_by,
        }
        events.written(
            request, principal, action="key.create", resource=f"key:{key.key_id}", after=out
        )
        return 201, {**out, "secret_key": issued.secret_key}

    return idem.run(work)


class VideoOut(BaseModel):
    video_id: str
    shop_id: str
    orders: int = Field(description="Attributed orders that stand.")
    dropped_orders: int = Field(description="Refunded before the payout: nothing paid.")
    attributed_gmv_fen: int
    payout_fen: int = Field(description="Earned for these orders (after caps).")
    clawback_fen: int = Field(description="Of which taken back after a later refund.")


class SettlementOut(BaseModel):
    month: date
    settle_on: date
    payout_fen: int
    clawback_fen: int
    amount_fen: int = Field(description="Net amount moved from payable to available.")
    status: str = Field(description="settled (on or before as_of) or scheduled.")


class BalanceOut(BaseModel):
    account: str
    balance_fen: int


class CreatorSeedingOut(AttributedDaysOut):
    creator_id: str
    rulebook: str
    start: date
    end: date
    as_of: date = Field(description="The data's last order day: balances and statuses then.")
    orders: int
    attributed_gmv_fen: int
    payout_fen: int
    clawback_fen: int
    videos: list[VideoOut]
    settlements: list[SettlementOut]
    balances: list[BalanceOut] = Field(description="The creator's accounts in the journal.")


SEEDING_EXAMPLE: dict[str, Any] = {
    "creator_id": EXAMPLE_CREATOR,
    "rulebook": DEFAULT_RULEBOOK,
    "start": "2026-10-01",
    "end": "2026-10-31",
    "as_of": "2026-10-31",
    "orders": 3,
    "attributed_gmv_fen": 45_800,
    "payout_fen": 1_374,
    "clawback_fen": 0,
    "videos": [
        {
            "video_id": "V000311",
            "shop_id": "S0001",
            "orders": 3,
            "dropped_orders": 1,
            "attributed_gmv_fen": 45_800,
            "payout_fen": 1_374,
            "clawback_fen": 0,
        }
    ],
    "settlements": [
        {
            "month": "2026-10-01",
            "settle_on": "2026-11-15",
            "payout_fen": 1_374,
            "clawback_fen": 0,
            "amount_fen": 1_374,
            "status": "scheduled",
        }
    ],
    "balances": [
        {"account": "creator_payable", "balance_fen": 1_374},
        {"account": "creator_available", "balance_fen": 0},
        {"account": "creator_reserve", "balance_fen": 0},
        {"account": "creator_frozen", "balance_fen": 0},
    ],
    "attributed_from": "2026-09-03",
    "attributed_through": "2026-10-31",
}


@router.get(
    "/creators/{creator_id}/seeding",
    response_model=CreatorSeedingOut,
    summary="A creator's seeding incentive, its settlement and the creator's balances",
    responses=ok(SEEDING_EXAMPLE),
)
def seeding(
    request: Request,
    creator_id: CreatorId,
    start: OptStart = None,
    end: OptEnd = None,
    rulebook: SeedingRulebook = DEFAULT_RULEBOOK,
    principal: Principal = Depends(require_scope(READ_SCOPE)),
) -> CreatorSeedingOut:
    """Over the payment days ``start``..``end`` (default: every attributed day)."""
    require_creator(request, principal, creator_id, "read the seeding incentive")
    with reading(request.app.state.settings.warehouse) as con:
        s = creator_seeding(con, creator_id, rulebook=rulebook, start=start, end=end)
    return CreatorSeedingOut(
        creator_id=s.creator_id,
        rulebook=s.rulebook,
        start=s.start,
        end=s.end,
        as_of=s.as_of,
        orders=s.orders,
        attributed_gmv_fen=s.attributed_gmv_fen,
        payout_fen=s.payout_fen,
        clawback_fen=s.clawback_fen,
        videos=[VideoOut(**_fields(v)) for v in s.videos],
        settlements=[SettlementOut(**_fields(x)) for x in s.settlements],
        balances=[BalanceOut(account=a, balance_fen=b) for a, b in s.balances],
        attributed_from=s.attributed_from,
        attributed_through=s.attributed_through,
    )


def _fields(value: object) -> dict[str, Any]:
    return {name: getattr(value, name) for name in type(value).__slots__}  # type: ignore[attr-defined]
