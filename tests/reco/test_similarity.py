"""Each similarity path, on small listings and real images."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from merchantry.kit.errors import InputError
from merchantry.reco.clusters import ClusterIndex
from merchantry.reco.settings import RecoSettings
from merchantry.reco.similarity import (
    features,
    hamming,
    match,
    normalise_title,
    parse_phash,
    phash_file,
    shingles,
)
from tests.reco.conftest import listing


def _match(settings: RecoSettings, a, b):  # type: ignore[no-untyped-def]
    return match(
        features(a, settings.similarity), features(b, settings.similarity), settings.similarity
    )


def _picture(path: Path, seed: int, *, size: int = 256, mark: bool = False) -> Path:
    """A product-like picture: shapes drawn from ``seed``; ``mark`` adds a shop watermark."""
    rng = random.Random(seed)
    image = Image.new("RGB", (size, size), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randrange(size), rng.randrange(size)
        r = rng.randrange(size // 10, size // 3)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    if mark:
        draw.text((size // 20, size - size // 8), "Shop 小店", fill=(120, 120, 120))
    image.save(path, quality=90)
    return path


def test_titles_are_cut_into_character_ngrams() -> None:
    assert normalise_title("【新品】ＡＢＣ 连衣裙！") == "新品abc连衣裙"
    assert shingles("连衣裙", 2) == {"连衣", "衣裙"}
    assert shingles("裙", 2) == {"裙"}


def test_same_spu_matches_across_shops_and_different_spus_never(settings: RecoSettings) -> None:
    a = listing("K1", "5G智能手机 旗舰款", category_id="C01001", spu_id="SPU9", price_fen=199_900)
    b = listing(
        "K2", "拍照手机", category_id="C01001", spu_id="SPU9", shop_id="S7", price_fen=99_900
    )
    c = listing(
        "K3",
        "5G智能手机 旗舰款",
        category_id="C01001",
        spu_id="SPU8",
        shop_id="S7",
        price_fen=199_900,
    )
    found = _match(settings, a, b)
    assert found is not None
    assert found.path == "same_spu"
    assert _match(settings, a, c) is None  # two known, different SPUs are two products


def test_image_path_on_real_perceptual_hashes(tmp_path: Path, settings: RecoSettings) -> None:
    original = _picture(tmp_path / "a.jpg", seed=1)
    with Image.open(original) as image:  # another shop re-encodes, shrinks and watermarks it
        copy = image.resize((180, 180)).convert("RGB")
        ImageDraw.Draw(copy).text((5, 160), "另一家店", fill=(90, 90, 90))
        copy.save(tmp_path / "b.jpg", quality=60)
    other = _picture(tmp_path / "c.jpg", seed=2)
    ha, hb, hc = (parse_phash(phash_file(p)) for p in (original, tmp_path / "b.jpg", other))
    assert ha is not None
    assert hb is not None
    assert hc is not None
    assert hamming(ha, hb) <= settings.similarity.image_max_hamming < hamming(ha, hc)
    a = listing("K1", "法式碎花连衣裙 收腰", image_phash=ha)
    b = listing("K2", "碎花连衣裙 法式 现货", shop_id="S9", image_phash=hb)  # no brand, reworded
    c = listing("K3", "碎花连衣裙 法式 现货", shop_id="S9", image_phash=hc)
    found = _match(settings, a, b)
    assert found is not None
    assert found.path == "image"
    assert _match(settings, a, c) is None  # same words, another picture, no brand: not one item


def test_a_stock_image_on_an_unrelated_title_is_not_a_match(settings: RecoSettings) -> None:
    a = listing("K1", "法式碎花连衣裙", image_phash=0x0F0F0F0F0F0F0F0F)
    b = listing("K2", "针织毛衣开衫", image_phash=0x0F0F0F0F0F0F0F0F, shop_id="S2")
    assert _match(settings, a, b) is None


def test_title_path_needs_the_same_shop_or_brand(settings: RecoSettings) -> None:
    a = listing("K1", "【官方正品】法式碎花连衣裙收腰显瘦", brand="悦木")
    relisted = listing("K2", "【补货】法式碎花连衣裙收腰显瘦官方正品", brand="悦木")
    branded = listing("K3", "法式碎花连衣裙收腰显瘦【官方正品】", brand="悦木", shop_id="S5")
    unbranded = listing("K4", "法式碎花连衣裙收腰显瘦【官方正品】", shop_id="S5")
    for b in (relisted, branded):
        found = _match(settings, a, b)
        assert found is not None
        assert found.path == "title"
        assert found.similarity_pm >= settings.similarity.title_match_pm
    assert _match(settings, a, unbranded) is None


def test_variants_differ_only_in_colour_size_or_spec(settings: RecoSettings) -> None:
    a = listing("K1", "纯棉短袖T恤 宽松", attributes={"colour": "黑色", "material": "纯棉"})
    b = listing("K2", "纯棉短袖T恤 宽松 白色", attributes={"colour": "白色", "material": "纯棉"})
    c = listing("K3", "纯棉短袖T恤 宽松", attributes={"colour": "黑色", "material": "涤纶"})
    found = _match(settings, a, b)
    assert found is not None
    assert found.path == "variant"
    assert "colour" in found.detail
    assert _match(settings, a, c) is None  # another material is another product


def test_category_price_band_and_brand_separate_lookalikes(settings: RecoSettings) -> None:
    a = listing("K1", "法式碎花连衣裙收腰显瘦", brand="悦木")
    assert _match(settings, a, listing("K2", "法式碎花连衣裙收腰显瘦", brand="山野")) is None
    assert (
        _match(settings, a, listing("K3", "法式碎花连衣裙收腰显瘦", brand="悦木", price_fen=99_900))
        is None
    )
    assert (
        _match(
            settings, a, listing("K4", "法式碎花连衣裙收腰显瘦", brand="悦木", category_id="C04013")
        )
        is None
    )
    assert (
        _match(settings, a, listing("K5", "法式碎花连衣裙收腰显瘦", brand="悦木", price_fen=17_900))
        is not None
    )


def test_bad_hashes_are_refused() -> None:
    with pytest.raises(InputError, match="16 hex digits"):
        parse_phash("xyz")
    assert parse_phash("") is None


def test_clusters_grow_as_products_arrive_and_do_not_depend_on_order(
    settings: RecoSettings,
) -> None:
    items = [
        listing("K3", "【官方正品】法式碎花连衣裙收腰显瘦", brand="悦木", attributes={"size": "M"}),
        listing(
            "K1",
            "【补货】【官方正品】法式碎花连衣裙收腰显瘦",
            brand="悦木",
            attributes={"size": "M"},
        ),
        listing("K7", "玛丽珍鞋 小方头单鞋", category_id="C04013"),
        listing("K5", "法式碎花连衣裙收腰显瘦 L码", brand="悦木", attributes={"size": "L"}),
        listing("K9", "手机", category_id="C01001", spu_id="P1", price_fen=100_000),
        listing(
            "K2", "手机 官方", category_id="C01001", spu_id="P1", shop_id="S3", price_fen=90_000
        ),
    ]
    index = ClusterIndex(settings.similarity)
    index.add_all(items[:3])
    assert index.cluster_of("K3") == index.cluster_of("K1") == "K1"
    assert index.cluster_of("K7") == "K7"
    assert not index.add(items[0])  # a known SKU is not added twice
    index.add_all(items[3:])
    expected = {"K1": "K1", "K3": "K1", "K5": "K1", "K7": "K7", "K9": "K2", "K2": "K2"}
    assert index.cluster_map() == expected
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        again = ClusterIndex(settings.similarity)
        again.add_all(shuffled)
        assert again.cluster_map() == expected
    joined = {m.sku_id: m for m in index.memberships()}
    assert joined["K5"].path == "variant"
    assert joined["K5"].matched_sku_id in {"K1", "K3"}
    assert joined["K2"].path == "same_spu"
    assert joined["K7"].path == "self"
