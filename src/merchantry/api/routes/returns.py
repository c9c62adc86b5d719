"""Return diagnosis for the console: a shop's rates, causes and fixes, its classified
after-sales cases with the quoted evidence, and each SKU's weekly return rate. Every route
needs the ``returns:read`` scope; a merchant key reads its own shop only, an operator key any
shop. The routes translate HTTP to :mod:`merchantry.service.returns` and back."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from merchantry.api.auth import Principal, require_scope, require_shop
from merchantry.api.docs import EXAMPLE_SHOP, Limit, Offset, OptEnd, OptStart, ShopId, ok
from merchantry.api.warehouse import reading
from merchantry.kit.paging import window
from merchantry.returns.causes import LABELS
from merchantry.returns.diagnosis import ReturnDiagnosis, SkuSeries
from merchantry.returns.savings import Money
from merchantry.returns.stats import RateFinding, to_bp
from merchantry.service.returns import shop_cases, shop_diagnosis, weekly_series

router = APIRouter(prefix="/v1", tags=["returns"])

SCOPE = "returns:read"


EXAMPLE_SKU = "K00000002"

SkuId = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        description="Only this SKU of the shop (default: every SKU).",
        examples=[EXAMPLE_SKU],
    ),
]


class RateOut(BaseModel):
    """A rate against its baseline: basis points, exact 95% interval, BH q-value, flag."""

    events: int
    orders: int
    rate_bp: int
    low_bp: int
    high_bp: int
    baseline_bp: int
    shrunk_bp: int
    q_value: float
    flagged: bool

    @classmethod
    def of(cls, f: RateFinding) -> RateOut:
        return cls(
            events=f.events,
            orders=f.trials,
            rate_bp=to_bp(f.rate),
            low_bp=to_bp(f.rate_low),
            high_bp=to_bp(f.rate_high),
            baseline_bp=to_bp(f.baseline),
            shrunk_bp=to_bp(f.shrunk),
            q_value=f.q_value,
            flagged=f.flagged,
        )


class MoneyOut(BaseModel):
    """What cases cost, by component (fen)."""

    refund_fen: int
    compensation_fen: int
    ad_cost_fen: int
    insurance_fen: int
    total_fen: int

    @classmethod
    def of(cls, m: Money) -> MoneyOut:
        return cls(
            refund_fen=m.refund_fen,
            compensation_fen=m.compensation_fen,
            ad_cost_fen=m.ad_cost_fen,
            insurance_fen=m.insurance_fen,
            total_fen=m.total_fen,
        )


class CauseOut(BaseModel):
    cause: str
    label_zh: str
    label_en: str
    cases: int
    money: MoneyOut
    quotes: list[str]


class SuggestionOut(BaseModel):
    cause: str
    target: str = Field(description="SKU id, carrier name or shop id the fix applies to.")
    fix_zh: str
    fix_en: str
    cases: int
    orders: int
    excess_bp: int = Field(description="Share of the cases above the category rate.")
    money: MoneyOut
    saving: MoneyOut


class FlaggedSkuOut(BaseModel):
    sku_id: str
    cause: str
    rate: RateOut


class ReturnDiagnosisOut(BaseModel):
    """A shop's (or SKU's) return diagnosis over ``[start, end)`` of payment days."""

    shop_id: str
    sku_id: str | None
    start: date
    end: date
    orders: int
    refunds: int
    returns: int
    refund_rate: RateOut | None
    return_rate: RateOut | None
    causes: list[CauseOut]
    suggestions: list[SuggestionOut]
    flagged: list[FlaggedSkuOut]
    saving_fen: int

    @classmethod
    def of(cls, d: ReturnDiagnosis) -> ReturnDiagnosisOut:
        return cls(
            shop_id=d.shop_id,
            sku_id=d.sku_id,
            start=d.start,
            end=d.end,
            orders=d.orders,
            refunds=d.refunds,
            returns=d.returns,
            refund_rate=RateOut.of(d.shop_refund) if d.shop_refund else None,
            return_rate=RateOut.of(d.shop_return) if d.shop_return else None,
            causes=[
                CauseOut(
                    cause=c.cause.value,
                    label_zh=LABELS[c.cause][0],
                    label_en=LABELS[c.cause][1],
                    cases=c.cases,
                    money=MoneyOut.of(c.money),
                    quotes=list(c.quotes),
                )
                for c in d.causes
            ],
            suggestions=[
                SuggestionOut(
                    cause=s.cause.value,
                    target=s.target,
                    fix_zh=s.fix.zh,
                    fix_en=s.fix.en,
                    cases=s.cases,
                    orders=s.orders,
                    excess_bp=s.excess[0] * 10_000 // s.excess[1],
                    money=MoneyOut.of(s.money),
                    saving=MoneyOut.of(s.saving),
                )
                for s in d.suggestions
            ],
            flagged=[
                FlaggedSkuOut(sku_id=f.sku_id, cause=f.cause.value, rate=RateOut.of(f.finding))
                for f in d.findings.causes
                if f.finding.flagged
            ],
            saving_fen=d.saving.total_fen,
        )


class CaseOut(BaseModel):
    case_id: str
    order_id: str
    sku_id: str
    reason_code: str
    cause: str
    confidence_bp: int
    evidence: list[str]
    money: MoneyOut


class CasePage(BaseModel):
    total: int
    items: list[CaseOut]


_MONEY = {
    "refund_fen": 46120,
    "compensation_fen": 0,
    "ad_cost_fen": 1830,
    "insurance_fen": 0,
    "total_fen": 47950,
}
_RATE = {
    "events": 22,
    "orders": 53,
    "rate_bp": 4151,
    "low_bp": 2813,
    "high_bp": 5590,
    "baseline_bp": 595,
    "shrunk_bp": 2478,
    "q_value": 5.7e-12,
    "flagged": True,
}
DIAGNOSIS_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "sku_id": None,
    "start": "2026-10-01",
    "end": "2026-10-31",
    "orders": 304,
    "refunds": 91,
    "returns": 78,
    "refund_rate": {
        **_RATE,
        "events": 91,
        "orders": 304,
        "rate_bp": 2993,
        "low_bp": 2484,
        "high_bp": 3542,
        "baseline_bp": 1619,
        "shrunk_bp": 2653,
        "q_value": 1.7e-9,
    },
    "return_rate": None,
    "causes": [
        {
            "cause": "sizing",
            "label_zh": "尺码问题",
            "label_en": "Sizing",
            "cases": 42,
            "money": _MONEY,
            "quotes": ["按尺码表买的", "还是大了"],
        }
    ],
    "suggestions": [
        {
            "cause": "sizing",
            "target": EXAMPLE_SKU,
            "fix_zh": "补充实测尺码表（含肩宽、胸围、脚长）并标注偏大偏小，详情页加试穿建议",
            "fix_en": "Add a measured size chart, say whether it runs large or small",
            "cases": 22,
            "orders": 53,
            "excess_bp": 8566,
            "money": _MONEY,
            "saving": {**_MONEY, "refund_fen": 39507, "ad_cost_fen": 1568, "total_fen": 41075},
        }
    ],
    "flagged": [{"sku_id": EXAMPLE_SKU, "cause": "sizing", "rate": _RATE}],
    "saving_fen": 41075,
}


def _end(end: date | None) -> date | None:
    """The API's ``end`` is the last day included; the service's is the day after (none
    after 9999-12-31: that end is as open as no end)."""
    if end is None or end == date.max:
        return None
    return end + timedelta(days=1)


@router.get(
    "/shops/{shop_id}/returns/diagnosis",
    response_model=ReturnDiagnosisOut,
    summary="Why the shop's goods come back, and what each fix would save",
    responses=ok(DIAGNOSIS_EXAMPLE),
)
def returns_diagnosis(
    request: Request,
    shop_id: ShopId,
    sku_id: SkuId = None,
    start: OptStart = None,
    end: OptEnd = None,
    principal: Principal = Depends(require_scope(SCOPE)),
) -> ReturnDiagnosisOut:
    """Refund and return rates against the categories (exact 95% interval, BH q-value),
    causes with the buyers' words, and the fixes with their savings in fen."""
    require_shop(principal, shop_id, "read the return diagnosis")
    with reading(request.app.state.settings.warehouse) as con:
        d = shop_diagnosis(con, shop_id, sku_id, start=start, end=_end(end))
    return ReturnDiagnosisOut.of(d)


@router.get(
    "/shops/{shop_id}/returns/cases",
    response_model=CasePage,
    summary="The shop's after-sales cases with their cause and quoted evidence",
    responses=ok(
        {
            "total": 1,
            "items": [
                {
                    "case_id": "AS00000123",
                    "order_id": "O000000123",
                    "sku_id": EXAMPLE_SKU,
                    "reason_code": "wrong_size",
                    "cause": "sizing",
                    "confidence_bp": 9210,
                    "evidence": ["「还是大了」(reason_text)", "「wrong_size」(reason_code)"],
                    "money": _MONEY,
                }
            ],
        }
    ),
)
def returns_cases(
    request: Request,
    shop_id: ShopId,
    sku_id: SkuId = None,
    start: OptStart = None,
    end: OptEnd = None,
    limit: Limit = 50,
    offset: Offset = 0,
    principal: Principal = Depends(require_scope(SCOPE)),
) -> CasePage:
    """Each case (not withdrawn) of the shop's orders, newest id last, with its cause."""
    require_shop(principal, shop_id, "read the after-sales cases")
    with reading(request.app.state.settings.warehouse) as con:
        page = shop_cases(
            con, shop_id, sku_id, start=start, end=_end(end), limit=limit, offset=offset
        )
    return CasePage(
        total=page.total,
        items=[
            CaseOut(
                case_id=c.case.case_id,
                order_id=c.case.order_id,
                sku_id=c.case.sku_id,
                reason_code=c.case.reason_code,
                cause=c.result.cause.value,
                confidence_bp=to_bp(c.result.confidence),
                evidence=[str(e) for e in c.result.evidence],
                money=MoneyOut.of(c.money),
            )
            for c in page.items
        ],
    )


class WeekOut(BaseModel):
    """One week (Monday) of a SKU: orders paid, refunded and returned, its rates and its
    category's rates at the other shops that week (basis points)."""

    week: date
    orders: int
    refunds: int
    returns: int
    refund_rate_bp: int
    return_rate_bp: int
    category_refund_rate_bp: int
    category_return_rate_bp: int


class SkuWeeksOut(BaseModel):
    sku_id: str
    category_id: str
    weeks: list[WeekOut]

    @classmethod
    def of(cls, s: SkuSeries) -> SkuWeeksOut:
        return cls(
            sku_id=s.sku_id,
            category_id=s.category_id,
            weeks=[
                WeekOut(
                    week=w.week,
                    orders=w.orders,
                    refunds=w.refunds,
                    returns=w.returns,
                    refund_rate_bp=w.refunds * 10_000 // w.orders if w.orders else 0,
                    return_rate_bp=w.returns * 10_000 // w.orders if w.orders else 0,
                    category_refund_rate_bp=to_bp(w.expected_refund_rate),
                    category_return_rate_bp=to_bp(w.expected_return_rate),
                )
                for w in s.weeks
            ],
        )


class WeeklyOut(BaseModel):
    """Each SKU of the shop (SKU id order) week by week over ``[start, end)``."""

    shop_id: str
    start: date
    end: date
    total: int = Field(description="SKUs with orders in the period.")
    skus: list[SkuWeeksOut]


@router.get(
    "/shops/{shop_id}/returns/weekly",
    response_model=WeeklyOut,
    summary="Each SKU's refund and return rates week by week against its category",
    responses=ok(
        {
            "shop_id": EXAMPLE_SHOP,
            "start": "2026-10-01",
            "end": "2026-10-31",
            "total": 1,
            "skus": [
                {
                    "sku_id": EXAMPLE_SKU,
                    "category_id": "C0101",
                    "weeks": [
                        {
                            "week": "2026-09-28",
                            "orders": 12,
                            "refunds": 5,
                            "returns": 4,
                            "refund_rate_bp": 4166,
                            "return_rate_bp": 3333,
                            "category_refund_rate_bp": 1590,
                            "category_return_rate_bp": 612,
                        }
                    ],
                }
            ],
        }
    ),
)
def returns_weekly(
    request: Request,
    shop_id: ShopId,
    sku_id: SkuId = None,
    start: OptStart = None,
    end: OptEnd = None,
    limit: Limit = 50,
    offset: Offset = 0,
    principal: Principal = Depends(require_scope(SCOPE)),
) -> WeeklyOut:
    """A week is Monday to Sunday of the payment day; the category's rates are those of the
    other shops' orders of the same category (or industry, when sparse) that week."""
    require_shop(principal, shop_id, "read the weekly return rates")
    with reading(request.app.state.settings.warehouse) as con:
        first, last, series = weekly_series(con, shop_id, sku_id, start=start, end=_end(end))
    return WeeklyOut(
        shop_id=shop_id,
        start=first,
        end=last,
        total=len(series),
        skus=[SkuWeeksOut.of(s) for s in window(offset, limit).take(series)],
    )
