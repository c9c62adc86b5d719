"""The static marketplace: categories, shops, products and creators.

Drawn once per run from the population stream. Per-shop and per-SKU traits
(size, quality, shipping speed, live-selling share, commission) are kept as
arrays that the daily order generator indexes; the written tables are built
here too, together with the planted truth about shops and SKUs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth import texts
from merchantry.synth.buyers import Buyers, draw_buyers
from merchantry.synth.catalogue import (
    ALL_INDUSTRIES,
    INDUSTRIES,
    LEAF_INDUSTRY,
    LEAVES,
    category_id,
    leaf_id,
)
from merchantry.synth.geography import BELT_COUNTIES, CARRIER_WEIGHTS, PROVINCES
from merchantry.synth.vector import (
    BoolArray,
    FloatArray,
    IntArray,
    choose,
    concat_text,
    ids,
    pick,
)

INDUSTRY_SHOP_WEIGHTS: Final = (
    6,
    2,
    18,
    7,
    8,
    5,
    8,
    12,
    3,
    5,
    4,
    3,
    2,
    5,
    3,
    2,
    3,
    3,
    1,
)
"""Share of shops per industry, in the order of ``catalogue.INDUSTRIES``."""

SHOP_SIZE_SIGMA: Final = 1.3
"""Log-normal spread of shop sizes: the top tenth of shops take over half of GMV."""

CREATOR_TIERS: Final = ("A", "B+", "B", "C", "D")
CREATOR_TIER_WEIGHTS: Final = (0.05, 0.10, 0.30, 0.35, 0.20)
CREATOR_MEDIAN_FOLLOWERS: Final = (2_000_000, 500_000, 100_000, 20_000, 3_000)


@dataclass(frozen=True, slots=True)
class Population:
    """Everything about the marketplace that does not change day to day."""

    shop_count: int
    shop_weight: FloatArray
    """Relative order intensity, mean 1."""
    shop_industry: IntArray
    shop_province: IntArray
    shop_quality: FloatArray
    """Multiplier on quality problems (planted poor-quality shops: several times 1)."""
    shop_ship_hours: FloatArray
    """Median hours from payment to shipment."""
    shop_pickup_hours: FloatArray
    """Median hours from shipment to courier pickup (planted late shops: days)."""
    shop_live_share: FloatArray
    shop_cs_seconds: FloatArray
    """Median seconds to a first customer-service reply (slower at poor shops)."""
    shop_carrier: IntArray
    shop_restricted: BoolArray
    """Zero-deposit entry: no platform coupons, no affiliate creators."""
    shop_cross_border: BoolArray
    shop_sku_start: IntArray
    shop_sku_count: IntArray
    shop_ids: pa.Array
    sku_leaf: IntArray
    sku_shop: IntArray
    sku_price: IntArray
    sku_sizing: BoolArray
    sku_commission_bp: IntArray
    sku_ad_commission_bp: IntArray
    """Ad-period (dual commission) rate; -1 where none is offered."""
    sku_ids: pa.Array
    creator_cdf: FloatArray
    creator_ids: pa.Array
    buyers: Buyers
    tables: dict[str, pa.Table]
    truth: dict[str, pa.Table]


def build_categories() -> pa.Table:
    """The category tree: one top-level category per industry, leaves beneath."""
    rows: list[tuple[str, str, str, str | None, int]] = []
    for i, industry in enumerate(ALL_INDUSTRIES):
        days = [leaf.after_sales_days for leaf in LEAVES if leaf.industry == industry.code]
        rows.append((category_id(i), industry.name, industry.code, None, min(days)))
    for j, leaf in enumerate(LEAVES):
        parent = category_id(LEAF_INDUSTRY[j])
        rows.append((leaf_id(j), leaf.name, leaf.industry, parent, leaf.after_sales_days))
    return pa.table(
        {
            "category_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "industry": [r[2] for r in rows],
            "parent_id": pa.array([r[3] for r in rows], pa.string()),
            "after_sales_days": pa.array([r[4] for r in rows], pa.int32()),
        }
    )


def draw_population(rng: np.random.Generator, shops: int, start: date) -> Population:
    """Draw shops, products, creators and buyers for a run starting on ``start``."""
    n = shops
    weight = rng.lognormal(0.0, SHOP_SIZE_SIGMA, size=n)
    industry = choose(rng, INDUSTRY_SHOP_WEIGHTS, n)
    leaves_of = [np.flatnonzero(np.array(LEAF_INDUSTRY) == i) for i in range(len(INDUSTRIES))]
    main_leaf = np.array([rng.choice(leaves_of[i]) for i in industry.tolist()], dtype=np.int64)

    # Opened dates: years of history, about an eighth opened in the last 90 days.
    is_new = rng.random(n) < 0.12
    age_days = np.where(is_new, rng.integers(0, 90, n), rng.integers(90, 6 * 365, n))
    weight = np.where(is_new, weight * 0.35, weight)
    weight = weight / weight.mean()
    opened = [start - timedelta(days=int(a) + 1) for a in age_days.tolist()]

    rank = np.argsort(np.argsort(-weight))
    top = rank < max(1, n // 12)
    store_type = np.where(
        top & (rng.random(n) < 0.7), 2, np.where(rng.random(n) < 0.45, 0, 1)
    ).astype(np.int64)

    prov_weights = [p.shop_weight for p in PROVINCES]
    province = choose(rng, prov_weights, n)
    county = [
        f"{PROVINCES[p].code}{c:02d}{k:02d}"
        for p, c, k in zip(
            province.tolist(),
            rng.integers(1, 16, n).tolist(),
            rng.integers(1, 21, n).tolist(),
            strict=True,
        )
    ]
    belt = rng.random(n) < 0.08
    names_by_province = {p.name: i for i, p in enumerate(PROVINCES)}
    for s in np.flatnonzero(belt).tolist():
        prov_name, code = BELT_COUNTIES[int(rng.integers(len(BELT_COUNTIES)))]
        province[s] = names_by_province[prov_name]
        county[s] = code

    restricted = is_new & (store_type == 0) & (rng.random(n) < 0.3)
    restricted[int(rng.integers(n))] |= n >= 20  # at least one zero-deposit shop in a real run
    cross_border = (~restricted) & (rng.random(n) < 0.02)
    instant = (~restricted) & (~cross_border) & np.isin(industry, [7, 9]) & (rng.random(n) < 0.05)

    tags = _draw_tags(rng, n, belt, is_new, store_type, weight)

    # Planted merchants: disjoint sets chosen among shops with enough orders to show.
    candidates = rng.permutation(np.flatnonzero(weight >= np.quantile(weight, 0.3)))
    n_planted = max(2, n // 20)
    poor = candidates[:n_planted]
    late = candidates[n_planted : 2 * n_planted]
    quality = np.ones(n)
    quality[poor] = rng.uniform(4.0, 6.0, size=poor.size)
    ship_hours = rng.lognormal(np.log(10.0), 0.4, size=n)
    pickup_hours = rng.lognormal(np.log(3.0), 0.3, size=n)
    pickup_hours[late] = rng.uniform(40.0, 90.0, size=late.size)

    shop_ids = ids("S", np.arange(1, n + 1), 6)
    shop_names = concat_text(
        pick(texts.SHOP_NAME_HEADS, rng.integers(0, len(texts.SHOP_NAME_HEADS), n)),
        pick([LEAVES[i].name for i in range(len(LEAVES))], main_leaf),
        pa.array(
            [_tail(rng, ("personal", "enterprise", "flagship")[t]) for t in store_type.tolist()]
        ),
    )
    shops_table = pa.table(
        {
            "shop_id": shop_ids,
            "name": shop_names,
            "industry": pick([ind.code for ind in INDUSTRIES], industry),
            "main_category_id": pick([leaf_id(j) for j in range(len(LEAVES))], main_leaf),
            "store_type": pick(("personal", "enterprise", "flagship"), store_type),
            "opened_date": pa.array(opened, pa.date32()),
            "region": pick([p.name for p in PROVINCES], province),
            "county_code": pa.array(county, pa.string()),
            "tags": pa.array(tags, pa.list_(pa.string())),
            "entry_plan": pick(("standard", "zero_deposit"), restricted.astype(np.int64)),
            "business_mode": pick(
                ("domestic", "cross_border", "instant_retail"),
                np.where(cross_border, 1, np.where(instant, 2, 0)),
            ),
            "store_subtype": pa.nulls(n, pa.string()),  # not generated (no draw)
        }
    )

    products = _draw_products(rng, n, weight, main_leaf, industry, shop_ids)
    creators_table, creator_cdf = _draw_creators(rng, max(20, n * 2))
    buyers = draw_buyers(rng, n)

    truth = {
        "poor_quality_shops": pa.table(
            {
                "shop_id": shop_ids.take(pa.array(np.sort(poor))),
                "quality_multiplier": pa.array(np.round(quality[np.sort(poor)], 2)),
            }
        ),
        "late_shipping_shops": pa.table(
            {
                "shop_id": shop_ids.take(pa.array(np.sort(late))),
                "median_pickup_hours": pa.array(np.round(pickup_hours[np.sort(late)], 1)),
            }
        ),
        "sizing_skus": products.truth,
        "refund_rings": buyers.truth_rings,
        "decoys": buyers.truth_decoys,
        "refund_abusers": buyers.truth_abusers,
    }
    return Population(
        shop_count=n,
        shop_weight=weight,
        shop_industry=industry,
        shop_province=province,
        shop_quality=quality,
        shop_ship_hours=ship_hours,
        shop_pickup_hours=pickup_hours,
        shop_live_share=rng.beta(40, 40, size=n),
        shop_cs_seconds=rng.lognormal(np.log(25.0), 0.5, size=n) * np.where(quality > 1, 3.0, 1.0),
        shop_carrier=choose(rng, CARRIER_WEIGHTS, n),
        shop_restricted=restricted,
        shop_cross_border=cross_border,
        shop_sku_start=products.start,
        shop_sku_count=products.count,
        shop_ids=shop_ids,
        sku_leaf=products.leaf,
        sku_shop=products.shop,
        sku_price=products.price,
        sku_sizing=products.sizing,
        sku_commission_bp=products.commission,
        sku_ad_commission_bp=products.ad_commission,
        sku_ids=products.ids,
        creator_cdf=creator_cdf,
        creator_ids=creators_table.column("creator_id").combine_chunks(),
        buyers=buyers,
        tables={
            "categories": build_categories(),
            "shops": shops_table,
            "products": products.table,
            "creators": creators_table,
        },
        truth=truth,
    )


def _tail(rng: np.random.Generator, store_type: str) -> str:
    options = texts.SHOP_NAME_TAILS[store_type]
    return options[int(rng.integers(len(options)))]


def _draw_tags(
    rng: np.random.Generator,
    n: int,
    belt: BoolArray,
    is_new: BoolArray,
    store_type: IntArray,
    weight: FloatArray,
) -> list[list[str] | None]:
    small = (weight < np.median(weight)) & (store_type < 2) & (rng.random(n) < 0.6)
    heritage = rng.random(n) < 0.02
    treasure = rng.random(n) < 0.05
    rural = rng.random(n) < 0.05
    flags = (
        ("industry_belt", belt),
        ("intangible_heritage", heritage),
        ("treasure_shop", treasure),
        ("new_merchant", is_new),
        ("small_merchant", small),
        ("brand", store_type == 2),
        ("rural", rural),
    )
    tags: list[list[str] | None] = []
    for s in range(n):
        chosen = [name for name, mask in flags if mask[s]]
        tags.append(chosen or None)
    return tags


@dataclass(frozen=True, slots=True)
class _Products:
    """The SKUs of every shop, contiguous per shop (``start``, ``count``)."""

    start: IntArray
    count: IntArray
    shop: IntArray
    leaf: IntArray
    price: IntArray
    sizing: BoolArray
    commission: IntArray
    ad_commission: IntArray
    ids: pa.Array
    table: pa.Table
    truth: pa.Table


def _draw_products(
    rng: np.random.Generator,
    n: int,
    weight: FloatArray,
    main_leaf: IntArray,
    industry: IntArray,
    shop_ids: pa.Array,
) -> _Products:
    count = np.clip(np.round(4 + 6 * weight * rng.lognormal(0, 0.4, n)), 3, 300).astype(np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    total = int(count.sum())
    shop = np.repeat(np.arange(n, dtype=np.int64), count)
    within = np.arange(total, dtype=np.int64) - start[shop]
    leaf_table = np.array(LEAF_INDUSTRY)
    other = _other_leaves(rng, shop, industry, leaf_table)
    leaf = np.where(rng.random(total) < 0.75, main_leaf[shop], other)
    median = np.array([lf.price_fen for lf in LEAVES], dtype=np.float64)[leaf]
    raw = median * rng.lognormal(0.0, 0.45, total)
    price = np.maximum(np.round(raw / 100.0).astype(np.int64) * 100 - 10, 90)

    sizing_industry = np.array([ind.sizing > 0 for ind in ALL_INDUSTRIES])[leaf_table[leaf]]
    sizing = sizing_industry & (within < 3) & (rng.random(total) < 0.12)

    commission = np.clip(np.round(rng.lognormal(np.log(20.0), 0.45, total)), 5, 50) * 100
    dual = rng.random(total) < 0.25
    ad_rate = np.maximum(np.round(commission * rng.uniform(0.5, 0.85, total) / 100) * 100, 500)
    ad_commission = np.where(dual, ad_rate, -1).astype(np.int64)

    sku_ids = ids("K", np.arange(1, total + 1), 8)
    leaf_nouns = [lf.nouns for lf in LEAVES]
    noun_flat = [noun for nouns in leaf_nouns for noun in nouns]
    noun_start = np.cumsum([0] + [len(x) for x in leaf_nouns])[:-1]
    noun_len = np.array([len(x) for x in leaf_nouns])
    noun = noun_start[leaf] + rng.integers(0, 1 << 30, total) % noun_len[leaf]
    titles = concat_text(
        pick(texts.TITLE_PREFIXES, rng.integers(0, len(texts.TITLE_PREFIXES), total)),
        pick(noun_flat, noun),
        pick(texts.TITLE_SUFFIXES, rng.integers(0, len(texts.TITLE_SUFFIXES), total)),
    )
    images = [
        [f"img/{k:08d}-{i}.jpg" for i in range(1 + (k % 4))] if k % 10 else None
        for k in range(1, total + 1)
    ]
    leaf_ids = [leaf_id(j) for j in range(len(LEAVES))]
    table = pa.table(
        {
            "sku_id": sku_ids,
            "shop_id": shop_ids.take(pa.array(shop)),
            "category_id": pick(leaf_ids, leaf),
            "title": titles,
            "price_fen": pa.array(price, pa.int64()),
            "image_refs": pa.array(images, pa.list_(pa.string())),
        }
    )
    planted = np.flatnonzero(sizing)
    truth = pa.table(
        {
            "sku_id": sku_ids.take(pa.array(planted)),
            "shop_id": shop_ids.take(pa.array(shop[planted])),
            "category_id": pick(leaf_ids, leaf[planted]),
        }
    )
    return _Products(
        start=start,
        count=count,
        shop=shop,
        leaf=leaf,
        price=price,
        sizing=sizing,
        commission=commission.astype(np.int64),
        ad_commission=ad_commission,
        ids=sku_ids,
        table=table,
        truth=truth,
    )


def _other_leaves(
    rng: np.random.Generator, shop: IntArray, industry: IntArray, leaf_table: IntArray
) -> IntArray:
    """A random leaf of each SKU's shop industry, without a Python loop per SKU."""
    order = np.argsort(leaf_table, kind="stable")
    counts = np.bincount(leaf_table, minlength=len(ALL_INDUSTRIES))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ind = industry[shop]
    offset = rng.integers(0, 1 << 30, shop.size) % counts[ind]
    leaves: IntArray = order[starts[ind] + offset].astype(np.int64)
    return leaves


def _draw_creators(rng: np.random.Generator, count: int) -> tuple[pa.Table, FloatArray]:
    tier = choose(rng, CREATOR_TIER_WEIGHTS, count)
    median = np.array(CREATOR_MEDIAN_FOLLOWERS, dtype=np.float64)[tier]
    followers = np.clip(median * rng.lognormal(0, 0.6, count), 100, 2_000_000_000)
    followers = followers.astype(np.int64)
    popularity = followers.astype(np.float64) ** 0.6
    cdf = np.cumsum(popularity) / popularity.sum()
    a = rng.integers(0, len(texts.CREATOR_NAMES_A), count)
    b = rng.integers(0, len(texts.CREATOR_NAMES_B), count)
    table = pa.table(
        {
            "creator_id": ids("D", np.arange(1, count + 1), 7),
            "name": concat_text(
                pick(texts.CREATOR_NAMES_A, a),
                pick(texts.CREATOR_NAMES_B, b),
                pa.array((np.arange(count) % 997).astype(str)),
            ),
            "tier": pick(CREATOR_TIERS, tier),
            "followers": pa.array(followers, pa.int32()),
        }
    )
    return table, cdf
