"""Planted return causes beyond sizing: misdescribed listings and a carrier that breaks things.

The population already plants sizing SKUs (``truth/sizing_skus.csv``). This module adds two
causes the return diagnosis must find, with their truth:

* **misdescribed listings** (``truth/misdescribed_skus.csv``): best-selling SKUs whose photos
  or title oversell the goods; :data:`MISDESCRIBED_RATE` of their orders come back as not
  as described, on top of the ordinary causes;
* **a damaging carrier** (``truth/damaging_carriers.csv``): one parcel carrier whose parcels
  arrive broken :data:`DAMAGE_RATE` of the time, for every shop that ships with it.

Buyers of these orders write what they saw, in Chinese (:data:`MISDESCRIBED_TEXTS`,
:data:`DAMAGE_TEXTS`), and :data:`QUICK_CODE_SHARE` of them pick a quicker reason code from the
menu (``changed_mind`` or ``other``), so a diagnosis that reads only codes misses them.

Hooks in ``generator.py``: :func:`draw_plants` once after the population,
:func:`plant_causes` after each day's journey, :func:`rewrite_cases` after its cases.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from merchantry.synth.fulfilment import CAUSE, NONE, Journey
from merchantry.synth.geography import CARRIERS
from merchantry.synth.orders import OrderBatch
from merchantry.synth.population import Population
from merchantry.synth.vector import BoolArray

MISDESCRIBED_SHARE: Final = 0.06
"""Share of each shop's three best-selling SKUs (not already sizing-planted) planted."""
MISDESCRIBED_RATE: Final = 0.12
"""Extra not-as-described case rate per order at a planted SKU (ordinary: well under 1%): a
listing that oversells badly enough for one buyer in eight to send it back."""
DAMAGE_RATE: Final = 0.04
"""Extra damaged-in-transit case rate per delivered parcel of the planted carrier."""
QUICK_CODE_SHARE: Final = 0.3
"""Share of planted-cause buyers who pick a quick code (changed_mind / other)."""

MISDESCRIBED_TEXTS: Final = (
    "收到的东西和主图完全是两样，图片修得太过了",
    "标题写的纯棉，摸着明显是化纤",
    "详情页说有三层加厚，实际就一层薄布",
    "直播间展示的是大号，寄来的小很多",
    "颜色跟宣传图差太多，像是另一件衣服",
    "说是不锈钢，用磁铁一吸就知道不是",
    "页面写的容量500毫升，量了只有300",
    "卖家秀和实物差距太大，感觉被骗了",
)
DAMAGE_TEXTS: Final = (
    "快递箱子被压得变形，里面的东西也坏了",
    "外包装破了个大洞，商品摔裂了",
    "收到的时候瓶子已经碎了，漏了一箱",
    "快递员应该是扔的，边角全磕坏了",
    "纸箱湿透了，里面的东西也泡坏了",
    "路上被压碎了，一点缓冲都没有",
)


@dataclass(frozen=True, slots=True)
class Plants:
    """What is planted: a flag per SKU and the damaging carrier's index in ``CARRIERS``."""

    misdescribed: BoolArray
    carrier: int
    truth: dict[str, pa.Table]


def draw_plants(rng: np.random.Generator, pop: Population) -> Plants:
    """Pick the misdescribed SKUs and the damaging carrier; their truth tables."""
    total = pop.sku_leaf.size
    within = np.arange(total) - pop.shop_sku_start[pop.sku_shop]
    misdescribed = (within < 3) & ~pop.sku_sizing & (rng.random(total) < MISDESCRIBED_SHARE)
    carrier = int(rng.integers(0, len(CARRIERS)))
    planted = np.flatnonzero(misdescribed)
    products = pop.tables["products"]
    truth = {
        "misdescribed_skus": pa.table(
            {
                "sku_id": pop.sku_ids.take(pa.array(planted)),
                "shop_id": pop.shop_ids.take(pa.array(pop.sku_shop[planted])),
                "category_id": products["category_id"].take(pa.array(planted)),
            }
        ),
        "damaging_carriers": pa.table(
            {
                "carrier": pa.array([CARRIERS[carrier]], pa.string()),
                "extra_damage_rate_bp": pa.array([int(DAMAGE_RATE * 10_000)], pa.int64()),
            }
        ),
    }
    return Plants(misdescribed=misdescribed, carrier=carrier, truth=truth)


def plant_causes(
    rng: np.random.Generator, plants: Plants, batch: OrderBatch, journey: Journey
) -> Journey:
    """Orders with no cause yet get the planted ones: not as described at a misdescribed
    SKU, damage when the damaging carrier delivered the parcel."""
    n = batch.size
    free = journey.cause == NONE
    nad = free & plants.misdescribed[batch.sku] & (rng.random(n) < MISDESCRIBED_RATE)
    broke = (
        free
        & ~nad
        & (journey.carrier == plants.carrier)
        & (journey.delivered >= 0)
        & (rng.random(n) < DAMAGE_RATE)
    )
    cause = np.where(nad, CAUSE["not_as_described"], journey.cause)
    cause = np.where(broke, CAUSE["damaged"], cause).astype(np.int64)
    return dataclasses.replace(journey, cause=cause)


def rewrite_cases(
    rng: np.random.Generator, plants: Plants, batch: OrderBatch, journey: Journey, cases: pa.Table
) -> pa.Table:
    """Planted-cause cases get the buyers' own words; some pick a quick code instead."""
    if cases.num_rows == 0:
        return cases
    order = pc.index_in(cases["order_id"], value_set=batch.order_ids).to_numpy(zero_copy_only=False)
    code = cases["reason_code"].to_numpy(zero_copy_only=False).astype(object)
    text = cases["reason_text"].to_pylist()
    m = cases.num_rows
    nad = (code == "not_as_described") & plants.misdescribed[batch.sku[order]]
    broke = (code == "damaged") & (journey.carrier[order] == plants.carrier)
    pick_nad = rng.integers(0, len(MISDESCRIBED_TEXTS), m)
    pick_damage = rng.integers(0, len(DAMAGE_TEXTS), m)
    quick = rng.random(m) < QUICK_CODE_SHARE
    quick_code = np.where(rng.random(m) < 0.5, "changed_mind", "other")
    for i in np.flatnonzero(nad | broke):
        text[i] = MISDESCRIBED_TEXTS[pick_nad[i]] if nad[i] else DAMAGE_TEXTS[pick_damage[i]]
        if quick[i]:
            code[i] = quick_code[i]
    cases = cases.set_column(
        cases.schema.get_field_index("reason_code"), "reason_code", pa.array(code, pa.string())
    )
    return cases.set_column(
        cases.schema.get_field_index("reason_text"), "reason_text", pa.array(text, pa.string())
    )
