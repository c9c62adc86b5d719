"""One day of paid orders, drawn as arrays.

Shop sizes set each shop's daily order count (Poisson around its heavy-tailed
intensity); everything else about an order (SKU, scene, entry point, creator,
ad, coupons, insurance, buyer) is drawn per order in one vectorised pass. The
amount identity ``paid = goods + shipping − platform coupon − merchant coupon``
holds by construction and no amount is negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth.buyers import (
    SALT_ADDRESS,
    SALT_DEVICE,
    SALT_PAYMENT,
    SALT_PHONE,
    buyer_ids,
    draw_order_buyers,
)
from merchantry.synth.catalogue import ALL_INDUSTRIES, LEAF_INDUSTRY
from merchantry.synth.geography import PROVINCES
from merchantry.synth.population import Population
from merchantry.synth.vector import (
    BoolArray,
    IntArray,
    choose,
    choose_rows,
    day_seconds,
    hex_strings,
    ids,
    mix,
    pick,
    round_share,
)

SCENES: Final = ("live", "short_video", "product_card", "search", "mall")
NON_LIVE_SCENE_WEIGHTS: Final = (0.40, 0.25, 0.20, 0.15)
"""short_video, product_card, search, mall, once an order is not from a live room."""
ENTRY_POINTS: Final = ("douyin_app", "douyin_lite", "mall_tab", "mall_app", "doubao", "other")
ENTRY_BY_SCENE: Final = (
    (0.80, 0.12, 0.00, 0.02, 0.01, 0.05),  # live
    (0.78, 0.14, 0.00, 0.02, 0.01, 0.05),  # short_video
    (0.62, 0.10, 0.12, 0.08, 0.04, 0.04),  # product_card
    (0.60, 0.08, 0.10, 0.10, 0.08, 0.04),  # search
    (0.00, 0.00, 0.55, 0.35, 0.06, 0.04),  # mall
)
CREATOR_BY_SCENE: Final = np.array([0.40, 0.70, 0.08, 0.02, 0.02])
"""Share of orders promoted by an affiliate creator, per scene (the rest is the shop's own)."""
AD_BY_SCENE: Final = np.array([0.35, 0.30, 0.15, 0.25, 0.10])
AD_PRODUCTS: Final = ("qianchuan_chengfang", "qianchuan_omni", "qianchuan_standard", "search_ads")
HOUR_WEIGHTS: Final = (
    2.0,
    1.2,
    0.7,
    0.4,
    0.3,
    0.3,
    0.6,
    1.5,
    2.5,
    3.2,
    3.6,
    3.8,
    4.2,
    3.9,
    3.4,
    3.4,
    3.5,
    3.7,
    4.0,
    5.0,
    6.5,
    7.2,
    6.4,
    4.0,
)
"""Orders by hour of day: lunch peak and the evening live-commerce peak."""
WEEKDAY_FACTOR: Final = (0.95, 0.95, 0.95, 0.95, 0.95, 1.125, 1.125)
RING_ORDERS_PER_MEMBER_DAY: Final = 0.6
PLATFORM_COUPON_FACES: Final = (300, 500, 1_000, 2_000, 5_000)
INSURANCE_TYPES: Final = ("small", "small_upgraded", "bulky")
INSURERS: Final = ("merchant", "creator", "platform", "buyer")
ORDER_ID_WIDTH: Final = 8

_BULKY: Final = np.array([ind.bulky for ind in ALL_INDUSTRIES])
_LEAF_INDUSTRY: Final = np.array(LEAF_INDUSTRY, dtype=np.int64)
_ENTRY_CDF: Final = np.cumsum(np.array(ENTRY_BY_SCENE), axis=1) / np.array(ENTRY_BY_SCENE).sum(
    axis=1, keepdims=True
)


@dataclass(frozen=True, slots=True)
class OrderBatch:
    """A day's orders: the written table and the arrays later events depend on."""

    day: int
    tag: str
    """The day as ``YYYYMMDD``: the middle of every id minted that day."""
    table: pa.Table
    order_ids: pa.Array
    shop: IntArray
    sku: IntArray
    buyer: IntArray
    industry: IntArray
    paid: IntArray
    """Payment time, seconds since 1970-01-01 in platform local time."""
    amount_paid: IntArray
    scene: IntArray
    creator: IntArray
    """Creator index, -1 when none."""
    ad_product: IntArray
    """Ad product index, -1 when organic."""
    ad_cost: IntArray

    @property
    def size(self) -> int:
        return int(self.shop.size)


def epoch_seconds(day: date) -> int:
    """Seconds from 1970-01-01 to the start of ``day`` (no time zone: local clock)."""
    return (day - date(1970, 1, 1)).days * 86_400


def timestamps(seconds: IntArray) -> pa.Array:
    """Seconds since the epoch as a microsecond timestamp column (DuckDB's TIMESTAMP)."""
    return pa.array(seconds * 1_000_000, pa.timestamp("us"))


def draw_orders(
    rng: np.random.Generator,
    pop: Population,
    day: int,
    day_date: date,
    orders_per_shop_day: float,
) -> OrderBatch:
    """Every paid order of one day."""
    factor = WEEKDAY_FACTOR[day_date.weekday()]
    counts = rng.poisson(orders_per_shop_day * factor * pop.shop_weight)
    shop = np.repeat(np.arange(pop.shop_count, dtype=np.int64), counts)
    n = int(shop.size)
    # Order numbers follow payment time, as a platform's would.
    paid = epoch_seconds(day_date) + day_seconds(rng, HOUR_WEIGHTS, n)
    by_time = np.argsort(paid, kind="stable")
    paid, shop = paid[by_time], shop[by_time]

    within = np.floor(pop.shop_sku_count[shop] * rng.random(n) ** 2.2).astype(np.int64)
    sku = pop.shop_sku_start[shop] + within
    industry = _LEAF_INDUSTRY[pop.sku_leaf[sku]]
    quantity = 1 + np.where(rng.random(n) < 0.15, rng.geometric(0.5, n), 0)

    goods = pop.sku_price[sku] * quantity
    bulky = _BULKY[industry]
    shipping = np.where((rng.random(n) < 0.15) & ~bulky, rng.integers(5, 13, n) * 100, 0).astype(
        np.int64
    )

    live = rng.random(n) < pop.shop_live_share[shop]
    scene = np.where(live, 0, 1 + choose(rng, NON_LIVE_SCENE_WEIGHTS, n)).astype(np.int64)
    entry = choose_rows(rng, _ENTRY_CDF, scene)

    restricted = pop.shop_restricted[shop]
    has_creator = (rng.random(n) < CREATOR_BY_SCENE[scene]) & ~restricted
    creator = np.where(
        has_creator,
        np.searchsorted(pop.creator_cdf, rng.random(n), side="right"),
        -1,
    ).astype(np.int64)
    creator = np.minimum(creator, pop.creator_cdf.size - 1)
    commission = np.where(has_creator, pop.sku_commission_bp[sku], -1)
    ad_commission = np.where(has_creator, pop.sku_ad_commission_bp[sku], -1)

    platform_coupon = np.where(
        (rng.random(n) < 0.25) & ~restricted,
        np.minimum(np.array(PLATFORM_COUPON_FACES)[choose(rng, (4, 4, 3, 2, 1), n)], goods // 4),
        0,
    ).astype(np.int64)
    merchant_coupon = np.where(
        rng.random(n) < 0.35, round_share(goods, rng.integers(3, 16, n) * 100), 0
    ).astype(np.int64)
    amount_paid = goods + shipping - platform_coupon - merchant_coupon

    has_ad = rng.random(n) < AD_BY_SCENE[scene]
    ad_product = np.where(scene == 3, 3, choose(rng, (0.30, 0.45, 0.25), n))
    ad_product = np.where(has_ad, ad_product, -1).astype(np.int64)
    ad_cost = np.where(has_ad, round_share(amount_paid, rng.integers(8, 41, n) * 100), 0).astype(
        np.int64
    )

    cross_border = pop.shop_cross_border[shop]
    insured = rng.random(n) < np.where(cross_border, 0.10, 0.45)
    insurance_type = np.where(bulky, 2, (rng.random(n) < 0.2).astype(np.int64))
    insurer = choose(rng, (0.65, 0.05, 0.12, 0.18), n)
    insurer = np.where((insurer == 1) & ~has_creator, 0, insurer)
    insurer = np.where(cross_border, 3, insurer)
    insurance_type = np.where(insured, insurance_type, -1)
    insurer = np.where(insured, insurer, -1)

    buyer = _draw_buyers(rng, pop, n)
    b = pop.buyers
    number = np.arange(1, n + 1, dtype=np.int64)
    order_ids = ids(f"O{day_date:%Y%m%d}", number, ORDER_ID_WIDTH)
    table = pa.table(
        {
            "order_id": order_ids,
            "shop_id": pop.shop_ids.take(pa.array(shop)),
            "buyer_id": buyer_ids(buyer),
            "sku_id": pop.sku_ids.take(pa.array(sku)),
            "quantity": pa.array(quantity, pa.int32()),
            "paid_at": timestamps(paid),
            "goods_fen": pa.array(goods, pa.int64()),
            "shipping_fen": pa.array(shipping, pa.int64()),
            "platform_coupon_fen": pa.array(platform_coupon, pa.int64()),
            "merchant_coupon_fen": pa.array(merchant_coupon, pa.int64()),
            "amount_paid_fen": pa.array(amount_paid, pa.int64()),
            "scene": pick(SCENES, scene),
            "entry_point": pick(ENTRY_POINTS, entry),
            "ad_product": _nullable_pick(AD_PRODUCTS, ad_product),
            "ad_cost_fen": pa.array(ad_cost, pa.int64()),
            "creator_id": pop.creator_ids.take(_nullable_index(creator)),
            "commission_rate_bp": _nullable_int(commission),
            "ad_commission_rate_bp": _nullable_int(ad_commission),
            "insurance_type": _nullable_pick(INSURANCE_TYPES, insurance_type),
            "insured_by": _nullable_pick(INSURERS, insurer),
            "is_gift": pa.array(rng.random(n) < 0.004),
            "buyer_device_hash": hex_strings(mix(b.device[buyer], SALT_DEVICE)),
            "buyer_phone_hash": hex_strings(mix(b.phone[buyer], SALT_PHONE)),
            "buyer_address_hash": hex_strings(mix(b.address[buyer], SALT_ADDRESS)),
            "buyer_payment_hash": hex_strings(mix(b.payment[buyer], SALT_PAYMENT)),
            "ship_to_region": pick([p.name for p in PROVINCES], b.province[buyer]),
            "ship_by_at": timestamps(ship_by_seconds(paid)),
            "promised_delivery_at": timestamps(
                promised_delivery_seconds(
                    paid, pop.shop_province[shop], b.province[buyer], bulky.astype(np.bool_)
                )
            ),
            "parent_order_id": pa.nulls(n, pa.string()),
            "payment_difference_fen": pa.array(np.zeros(n, dtype=np.int64), pa.int64()),
            "affiliate_plans": pa.nulls(n, pa.list_(pa.string())),  # not generated
            "installation": pa.nulls(n, pa.string()),  # not generated
            "qic_inspected": pa.nulls(n, pa.bool_()),  # set by qic.py (its own stream)
        }
    )
    return OrderBatch(
        day=day,
        tag=f"{day_date:%Y%m%d}",
        table=table,
        order_ids=order_ids,
        shop=shop,
        sku=sku,
        buyer=buyer,
        industry=industry,
        paid=paid,
        amount_paid=amount_paid,
        scene=scene,
        creator=creator,
        ad_product=ad_product,
        ad_cost=ad_cost,
    )


SHIP_BY_DAYS: Final = 1
"""Douyin's in-stock pickup deadline: 23:59:59 of the day after payment (article 103956)."""
DELIVERY_PROMISE_DAYS_SAME_PROVINCE: Final = 2
DELIVERY_PROMISE_DAYS_OTHER_PROVINCE: Final = 3
DELIVERY_PROMISE_BULKY_EXTRA_DAYS: Final = 2
"""Estimated delivery shown at checkout, in calendar days after the payment day (assumed
courier norms: 2 days within a province, 3 across, 2 more for bulky goods, plus whole days
for a remote region's extra transit)."""
EXTRA_TRANSIT_DAYS: Final = np.array(
    [-(-p.extra_transit_hours // 24) for p in PROVINCES], dtype=np.int64
)
_DAY: Final = 86_400


def _end_of_day(seconds: IntArray, days_after: IntArray | int) -> IntArray:
    """23:59:59 of the day ``days_after`` calendar days after the day of ``seconds``."""
    end: IntArray = (seconds // _DAY + days_after + 1) * _DAY - 1
    return end


def ship_by_seconds(paid: IntArray) -> IntArray:
    """The promised ship-by time (承诺发货时间): end of the day after payment."""
    return _end_of_day(paid, SHIP_BY_DAYS)


def promised_delivery_seconds(
    paid: IntArray, shop_province: IntArray, buyer_province: IntArray, bulky: BoolArray
) -> IntArray:
    """The estimated delivery shown to the buyer (预计送达): end of a day set by distance."""
    days = (
        np.where(
            shop_province == buyer_province,
            DELIVERY_PROMISE_DAYS_SAME_PROVINCE,
            DELIVERY_PROMISE_DAYS_OTHER_PROVINCE,
        )
        + np.where(bulky, DELIVERY_PROMISE_BULKY_EXTRA_DAYS, 0)
        + EXTRA_TRANSIT_DAYS[buyer_province]
    ).astype(np.int64)
    return _end_of_day(paid, days)


def _draw_buyers(rng: np.random.Generator, pop: Population, n: int) -> IntArray:
    """Ordinary buyers, with the rings' orders planted at random positions."""
    buyer = draw_order_buyers(rng, pop.buyers, n)
    members = pop.buyers.ring_members
    planted = min(n, int(rng.poisson(members.size * RING_ORDERS_PER_MEMBER_DAY)))
    if planted and members.size:
        slots = rng.choice(n, size=planted, replace=False)
        buyer[slots] = members[rng.integers(0, members.size, planted)]
    return buyer


def _nullable_index(index: IntArray) -> pa.Array:
    """Positions for ``take`` with -1 turned into null."""
    return pa.array(index, pa.int64(), mask=index < 0)


def _nullable_pick(table: tuple[str, ...], index: IntArray) -> pa.Array:
    return pa.array(table, pa.string()).take(_nullable_index(index))


def _nullable_int(values: IntArray) -> pa.Array:
    mask: BoolArray = values < 0
    return pa.array(values, pa.int32(), mask=mask)
