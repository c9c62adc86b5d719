"""AIGC creatives: copy variants from a product's attributes and reviews, and a guard.

Templates (titles, selling points, short-video scripts) fill slots from what the
catalogue knows: brand, attributes (``key=value``), the category noun, the price and
quotes from the product's good reviews. A template whose slots the product cannot fill
is skipped, never filled with a guess. An optional OpenAI-compatible endpoint
(``MERCHANTRY_CREATIVES_LLM_URL``, ``…_MODEL``, ``…_KEY``) rewrites variants fluently
when configured; nothing needs it.

Whatever wrote a variant, :func:`unsupported_claims` reads it back: every material,
size or measure and certification it names must be found in the product's attributes,
brand, its own listing title or its category's name. Reviews are never a source of
claims (a buyer writing "真丝手感" does not make it silk). :func:`guarded` drops a
variant with any unsupported claim and says which, so nothing invented is ever shown.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from merchantry.reco.similarity import Listing, normalise_title

MATERIAL_WORDS: Final = (
    "纯棉", "棉", "真丝", "桑蚕丝", "羊毛", "羊绒", "莫代尔", "涤纶", "亚麻", "真皮", "牛皮",
    "羊皮", "帆布", "网面", "PU", "实木", "乳胶", "布艺", "板材", "足金", "黄金", "925银",
    "纯银", "不锈钢", "铝合金", "钛合金", "陶瓷", "玻璃", "硅胶", "ABS塑料", "TPE", "毛绒",
    "无纺布", "竹纤维", "鸭绒", "鹅绒",
)  # fmt: skip
"""Materials a variant may name only when an attribute (or the title) says so."""
CERTIFICATION_WORDS: Final = (
    "3C认证", "有机认证", "蓝帽子", "国妆特字", "婴幼儿A类", "绿色食品", "ISO9001",
    "国家专利", "专利", "FDA", "CE认证", "地理标志", "非遗", "正品认证", "质检报告",
)  # fmt: skip
_MEASURE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:ml|mL|ML|毫升|L|升|kg|KG|千克|公斤|g|克|斤|cm|厘米|mm|毫米|米|英寸|寸|"
    r"GB|TB|mAh|W|瓦|码|片|粒|包|袋|支|瓶)"
)
_CLOTHING_SIZE = re.compile(r"(?<![A-Za-z])(?:XXXL|XXL|XL|S|M|L)码")


@dataclass(frozen=True, slots=True)
class Product:
    """What creatives may draw on: the listing and quotes from its good reviews."""

    listing: Listing
    noun: str
    """The category noun (连衣裙, 猫粮…)."""
    reviews: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Template:
    template_id: str
    kind: str
    """``title``, ``selling_point`` or ``video_script``."""
    text: str


TEMPLATES: Final[tuple[Template, ...]] = (
    Template("title.brand-noun", "title", "{brand}{noun}｜{title}"),
    Template("title.material", "title", "{material}{noun}，{brand}出品"),
    Template("title.colour-size", "title", "{noun} {colour} {size}码 现货速发"),
    Template("title.spec", "title", "{noun}（{spec}）{brand}"),
    Template("title.plain", "title", "{title}"),
    Template("point.material", "selling_point", "面料/材质：{material}，细节看得见"),
    Template("point.cert", "selling_point", "已获{certification}，买得放心"),
    Template("point.price", "selling_point", "到手价¥{price_yuan}，{noun}性价比之选"),
    Template("point.review", "selling_point", "买家说：“{review}”"),
    Template("point.brand", "selling_point", "{brand}官方在售，{noun}认准店铺"),
    Template(
        "video.unbox",
        "video_script",
        "【0-3秒】镜头推近{noun}；【3-10秒】展示{material}细节；【10-15秒】口播：{brand}{noun}，"
        "到手价¥{price_yuan}。",
    ),
    Template(
        "video.review",
        "video_script",
        "【0-3秒】字幕：“{review}”；【3-12秒】{noun}上身/上手展示；【12-15秒】口播：点下方链接。",
    ),
    Template(
        "video.spec",
        "video_script",
        "【0-5秒】{noun}全景；【5-12秒】讲清规格：{spec}；【12-15秒】口播：{brand}，今天下单。",
    ),
)
_SLOT = re.compile(r"{(\w+)}")


@dataclass(frozen=True, slots=True)
class Variant:
    variant_id: str
    template_id: str
    kind: str
    text: str
    source: str
    """``template`` or ``llm``."""


@dataclass(frozen=True, slots=True)
class Claim:
    kind: str
    """``material``, ``size`` or ``certification``."""
    text: str


def _supported_text(listing: Listing, category: str) -> str:
    parts = [listing.title, category, listing.brand or "", *listing.attributes.values()]
    return normalise_title("".join(parts)).lower()


def claims(text: str) -> list[Claim]:
    """Materials, sizes or measures and certifications ``text`` names."""
    found: list[Claim] = []
    for word in MATERIAL_WORDS:
        if word in text:
            found.append(Claim("material", word))
    for word in CERTIFICATION_WORDS:
        if word in text:
            found.append(Claim("certification", word))
    for m in _MEASURE.finditer(text):
        found.append(Claim("size", m.group(0)))
    for m in _CLOTHING_SIZE.finditer(text):
        found.append(Claim("size", m.group(0)))
    return found


def unsupported_claims(text: str, listing: Listing, category: str = "") -> list[Claim]:
    """The claims of ``text`` that the listing's attributes, brand, title and category
    name (毛绒玩具 names its material) do not make."""
    supported = _supported_text(listing, category)
    result = []
    for claim in claims(text):
        core = normalise_title(claim.text).lower()
        if claim.kind == "size" and core.endswith("码"):
            core = core[:-1]
        if core not in supported:
            result.append(claim)
    return result


def _slots(product: Product) -> dict[str, str]:
    listing = product.listing
    values = {"noun": product.noun, "title": listing.title, "price_yuan": _yuan(listing.price_fen)}
    if listing.brand:
        values["brand"] = listing.brand
    for key in ("material", "colour", "size", "spec", "certification"):
        if listing.attributes.get(key):
            values[key] = listing.attributes[key]
    quotes = [r for r in product.reviews if r and not unsupported_claims(r, listing, product.noun)]
    if quotes:
        values["review"] = min(quotes, key=len)[:40]
    return values


def _yuan(fen: int) -> str:
    yuan, cents = divmod(fen, 100)
    return f"{yuan}" if cents == 0 else f"{yuan}.{cents:02d}"


def render(product: Product, templates: Sequence[Template] = TEMPLATES) -> list[Variant]:
    """Every template the product can fill, filled (no guard applied yet)."""
    values = _slots(product)
    variants = []
    for template in templates:
        needed = _SLOT.findall(template.text)
        if any(n not in values for n in needed):
            continue
        text = template.text.format(**{n: values[n] for n in needed})
        variants.append(
            Variant(
                f"{product.listing.sku_id}:{template.template_id}",
                template.template_id,
                template.kind,
                text,
                "template",
            )
        )
    return variants


@dataclass(frozen=True, slots=True)
class Guarded:
    shown: list[Variant]
    blocked: list[tuple[Variant, list[Claim]]]


def guarded(variants: Sequence[Variant], listing: Listing, category: str = "") -> Guarded:
    """Variants split into those that may be shown and those with unsupported claims."""
    shown, blocked = [], []
    for variant in variants:
        bad = unsupported_claims(variant.text, listing, category)
        if bad:
            blocked.append((variant, bad))
        else:
            shown.append(variant)
    return Guarded(shown, blocked)


@dataclass(frozen=True, slots=True)
class LlmSettings:
    url: str
    model: str
    key: str | None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LlmSettings | None:
        """The endpoint when ``MERCHANTRY_CREATIVES_LLM_URL`` is set; otherwise ``None``."""
        env = os.environ if env is None else env
        url = env.get("MERCHANTRY_CREATIVES_LLM_URL")
        if not url:
            return None
        return cls(
            url.rstrip("/"),
            env.get("MERCHANTRY_CREATIVES_LLM_MODEL", "default"),
            env.get("MERCHANTRY_CREATIVES_LLM_KEY"),
        )


def polish(variants: Sequence[Variant], product: Product, llm: LlmSettings) -> list[Variant]:
    """Fluent rewrites from an OpenAI-compatible chat endpoint (the guard still applies).

    A failed call keeps the template variants: the endpoint is an improvement, never a
    dependency."""
    import httpx

    facts = json.dumps(
        {
            "title": product.listing.title,
            "brand": product.listing.brand,
            "attributes": dict(product.listing.attributes),
        },
        ensure_ascii=False,
    )
    out: list[Variant] = []
    headers = {"Authorization": f"Bearer {llm.key}"} if llm.key else {}
    for variant in variants:
        prompt = (
            "改写下面的电商文案使其更通顺，只能使用给出的商品事实，不得新增材质、尺寸或认证。"
            f"\n商品事实：{facts}\n文案：{variant.text}"
        )
        try:
            response = httpx.post(
                f"{llm.url}/chat/completions",
                json={"model": llm.model, "messages": [{"role": "user", "content": prompt}]},
                headers=headers,
                timeout=20.0,
            )
            response.raise_for_status()
            text = str(response.json()["choices"][0]["message"]["content"]).strip()
        except (httpx.HTTPError, KeyError, IndexError, ValueError):
            continue
        if text:
            out.append(
                Variant(variant.variant_id + ":llm", variant.template_id, variant.kind, text, "llm")
            )
    return [*variants, *out]
