"""Rule scopes in the data: special industries, store kinds, installation, plans, counterfeits.

The core generator draws shops in the fee table's 19 industries and leaves several columns
that later rules read empty. This module, on its own random stream (11, so no other stream's
draws move), fills those gaps with realistic shares:

- a share of shops (:data:`SPECIAL_SHOP_SHARE`) is moved into the *special industries*
  (every code a shipped rulebook names beyond the core ones: 女装, 男鞋, 翡翠玉石, 奢品美妆,
  电动牙刷, 二手3C, 话费充值, 礼品卡, 车厘子, 医疗器械 …), every code getting at least one shop
  once there are enough shops; their SKUs move to the industry's leaf with its prices, and
  the affiliate special categories offer 1–10% commission;
- cross-border score industries make cross-border shops, pharmacies instant-retail ones, and
  part of the flower, fruit, vegetable, medicine and adult-goods shops sell as instant retail;
- enterprise shops get a kind (``store_subtype``: specialty, franchise, ordinary);
- each day, orders of installable goods carry an installation promise, affiliate orders the
  plans they were sold under, and a few counterfeit violations are confirmed, mostly at the
  planted poor-quality shops.

Shops carrying planted truth (poor quality, late shipping, sizing SKUs) and zero-deposit shops
are never moved, so ``truth/`` stays exact. Shares are modelling choices, not platform figures.
"""

from __future__ import annotations

import dataclasses
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from merchantry.model.tables import AFFILIATE_PLANS, INSTALLATION_MODES, STORE_SUBTYPES
from merchantry.synth import texts
from merchantry.synth.catalogue import (
    ALL_INDUSTRIES,
    INDUSTRIES,
    LEAF_INDUSTRY,
    LEAVES,
    SPECIAL_INDUSTRIES,
    leaf_id,
)
from merchantry.synth.orders import OrderBatch, timestamps
from merchantry.synth.population import Population
from merchantry.synth.scope_catalogue import (
    CROSS_BORDER_CODES,
    INSTALLABLE,
    INSTANT_RETAIL_CODES,
    INSTANT_RETAIL_SHARE,
    LOW_COMMISSION,
)
from merchantry.synth.vector import BoolArray, IntArray, choose, ids, pick

SPECIAL_SHOP_SHARE: Final = 0.15
"""Share of shops moved into the special industries (about 1 in 7)."""
SUBTYPE_WEIGHTS: Final = (0.30, 0.20, 0.50)
"""Enterprise stores: specialty (专营店), franchise (专卖店), ordinary, in STORE_SUBTYPES order."""
INSTALLATION_WEIGHTS: Final = (0.35, 0.45, 0.20)
"""Installable goods: merchant installs, platform partner installs, none offered."""
PLAN_WEIGHTS: Final = (0.20, 0.05, 0.12, 0.06, 0.05, 0.04, 0.03, 0.45)
"""The plan an affiliate sale is mainly under, in AFFILIATE_PLANS order (colonel first,
all-creators last)."""
ALSO_ALL_CREATORS: Final = 0.40
"""Share of products in a narrower plan that are also open to all creators."""
PLANS_UNRECORDED: Final = 0.08
"""Share of affiliate sales whose plan the data does not record."""
COUNTERFEIT_DAILY: Final = 0.0003
"""Chance per shop and day of a confirmed counterfeit (售假) violation."""
COUNTERFEIT_DAILY_POOR: Final = 0.02
"""The same at planted poor-quality shops."""

_CORE: Final = len(INDUSTRIES)
_CODE: Final = np.array([ind.code for ind in ALL_INDUSTRIES])
_INSTALLABLE: Final = np.isin(_CODE, sorted(INSTALLABLE))
_LOW_COMMISSION: Final = np.isin(_CODE, sorted(LOW_COMMISSION))
_SPECIAL_LEAF: Final = np.array(
    [LEAF_INDUSTRY.index(_CORE + k) for k in range(len(SPECIAL_INDUSTRIES))], dtype=np.int64
)
"""Index of each special industry's first leaf (its leaves are consecutive)."""
_SPECIAL_LEAF_COUNT: Final = np.array(
    [LEAF_INDUSTRY.count(_CORE + k) for k in range(len(SPECIAL_INDUSTRIES))], dtype=np.int64
)
"""Number of leaves of each special industry."""
_PLAN_ALL: Final = AFFILIATE_PLANS.index("all_creators")


def widen_population(
    rng: np.random.Generator, pop: Population, leaf_rng: np.random.Generator | None = None
) -> Population:
    """The population with special-industry shops, store kinds and instant retail.

    ``leaf_rng`` spreads a moved shop's SKUs over its industry's leaves (without it, every
    SKU goes to the first leaf); it is a stream of its own, so ``rng`` draws as it always did.
    """
    n = pop.shop_count
    movable = _movable(pop)
    chosen = rng.permutation(np.flatnonzero(movable))[: round(SPECIAL_SHOP_SHARE * n)]
    # The busiest chosen shops first: they open the industries every market covers, so each
    # of those sells every few days even in a small market; the rest are drawn at random.
    chosen = chosen[np.argsort(-pop.shop_weight[chosen], kind="stable")]
    k = len(SPECIAL_INDUSTRIES)
    if chosen.size >= k:  # every special industry gets a shop, the rest at random
        special = np.concatenate([rng.permutation(k), rng.integers(0, k, chosen.size - k)])
    else:
        special = rng.choice(k, size=chosen.size, replace=False)
    industry = pop.shop_industry.copy()
    industry[chosen] = _CORE + special
    moved = np.zeros(n, dtype=np.bool_)
    moved[chosen] = True

    sku_moved = moved[pop.sku_shop]
    sku_leaf = pop.sku_leaf.copy()
    special_of_sku = industry[pop.sku_shop[sku_moved]] - _CORE
    within = (
        leaf_rng.integers(0, 1 << 30, special_of_sku.size) % _SPECIAL_LEAF_COUNT[special_of_sku]
        if leaf_rng is not None
        else 0
    )
    sku_leaf[sku_moved] = _SPECIAL_LEAF[special_of_sku] + within
    count = int(sku_moved.sum())
    median = np.array([lf.price_fen for lf in LEAVES], dtype=np.float64)[sku_leaf[sku_moved]]
    price = pop.sku_price.copy()
    raw = median * rng.lognormal(0.0, 0.45, count)
    price[sku_moved] = np.maximum(np.round(raw / 100.0).astype(np.int64) * 100 - 10, 90)
    commission = pop.sku_commission_bp.copy()
    ad_commission = pop.sku_ad_commission_bp.copy()
    low = sku_moved & _LOW_COMMISSION[industry[pop.sku_shop]]
    commission[low] = rng.integers(1, 11, int(low.sum())) * 100
    ad_commission[low & (ad_commission >= 0)] = 100

    codes = _CODE[industry]
    cross_border = pop.shop_cross_border | (moved & np.isin(codes, sorted(CROSS_BORDER_CODES)))
    instant_share = np.array([INSTANT_RETAIL_SHARE.get(str(c), 0.0) for c in codes])
    shops = pop.tables["shops"]
    instant = _text(shops, "business_mode") == "instant_retail"
    instant |= moved & (
        np.isin(codes, sorted(INSTANT_RETAIL_CODES)) | (rng.random(n) < instant_share)
    )
    instant &= ~cross_border
    enterprise = _text(shops, "store_type") == "enterprise"
    subtype = np.where(enterprise, choose(rng, SUBTYPE_WEIGHTS, n), -1)

    main_leaf = np.array([_leaf_index(c) for c in shops.column("main_category_id").to_pylist()])
    # a moved shop's main category: the leaf of its first SKU
    first_leaf = np.where(
        pop.shop_sku_count > 0,
        sku_leaf[np.minimum(pop.shop_sku_start, sku_leaf.size - 1)],
        _SPECIAL_LEAF[np.maximum(industry - _CORE, 0)],
    )
    new_main = np.where(moved, first_leaf, main_leaf)
    names = [
        name.replace(LEAVES[old].name, LEAVES[new].name, 1) if m else name
        for name, old, new, m in zip(
            shops.column("name").to_pylist(),
            main_leaf.tolist(),
            new_main.tolist(),
            moved.tolist(),
            strict=True,
        )
    ]
    leaf_ids = [leaf_id(j) for j in range(len(LEAVES))]
    shops = _set(shops, "name", pa.array(names, pa.string()))
    shops = _set(shops, "industry", pick(_CODE.tolist(), industry))
    shops = _set(shops, "main_category_id", pick(leaf_ids, new_main))
    shops = _set(
        shops,
        "business_mode",
        pick(
            ("domestic", "cross_border", "instant_retail"),
            np.where(cross_border, 1, np.where(instant, 2, 0)),
        ),
    )
    shops = _set(shops, "store_subtype", _nullable_pick(STORE_SUBTYPES, subtype))

    products = pop.tables["products"]
    titles = np.asarray(products.column("title").to_numpy(zero_copy_only=False), dtype=object)
    titles[sku_moved] = _titles(rng, sku_leaf[sku_moved])
    products = _set(products, "category_id", pick(leaf_ids, sku_leaf))
    products = _set(products, "title", pa.array(titles.tolist(), pa.string()))
    products = _set(products, "price_fen", pa.array(price, pa.int64()))

    return dataclasses.replace(
        pop,
        shop_industry=industry,
        shop_cross_border=cross_border,
        sku_leaf=sku_leaf,
        sku_price=price,
        sku_commission_bp=commission,
        sku_ad_commission_bp=ad_commission,
        tables=pop.tables | {"shops": shops, "products": products},
    )


def scope_orders(rng: np.random.Generator, batch: OrderBatch) -> OrderBatch:
    """The day's orders with their installation promise and affiliate plans filled in."""
    n = batch.size
    installable = _INSTALLABLE[batch.industry]
    mode = np.where(installable, choose(rng, INSTALLATION_WEIGHTS, n), -1)
    main = choose(rng, PLAN_WEIGHTS, n)
    also_all = (main != _PLAN_ALL) & (rng.random(n) < ALSO_ALL_CREATORS)
    recorded = (batch.creator >= 0) & (rng.random(n) >= PLANS_UNRECORDED)
    plans = [
        None
        if not r
        else [AFFILIATE_PLANS[p], AFFILIATE_PLANS[_PLAN_ALL]]
        if a
        else [AFFILIATE_PLANS[p]]
        for r, p, a in zip(recorded.tolist(), main.tolist(), also_all.tolist(), strict=True)
    ]
    table = _set(batch.table, "installation", _nullable_pick(INSTALLATION_MODES, mode))
    table = _set(table, "affiliate_plans", pa.array(plans, pa.list_(pa.string())))
    return dataclasses.replace(batch, table=table)


def draw_counterfeits(
    rng: np.random.Generator, pop: Population, batch: OrderBatch, day_start: int
) -> pa.Table:
    """Counterfeit (售假) violations confirmed this day, each naming one of the shop's orders."""
    rate = np.where(pop.shop_quality > 1.0, COUNTERFEIT_DAILY_POOR, COUNTERFEIT_DAILY)
    hit = np.flatnonzero(rng.random(pop.shop_count) < rate)
    orders: list[str | None] = []
    for shop in hit.tolist():
        own = np.flatnonzero(batch.shop == shop)
        pick_one = own[rng.integers(own.size)] if own.size else -1
        orders.append(batch.order_ids[int(pick_one)].as_py() if own.size else None)
    at = day_start + rng.integers(9 * 3600, 21 * 3600, hit.size)
    return pa.table(
        {
            "violation_id": ids(f"VCF{batch.tag}", np.arange(1, hit.size + 1), 5),
            "shop_id": pop.shop_ids.take(pa.array(hit)),
            "kind": pa.array(["counterfeit"] * hit.size, pa.string()),
            "occurred_at": timestamps(at),
            "order_id": pa.array(orders, pa.string()),
        }
    )


def _movable(pop: Population) -> BoolArray:
    """Shops that carry no planted truth, are not zero-deposit and are not cross-border."""
    planted = set(pop.truth["poor_quality_shops"].column("shop_id").to_pylist())
    planted |= set(pop.truth["late_shipping_shops"].column("shop_id").to_pylist())
    planted |= set(pop.truth["sizing_skus"].column("shop_id").to_pylist())
    shop_ids = pop.shop_ids.to_pylist()
    keep = np.array([s in planted for s in shop_ids], dtype=np.bool_)
    movable: BoolArray = ~keep & ~pop.shop_restricted & ~pop.shop_cross_border
    return movable


def _text(table: pa.Table, name: str) -> npt.NDArray[np.str_]:
    return np.array(table.column(name).to_pylist(), dtype=str)


def _leaf_index(category: str) -> int:
    return int(category[-3:]) - 1


def _titles(rng: np.random.Generator, leaves: IntArray) -> list[str]:
    out: list[str] = []
    prefixes = rng.integers(0, len(texts.TITLE_PREFIXES), leaves.size)
    suffixes = rng.integers(0, len(texts.TITLE_SUFFIXES), leaves.size)
    pick_noun = rng.integers(0, 1 << 30, leaves.size)
    for leaf, p, s, u in zip(
        leaves.tolist(), prefixes.tolist(), suffixes.tolist(), pick_noun.tolist(), strict=True
    ):
        nouns = LEAVES[leaf].nouns
        out.append(texts.TITLE_PREFIXES[p] + nouns[u % len(nouns)] + texts.TITLE_SUFFIXES[s])
    return out


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _nullable_pick(options: tuple[str, ...], index: IntArray) -> pa.Array:
    return pa.array(options, pa.string()).take(pa.array(index, pa.int64(), mask=index < 0))
