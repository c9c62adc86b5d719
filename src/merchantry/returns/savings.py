"""What each cause costs the shop, and what a fix would save at the observed rates.

**Money of a case** (integer fen): the refund paid (approved refund-only or return-refund;
an exchange refunds nothing), the compensation paid on top, the promotion fee spent on the
order (``orders.ad_cost_fen``: a refunded sale wasted it) and the return-shipping insurance
premium the merchant paid on it (fee lines of a fee rulebook, when one is given). Goods that
come back and can be resold are not netted off: the figure is the cash that went out.

**Apportioning**: a case's money goes wholly to the one cause it is classified into, never
split. A fix is credited with the *excess* of its cause's cases over what the category's
rate of that cause would give on the same orders, so a SKU with a normal share of sizing
returns is promised nothing: ``saving = money × (cases × base_orders − orders × base_cases)
/ (cases × base_orders)``, one :func:`~merchantry.kit.money.pro_rata` per component, rounded
half away from zero to the fen. No float touches money.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from merchantry.kit.money import pro_rata
from merchantry.returns.causes import Cause


@dataclass(frozen=True, slots=True)
class Money:
    """The cash a set of cases cost, by component (fen)."""

    refund_fen: int = 0
    compensation_fen: int = 0
    ad_cost_fen: int = 0
    insurance_fen: int = 0

    @property
    def total_fen(self) -> int:
        return self.refund_fen + self.compensation_fen + self.ad_cost_fen + self.insurance_fen

    def __add__(self, other: Money) -> Money:
        return Money(
            self.refund_fen + other.refund_fen,
            self.compensation_fen + other.compensation_fen,
            self.ad_cost_fen + other.ad_cost_fen,
            self.insurance_fen + other.insurance_fen,
        )

    def share(self, part: int, whole: int) -> Money:
        """``part / whole`` of each component (``pro_rata``, rounded per component)."""
        return Money(
            pro_rata(self.refund_fen, part, whole),
            pro_rata(self.compensation_fen, part, whole),
            pro_rata(self.ad_cost_fen, part, whole),
            pro_rata(self.insurance_fen, part, whole),
        )


def total(items: Iterable[Money]) -> Money:
    """The sum of several amounts."""
    out = Money()
    for item in items:
        out = out + item
    return out


@dataclass(frozen=True, slots=True)
class Fix:
    """A concrete change that removes a cause, in the merchant's words."""

    zh: str
    en: str
    where: str
    """product, listing, warehouse, carrier, service or pricing: who acts."""


FIXES: Final[dict[Cause, Fix]] = {
    Cause.SIZING: Fix(
        "补充实测尺码表（含肩宽、胸围、脚长）并标注偏大偏小，详情页加试穿建议",
        "Add a measured size chart (shoulder, chest, foot length), say whether it runs large "
        "or small, and add fit advice to the listing",
        "listing",
    ),
    Cause.NOT_AS_DESCRIBED: (
        Fix(
            "更换为实拍主图、去掉夸大的标题词，材质和规格按实物写清楚",
            "Replace retouched photos with real shots, drop overstated title words and state "
            "material and specifications as they are",
            "listing",
        )
    ),
    Cause.QUALITY: Fix(
        "对该批次抽检、更换供应商或加出厂质检，问题批次下架",
        "Sample-inspect the batch, change supplier or add a factory check; delist the batch",
        "product",
    ),
    Cause.DAMAGED_IN_TRANSIT: Fix(
        "加固包装（气泡膜、护角、加厚纸箱），易碎品换承运快递",
        "Strengthen the packaging (bubble wrap, corner guards, heavier boxes) and move "
        "fragile goods to another carrier",
        "carrier",
    ),
    Cause.LATE_DELIVERY: Fix(
        "按承诺时效发货：提前备货、调整截单时间，或换揽收更快的快递",
        "Ship within the promise: stock ahead, move the order cut-off, or use a carrier that "
        "picks up sooner",
        "carrier",
    ),
    Cause.WRONG_OR_MISSING_ITEM: Fix(
        "发货前扫码核对 SKU 和件数，套装配件按清单装箱",
        "Scan-check SKU and quantity before dispatch; pack sets and accessories from a checklist",
        "warehouse",
    ),
    Cause.SERVICE: Fix(
        "缩短客服首次响应时间，售后按规则及时处理，不推诿",
        "Answer buyers sooner and handle after-sales requests promptly by the rules",
        "service",
    ),
    Cause.PRICE: Fix(
        "提供价保或降价补差，避免直播间与商品卡价格不一致",
        "Offer price protection or refund the difference; keep live-room and product-card "
        "prices consistent",
        "pricing",
    ),
    Cause.CHANGED_MIND: Fix(
        "在详情页说明适用人群和使用场景，减少冲动下单后的退货",
        "Say who the product is for and how it is used, to cut impulse-buy returns",
        "listing",
    ),
    Cause.OTHER: Fix(
        "查看原文证据，补充售后原因选项以便归因",
        "Read the quoted texts and add reason options so future cases can be attributed",
        "service",
    ),
}


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One fix for one cause at one target (a SKU, a carrier, the shop) and what it saves."""

    cause: Cause
    target: str
    """The SKU id, the carrier's name or the shop id the fix applies to."""
    fix: Fix
    cases: int
    orders: int
    excess: tuple[int, int]
    """Share of the cases above the baseline (integer ratio)."""
    money: Money
    """What the cause's cases at the target cost."""
    saving: Money
    """``money`` × ``excess``: what the fix would save at the observed rates."""


def suggest(
    cause: Cause, target: str, cases: int, orders: int, excess: tuple[int, int], money: Money
) -> Suggestion:
    """The suggestion for ``cause`` at ``target``, its saving apportioned by ``excess``."""
    part, whole = excess
    return Suggestion(
        cause=cause,
        target=target,
        fix=FIXES[cause],
        cases=cases,
        orders=orders,
        excess=excess,
        money=money,
        saving=money.share(part, whole),
    )
