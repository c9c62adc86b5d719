"""A merchant's money requests: deposit standing and withdrawals, insurance quotes.

Routes that name a shop check the caller may act for it before reading; the
claim quote reads the order's shop first, then checks it. Times without a zone are
platform local time (Asia/Shanghai); a time with a zone is converted to it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from merchantry.api import events
from merchantry.api.auth import Principal, require_scope, require_shop
from merchantry.api.body import Body
from merchantry.api.docs import EXAMPLE_ORDER, EXAMPLE_SHOP, OrderId, ShopId, ok, written
from merchantry.api.idempotency import Idempotency, idempotency
from merchantry.api.times import RequestDay, platform_time
from merchantry.api.warehouse import reading, writing
from merchantry.fees.insurance import ClaimQuote, Eligibility
from merchantry.ledger.withdrawals import DepositStanding
from merchantry.service import money

router = APIRouter(prefix="/v1", tags=["money"])

RULEBOOK_PATTERN: Final = r"^[a-z0-9][a-z0-9._-]{0,127}$"

MoneyRulebook = Annotated[
    str,
    Query(
        pattern=RULEBOOK_PATTERN,
        description="Rulebook whose deposit and insurance rules apply.",
        examples=[money.DEFAULT_MONEY_RULEBOOK],
    ),
]


STANDING_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "balance_fen": 30000,
    "required_fen": 50000,
    "level": "short",
    "negative_since": None,
    "rule_id": "deposit.terms",
}


@router.get(
    "/shops/{shop_id}/deposit",
    response_model=DepositStanding,
    summary="A shop's deposit: balance, amount in force and the limits that apply",
    responses=ok(STANDING_EXAMPLE),
)
def deposit(
    request: Request,
    shop_id: ShopId,
    at: Annotated[
        datetime,
        Query(description="Moment to look at.", examples=["2026-03-31T12:00:00+08:00"]),
    ],
    rulebook: MoneyRulebook = money.DEFAULT_MONEY_RULEBOOK,
    principal: Principal = Depends(require_scope("deposits:read")),
) -> DepositStanding:
    """``level`` is ``ok``, ``short`` (topped up from goods payments, no withdrawals),
    ``negative`` (withdrawals of linked shops limited) or ``limited`` (below zero past the
    rule's grace hours: publishing and trading limited too)."""
    require_shop(principal, shop_id, "read the deposit")
    settings = request.app.state.settings
    with reading(settings.warehouse) as con:
        return money.standing(
            con, shop_id, platform_time(at), rulebook=rulebook, rulebook_dirs=settings.rulebook_dirs
        )


class WithdrawalIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"amount_fen": 20000, "on": "2026-03-16", "deposit_type": "base"}]
        },
    )

    amount_fen: int = Field(gt=0, le=10**12, description="Amount to withdraw, fen.")
    on: RequestDay = Field(description="Day of the request (the withdrawal is booked on it).")
    deposit_type: str = Field(
        "base", pattern=r"^[a-z_]{1,32}$", description="Deposit type: base or experience."
    )


class WithdrawalOut(BaseModel):
    shop_id: str
    deposit_type: str
    amount_fen: int
    booked_on: date
    posted: int = Field(description="Journal entries written.")
    balance_fen: int = Field(description="Deposit balance after the withdrawal.")
    required_fen: int = Field(description="Amount in force.")
    rule_id: str = Field(description="The deposit_terms rule that allowed it.")


WITHDRAWAL_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "deposit_type": "base",
    "amount_fen": 20000,
    "booked_on": "2026-03-16",
    "posted": 1,
    "balance_fen": 50000,
    "required_fen": 50000,
    "rule_id": "deposit.terms",
}


@router.post(
    "/shops/{shop_id}/deposit/withdrawals",
    response_model=WithdrawalOut,
    summary="Withdraw excess deposit (the merchant's request)",
    responses=written(WITHDRAWAL_EXAMPLE),
)
def withdraw(
    request: Request,
    shop_id: ShopId,
    body: WithdrawalIn,
    rulebook: MoneyRulebook = money.DEFAULT_MONEY_RULEBOOK,
    principal: Principal = Depends(require_scope("deposits:withdraw")),
    idem: Idempotency = Depends(idempotency),
) -> Any:
    """At most the excess over the amount in force, as often a week per deposit type as
    the rulebook's ``deposit_terms`` allow; refused (422) naming the reason otherwise."""
    require_shop(principal, shop_id, "withdraw the deposit")
    settings = request.app.state.settings

    def work() -> tuple[int, Any]:
        with writing(settings.warehouse, settings.warehouse_write_wait_s) as con:
            done = money.withdraw(
                con,
                shop_id,
                body.on,
                body.amount_fen,
                deposit_type=body.deposit_type,
                rulebook=rulebook,
                rulebook_dirs=settings.rulebook_dirs,
            )
        out = WithdrawalOut(
            shop_id=done.shop_id,
            deposit_type=done.deposit_type,
            amount_fen=done.amount_fen,
            booked_on=done.booked_on,
            posted=done.posted,
            balance_fen=done.balance_fen,
            required_fen=done.required_fen,
            rule_id=done.rule_id,
        )
        events.written(
            request,
            principal,
            action="deposit.withdraw",
            resource=f"shop:{shop_id}:deposit:{body.deposit_type}",
            shop_id=shop_id,
            after=out.model_dump(mode="json"),
        )
        return 200, out.model_dump(mode="json")

    return idem.run(work)


@router.get(
    "/orders/{order_id}/insurance/claim",
    response_model=ClaimQuote,
    summary="What an order's return-shipping insurance pays on a return",
    responses=ok(
        {
            "order_id": EXAMPLE_ORDER,
            "payable_fen": 1200,
            "rule_id": "insurance.terms.small",
            "reason": "covered up to 2400 fen",
        }
    ),
)
def insurance_claim(
    request: Request,
    order_id: OrderId,
    freight_fen: Annotated[
        int,
        Query(ge=0, le=10**9, description="Return shipping the buyer paid, fen.", examples=[1200]),
    ],
    asked_at: Annotated[
        datetime,
        Query(description="When the return was asked for.", examples=["2026-03-20T10:00:00"]),
    ],
    rulebook: MoneyRulebook = money.DEFAULT_MONEY_RULEBOOK,
    principal: Principal = Depends(require_scope("insurance:read")),
) -> ClaimQuote:
    """Covered up to the type's claim cap when asked within its claim days of shipment."""
    settings = request.app.state.settings
    with reading(settings.warehouse) as con:
        require_shop(principal, money.order_shop(con, order_id), "quote an order's insurance")
        return money.insurance_claim(
            con,
            order_id,
            freight_fen,
            platform_time(asked_at),
            rulebook=rulebook,
            rulebook_dirs=settings.rulebook_dirs,
        )


@router.get(
    "/shops/{shop_id}/insurance/eligibility",
    response_model=Eligibility,
    summary="May a shop switch a return-shipping insurance type on",
    responses=ok(
        {
            "shop_id": EXAMPLE_SHOP,
            "insurance_type": "small",
            "eligible": True,
            "return_rate_bp": 1250,
            "rule_id": "insurance.terms.small",
            "reason": "return rate 5/40 within 80%",
        }
    ),
)
def insurance_eligibility(
    request: Request,
    shop_id: ShopId,
    insurance_type: Annotated[
        str,
        Query(
            pattern=r"^[a-z_]{1,32}$",
            description="small, small_upgraded or bulky.",
            examples=["small"],
        ),
    ],
    joining_on: Annotated[
        RequestDay, Query(description="Day the cover would start.", examples=[date(2026, 3, 16)])
    ],
    rulebook: MoneyRulebook = money.DEFAULT_MONEY_RULEBOOK,
    principal: Principal = Depends(require_scope("insurance:read")),
) -> Eligibility:
    """The return/exchange rate of the orders shipped in the window before joining, against
    the bound of the type's `insurance_terms` rule in the rulebook (window and bound are
    that rule's); cross-border and instant-retail shops never."""
    require_shop(principal, shop_id, "read the insurance eligibility")
    settings = request.app.state.settings
    with reading(settings.warehouse) as con:
        return money.insurance_eligibility(
            con,
            shop_id,
            insurance_type,
            joining_on,
            rulebook=rulebook,
            rulebook_dirs=settings.rulebook_dirs,
        )
