"""Planted near-duplicates and complements, for judging post-purchase suppression.

Every generated SKU gets a ``product_profiles`` row (brand for about half, attributes
by industry, a random 64-bit main-image hash, a content-quality score). Then, for a
sample of anchor SKUs, new listings are planted next to each anchor, one of each kind:

- ``relisted``: the same shop lists the item again (title reworded, image re-encoded:
  a few hash bits flipped, same attributes, price within a few percent);
- ``same_spu``: another shop sells the same product (half share an SPU id with the
  anchor; the other half only a near-identical image and brand);
- ``variant``: the same shop lists another colour or size of it;
- ``lookalike``: another shop's different product in the same category with a
  similar title (another brand or material, its own image): must be kept;
- ``complement``: a product of a complementary category (phone -> power bank): kept.

The planted listings are appended to ``products`` (they take no orders) and the truth,
one row per (anchor, planted) pair with its kind, goes to ``truth/reco_pairs.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth import texts
from merchantry.synth.catalogue import ALL_INDUSTRIES, LEAF_INDUSTRY, LEAVES, leaf_id
from merchantry.synth.population import Population

KINDS: Final = ("relisted", "same_spu", "variant", "lookalike", "complement")
DUPLICATE_KINDS: Final = frozenset({"relisted", "same_spu", "variant"})
"""Kinds the filter must withhold after the anchor is bought; the others it must keep."""
BRANDS: Final = (
    "悦木", "森禾", "小鹿优选", "山野", "禾本", "初见", "青柚", "木子", "南极熊", "北岸",
    "简初", "拾光", "优朴", "橙心", "米粒", "云朵",
)  # fmt: skip
MATERIALS: Final = {
    "apparel": ("纯棉", "涤纶", "真丝", "羊毛", "莫代尔"),
    "shoes_bags": ("真皮", "帆布", "网面", "PU"),
    "home_furniture": ("实木", "乳胶", "布艺", "板材"),
    "gold_jewellery": ("足金", "925银"),
    "baby": ("纯棉", "无纺布"),
    "toys": ("ABS塑料", "毛绒"),
    "sports_outdoor": ("涤纶", "TPE", "铝合金"),
}
COLOURS: Final = ("黑色", "白色", "红色", "蓝色", "灰色", "粉色", "绿色")
SIZES: Final = ("S", "M", "L", "XL", "XXL")
SPECS: Final = ("128GB", "256GB", "500ml", "1kg", "2kg", "标准装", "加大装")
CERTIFICATIONS: Final = {
    "nutrition": "蓝帽子保健食品",
    "baby": "婴幼儿A类",
    "skincare": "国妆特字",
    "digital_3c": "3C认证",
    "fresh_produce": "有机认证",
}
SIZED: Final = frozenset({"apparel", "shoes_bags", "baby", "sports_outdoor"})
COLOURED: Final = frozenset(
    {"apparel", "shoes_bags", "digital_3c", "home_furniture", "toys", "sports_outdoor", "makeup"}
)
COMPLEMENTS: Final = {
    "手机": ("充电宝", "蓝牙耳机"),
    "平板电脑": ("蓝牙耳机", "充电宝"),
    "连衣裙": ("女士单鞋", "双肩包"),
    "男士T恤": ("运动鞋",),
    "运动鞋": ("运动服",),
    "猫粮": ("猫砂", "宠物玩具"),
    "狗粮": ("宠物玩具",),
    "洗衣机": ("洗衣液",),
    "奶粉": ("纸尿裤",),
    "纸尿裤": ("奶粉",),
    "面霜": ("精华液", "面膜"),
    "口红": ("粉底液",),
    "帐篷": ("瑜伽垫",),
    "大米": ("食用油", "酱油调味"),
}
"""Complementary leaves by leaf name; a leaf not listed pairs with another leaf of its
industry (or any other leaf)."""
RELIST_MARKS: Final = ("【新】", "【补货】", "清仓", "现货", "2026款")


@dataclass(frozen=True, slots=True)
class Planted:
    """What the hook writes: rows for ``products`` and ``product_profiles``, and truth."""

    products: pa.Table
    profiles: pa.Table
    truth: pa.Table


def plant_lookalikes(rng: np.random.Generator, pop: Population) -> Planted:
    """Profiles for every SKU, and planted near-duplicates and complements of anchors."""
    base = pop.tables["products"].to_pylist()
    total = len(base)
    leaf_of = pop.sku_leaf.tolist()
    shop_ids = pop.shop_ids.to_pylist()
    profiles = [_profile(rng, row, leaf_of[k]) for k, row in enumerate(base)]
    anchors = np.sort(rng.choice(total, size=min(400, max(5, total // 10)), replace=False))
    new_products: list[dict[str, object]] = []
    new_profiles: list[dict[str, object]] = []
    truth: list[dict[str, object]] = []
    next_number = total + 1
    spu_number = 1
    for k in anchors.tolist():
        anchor, profile = base[k], profiles[k]
        leaf = leaf_of[k]
        for kind in KINDS:
            sku = f"K{next_number:08d}"
            next_number += 1
            if kind == "same_spu" and spu_number % 2:
                profile["spu_id"] = f"SPU{spu_number:06d}"
            if kind == "same_spu":
                spu_number += 1
            row, prof = _plant(rng, kind, sku, anchor, profile, leaf, shop_ids)
            new_products.append(row)
            new_profiles.append(prof)
            truth.append({"anchor_sku_id": anchor["sku_id"], "sku_id": sku, "kind": kind})
    schema = pop.tables["products"].schema
    return Planted(
        products=pa.Table.from_pylist(new_products, schema=schema),
        profiles=pa.Table.from_pylist(profiles + new_profiles, schema=_PROFILE_SCHEMA),
        truth=pa.Table.from_pylist(truth, schema=_TRUTH_SCHEMA),
    )


_PROFILE_SCHEMA: Final = pa.schema(
    [
        ("sku_id", pa.string()),
        ("spu_id", pa.string()),
        ("brand", pa.string()),
        ("attributes", pa.list_(pa.string())),
        ("image_phash", pa.string()),
        ("content_quality", pa.int32()),
    ]
)
_TRUTH_SCHEMA: Final = pa.schema(
    [("anchor_sku_id", pa.string()), ("sku_id", pa.string()), ("kind", pa.string())]
)


def _industry(leaf: int) -> str:
    return ALL_INDUSTRIES[LEAF_INDUSTRY[leaf]].code


def _attributes(rng: np.random.Generator, leaf: int) -> dict[str, str]:
    industry = _industry(leaf)
    attrs: dict[str, str] = {}
    if industry in MATERIALS:
        options = MATERIALS[industry]
        attrs["material"] = options[int(rng.integers(len(options)))]
    if industry in COLOURED:
        attrs["colour"] = COLOURS[int(rng.integers(len(COLOURS)))]
    if industry in SIZED:
        attrs["size"] = SIZES[int(rng.integers(len(SIZES)))]
    elif rng.random() < 0.5:
        attrs["spec"] = SPECS[int(rng.integers(len(SPECS)))]
    if industry in CERTIFICATIONS and rng.random() < 0.4:
        attrs["certification"] = CERTIFICATIONS[industry]
    return attrs


def _encode(attrs: dict[str, str]) -> list[str] | None:
    return [f"{k}={v}" for k, v in sorted(attrs.items())] or None


def _hash(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 1 << 63)) * 2 + int(rng.integers(0, 2))


def _flip(rng: np.random.Generator, value: int, bits: int) -> int:
    for position in rng.choice(64, size=bits, replace=False).tolist():
        value ^= 1 << int(position)
    return value


def _profile(rng: np.random.Generator, row: dict[str, object], leaf: int) -> dict[str, object]:
    brand = BRANDS[int(rng.integers(len(BRANDS)))] if rng.random() < 0.5 else None
    return {
        "sku_id": row["sku_id"],
        "spu_id": None,
        "brand": brand,
        "attributes": _encode(_attributes(rng, leaf)),
        "image_phash": f"{_hash(rng):016x}",
        "content_quality": int(np.clip(rng.normal(62, 15), 5, 100)),
    }


def _title(rng: np.random.Generator, leaf: int) -> str:
    nouns = LEAVES[leaf].nouns
    return (
        texts.TITLE_PREFIXES[int(rng.integers(len(texts.TITLE_PREFIXES)))]
        + nouns[int(rng.integers(len(nouns)))]
        + texts.TITLE_SUFFIXES[int(rng.integers(len(texts.TITLE_SUFFIXES)))]
    )


def _complement_leaf(rng: np.random.Generator, leaf: int) -> int:
    names: dict[str, int] = {}
    for j, lf in enumerate(LEAVES):
        names.setdefault(lf.name, j)  # a special leaf may share a core leaf's name
    chosen = COMPLEMENTS.get(LEAVES[leaf].name)
    if chosen:
        return names[chosen[int(rng.integers(len(chosen)))]]
    same = [j for j in range(len(LEAVES)) if LEAF_INDUSTRY[j] == LEAF_INDUSTRY[leaf] and j != leaf]
    pool = same or [j for j in range(len(LEAVES)) if j != leaf]
    return pool[int(rng.integers(len(pool)))]


def _plant(
    rng: np.random.Generator,
    kind: str,
    sku: str,
    anchor: dict[str, object],
    profile: dict[str, object],
    leaf: int,
    shop_ids: list[str],
) -> tuple[dict[str, object], dict[str, object]]:
    title = str(anchor["title"])
    price = int(str(anchor["price_fen"]))
    attrs = dict(a.split("=", 1) for a in (profile["attributes"] or []))  # type: ignore[attr-defined]
    phash = int(str(profile["image_phash"]), 16)
    shop = str(anchor["shop_id"])
    other_shop = shop_ids[int(rng.integers(len(shop_ids)))]
    brand = profile["brand"]
    spu = None
    category = str(anchor["category_id"])
    if kind == "relisted":
        mark = RELIST_MARKS[int(rng.integers(len(RELIST_MARKS)))]
        title = mark + title
        # A fifth are re-shot: a new main image, so only the title can tell.
        phash = _hash(rng) if rng.random() < 0.2 else _flip(rng, phash, int(rng.integers(0, 7)))
        price = max(90, price + int(rng.integers(-3, 4)) * price // 100)
    elif kind == "same_spu":
        shop = other_shop
        spu = profile["spu_id"]
        prefix = texts.TITLE_PREFIXES[int(rng.integers(len(texts.TITLE_PREFIXES)))]
        title = prefix + title.split("】", 1)[-1]
        # Some resellers shoot their own photo (many bits apart) and drop the brand:
        # without an SPU these are hard, and some are meant to be missed.
        if spu is None and rng.random() < 0.3:
            phash = _flip(rng, phash, int(rng.integers(8, 20)))
            brand = None
        else:
            phash = _flip(rng, phash, int(rng.integers(0, 7)))
        price = max(90, price + int(rng.integers(-10, 11)) * price // 100)
    elif kind == "variant":
        key = "size" if "size" in attrs else "colour"
        options = SIZES if key == "size" else COLOURS
        others = [o for o in options if o != attrs.get(key)]
        attrs[key] = others[int(rng.integers(len(others)))]
        title = f"{title} {attrs[key]}"
        phash = _flip(rng, phash, int(rng.integers(4, 13)))
    elif kind == "lookalike":
        shop = other_shop
        title = _title(rng, leaf)
        # A third are the same brand's other model (a sibling, not a copy): hard negatives.
        if not (brand and rng.random() < 0.33):
            others = [b for b in BRANDS if b != brand]
            brand = others[int(rng.integers(len(others)))]
        attrs = _attributes(rng, leaf)
        attrs["model"] = f"M{int(rng.integers(100, 999))}"
        phash = _hash(rng)
        price = max(90, price + int(rng.integers(-20, 21)) * price // 100)
    else:  # complement
        other = _complement_leaf(rng, leaf)
        category = leaf_id(other)
        title = _title(rng, other)
        attrs = _attributes(rng, other)
        phash = _hash(rng)
        price = max(90, LEAVES[other].price_fen * int(rng.integers(60, 140)) // 100)
        brand = BRANDS[int(rng.integers(len(BRANDS)))] if rng.random() < 0.5 else None
    row = {
        "sku_id": sku,
        "shop_id": shop,
        "category_id": category,
        "title": title,
        "price_fen": price,
        "image_refs": [f"img/{sku}-0.jpg"],
    }
    prof = {
        "sku_id": sku,
        "spu_id": spu,
        "brand": brand,
        "attributes": _encode(attrs),
        "image_phash": f"{phash:016x}",
        "content_quality": int(np.clip(rng.normal(62, 15), 5, 100)),
    }
    return row, prof
