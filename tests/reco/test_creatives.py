"""AIGC creatives: no template invents a claim, and the guard stops any variant that does."""

from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

from merchantry.reco.creatives import (
    TEMPLATES,
    LlmSettings,
    Product,
    Variant,
    claims,
    guarded,
    render,
    unsupported_claims,
)
from merchantry.reco.similarity import Listing, parse_attributes
from merchantry.synth import texts
from merchantry.synth.catalogue import LEAVES, leaf_id
from merchantry.synth.generator import DEFAULT_START
from merchantry.synth.lookalikes import plant_lookalikes
from merchantry.synth.population import draw_population
from merchantry.synth.vector import stream

NOUNS = {leaf_id(j): leaf.name for j, leaf in enumerate(LEAVES)}
REVIEWS = (
    *texts.REVIEW_BODIES_GOOD,
    "真丝手感，很滑",  # a buyer's word is not a fact about the product
    "买了XL码，刚好",
    "有3C认证吗？",
)


def _products() -> list[Product]:
    """Every SKU of a generated marketplace (all industries), with its profile."""
    pop = draw_population(stream(5, 0), 300, DEFAULT_START)
    planted = plant_lookalikes(stream(5, 3), pop)
    products = pa.concat_tables([pop.tables["products"], planted.products]).to_pylist()
    profiles = {p["sku_id"]: p for p in planted.profiles.to_pylist()}
    result = []
    for k, row in enumerate(products):
        prof = profiles[row["sku_id"]]
        listing = Listing(
            row["sku_id"],
            row["category_id"],
            row["title"],
            row["price_fen"],
            shop_id=row["shop_id"],
            brand=prof["brand"],
            attributes=parse_attributes(prof["attributes"]),
        )
        reviews = [REVIEWS[(k + i) % len(REVIEWS)] for i in range(3)]
        result.append(Product(listing, NOUNS[row["category_id"]], reviews))
    return result


PRODUCTS = _products()


def test_every_template_is_filled_somewhere_and_never_invents_a_claim() -> None:
    used: set[str] = set()
    for product in PRODUCTS:
        for variant in render(product):
            used.add(variant.template_id)
            bad = unsupported_claims(variant.text, product.listing, product.noun)
            assert bad == [], f"{variant.template_id} on {product.listing.sku_id}: {bad}"
    assert used == {t.template_id for t in TEMPLATES}


def test_the_claims_the_templates_make_are_real_claims() -> None:
    """The guard reads the material, size and certification the templates put in."""
    product = next(
        p for p in PRODUCTS if {"material", "size"} <= set(p.listing.attributes) and p.listing.brand
    )
    texts_ = {v.template_id: v.text for v in render(product)}
    material = product.listing.attributes["material"]
    assert ("material", material) in {(c.kind, c.text) for c in claims(texts_["point.material"])}
    assert any(c.kind == "size" for c in claims(texts_["title.colour-size"]))
    certified = next(p for p in PRODUCTS if "certification" in p.listing.attributes)
    cert_text = {v.template_id: v.text for v in render(certified)}["point.cert"]
    assert any(c.kind == "certification" for c in claims(cert_text))


@pytest.mark.parametrize(
    ("added", "kind"),
    [("真丝面料", "material"), ("实木打造", "material"), ("XXL码", "size"),
     ("500ml大瓶", "size"), ("75英寸", "size"), ("已获3C认证", "certification"),
     ("有机认证", "certification")],
)  # fmt: skip
def test_the_guard_blocks_an_invented_claim_added_to_any_variant(added: str, kind: str) -> None:
    blocked = 0
    for product in itertools.islice(PRODUCTS, 0, None, 7):
        if unsupported_claims(added, product.listing, product.noun) == []:
            continue  # the product really is that: not an invented claim
        for variant in render(product):
            forged = Variant(variant.variant_id, variant.template_id, variant.kind,
                             variant.text + "，" + added, "llm")  # fmt: skip
            split = guarded([variant, forged], product.listing, product.noun)
            assert split.shown == [variant]
            ((stopped, why),) = split.blocked
            assert stopped is forged
            assert kind in {c.kind for c in why}
            blocked += 1
    assert blocked > 100


def test_review_quotes_with_claims_are_not_used() -> None:
    cotton = Listing(
        "K1", "C03010", "纯棉短袖T恤", 6_900, attributes={"material": "纯棉", "size": "M"}
    )
    product = Product(cotton, "男士T恤", ["真丝手感，很滑", "买了XL码，刚好", "质量很好"])
    quotes = [v.text for v in render(product) if v.template_id == "point.review"]
    assert quotes == ["买家说：“质量很好”"]


def test_the_endpoint_is_optional_and_off_by_default() -> None:
    assert LlmSettings.from_env({}) is None
    configured = LlmSettings.from_env({"MERCHANTRY_CREATIVES_LLM_URL": "http://x/v1/"})
    assert configured is not None
    assert configured.url == "http://x/v1"
