"""What listings claim, with planted violations of each kind and honest decoys beside them.

Every generated SKU gets an honest ``listing_claims`` row: a composition that contains every
material its title names, the shop's province as ship-from (a produce title naming a producing
area ships from that area's province), the stated count of tissue packs, the national-subsidy
label only on appliances and digital goods, and a ``publish`` event. Base listings carry no
main-image hash (their pictures are unknown), and no brand.

Then, for each kind of listing violation, planted listings (appended to ``products``, taking no
orders) break the rule, and as many **decoys** resemble them without breaking it:

========================  =================================  ==================================
kind                      violation                          decoy
========================  =================================  ==================================
material_claim            羊绒/羽绒 title, composition lacks  羊绒混纺 with a stated share; 仿羊绒
origin_claim              阿克苏 apples shipped from 山东       the same title shipped from 新疆
count_claim               300抽 with 100 sheets stated         100抽 with 100 stated
absolute_terms            全网最低价, 销量第一, 国家级           最近热卖, 第一件半价
subsidy_label             国补 label on skincare/apparel      国补 on a fridge; 全国补货
unauthorised_brand        brand in the title, no papers       authorised shop; 适用于<brand>
price_below_band          15-25% of the brand's median        a 70% sale price
copied_listing            later near-duplicate, other shop    the original; same-shop re-list;
                                                              a linked shop's re-list
========================  =================================  ==================================

Two linked shops (sharing a licence in ``shop_identities``) copy originals together: their
copies are one planted cluster. Truth: ``truth/listing_violations.csv`` (sku, shop, kind,
planted = violation | decoy) and ``truth/listing_copy_clusters.csv``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Final

import numpy as np
import pyarrow as pa

from merchantry.synth.catalogue import INDUSTRIES, LEAVES, leaf_id
from merchantry.synth.population import Population

MATERIAL_WORDS: Final = {
    "羽绒": "白鸭绒",
    "鸭绒": "白鸭绒",
    "鹅绒": "白鹅绒",
    "羊绒": "羊绒",
    "羊毛": "羊毛",
    "真丝": "桑蚕丝",
    "桑蚕丝": "桑蚕丝",
}
"""Material words a generated title may contain -> the material an honest composition states."""
PLACES: Final = {"赣南": "江西", "阿克苏": "新疆", "烟台": "山东", "洛川": "陕西", "五常": "黑龙江"}
"""Producing areas the generator names in titles -> their province."""
PROGRAMME_INDUSTRIES: Final = frozenset({"digital_3c", "large_appliance"})
BRANDS: Final = ("澜庭", "沐川", "栖梧", "青岚", "墨禾", "霁月")
"""Brands of the governance plants (none appears in a base title)."""
CAPTIONS: Final = (
    "最近入手的宝藏好物，真实使用一周分享给大家",
    "第一次用就回购了，细节做工都很在线",
    "今天开箱这款，实测效果和详情页一致",
    "宝子们看过来，这款性价比很高，链接在小黄车",
    "跟着视频看看真实上身和使用效果",
)
"""Honest creator captions; some hold honest words that contain a forbidden one (最近, 第一次)."""
COPY_NOUNS: Final = ("双肩包", "帆布托特包", "陶瓷马克杯", "实木收纳盒", "亚麻抱枕", "手工香薰蜡烛")
COPY_MOTIFS: Final = ("敦煌飞天", "青花缠枝", "宋式山水", "苗绣蝴蝶", "水墨竹影", "云纹锦鲤")


@dataclass
class _Out:
    products: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    truth: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    next_number: int = 1

    def sku(self) -> str:
        sku = f"L{self.next_number:07d}"
        self.next_number += 1
        return sku


@dataclass(frozen=True, slots=True)
class ListingPlants:
    products: pa.Table
    tables: dict[str, pa.Table]
    truth: dict[str, pa.Table]


def _leaf(name: str) -> int:
    return next(k for k, leaf in enumerate(LEAVES) if leaf.name == name)


def _phash(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 1 << 63)) * 2 + int(rng.integers(0, 2))


def _flip(rng: np.random.Generator, value: int, bits: int) -> int:
    for bit in rng.choice(64, size=bits, replace=False).tolist():
        value ^= 1 << int(bit)
    return value


def _composition_for(title: str, industry: str) -> list[str]:
    named = list(dict.fromkeys(m for w, m in MATERIAL_WORDS.items() if w in title))
    if named:
        share = 100 // len(named)
        return [f"{m}:{share}" for m in named]
    if industry in ("apparel", "baby", "sports_outdoor", "shoes_bags"):
        return ["棉:100"]
    return []


def _claim(sku: str, at: datetime, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "sku_id": sku,
        "brand": None,
        "composition": [],
        "origin": None,
        "ship_from": None,
        "net_count": None,
        "count_unit": None,
        "certifications": None,
        "subsidy_label": False,
        "published_at": at,
        "image_phash": None,
    }
    row.update(values)
    return row


def plant_listings(
    rng: np.random.Generator,
    pop: Population,
    extra_products: pa.Table,
    start: date,
    quick: np.random.Generator | None = None,
) -> ListingPlants:
    """Honest claims for every SKU, then planted violations and decoys of each kind."""
    shops = pop.tables["shops"].to_pylist()
    region = {s["shop_id"]: s["region"] for s in shops}
    opened = {s["shop_id"]: s["opened_date"] for s in shops}
    leaf_by_id = {leaf_id(k): leaf for k, leaf in enumerate(LEAVES)}
    out = _Out()
    base = pop.tables["products"].to_pylist() + extra_products.to_pylist()
    for k, row in enumerate(base):
        leaf = leaf_by_id[row["category_id"]]
        shop = row["shop_id"]
        at = datetime.combine(max(opened[shop], start - timedelta(days=365)), datetime.min.time())
        at += timedelta(minutes=k)
        ships = region[shop]
        if leaf.industry == "fresh_produce":
            ships = next((p for a, p in PLACES.items() if a in row["title"]), ships)
        values: dict[str, Any] = {
            "composition": _composition_for(row["title"], leaf.industry),
            "origin": ships,
            "ship_from": ships,
            "subsidy_label": leaf.industry in PROGRAMME_INDUSTRIES and bool(rng.random() < 0.3),
        }
        if leaf.name == "抽纸":
            values |= {"net_count": 100, "count_unit": "抽"}
        out.claims.append(_claim(row["sku_id"], at, **values))
        out.events.append(_event(row["sku_id"], "publish", at, row["title"]))
    shop_ids = [s["shop_id"] for s in shops]
    per_kind = int(min(40, max(3, len(shop_ids) // 4)))
    when = datetime.combine(start, datetime.min.time())
    authorised = _authorisations(rng, shop_ids, start)
    planter = _Planter(rng, out, shop_ids, region, when, authorised)
    for plant in (
        planter.material,
        planter.origin,
        planter.count,
        planter.absolute,
        planter.subsidy,
        planter.brand,
        planter.price,
    ):
        for k in range(per_kind):
            plant(k)
    identities = planter.copies(per_kind)
    if quick is not None:  # copies within a day (stream 15, synth/quick_copies.py)
        from merchantry.synth.quick_copies import plant_quick_copies

        gang = frozenset(i["shop_id"] for i in identities if i["kind"] == "legal_person")
        plant_quick_copies(quick, planter, max(2, per_kind // 2), gang)
    schema = pop.tables["products"].schema
    return ListingPlants(
        products=pa.Table.from_pylist(out.products, schema=schema),
        tables={
            "listing_claims": pa.Table.from_pylist(out.claims, schema=_CLAIMS),
            "listing_events": pa.Table.from_pylist(out.events, schema=_EVENTS),
            "brand_authorisations": pa.Table.from_pylist(
                [
                    {
                        "shop_id": s,
                        "brand": b,
                        "valid_from": start - timedelta(days=365),
                        "valid_to": None,
                    }
                    for b, holders in sorted(authorised.items())
                    for s in holders
                ],
                schema=_AUTHORISATIONS,
            ),
            "shop_identities": pa.Table.from_pylist(identities, schema=_IDENTITIES),
        },
        truth={
            "listing_violations": pa.Table.from_pylist(out.truth, schema=_TRUTH),
            "listing_copy_clusters": pa.Table.from_pylist(out.clusters, schema=_CLUSTERS),
        },
    )


def draw_captions(rng: np.random.Generator, videos: pa.Table) -> pa.Table:
    """An honest caption for every creator video of the day (the caption check's decoys)."""
    picks = rng.integers(0, len(CAPTIONS), videos.num_rows)
    return pa.table(
        {
            "video_id": videos.column("video_id"),
            "caption": pa.array([CAPTIONS[int(k)] for k in picks], pa.string()),
        }
    )


def _event(sku: str, kind: str, at: datetime, title: str) -> dict[str, Any]:
    digest = hashlib.sha1(f"{sku}|{kind}|{at.isoformat()}".encode()).hexdigest()[:12]
    return {"event_id": f"LE-{digest}", "sku_id": sku, "kind": kind, "at": at, "title": title}


def _authorisations(
    rng: np.random.Generator, shops: list[str], start: date
) -> dict[str, list[str]]:
    holders: dict[str, list[str]] = {}
    for brand in BRANDS:
        count = min(len(shops), 4)
        holders[brand] = sorted(str(s) for s in rng.choice(shops, size=count, replace=False))
    return holders


class _Planter:
    """Plants one violation and one decoy of a kind per call."""

    def __init__(
        self,
        rng: np.random.Generator,
        out: _Out,
        shops: list[str],
        region: dict[str, str],
        when: datetime,
        authorised: dict[str, list[str]],
    ) -> None:
        self.rng, self.out, self.shops, self.region = rng, out, shops, region
        self.when, self.authorised = when, authorised
        self.minute = 0

    def _shop(self, avoid: Callable[[str], bool] = lambda s: False) -> str:
        allowed = [s for s in self.shops if not avoid(s)] or self.shops
        return str(allowed[int(self.rng.integers(len(allowed)))])

    def _at(self) -> datetime:
        self.minute += 7
        return self.when + timedelta(minutes=self.minute)

    def add(
        self,
        kind: str,
        planted: str,
        title: str,
        leaf: str,
        *,
        shop: str | None = None,
        price: int | None = None,
        at: datetime | None = None,
        **claims: Any,
    ) -> tuple[str, str]:
        sku = self.out.sku()
        if kind != "copied_listing":  # a style code: plants of one kind are not each other's copies
            title = f"{title} {self._code()}"
        shop = shop or self._shop()
        k = _leaf(leaf)
        at = at or self._at()
        self.out.products.append(
            {
                "sku_id": sku,
                "shop_id": shop,
                "category_id": leaf_id(k),
                "title": title,
                "price_fen": price if price is not None else LEAVES[k].price_fen,
                "image_refs": [f"img/{sku}-0.jpg"],
            }
        )
        claims.setdefault("ship_from", self.region[shop])
        claims.setdefault("origin", claims["ship_from"])
        if "composition" not in claims:
            claims["composition"] = _composition_for(title, LEAVES[k].industry)
        self.out.claims.append(_claim(sku, at, **claims))
        self.out.events.append(_event(sku, "publish", at, title))
        if kind:
            self.out.truth.append(
                {"sku_id": sku, "shop_id": shop, "kind": kind, "planted": planted}
            )
        return sku, shop

    def _code(self) -> str:
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        return "".join(letters[int(i)] for i in self.rng.integers(0, len(letters), 6))

    def _pick(self, options: tuple[str, ...], k: int) -> str:
        return options[k % len(options)]

    def material(self, k: int) -> None:
        word = self._pick(("羊绒", "羽绒", "羊毛", "真丝"), k)
        noun = {
            "羊绒": "羊绒围巾女冬季",
            "羽绒": "羽绒服男加厚",
            "羊毛": "羊毛大衣女",
            "真丝": "真丝衬衫",
        }[word]
        leaf = "羽绒服" if word == "羽绒" else "连衣裙" if word == "真丝" else "男士T恤"
        if k % 3 == 2:
            self.add(
                "material_claim",
                "violation",
                f"纯{noun}",
                leaf,
                composition=[f"{MATERIAL_WORDS[word]}:40", "涤纶:60"],
            )
        else:
            self.add(
                "material_claim",
                "violation",
                f"{noun}新款",
                leaf,
                composition=["涤纶:70", "锦纶:30"],
            )
        if k % 2:
            self.add(
                "material_claim",
                "decoy",
                f"{word}混纺{noun[len(word) :]}",
                leaf,
                composition=[f"{MATERIAL_WORDS[word]}:30", "涤纶:70"],
            )
        else:
            self.add("material_claim", "decoy", f"仿{noun}", leaf, composition=["腈纶:100"])

    def origin(self, k: int) -> None:
        place = self._pick(("阿克苏", "赣南", "烟台", "洛川"), k)
        province = PLACES[place]
        wrong = self._pick(tuple(p for p in ("山东", "广西", "云南", "河北") if p != province), k)
        title = f"{place}冰糖心苹果5斤装当季鲜果"
        self.add("origin_claim", "violation", title, "水果", ship_from=wrong, origin=wrong)
        self.add("origin_claim", "decoy", title, "水果", ship_from=province, origin=province)

    def count(self, k: int) -> None:
        stated = int(self._pick(("100", "120", "80"), k))
        claimed = stated * 3
        self.add(
            "count_claim",
            "violation",
            f"原木抽纸{claimed}抽6包家用",
            "抽纸",
            net_count=stated,
            count_unit="抽",
        )
        self.add(
            "count_claim",
            "decoy",
            f"原木抽纸{stated}抽6包3层加厚",
            "抽纸",
            net_count=stated,
            count_unit="抽",
        )

    def absolute(self, k: int) -> None:
        bad = self._pick(("全网最低价", "销量第一", "国家级品质", "最好用的", "顶级"), k)
        honest = self._pick(("最近热卖", "第一件半价", "第一次用就爱上", "最终解释权归店铺"), k)
        self.add("absolute_terms", "violation", f"{bad}保湿面霜", "面霜")
        self.add("absolute_terms", "decoy", f"{honest}保湿面霜", "面霜")

    def subsidy(self, k: int) -> None:
        leaf = self._pick(("面霜", "连衣裙", "坚果炒货"), k)
        if k % 2:
            self.add("subsidy_label", "violation", f"国补{leaf}限时", leaf)
        else:
            self.add("subsidy_label", "violation", f"{leaf}限时特价", leaf, subsidy_label=True)
        if k % 2:
            self.add("subsidy_label", "decoy", "国补一级能效双开门冰箱", "冰箱", subsidy_label=True)
        else:
            self.add("subsidy_label", "decoy", f"全国补货中{leaf}现货", leaf)

    def brand(self, k: int) -> None:
        brand = self._pick(BRANDS, k)
        holders = self.authorised[brand]
        outsider = self._shop(lambda s: s in holders)
        self.add("unauthorised_brand", "violation", f"{brand}修护精华面霜", "面霜", shop=outsider)
        if k % 2:
            self.add(
                "unauthorised_brand",
                "decoy",
                f"{brand}修护精华面霜",
                "面霜",
                shop=holders[k % len(holders)],
                brand=brand,
            )
        else:
            self.add(
                "unauthorised_brand",
                "decoy",
                f"适用于{brand}面霜的替换装小样盒",
                "面霜",
                shop=outsider,
            )

    def price(self, k: int) -> None:
        brand = self._pick(BRANDS, k)
        holders = self.authorised[brand]
        usual = LEAVES[_leaf("精华液")].price_fen
        for j in range(3):  # reference listings: the brand's usual band, ahead of the plants
            self.add(
                "",
                "",
                f"{brand}精华液30ml",
                "精华液",
                shop=holders[j % len(holders)],
                brand=brand,
                price=usual + 1000 * j,
            )
        self.add(
            "price_below_band",
            "violation",
            f"{brand}精华液30ml",
            "精华液",
            shop=holders[0],
            brand=brand,
            price=usual * int(self._pick(("15", "20", "25"), k)) // 100,
        )
        self.add(
            "price_below_band",
            "decoy",
            f"{brand}精华液30ml限时",
            "精华液",
            shop=holders[-1],
            brand=brand,
            price=usual * 70 // 100,
        )

    def copies(self, per_kind: int) -> list[dict[str, Any]]:
        """Originals, their copies and decoys; returns shop identities (linked gang inside)."""
        gang = [
            str(s) for s in self.rng.choice(self.shops, size=min(2, len(self.shops)), replace=False)
        ]
        identities = [
            {
                "shop_id": s,
                "kind": "licence",
                "value_hash": hashlib.sha1(f"licence|{s}".encode()).hexdigest()[:16],
            }
            for s in self.shops
        ]
        shared = hashlib.sha1(f"licence|gang|{gang[0]}".encode()).hexdigest()[:16]
        identities += [{"shop_id": s, "kind": "legal_person", "value_hash": shared} for s in gang]
        day = timedelta(days=1)
        for k in range(per_kind):
            noun = self._pick(COPY_NOUNS, k)
            motif = self._pick(COPY_MOTIFS, k // len(COPY_NOUNS) + k)
            title = f"设计师原创{motif}{noun}{self._code()}系列手工刺绣限量款"
            original_shop = self._shop(lambda s: s in gang)
            image = _phash(self.rng)
            at = self._at()
            self.add(
                "copied_listing",
                "decoy",
                title,
                "双肩包",
                shop=original_shop,
                at=at,
                image_phash=f"{image:016x}",
            )
            if k % 3 == 0 and len(gang) == 2 and original_shop not in gang:
                for j, member in enumerate(gang):
                    copy_title = f"{title}{'包邮' if j else '现货'}"
                    sku, _ = self.add(
                        "copied_listing",
                        "violation",
                        copy_title,
                        "双肩包",
                        shop=member,
                        at=at + day * (2 + j),
                        image_phash=f"{_phash(self.rng):016x}",
                    )
                    self.out.clusters.append(
                        {"cluster_id": f"CC-{min(gang)}", "sku_id": sku, "shop_id": member}
                    )
                continue
            taken = frozenset((original_shop, *gang))
            copier = self._shop(taken.__contains__)
            if k % 2:
                self.add(
                    "copied_listing",
                    "violation",
                    f"{title}包邮",
                    "双肩包",
                    shop=copier,
                    at=at + day,
                    image_phash=f"{_phash(self.rng):016x}",
                )
            else:
                other = f"{self._pick(COPY_MOTIFS, k + 3)}风格{noun}通勤百搭"
                self.add(
                    "copied_listing",
                    "violation",
                    other,
                    "双肩包",
                    shop=copier,
                    at=at + day,
                    image_phash=f"{_flip(self.rng, image, 3):016x}",
                )
            # decoys: the same shop lists the original again; an unrelated shop's own design
            self.add(
                "copied_listing",
                "decoy",
                f"{title}新色",
                "双肩包",
                shop=original_shop,
                at=at + 3 * day,
                image_phash=f"{_flip(self.rng, image, 2):016x}",
            )
            self.add(
                "copied_listing",
                "decoy",
                f"{self._pick(COPY_MOTIFS, k + 1)}{noun}原创设计{self._code()}",
                "双肩包",
                shop=copier,
                at=at + 4 * day,
                image_phash=f"{_phash(self.rng):016x}",
            )
        if len(gang) == 2:  # one linked shop re-lists the other's listing: one merchant, no copy
            title = f"设计师原创{COPY_MOTIFS[0]}{COPY_NOUNS[0]}家族店同款编号999"
            at = self._at()
            self.add(
                "copied_listing",
                "decoy",
                title,
                "双肩包",
                shop=gang[0],
                at=at,
                image_phash=f"{_phash(self.rng):016x}",
            )
            self.add(
                "copied_listing",
                "decoy",
                f"{title}现货",
                "双肩包",
                shop=gang[1],
                at=at + day,
                image_phash=f"{_phash(self.rng):016x}",
            )
        return identities


_CLAIMS: Final = pa.schema(
    [
        ("sku_id", pa.string()),
        ("brand", pa.string()),
        ("composition", pa.list_(pa.string())),
        ("origin", pa.string()),
        ("ship_from", pa.string()),
        ("net_count", pa.int32()),
        ("count_unit", pa.string()),
        ("certifications", pa.list_(pa.string())),
        ("subsidy_label", pa.bool_()),
        ("published_at", pa.timestamp("us")),
        ("image_phash", pa.string()),
    ]
)
_EVENTS: Final = pa.schema(
    [
        ("event_id", pa.string()),
        ("sku_id", pa.string()),
        ("kind", pa.string()),
        ("at", pa.timestamp("us")),
        ("title", pa.string()),
    ]
)
_AUTHORISATIONS: Final = pa.schema(
    [
        ("shop_id", pa.string()),
        ("brand", pa.string()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)
_IDENTITIES: Final = pa.schema(
    [("shop_id", pa.string()), ("kind", pa.string()), ("value_hash", pa.string())]
)
_TRUTH: Final = pa.schema(
    [
        ("sku_id", pa.string()),
        ("shop_id", pa.string()),
        ("kind", pa.string()),
        ("planted", pa.string()),
    ]
)
_CLUSTERS: Final = pa.schema(
    [("cluster_id", pa.string()), ("sku_id", pa.string()), ("shop_id", pa.string())]
)
_ = INDUSTRIES
