"""The root causes a return or refund is classified into, and what each reason code says.

A cause is where the fix lies: the product (quality, sizing), the listing (not as described,
price), the warehouse (wrong or missing item), the carrier (damaged in transit, late
delivery), the shop's service, or the buyer (changed mind). ``other`` holds what none of
these explains.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Cause(StrEnum):
    """Root cause of a return, refund or complaint (退货原因归因)."""

    SIZING = "sizing"
    """尺码问题: the size or fit was wrong (too big, too small, not true to size)."""
    NOT_AS_DESCRIBED = "not_as_described"
    """描述不符: the goods differ from the listing's photos, title or description."""
    QUALITY = "quality"
    """质量问题: the goods are defective, break, smell, fade, or are fake."""
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    """运输破损: the parcel or goods arrived crushed, broken or leaking."""
    LATE_DELIVERY = "late_delivery"
    """物流慢/延迟发货: shipped or delivered later than promised."""
    WRONG_OR_MISSING_ITEM = "wrong_or_missing_item"
    """错发漏发: another item, colour or size was sent, or part of the order is missing."""
    SERVICE = "service"
    """服务问题: the seller's attitude or after-sales handling (no reply, refused, rude)."""
    PRICE = "price"
    """价格问题: the price dropped, is cheaper elsewhere, or a promised discount was missing."""
    CHANGED_MIND = "changed_mind"
    """不想要了: the buyer no longer wants it (bought by mistake, no reason, duplicate)."""
    OTHER = "other"
    """其他: none of the above, or no reason given."""


CAUSES: Final = tuple(Cause)

LABELS: Final[dict[Cause, tuple[str, str]]] = {
    Cause.SIZING: ("尺码问题", "Sizing"),
    Cause.NOT_AS_DESCRIBED: ("描述不符", "Not as described"),
    Cause.QUALITY: ("质量问题", "Quality"),
    Cause.DAMAGED_IN_TRANSIT: ("运输破损", "Damaged in transit"),
    Cause.LATE_DELIVERY: ("物流延迟", "Late delivery"),
    Cause.WRONG_OR_MISSING_ITEM: ("错发漏发", "Wrong or missing item"),
    Cause.SERVICE: ("服务问题", "Service"),
    Cause.PRICE: ("价格问题", "Price"),
    Cause.CHANGED_MIND: ("不想要了", "Changed mind"),
    Cause.OTHER: ("其他", "Other"),
}


def label(cause: Cause) -> str:
    """``尺码问题 / Sizing``: the cause as the bilingual report shows it."""
    zh, en = LABELS[cause]
    return f"{zh} / {en}"


REASON_CODE_CAUSE: Final[dict[str, Cause]] = {
    "quality": Cause.QUALITY,
    "not_as_described": Cause.NOT_AS_DESCRIBED,
    "wrong_size": Cause.SIZING,
    "damaged": Cause.DAMAGED_IN_TRANSIT,
    "wrong_item": Cause.WRONG_OR_MISSING_ITEM,
    "late_delivery": Cause.LATE_DELIVERY,
    "fake_product": Cause.QUALITY,
    "changed_mind": Cause.CHANGED_MIND,
    "other": Cause.OTHER,
}
"""The cause each of the model's reason codes (``after_sales.reason_code``) points to. A code
is what the buyer picked from a menu, often the quickest one to get a refund, so the text,
when there is one, weighs as much as the code (:mod:`merchantry.returns.classify`)."""
