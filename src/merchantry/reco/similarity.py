"""When two listings are one item: title, category, attributes, price band and image.

A Chinese title is cut into character n-grams (no word segmentation: re-listed copies
reorder and pad words) and summarised by a MinHash signature, so title similarity is a
Jaccard estimate. :func:`match` decides one pair, in a fixed order of paths, each a
rulebook threshold: the same SKU; the same standard product unit (SPU); then, only
inside one category, one price band and one brand, a near-identical main image
(perceptual hash) or a near-identical title with agreeing attributes; listings whose
attributes differ only in colour, size or spec are variants. Any other conflicting
attribute (material, certification, model…) says they are different products.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np

from merchantry.kit.errors import InputError
from merchantry.reco.settings import SimilaritySettings

if TYPE_CHECKING:
    from datasketch import MinHash

VARIANT_KEYS: Final = frozenset({"colour", "color", "size", "spec", "颜色", "尺码", "规格"})
"""Attribute keys in which variants of one product differ (a red and a blue copy)."""
MINHASH_SEED: Final = 1
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)
_PHASH = re.compile(r"^[0-9a-fA-F]{16}$")


def normalise_title(title: str) -> str:
    """Full-width to half-width, lower case, without spaces or punctuation (【】、!…)."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", title).lower())


def shingles(title: str, size: int) -> set[str]:
    """Character n-grams of the normalised title (the whole title when shorter)."""
    text = normalise_title(title)
    if len(text) <= size:
        return {text} if text else set()
    return {text[i : i + size] for i in range(len(text) - size + 1)}


@functools.cache
def _template(num_perm: int) -> MinHash:
    """An empty MinHash whose permutations every title signature reuses (drawing them
    costs more than hashing a title)."""
    from datasketch import MinHash  # datasketch loads SciPy: 0.4 s

    return MinHash(num_perm=num_perm, seed=MINHASH_SEED)


def title_minhash(title: str, settings: SimilaritySettings) -> MinHash:
    """The MinHash signature of a title's character n-grams."""
    from datasketch import MinHash

    template = _template(settings.minhash_permutations)
    signature = MinHash(
        num_perm=settings.minhash_permutations,
        seed=MINHASH_SEED,
        permutations=template.permutations,
        scheme=template.scheme,
    )
    grams = shingles(title, settings.title_shingle_chars)
    signature.update_batch([g.encode("utf-8") for g in sorted(grams)])
    return signature


def parse_phash(text: str | None, where: str = "image_phash") -> int | None:
    """A 64-bit perceptual hash from its 16 hex digits (``None`` for empty)."""
    if text is None or text == "":
        return None
    if not _PHASH.match(text):
        raise InputError(f"{where}: {text!r} is not a 64-bit perceptual hash (16 hex digits)")
    return int(text, 16)


def phash_file(path: Path) -> str:
    """The perceptual hash (imagehash.phash, 8x8) of an image file, as 16 hex digits."""
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return str(imagehash.phash(image))
    except (OSError, UnidentifiedImageError) as err:
        raise InputError(f"{path}: not a readable image ({err})") from None


def hamming(a: int, b: int) -> int:
    """Bits in which two 64-bit hashes differ."""
    return (a ^ b).bit_count()


def parse_attributes(values: Iterable[str] | None) -> dict[str, str]:
    """``key=value`` strings as a mapping (a value without ``=`` is a bare tag)."""
    result: dict[str, str] = {}
    for item in values or ():
        key, sep, value = item.partition("=")
        result[key.strip()] = value.strip() if sep else ""
    return result


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing as similarity sees it."""

    sku_id: str
    category_id: str
    title: str
    price_fen: int
    shop_id: str | None = None
    spu_id: str | None = None
    brand: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    image_phash: int | None = None
    content_quality: int | None = None


@dataclass(frozen=True, slots=True)
class Features:
    """A listing with its title signature, computed once."""

    listing: Listing
    minhash: MinHash = field(compare=False, repr=False)

    @property
    def signature(self) -> np.ndarray:
        values: np.ndarray = self.minhash.hashvalues
        return values

    @property
    def sku_id(self) -> str:
        return self.listing.sku_id


def features(listing: Listing, settings: SimilaritySettings) -> Features:
    return Features(listing, title_minhash(listing.title, settings))


@dataclass(frozen=True, slots=True)
class Match:
    """Why two listings are one item: the path and its similarity, per mille."""

    path: str
    """``self``, ``same_spu``, ``image``, ``title`` or ``variant``."""
    similarity_pm: int
    detail: str


def title_similarity_pm(a: Features, b: Features) -> int:
    """Estimated Jaccard similarity of two titles' n-gram sets, per mille."""
    if a.signature.shape != b.signature.shape:
        raise ValueError("title signatures of different sizes cannot be compared")
    return int(np.count_nonzero(a.signature == b.signature) * 1000 // a.signature.size)


def in_price_band(a: int, b: int, band_pct: int) -> bool:
    low, high = sorted((a, b))
    if low <= 0:
        return high <= 0
    return high * 100 <= low * band_pct


def match(a: Features, b: Features, settings: SimilaritySettings) -> Match | None:
    """Whether ``a`` and ``b`` are one item, and by which path; ``None`` when they are not."""
    la, lb = a.listing, b.listing
    if la.sku_id == lb.sku_id:
        return Match("self", 1000, "the same SKU")
    if la.spu_id and lb.spu_id:
        if la.spu_id == lb.spu_id:
            return Match("same_spu", 1000, f"both are SPU {la.spu_id}")
        return None
    if la.category_id != lb.category_id:
        return None
    if not in_price_band(la.price_fen, lb.price_fen, settings.price_band_pct):
        return None
    if la.brand and lb.brand and la.brand != lb.brand:
        return None
    conflicts = {
        k
        for k in la.attributes.keys() & lb.attributes.keys()
        if la.attributes[k] != lb.attributes[k]
    }
    if conflicts - VARIANT_KEYS:
        return None
    title_pm = title_similarity_pm(a, b)
    image_ok = False
    image_pm = 0
    if la.image_phash is not None and lb.image_phash is not None:
        bits = hamming(la.image_phash, lb.image_phash)
        image_ok = bits <= settings.image_max_hamming and title_pm >= settings.image_title_pm
        image_pm = 1000 - bits * 1000 // 64
    # Without an image or SPU, a title match across shops needs the brand on both sides:
    # unbranded goods of one category share their words without being one product.
    vouched = (la.shop_id is not None and la.shop_id == lb.shop_id) or bool(
        la.brand and la.brand == lb.brand
    )
    if conflicts:
        if image_ok or (vouched and title_pm >= settings.variant_title_pm):
            keys = ", ".join(sorted(conflicts))
            return Match("variant", max(title_pm, image_pm), f"differ only in {keys}")
        return None
    if image_ok:
        bits = 64 - (image_pm * 64 + 999) // 1000
        return Match("image", image_pm, f"main images differ in {bits} of 64 hash bits")
    if vouched and title_pm >= settings.title_match_pm:
        return Match("title", title_pm, f"titles {title_pm / 10:.0f}% alike")
    return None
