"""Creator video captions that make false claims, with honest decoys beside them.

Creator videos (``creator_videos``) promote a listing; their captions (``video_captions``) are
held to what the listing states, as its title is. Here creators publish, on the run's first
day, videos of honest base listings (no other plant touches them) whose captions claim
something the listing's own attributes contradict, and as many decoys that resemble them
without contradicting anything:

==============  ======================================  ======================================
claim           violation                               decoy
==============  ======================================  ======================================
material        羊绒/羽绒/真丝 said, composition lacks  仿羊绒 (imitation), or a material the
                it                                       composition states
origin          a producing area of another province    the ship-from province named
                (fresh produce)
count           three times the stated sheets           the stated sheets
国补            国补价 on goods outside the programme    国补 on an appliance; 全国补货
==============  ======================================  ======================================

No caption uses a forbidden absolute word (the title check's business). Truth:
``truth/caption_claims.csv`` (sku, shop, kind ``caption_claim``, planted = violation | decoy),
the same layout as ``truth/listing_violations.csv``. Drawn from its own random stream, so the
rest of the run is unchanged by it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import numpy as np
import pyarrow as pa

from merchantry.synth.catalogue import LEAVES, leaf_id
from merchantry.synth.listings import PLACES, PROGRAMME_INDUSTRIES, ListingPlants
from merchantry.synth.population import Population

KIND: Final = "caption_claim"
CLAIM_MATERIALS: Final = {"羊绒": "羊绒", "羽绒": "白鸭绒", "真丝": "桑蚕丝", "羊毛": "羊毛"}
"""Material a caption may claim -> the composition's name of it."""


@dataclass(frozen=True, slots=True)
class CaptionPlants:
    tables: dict[str, pa.Table]
    """``creator_videos`` and ``video_captions`` rows of the planted videos."""
    truth: pa.Table
    """``truth/caption_claims.csv``."""


@dataclass(frozen=True, slots=True)
class _Base:
    sku_id: str
    shop_id: str
    industry: str
    composition: tuple[str, ...]
    ship_from: str
    net_count: int | None


def plant_captions(
    rng: np.random.Generator,
    pop: Population,
    extra_products: pa.Table,
    listed: ListingPlants,
    start: date,
) -> CaptionPlants:
    """False captions and as many decoys per claim (as many as the listing plants of a kind),
    on base listings only (``pop``'s products and ``extra_products``)."""
    creator_ids: Sequence[str] = pop.creator_ids.to_pylist()
    products = pa.concat_tables([pop.tables["products"], extra_products])
    claims = listed.tables["listing_claims"]
    planted_skus = frozenset(listed.products.column("sku_id").to_pylist())
    per_kind = int(min(40, max(3, pop.tables["shops"].num_rows // 4)))
    industry = {leaf_id(k): leaf.industry for k, leaf in enumerate(LEAVES)}
    stated = {str(c["sku_id"]): c for c in claims.to_pylist()}
    bases = [
        _Base(
            str(p["sku_id"]),
            str(p["shop_id"]),
            industry.get(str(p["category_id"]), ""),
            tuple(stated[str(p["sku_id"])]["composition"] or ()),
            str(stated[str(p["sku_id"])]["ship_from"] or ""),
            stated[str(p["sku_id"])]["net_count"],
        )
        for p in products.to_pylist()
        if str(p["sku_id"]) not in planted_skus and str(p["sku_id"]) in stated
    ]
    used: set[str] = set()
    videos: list[dict[str, Any]] = []
    captions: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    when = datetime.combine(start, datetime.min.time()) + timedelta(hours=9)

    def pick(fits: Callable[[_Base], bool]) -> _Base | None:
        pool = [b for b in bases if b.sku_id not in used and fits(b)]
        if not pool:
            return None
        chosen = pool[int(rng.integers(len(pool)))]
        used.add(chosen.sku_id)
        return chosen

    def put(base: _Base | None, caption: str, planted: str) -> None:
        if base is None:
            return
        number = len(videos) + 1
        video = f"VC{number:06d}"
        videos.append(
            {
                "video_id": video,
                "creator_id": creator_ids[int(rng.integers(len(creator_ids)))],
                "shop_id": base.shop_id,
                "sku_id": base.sku_id,
                "published_at": when + timedelta(minutes=3 * number),
            }
        )
        captions.append({"video_id": video, "caption": caption})
        truth.append(
            {"sku_id": base.sku_id, "shop_id": base.shop_id, "kind": KIND, "planted": planted}
        )

    def has(base: _Base, material: str) -> bool:
        return any(part.split(":")[0] == material for part in base.composition)

    def lacks(material: str) -> Callable[[_Base], bool]:
        return lambda b: bool(b.composition) and not has(b, material)

    def ships_elsewhere(*names: str) -> Callable[[_Base], bool]:
        return lambda b: b.industry == "fresh_produce" and b.ship_from not in names

    for k in range(per_kind):
        said = list(CLAIM_MATERIALS)[k % len(CLAIM_MATERIALS)]
        material = CLAIM_MATERIALS[said]
        put(
            pick(lacks(material)),
            f"这款是{said}的，上身软糯很舒服",
            "violation",
        )
        if k % 2 == 0:
            put(
                pick(lambda b: bool(b.composition) and not has(b, "羊绒")),
                "仿羊绒面料，平价也有好质感",
                "decoy",
            )
        else:
            honest = pick(lambda b: any(has(b, m) for m in CLAIM_MATERIALS.values()))
            word = next(
                (w for w, m in CLAIM_MATERIALS.items() if honest and has(honest, m)), "羊毛"
            )
            put(honest, f"{word}面料，做工扎实细节在线", "decoy")

        area, province = list(PLACES.items())[k % len(PLACES)]
        put(
            pick(ships_elsewhere(province, area)),
            f"{area}产地直发，今天现摘现发",
            "violation",
        )
        home = pick(lambda b: b.industry == "fresh_produce" and bool(b.ship_from))
        if home is not None:
            put(home, f"{home.ship_from}产地直发，新鲜到家", "decoy")

        tissue = pick(lambda b: b.net_count is not None)
        if tissue is not None:
            put(tissue, f"一提足足{int(tissue.net_count or 0) * 3}抽，囤货超划算", "violation")
        stated_count = pick(lambda b: b.net_count is not None)
        if stated_count is not None:
            put(stated_count, f"每包{stated_count.net_count}抽，家里常备", "decoy")

        put(
            pick(lambda b: b.industry not in PROGRAMME_INDUSTRIES),
            "国补价到手，今天下单更划算",
            "violation",
        )
        if k % 2 == 0:
            put(
                pick(lambda b: b.industry in PROGRAMME_INDUSTRIES),
                "国补价到手，以旧换新更划算",
                "decoy",
            )
        else:
            put(
                pick(lambda b: b.industry not in PROGRAMME_INDUSTRIES),
                "全国补货中，下单就发",
                "decoy",
            )
    return CaptionPlants(
        tables={
            "creator_videos": pa.Table.from_pylist(videos, schema=_VIDEOS),
            "video_captions": pa.Table.from_pylist(captions, schema=_CAPTIONS),
        },
        truth=pa.Table.from_pylist(truth, schema=_TRUTH),
    )


_VIDEOS: Final = pa.schema(
    [
        ("video_id", pa.string()),
        ("creator_id", pa.string()),
        ("shop_id", pa.string()),
        ("sku_id", pa.string()),
        ("published_at", pa.timestamp("us")),
    ]
)
_CAPTIONS: Final = pa.schema([("video_id", pa.string()), ("caption", pa.string())])
_TRUTH: Final = pa.schema(
    [
        ("sku_id", pa.string()),
        ("shop_id", pa.string()),
        ("kind", pa.string()),
        ("planted", pa.string()),
    ]
)
