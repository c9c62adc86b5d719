"""Merchants spending programme coupons: the events that redeem them.

Programmes grant shops coupons (traffic coupons, 随心推 ad coupons, commission discounts,
fee-waiver credit; ``program_rewards``). ``coupon_spends`` records each purchase or bill a
shop may pay with coupons of one kind: a 随心推 order, a traffic purchase, a commission or a
fee bill. The ledger (``ledger/coupons.py``) pays each spend from the shop's unspent coupons
of that kind, earliest-expiring first, up to what the shop holds that day; the rest of the
spend is the merchant's own money and outside the programme ledger. What a coupon still holds
on its expiry day is released.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

COUPON_KINDS: Final = ("traffic_coupon", "ad_coupon", "commission_discount", "fee_waiver")
"""The programme reward kinds that are coupons (every reward kind but ``cash``)."""

COUPON_SPENDS = Table(
    name="coupon_spends",
    term_zh="优惠券使用",
    description=(
        "Purchases and bills a shop may pay with programme coupons of one kind (a 随心推 order, "
        "a traffic purchase, a commission or fee bill), one row each. The ledger pays each "
        "from the shop's unspent coupons of that kind, earliest-expiring first, up to what "
        "they hold that day; the rest is the merchant's own money."
    ),
    primary_key=("spend_id",),
    load_after=("shops",),
    columns=(
        Column("spend_id", T.TEXT, "Spend id.", "消耗ID"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column(
            "coupon_kind",
            T.TEXT,
            "Coupon kind that may pay for it.",
            "券类型",
            choices=COUPON_KINDS,
        ),
        Column("spent_at", T.TIMESTAMP, "When the purchase or bill was made.", "消耗时间"),
        Column("amount_fen", T.MONEY, "Its amount.", "消耗金额", unit="fen", minimum=1),
    ),
)
"""An event table (input); the ledger reads it when it posts programme rewards."""
