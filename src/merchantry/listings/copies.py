"""Copied listings: the first publisher is protected, later near-duplicates of it are flagged.

Listings are taken in publication order (time, then SKU). Each is compared with the listings
of *other* shops published strictly before it: a title estimated alike at least
``title_min_similarity_pm`` (character n-gram MinHash, the signature of
:func:`merchantry.reco.similarity.title_minhash`, candidates from datasketch's LSH) or a main
image within ``image_max_hamming`` perceptual-hash bits. The earliest such listing is the
original; one published less than ``min_gap_hours`` before counts only when title *and*
image match (listings put up together from one source, such as one supplier's listing kit,
share words or a picture; a copy made within hours with a one-click tool takes both). A copy
of a copy leads back to the first publisher. Same-shop re-listing is not
copying (recommendation clustering handles it), nor is a listing of a *linked* shop (one
merchant behind both).

Linked shops come from shared identities (licence, legal person, payment account…), grouped
with the ring machinery (:func:`merchantry.risk.components.components_scipy`). Copies made by
two or more shops of one linked group are flagged together as one cluster (团伙识别、关联拦截).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

import jieba
import numpy as np

from merchantry.listings.claims import Listing
from merchantry.listings.rulebook import ListingRule
from merchantry.reco.settings import SimilaritySettings
from merchantry.reco.similarity import normalise_title, shingles, title_minhash
from merchantry.risk.components import components_scipy

if TYPE_CHECKING:
    from datasketch import MinHash

_NEVER: Final = datetime.max


@functools.lru_cache(maxsize=1 << 16)
def _words(title: str) -> frozenset[str]:
    """A title's words of two or more letters (jieba), kept: the index's titles are segmented
    again and again as candidates of new listings."""
    return frozenset(
        w
        for w in jieba.lcut(normalise_title(title), HMM=False)
        if len(w) >= 2 and any(ch.isalnum() for ch in w)
    )


@dataclass(frozen=True, slots=True)
class CopyMatch:
    """A listing and the earlier listing of another shop it copies."""

    sku_id: str
    shop_id: str
    original_sku_id: str
    original_shop_id: str
    path: str
    """``title`` or ``image``."""
    similarity_pm: int

    @property
    def evidence(self) -> str:
        how = (
            f"title {self.similarity_pm / 10:.0f}% alike"
            if self.path == "title"
            else f"main image {self.similarity_pm / 10:.0f}% alike"
        )
        return f"{how} to {self.original_sku_id} of shop {self.original_shop_id}, published earlier"


@dataclass(frozen=True, slots=True)
class CopyCluster:
    """Copies made by the shops of one linked group, flagged together."""

    cluster_id: str
    shops: tuple[str, ...]
    copies: tuple[str, ...]
    originals: tuple[str, ...]


def _settings(rule: ListingRule) -> SimilaritySettings:
    return SimilaritySettings(
        title_shingle_chars=int(rule.params.get("shingle_chars", 2)),
        minhash_permutations=int(rule.params.get("minhash_permutations", 128)),
    )


def _order(listing: Listing) -> tuple[datetime, str]:
    return (listing.published_at or _NEVER, listing.sku_id)


class CopyIndex:
    """Published listings, searchable by title signature and main-image hash."""

    def __init__(
        self,
        rule: ListingRule,
        linked: Mapping[str, str] | None = None,
        brands: frozenset[str] = frozenset(),
    ) -> None:
        self.rule = rule
        self.settings = _settings(rule)
        self.title_pm = int(rule.params.get("title_min_similarity_pm", 800))
        self.image_bits = int(rule.params.get("image_max_hamming", 6))
        self.min_chars = int(rule.params.get("min_title_chars", 8))
        self.generic_max = int(rule.params.get("generic_title_max_shops", 3))
        self.linked = dict(linked or {})
        """Shop -> its linked group (shops absent are their own group)."""
        self.brands = brands
        """Brands on record: a title naming one is the brand's product name, owned through
        authorisation (the brand rule), not by whoever published it first."""
        from datasketch import MinHashLSH  # datasketch loads SciPy: 0.4 s

        self._lsh = MinHashLSH(
            threshold=self.title_pm / 1000, num_perm=self.settings.minhash_permutations
        )
        self.min_distinctive = int(rule.params.get("min_distinctive_shingles", 4))
        self.distinctive_chars = int(rule.params.get("distinctive_shingle_chars", 3))
        self.distinctive_words = rule.params.get("distinctive_unit", "chars") == "words"
        self.min_gap = timedelta(hours=int(rule.params.get("min_gap_hours", 0)))
        self._listings: dict[str, tuple[Listing, MinHash | None]] = {}
        self._shingle_groups: dict[str, set[str]] = defaultdict(set)
        self.frequencies: CopyIndex = self
        """The index whose shingle use decides what is distinctive (a batch uses the whole
        catalogue's; a pre-publish index its own)."""
        self._image_skus: list[str] = []
        self._image_hashes: list[int] = []

    def __len__(self) -> int:
        return len(self._listings)

    def _signature(self, listing: Listing) -> MinHash | None:
        if len(normalise_title(listing.title)) < self.min_chars:
            return None
        if listing.brand or any(b in listing.title for b in self.brands):
            return None
        return title_minhash(listing.title, self.settings)

    def group(self, shop_id: str) -> str:
        return self.linked.get(shop_id, shop_id)

    def _soon_after(self, listing: Listing, other: Listing) -> bool:
        return (
            listing.published_at is not None
            and other.published_at is not None
            and listing.published_at - other.published_at < self.min_gap
        )

    def add(self, listing: Listing) -> None:
        if listing.sku_id in self._listings:
            return
        signature = self._signature(listing)
        self._listings[listing.sku_id] = (listing, signature)
        group = self.group(listing.shop_id)
        for gram in self.units(listing.title):
            self._shingle_groups[gram].add(group)
        if signature is not None:
            self._lsh.insert(listing.sku_id, signature)
        if listing.image_phash is not None:
            self._image_skus.append(listing.sku_id)
            self._image_hashes.append(listing.image_phash)

    def title_neighbours(self, listing: Listing) -> dict[str, int]:
        """Indexed listings whose titles are alike at least the threshold: SKU -> per mille."""
        signature = self._signature(listing)
        if signature is None:
            return {}
        found: dict[str, int] = {}
        for sku in self._lsh.query(signature):
            other_sig = self._listings[sku][1]
            if other_sig is None or sku == listing.sku_id:
                continue
            pm = round(signature.jaccard(other_sig) * 1000)
            if pm >= self.title_pm:
                found[sku] = pm
        return found

    def distinctive_shared(self, a: Listing, b: Listing) -> int:
        """Shingles two titles share that at most ``generic_title_max_shops`` shop groups use:
        shared common phrasing (【直播专享】, 学生党, a product name) is nobody's original."""
        shared = self.units(a.title) & self.units(b.title)
        table = self.frequencies._shingle_groups
        return sum(1 for g in shared if len(table.get(g, ())) <= self.generic_max)

    def units(self, title: str) -> set[str]:
        """What distinctiveness is counted in: character n-grams, or words (jieba; words of
        two or more letters, so a junction of two common words is no rare unit)."""
        if not self.distinctive_words:
            return shingles(title, self.distinctive_chars)
        return set(_words(title))

    def is_generic(self, listing: Listing, neighbours: Mapping[str, int]) -> bool:
        """A title that more than ``generic_title_max_shops`` unlinked shops use is a common
        product name, not anyone's original content."""
        groups = {self.group(self._listings[s][0].shop_id) for s in neighbours}
        groups.add(self.group(listing.shop_id))
        return len(groups) > self.generic_max

    def original_of(
        self, listing: Listing, generic: frozenset[str] = frozenset()
    ) -> CopyMatch | None:
        """The earliest listing of an unlinked shop, published before ``listing``, that it
        copies; titles in ``generic`` (or common in the index) never count as copied."""
        found: dict[str, tuple[str, int]] = {}
        titles = self.title_neighbours(listing)
        if listing.sku_id not in generic and not self.is_generic(listing, titles):
            for sku, pm in titles.items():
                other = self._listings[sku][0]
                if sku in generic or self.distinctive_shared(listing, other) < self.min_distinctive:
                    continue
                found[sku] = ("title", pm)
        both: set[str] = set()
        if listing.image_phash is not None and self._image_hashes:
            hashes = np.array(self._image_hashes, dtype=np.uint64)
            xor = np.bitwise_xor(hashes, np.uint64(listing.image_phash))
            bits = np.unpackbits(xor.view(np.uint8).reshape(-1, 8), axis=1).sum(axis=1)
            for index in np.flatnonzero(bits <= self.image_bits):
                sku = self._image_skus[int(index)]
                pm = 1000 - int(bits[index]) * 1000 // 64
                if sku in found and found[sku][0] == "title":
                    both.add(sku)
                if sku not in found or found[sku][1] < pm:
                    found[sku] = ("image", pm)
        mine = _order(listing)
        group = self.group(listing.shop_id)
        earliest: tuple[tuple[datetime, str], Listing, str, int] | None = None
        for sku, (path, pm) in found.items():
            other = self._listings[sku][0]
            when = _order(other)
            if other.sku_id == listing.sku_id or other.published_at is None or when >= mine:
                continue
            # Published within ``min_gap`` of it: one signal may be listings put up at the
            # same time from one source (one supplier's listing kit); a copy made that fast
            # with a one-click tool carries both the original's words and its picture.
            if self._soon_after(listing, other) and sku not in both:
                continue
            if earliest is None or when < earliest[0]:
                earliest = (when, other, path, pm)
        # The first publisher of the content decides: if it is this shop (or a linked one),
        # the listing is a re-list of its own, however many others copied it meanwhile.
        if earliest is None or self.group(earliest[1].shop_id) == group:
            return None
        _, other, path, pm = earliest
        return CopyMatch(listing.sku_id, listing.shop_id, other.sku_id, other.shop_id, path, pm)


def find_copies(
    listings: Iterable[Listing],
    rule: ListingRule,
    linked: Mapping[str, str] | None = None,
    brands: frozenset[str] = frozenset(),
) -> list[CopyMatch]:
    """Every copy among ``listings``, each pointing at the first publisher it copies."""
    ordered = sorted(listings, key=_order)
    everything = CopyIndex(rule, linked, brands)
    for listing in ordered:
        everything.add(listing)
    generic = frozenset(
        x.sku_id for x in ordered if everything.is_generic(x, everything.title_neighbours(x))
    )
    index = CopyIndex(rule, linked, brands)
    index.frequencies = everything
    matches: list[CopyMatch] = []
    for listing in ordered:
        found = index.original_of(listing, generic)
        if found is not None:
            matches.append(found)
        index.add(listing)
    first = {m.sku_id: m for m in matches}
    resolved: list[CopyMatch] = []
    for m in matches:
        root, seen = m, {m.sku_id}
        while root.original_sku_id in first and root.original_sku_id not in seen:
            seen.add(root.original_sku_id)
            root = first[root.original_sku_id]
        groups = linked or {}
        if groups.get(root.original_shop_id, root.original_shop_id) == groups.get(
            m.shop_id, m.shop_id
        ):
            continue  # the content leads back to this merchant's own listing
        if root is not m:
            m = CopyMatch(
                m.sku_id,
                m.shop_id,
                root.original_sku_id,
                root.original_shop_id,
                m.path,
                m.similarity_pm,
            )
        resolved.append(m)
    return resolved


def linked_groups(identities: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Shop -> linked group (its smallest linked shop id), from (shop, identity) links."""
    pairs = sorted(set(identities))
    if not pairs:
        return {}
    shops = sorted({s for s, _ in pairs})
    idents = sorted({i for _, i in pairs})
    shop_code = {s: k for k, s in enumerate(shops)}
    ident_code = {i: k for k, i in enumerate(idents)}
    labels = components_scipy(
        np.array([shop_code[s] for s, _ in pairs], dtype=np.int64),
        np.array([ident_code[i] for _, i in pairs], dtype=np.int64),
    )
    return {shop: shops[int(labels[code])] for shop, code in shop_code.items()}


def copy_clusters(matches: Sequence[CopyMatch], linked: Mapping[str, str]) -> list[CopyCluster]:
    """Copies by two or more shops of one linked group: one cluster per group."""
    by_group: dict[str, list[CopyMatch]] = defaultdict(list)
    for m in matches:
        if m.shop_id in linked:
            by_group[linked[m.shop_id]].append(m)
    clusters: list[CopyCluster] = []
    for group, members in sorted(by_group.items()):
        shops = tuple(sorted({m.shop_id for m in members}))
        if len(shops) < 2:
            continue
        clusters.append(
            CopyCluster(
                f"CC-{group}",
                shops,
                tuple(sorted(m.sku_id for m in members)),
                tuple(sorted({m.original_sku_id for m in members})),
            )
        )
    return clusters
