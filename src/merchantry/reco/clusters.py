"""Clusters of near-duplicate listings, grown one product at a time.

:class:`ClusterIndex` keeps three ways to find candidates for a new listing (the title
LSH of datasketch, the SPU, and the image hashes of its category, compared all at once
with numpy), checks each candidate with :func:`similarity.match` and joins the listing
to every cluster it matches (union-find; a cluster is named by its smallest SKU id, so
the name does not depend on arrival order). Adding a product costs one LSH query and
one vector comparison, not a rebuild.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from merchantry.reco.settings import SimilaritySettings
from merchantry.reco.similarity import (
    Features,
    Listing,
    Match,
    features,
    match,
)


@dataclass(frozen=True, slots=True)
class Membership:
    """One SKU's place in its cluster (a row of ``reco_clusters``)."""

    sku_id: str
    cluster_id: str
    matched_sku_id: str | None
    path: str
    similarity_pm: int


class ClusterIndex:
    """Listings, their near-duplicate clusters and the indexes that find candidates."""

    def __init__(self, settings: SimilaritySettings) -> None:
        from datasketch import MinHashLSH  # datasketch loads SciPy: 0.4 s

        self.settings = settings
        self._lsh = MinHashLSH(
            threshold=settings.lsh_threshold_pm / 1000, num_perm=settings.minhash_permutations
        )
        self._features: dict[str, Features] = {}
        self._parent: dict[str, str] = {}
        self._joined: dict[str, tuple[str | None, Match]] = {}
        self._by_spu: dict[str, list[str]] = defaultdict(list)
        self._image_skus: dict[str, list[str]] = defaultdict(list)
        self._image_hashes: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._features)

    def __contains__(self, sku_id: object) -> bool:
        return sku_id in self._features

    def get(self, sku_id: str) -> Features | None:
        return self._features.get(sku_id)

    def get_listing(self, sku_id: str) -> Listing:
        return self._features[sku_id].listing

    def skus(self) -> list[str]:
        return sorted(self._features)

    def all_features(self) -> dict[str, Features]:
        return dict(self._features)

    def add_all(self, listings: Iterable[Listing]) -> list[str]:
        """Add listings in order; the SKUs newly added (known SKUs are skipped)."""
        return [x.sku_id for x in listings if self.add(x)]

    def add(self, listing: Listing) -> bool:
        """Add one listing and join it to every cluster it matches; False if known."""
        if listing.sku_id in self._features:
            return False
        feats = features(listing, self.settings)
        best: tuple[str | None, Match] = (None, Match("self", 1000, "founded the cluster"))
        for other in self._candidates(feats):
            found = match(feats, self._features[other], self.settings)
            if found is None:
                continue
            if best[0] is None or found.similarity_pm > best[1].similarity_pm:
                best = (other, found)
            self._union(listing.sku_id, other)
        self._store(feats)
        self._joined[listing.sku_id] = best
        return True

    def _store(self, feats: Features) -> None:
        sku = feats.sku_id
        listing = feats.listing
        self._features[sku] = feats
        self._parent.setdefault(sku, sku)
        self._lsh.insert(sku, feats.minhash)
        if listing.spu_id:
            self._by_spu[listing.spu_id].append(sku)
        if listing.image_phash is not None:
            self._image_skus[listing.category_id].append(sku)
            old = self._image_hashes.get(listing.category_id)
            new = np.array([listing.image_phash], dtype=np.uint64)
            self._image_hashes[listing.category_id] = (
                new if old is None else np.concatenate([old, new])
            )

    def _candidates(self, feats: Features) -> list[str]:
        listing = feats.listing
        found: set[str] = set(self._lsh.query(feats.minhash))
        if listing.spu_id:
            found.update(self._by_spu.get(listing.spu_id, ()))
        hashes = self._image_hashes.get(listing.category_id)
        if listing.image_phash is not None and hashes is not None:
            bits = np.bitwise_count(hashes ^ np.uint64(listing.image_phash))
            near = np.flatnonzero(bits <= self.settings.image_max_hamming)
            skus = self._image_skus[listing.category_id]
            found.update(skus[i] for i in near.tolist())
        return sorted(found)

    def _find(self, sku: str) -> str:
        root = sku
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[sku] != root:
            self._parent[sku], sku = root, self._parent[sku]
        return root

    def _union(self, a: str, b: str) -> None:
        self._parent.setdefault(a, a)
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            low, high = sorted((ra, rb))
            self._parent[high] = low

    def cluster_of(self, sku_id: str) -> str | None:
        """The cluster of a known SKU (its smallest member's id); ``None`` if unknown."""
        if sku_id not in self._parent:
            return None
        return self._find(sku_id)

    def memberships(self) -> Iterator[Membership]:
        """Every SKU's membership, in SKU order."""
        for sku in sorted(self._features):
            matched, found = self._joined[sku]
            yield Membership(sku, self._find(sku), matched, found.path, found.similarity_pm)

    def cluster_map(self) -> dict[str, str]:
        """SKU -> cluster, for every known SKU (what the filter looks up)."""
        return {sku: self._find(sku) for sku in self._features}
