"""Every combination of scopes a shipped rule requires meets generated rows (stream 16).

``synth/scopes.py`` makes each value a rulebook names appear somewhere; a rule keyed on two
at once (a cross-border shop selling make-up, a flagship store in 汽车用品, phone top-up
bought in the Mall app) fires only on an order meeting both, and nothing made those meet.
This module reads the combinations from the shipped rulebooks themselves
(:func:`~merchantry.synth.combination_reader.shipped_combinations`), so a rule added
tomorrow is met the day it ships, and makes the generator meet each one:

- **shops** (:func:`meet_shop_combinations`, once, after the scope widening): for each
  combination no shop meets (its ``shop.*`` parts, and a SKU in a leaf its ``category.*``
  parts allow), one shop is relabelled: its store type, enterprise kind or business mode is
  set, and only when no shop of a fitting industry is free, its industry too (its SKUs then
  move to the allowed leaves, with new prices and titles, as a moved shop's do in
  ``scopes.py``). The shop chosen needs the fewest changes, then sells the most; a shop
  that is the only one meeting another combination is kept as it is. At most
  :data:`COMBINATION_SHOP_SHARE` of the shops are relabelled, so a small market keeps its
  shape (it covers the combinations it can, most specific first);
- **orders** (:func:`meet_order_combinations`, every day): for each combination with
  ``order.*`` or ``creator.*`` parts that none of the day's orders meets, one order at a
  meeting shop and leaf is given the required order values (an entry point, a scene, an
  installation, a plan). Only enumerated order columns are set, and a nullable one only
  where the order already has a value (an uninsured order does not become insured).

Never moved: shops carrying planted truth (poor quality, late shipping, sizing SKUs) and
zero-deposit shops (unless the combination is about the entry plan). Everything is drawn
from stream 16 (the population from ``(seed, 16)``, a day from ``(seed, 16, day)``), and
the arrays other streams draw from keep their sizes, so no other stream's draws move; only
the values of the relabelled shops and orders differ (a relabelled cross-border shop's
orders are insured less often, a moved SKU returns at its new industry's rates).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from merchantry.model.tables import ORDERS, STORE_SUBTYPES
from merchantry.synth import texts
from merchantry.synth.catalogue import (
    ALL_INDUSTRIES,
    INDUSTRY_INDEX,
    LEAF_INDUSTRY,
    LEAVES,
    leaf_id,
)
from merchantry.synth.combination_reader import Atom, Combination, shipped_combinations
from merchantry.synth.orders import OrderBatch
from merchantry.synth.population import Population, build_categories
from merchantry.synth.scope_catalogue import LOW_COMMISSION
from merchantry.synth.scopes import SUBTYPE_WEIGHTS
from merchantry.synth.vector import BoolArray, IntArray, choose

COMBINATION_SHOP_SHARE: Final = 0.05
"""At most this share of the shops is relabelled to meet combinations (1 in 20)."""
SETTABLE_SHOP_COLUMNS: Final = ("industry", "store_type", "store_subtype", "business_mode")
"""Shop columns a relabelling may set; any other ``shop.*`` part (region, tags, entry plan)
must already hold at the shop chosen."""
BATCH_ARRAYS: Final = {"scene": "scene", "ad_product": "ad_product"}
"""Order columns the day's batch also keeps as an array of choice indices (by name)."""

_CODES: Final = np.array([ind.code for ind in ALL_INDUSTRIES], dtype=object)
_LEAF_INDUSTRY: Final = np.array(LEAF_INDUSTRY, dtype=np.int64)
_LEAF_PRICE: Final = np.array([lf.price_fen for lf in LEAVES], dtype=np.float64)
_LOW_COMMISSION: Final = np.isin(_CODES.astype(str), sorted(LOW_COMMISSION))
_ENTERPRISE: Final = "enterprise"
_SUBTYPE_TAIL: Final = {"specialty": "专营店", "franchise": "专卖店"}
"""The name tail of an enterprise store of this kind."""


def specificity(combo: Combination) -> tuple[int, tuple[str, ...]]:
    """Sort key: the combinations with most parts first (meeting them often meets the
    broader ones too), then by the first rule that names them."""
    return (-len(combo.atoms), combo.rules)


@functools.cache
def allowed_leaves(category_atoms: tuple[Atom, ...]) -> IntArray:
    """Indices of the leaf categories (those SKUs sit in) meeting every ``category.*`` atom."""
    leaves = build_categories().slice(len(ALL_INDUSTRIES))
    ok = np.ones(len(LEAVES), dtype=np.bool_)
    for atom in category_atoms:
        values = np.array(leaves.column(atom.column).to_pylist(), dtype=object)
        ok &= _among(values, atom)
    found: IntArray = np.flatnonzero(ok).astype(np.int64)
    return found


def _shop_columns(pop: Population) -> dict[str, npt.NDArray[np.object_]]:
    shops = pop.tables["shops"]
    return {name: _object_array(shops.column(name).to_pylist()) for name in shops.column_names}


def _meeting(
    columns: dict[str, npt.NDArray[np.object_]], atoms: Sequence[Atom], size: int
) -> BoolArray:
    """Which rows of ``columns`` meet every atom."""
    ok = np.ones(size, dtype=np.bool_)
    for atom in atoms:
        ok &= _among(columns[atom.column], atom)
    return ok


def _among(values: npt.NDArray[np.object_], atom: Atom) -> BoolArray:
    """Which of ``values`` meet ``atom`` (for a list column: hold one of its values)."""
    if atom.listed:
        wanted = set(atom.values)
        return np.array([bool(wanted & set(v or ())) for v in values], dtype=np.bool_)
    found: BoolArray = np.isin(values.astype(str), list(atom.values)) & (values != None)  # noqa: E711
    return found


@dataclasses.dataclass
class _Market:
    """The shops and their SKUs as mutable arrays while combinations are met."""

    pop: Population
    industry: IntArray
    columns: dict[str, npt.NDArray[np.object_]]
    """Every shops column by name (industry kept in step with ``industry``)."""
    sku_leaf: IntArray
    sku_price: IntArray
    commission: IntArray
    ad_commission: IntArray
    titles: npt.NDArray[np.object_]
    planted: BoolArray
    relabelled: list[int] = dataclasses.field(default_factory=list)
    moved: list[int] = dataclasses.field(default_factory=list)

    @classmethod
    def of(cls, pop: Population) -> _Market:
        columns = _shop_columns(pop)
        titles = pop.tables["products"].column("title").to_pylist()
        return cls(
            pop=pop,
            industry=pop.shop_industry.copy(),
            columns=columns,
            sku_leaf=pop.sku_leaf.copy(),
            sku_price=pop.sku_price.copy(),
            commission=pop.sku_commission_bp.copy(),
            ad_commission=pop.sku_ad_commission_bp.copy(),
            titles=_object_array(titles),
            planted=_planted(pop),
        )

    def shops_meeting(self, atoms: Sequence[Atom]) -> BoolArray:
        return _meeting(self.columns, atoms, self.pop.shop_count)

    def selling_in(self, leaves: IntArray) -> BoolArray:
        """Shops with a SKU in one of ``leaves``."""
        skus = np.isin(self.sku_leaf, leaves)
        sells: BoolArray = np.bincount(self.pop.sku_shop[skus], minlength=self.pop.shop_count) > 0
        return sells

    def witnesses(self, combo: Combination) -> BoolArray:
        leaves = allowed_leaves(combo.on("category"))
        return self.shops_meeting(combo.on("shop")) & self.selling_in(leaves)


@dataclasses.dataclass(frozen=True, slots=True)
class _Target:
    """What a shop must become to meet a combination (None: leave the column as it is)."""

    industries: tuple[int, ...]
    """Industries whose leaves the combination allows, preferred first."""
    leaves: IntArray
    store_types: tuple[str, ...] | None
    subtypes: tuple[str, ...] | None
    modes: tuple[str, ...] | None


def _target(combo: Combination) -> _Target | None:
    """The target of a combination; None when no shop can meet it (unknown values,
    contradictory parts)."""
    by_column = {a.column: a for a in combo.on("shop")}
    leaves = allowed_leaves(combo.on("category"))
    sold = set(_LEAF_INDUSTRY[leaves].tolist())
    named = by_column.get("industry") or next(
        (a for a in combo.on("category") if a.column == "industry"), None
    )
    order = [INDUSTRY_INDEX[c] for c in named.values if c in INDUSTRY_INDEX] if named else []
    industries = tuple(i for i in dict.fromkeys([*order, *sorted(sold)]) if i in sold)
    if "industry" in by_column:
        industries = tuple(i for i in industries if _CODES[i] in by_column["industry"].values)
    store_types = _choices(by_column.get("store_type"))
    subtypes = _choices(by_column.get("store_subtype"))
    if subtypes is not None:  # an enterprise kind: the store must be an enterprise store
        if store_types is not None and _ENTERPRISE not in store_types:
            return None
        store_types = (_ENTERPRISE,)
    modes = _choices(by_column.get("business_mode"))
    if not industries or () in (store_types, subtypes, modes):
        return None
    return _Target(industries, leaves, store_types, subtypes, modes)


def _choices(atom: Atom | None) -> tuple[str, ...] | None:
    if atom is None:
        return None
    legal = atom.declared.choices
    return tuple(v for v in atom.values if not legal or v in legal)


def meet_shop_combinations(
    rng: np.random.Generator,
    pop: Population,
    combos: Sequence[Combination] | None = None,
) -> Population:
    """The population with a shop meeting every combination's shop and category parts.

    ``combos`` defaults to the shipped rulebooks' ones. The population is returned as it
    came when every combination is met already.
    """
    wanted = sorted(shipped_combinations() if combos is None else combos, key=specificity)
    market = _Market.of(pop)
    kept = np.zeros(pop.shop_count, dtype=np.bool_)
    unmet: list[Combination] = []
    for combo in wanted:  # first keep one witness of each combination met as drawn
        found = market.witnesses(combo)
        if found.any():
            kept[_busiest(pop, found)] = True
        else:
            unmet.append(combo)
    budget = int(COMBINATION_SHOP_SHARE * pop.shop_count)
    for combo in unmet:
        if len(market.relabelled) >= budget:
            break
        if market.witnesses(combo).any():  # an earlier relabelling met it
            continue
        target = _target(combo)
        if target is None:
            continue
        shop = _candidate(market, combo, target, kept)
        if shop is None:
            continue
        _relabel(rng, market, shop, target)
        kept[shop] = True
    return _rebuilt(market) if market.relabelled else pop


def _busiest(pop: Population, mask: BoolArray) -> int:
    index = np.flatnonzero(mask)
    return int(index[np.argmax(pop.shop_weight[index])])


def _candidate(market: _Market, combo: Combination, target: _Target, kept: BoolArray) -> int | None:
    """The free shop needing the fewest changes (an industry move counts most), busiest first."""
    fixed = [a for a in combo.on("shop") if a.column not in SETTABLE_SHOP_COLUMNS]
    entry_plan = any(a.column == "entry_plan" for a in fixed)
    free = ~kept & ~market.planted & market.shops_meeting(fixed)
    if not entry_plan:
        free &= ~market.pop.shop_restricted
    if not free.any():
        return None
    stays = np.isin(market.industry, target.industries) & market.selling_in(target.leaves)
    changes = np.zeros(market.pop.shop_count, dtype=np.int64)
    for column, values in (
        ("store_type", target.store_types),
        ("store_subtype", target.subtypes),
        ("business_mode", target.modes),
    ):
        if values is not None:
            changes += ~np.isin(market.columns[column].astype(str), list(values))
    index = np.flatnonzero(free)
    order = np.lexsort((-market.pop.shop_weight[index], changes[index], ~stays[index]))
    return int(index[order[0]])


def _relabel(rng: np.random.Generator, market: _Market, shop: int, target: _Target) -> None:
    columns = market.columns
    if not (market.industry[shop] in target.industries and market.selling_in(target.leaves)[shop]):
        industry = (
            int(market.industry[shop])
            if market.industry[shop] in target.industries
            else target.industries[0]
        )
        _move(rng, market, shop, industry, target.leaves[_LEAF_INDUSTRY[target.leaves] == industry])
    old_type = str(columns["store_type"][shop])
    if target.store_types is not None and old_type not in target.store_types:
        columns["store_type"][shop] = target.store_types[0]
    store_type = str(columns["store_type"][shop])
    subtype = columns["store_subtype"][shop]
    if store_type != _ENTERPRISE:
        subtype = None
    elif target.subtypes is not None and subtype not in target.subtypes:
        subtype = target.subtypes[0]
    elif subtype is None:
        subtype = STORE_SUBTYPES[int(choose(rng, SUBTYPE_WEIGHTS, 1)[0])]
    if store_type != old_type or subtype != columns["store_subtype"][shop]:
        columns["name"][shop] = _retail(
            rng, str(columns["name"][shop]), old_type, store_type, subtype
        )
    columns["store_subtype"][shop] = subtype
    if target.modes is not None and columns["business_mode"][shop] not in target.modes:
        columns["business_mode"][shop] = target.modes[0]
    market.relabelled.append(shop)


def _move(
    rng: np.random.Generator, market: _Market, shop: int, industry: int, leaves: IntArray
) -> None:
    """Move a shop into ``industry``: its SKUs spread over ``leaves``, newly priced and named."""
    pop = market.pop
    start, count = int(pop.shop_sku_start[shop]), int(pop.shop_sku_count[shop])
    skus = np.arange(start, start + count)
    new_leaf = leaves[rng.integers(0, leaves.size, count)]
    raw = _LEAF_PRICE[new_leaf] * rng.lognormal(0.0, 0.45, count)
    market.sku_leaf[skus] = new_leaf
    market.sku_price[skus] = np.maximum(np.round(raw / 100.0).astype(np.int64) * 100 - 10, 90)
    if _LOW_COMMISSION[industry]:
        market.commission[skus] = rng.integers(1, 11, count) * 100
        market.ad_commission[skus] = np.where(market.ad_commission[skus] >= 0, 100, -1)
    for sku, leaf, prefix, suffix in zip(
        skus.tolist(),
        new_leaf.tolist(),
        rng.integers(0, len(texts.TITLE_PREFIXES), count).tolist(),
        rng.integers(0, len(texts.TITLE_SUFFIXES), count).tolist(),
        strict=True,
    ):
        nouns = LEAVES[leaf].nouns
        noun = nouns[int(rng.integers(len(nouns)))]
        market.titles[sku] = texts.TITLE_PREFIXES[prefix] + noun + texts.TITLE_SUFFIXES[suffix]
    old_main = int(str(market.columns["main_category_id"][shop])[-3:]) - 1
    new_main = int(new_leaf[0]) if count else int(leaves[0])
    name = str(market.columns["name"][shop])
    market.columns["name"][shop] = name.replace(LEAVES[old_main].name, LEAVES[new_main].name, 1)
    market.columns["main_category_id"][shop] = leaf_id(new_main)
    market.columns["industry"][shop] = ALL_INDUSTRIES[industry].code
    market.industry[shop] = industry
    market.moved.append(shop)


def _retail(
    rng: np.random.Generator, name: str, old_type: str, store_type: str, subtype: str | None
) -> str:
    """The shop name with the tail of its new store type (专营店 for a specialty store …)."""
    head = next(
        (name[: -len(t)] for t in texts.SHOP_NAME_TAILS[old_type] if name.endswith(t)), name
    )
    tails = texts.SHOP_NAME_TAILS[store_type]
    tail = _SUBTYPE_TAIL.get(subtype or "") or tails[int(rng.integers(len(tails)))]
    return head + tail


def _rebuilt(market: _Market) -> Population:
    pop = market.pop
    shops = pop.tables["shops"]
    for name in ("name", "industry", "main_category_id", "store_type", "store_subtype"):
        shops = _set(shops, name, pa.array(market.columns[name].tolist(), pa.string()))
    shops = _set(shops, "business_mode", pa.array(market.columns["business_mode"].tolist()))
    products = pop.tables["products"]
    if market.moved:
        leaf_ids = pa.array([leaf_id(j) for j in range(len(LEAVES))], pa.string())
        products = _set(products, "category_id", leaf_ids.take(pa.array(market.sku_leaf)))
        products = _set(products, "title", pa.array(market.titles.tolist(), pa.string()))
        products = _set(products, "price_fen", pa.array(market.sku_price, pa.int64()))
    return dataclasses.replace(
        pop,
        shop_industry=market.industry,
        shop_cross_border=market.columns["business_mode"] == "cross_border",
        sku_leaf=market.sku_leaf,
        sku_price=market.sku_price,
        sku_commission_bp=market.commission,
        sku_ad_commission_bp=market.ad_commission,
        tables=pop.tables | {"shops": shops, "products": products},
    )


def _planted(pop: Population) -> BoolArray:
    """Shops whose planted truth a relabelling would falsify."""
    planted: set[str] = set()
    for name in ("poor_quality_shops", "late_shipping_shops", "sizing_skus"):
        planted |= set(pop.truth[name].column("shop_id").to_pylist())
    return np.array([s in planted for s in pop.shop_ids.to_pylist()], dtype=np.bool_)


def _set(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


# --- orders ---------------------------------------------------------------------------------


def meet_order_combinations(
    rng: np.random.Generator,
    pop: Population,
    batch: OrderBatch,
    combos: Sequence[Combination] | None = None,
) -> OrderBatch:
    """The day's orders with, for each combination with order or creator parts that no
    order meets, one order at a meeting shop and leaf given the order values it requires."""
    wanted = [
        c
        for c in sorted(shipped_combinations() if combos is None else combos, key=specificity)
        if c.on("order", "creator")
    ]
    if not wanted or batch.size == 0:
        return batch
    shops = _shop_columns(pop)
    leaf = pop.sku_leaf[batch.sku]
    tiers = _creator_values(pop, batch)
    table = batch.table
    values: dict[str, npt.NDArray[np.object_]] = {}
    changed: set[str] = set()
    for combo in wanted:
        base = _meeting(shops, combo.on("shop"), pop.shop_count)[batch.shop]
        base &= np.isin(leaf, allowed_leaves(combo.on("category")))
        for atom in combo.on("creator"):
            base &= _among(tiers(atom.column), atom)
        rows = np.flatnonzero(base)
        if not rows.size:
            continue
        atoms = combo.on("order")
        for atom in atoms:
            if atom.column not in values:
                values[atom.column] = _object_array(table.column(atom.column).to_pylist())
        met = np.ones((len(atoms), rows.size), dtype=np.bool_)
        settable = met.copy()
        for k, atom in enumerate(atoms):
            met[k] = _among(values[atom.column][rows], atom)
            settable[k] = met[k] | _settable(values[atom.column][rows], atom)
        if met.all(axis=0).any():
            continue
        candidates = settable.all(axis=0)
        if not candidates.any():
            continue
        score = met.sum(axis=0)
        best = np.flatnonzero(candidates & (score == score[candidates].max()))
        pick = int(best[int(rng.integers(best.size))])
        row = int(rows[pick])
        for k, atom in enumerate(atoms):
            if not met[k, pick]:
                values[atom.column][row] = _required(atom, values[atom.column][row])
                changed.add(atom.column)
    return _with_orders(batch, table, values, changed)


def _creator_values(pop: Population, batch: OrderBatch) -> Callable[[str], npt.NDArray[np.object_]]:
    """A function giving each order's creator's value of a ``creators`` column (None
    without a creator)."""
    creators = pop.tables["creators"]

    def of(column: str) -> npt.NDArray[np.object_]:
        per_creator = _object_array([*creators.column(column).to_pylist(), None])
        return per_creator[np.where(batch.creator >= 0, batch.creator, -1)]

    return of


def _settable(current: npt.NDArray[np.object_], atom: Atom) -> BoolArray:
    """Orders whose ``atom`` column may be set: an enumerated column, and a nullable one
    only where the order already has a value."""
    declared = atom.declared
    if not declared.choices or not set(atom.values) & set(declared.choices):
        return np.zeros(current.size, dtype=np.bool_)
    if declared.nullable:
        present: BoolArray = current != None  # noqa: E711
        return present
    return np.ones(current.size, dtype=np.bool_)


def _required(atom: Atom, current: object) -> object:
    value = next(v for v in atom.values if v in atom.declared.choices)
    if atom.listed:
        return [*(current if isinstance(current, list) else []), value]
    return value


def _with_orders(
    batch: OrderBatch,
    table: pa.Table,
    values: dict[str, npt.NDArray[np.object_]],
    changed: set[str],
) -> OrderBatch:
    if not changed:
        return batch
    arrays: dict[str, IntArray] = {}
    for column in sorted(changed):
        field = table.schema.field(column)
        table = table.set_column(
            table.schema.get_field_index(column),
            field,
            pa.array(values[column].tolist(), field.type),
        )
        if column in BATCH_ARRAYS:
            choices = next(c for c in ORDERS.columns if c.name == column).choices
            arrays[BATCH_ARRAYS[column]] = np.array(
                [choices.index(v) if v is not None else -1 for v in values[column]], dtype=np.int64
            )
    return dataclasses.replace(batch, table=table, **arrays)  # type: ignore[arg-type]


def _object_array(items: list[object]) -> npt.NDArray[np.object_]:
    """A 1-D object array of ``items`` (lists stay elements, not a second dimension)."""
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out
