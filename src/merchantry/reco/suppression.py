"""Post-purchase suppression: withhold what the buyer just bought, or its near-duplicates.

:func:`filter_candidates` is a pure function of a buyer's recent purchases, a candidate
list, the catalogue (listings and their clusters) and the rulebook's windows. A
candidate is removed when it is a purchased SKU, or one of its near-duplicates (same
cluster, or matched directly when the candidate is not in the catalogue yet), and the
purchase is still inside its industry's window; every removal names the rule (the
window parameter and the match path) and the purchase it matched. Complements (other
categories) are never near-duplicates, so they stay. Nothing is dropped silently: a
candidate or purchase the catalogue does not know is listed as such.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from merchantry.reco.clusters import ClusterIndex
from merchantry.reco.settings import RecoSettings, SimilaritySettings
from merchantry.reco.similarity import Features, Listing, Match, features, match


@dataclass(frozen=True, slots=True)
class Purchase:
    """A buyer's purchase: what, when, and the order it came from."""

    sku_id: str
    purchased_at: datetime
    order_id: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate the recommender wants to show: a SKU, with its listing when the
    catalogue may not know it yet (a product that arrived since the last build)."""

    sku_id: str
    listing: Listing | None = None


@dataclass(frozen=True, slots=True)
class Removal:
    """A withheld candidate and why."""

    sku_id: str
    rule_id: str
    """The window parameter that withheld it, e.g. ``reco-2026:window_days_apparel``."""
    path: str
    """How it matched the purchase: self, same_spu, image, title, variant or cluster."""
    detail: str
    purchase_sku_id: str
    purchase_order_id: str | None
    purchased_at: datetime
    window_days: int
    until: datetime
    """When the candidate may be shown again (for this purchase)."""


@dataclass(frozen=True, slots=True)
class FilterResult:
    kept: list[str]
    removed: list[Removal]
    unknown_candidates: list[str] = field(default_factory=list)
    """Kept, but the catalogue does not know them: nothing could be matched."""
    unknown_purchases: list[str] = field(default_factory=list)
    """Purchases of SKUs the catalogue does not know: they withhold nothing."""


@dataclass(slots=True)
class Catalogue:
    """What the filter looks up: listings, their clusters and each category's industry.

    Title signatures are computed on first use and kept, so a filter call costs only
    the SKUs it touches."""

    listings: Mapping[str, Listing]
    clusters: Mapping[str, str]
    """SKU -> cluster id."""
    industry_of: Mapping[str, str]
    """Category id -> experience-score industry (the window's key)."""
    similarity: SimilaritySettings
    _features: dict[str, Features] = field(default_factory=dict)

    @classmethod
    def from_index(cls, index: ClusterIndex, industry_of: Mapping[str, str]) -> Catalogue:
        catalogue = cls(
            {sku: index.get_listing(sku) for sku in index.skus()},
            index.cluster_map(),
            dict(industry_of),
            index.settings,
        )
        catalogue._features.update(index.all_features())
        return catalogue

    def warm(self) -> None:
        """Compute every listing's title signature now (start-up), not on first request."""
        for sku_id in self.listings:
            self.features(sku_id)

    def features(self, sku_id: str) -> Features | None:
        found = self._features.get(sku_id)
        if found is None:
            listing = self.listings.get(sku_id)
            if listing is None:
                return None
            found = self._features[sku_id] = features(listing, self.similarity)
        return found


@dataclass(frozen=True, slots=True)
class _Active:
    purchase: Purchase
    features: Features
    cluster: str | None
    window_days: int
    rule: str
    until: datetime


def filter_candidates(
    purchases: Sequence[Purchase],
    candidates: Sequence[Candidate | str],
    catalogue: Catalogue,
    settings: RecoSettings,
    now: datetime,
) -> FilterResult:
    """Split ``candidates`` into kept and removed, in their given order."""
    active, unknown_purchases = _active(purchases, catalogue, settings, now)
    by_sku: dict[str, list[_Active]] = {}
    by_cluster: dict[str, list[_Active]] = {}
    for item in active:
        by_sku.setdefault(item.purchase.sku_id, []).append(item)
        if item.cluster is not None:
            by_cluster.setdefault(item.cluster, []).append(item)
    kept: list[str] = []
    removed: list[Removal] = []
    unknown: list[str] = []
    clusters = catalogue.clusters
    for raw in candidates:
        sku, listing = (raw, None) if isinstance(raw, str) else (raw.sku_id, raw.listing)
        # The fast path, taken by almost every candidate: neither the SKU nor its cluster
        # was bought (a few dict and set probes; the 1,000-candidate budget is 5 ms).
        if sku not in by_sku:
            cluster = clusters.get(sku)
            if cluster is None:
                if listing is None:
                    kept.append(sku)
                    unknown.append(sku)
                    continue
                if not active:
                    kept.append(sku)
                    continue
            elif cluster not in by_cluster:
                kept.append(sku)
                continue
        candidate = raw if isinstance(raw, Candidate) else Candidate(sku)
        hit = _hit(candidate, by_sku, by_cluster, active, catalogue, settings)
        if hit is None:
            kept.append(sku)
            continue
        item, found = hit
        removed.append(
            Removal(
                sku_id=candidate.sku_id,
                rule_id=f"{settings.rulebook}:{item.rule}",
                path=found.path,
                detail=found.detail,
                purchase_sku_id=item.purchase.sku_id,
                purchase_order_id=item.purchase.order_id,
                purchased_at=item.purchase.purchased_at,
                window_days=item.window_days,
                until=item.until,
            )
        )
    return FilterResult(kept, removed, unknown, unknown_purchases)


def _active(
    purchases: Sequence[Purchase], catalogue: Catalogue, settings: RecoSettings, now: datetime
) -> tuple[list[_Active], list[str]]:
    """Purchases still inside their window, newest first; and unknown purchased SKUs."""
    active: list[_Active] = []
    unknown: list[str] = []
    for purchase in sorted(purchases, key=lambda p: p.purchased_at, reverse=True):
        feats = catalogue.features(purchase.sku_id)
        if feats is None:
            unknown.append(purchase.sku_id)
            continue
        industry = catalogue.industry_of.get(feats.listing.category_id)
        days, rule = settings.window_days(industry)
        try:
            until = purchase.purchased_at + timedelta(days=days)
        except OverflowError:  # a purchase near the end of the calendar: never expires
            until = datetime.max
        if days <= 0 or not purchase.purchased_at <= now < until:
            continue
        cluster = catalogue.clusters.get(purchase.sku_id)
        active.append(_Active(purchase, feats, cluster, days, rule, until))
    return active, sorted(set(unknown))


def _hit(
    candidate: Candidate,
    by_sku: Mapping[str, list[_Active]],
    by_cluster: Mapping[str, list[_Active]],
    active: Sequence[_Active],
    catalogue: Catalogue,
    settings: RecoSettings,
) -> tuple[_Active, Match] | None:
    """The purchase that withholds ``candidate`` longest, and how they match."""
    hits: list[tuple[_Active, Match]] = [
        (item, Match("self", 1000, "the SKU the buyer bought"))
        for item in by_sku.get(candidate.sku_id, ())
    ]
    cluster = catalogue.clusters.get(candidate.sku_id)
    if cluster is not None:
        same_cluster = [
            item for item in by_cluster.get(cluster, ()) if item.purchase.sku_id != candidate.sku_id
        ]
        feats = catalogue.features(candidate.sku_id) if same_cluster else None
        for item in same_cluster:
            if feats is None:
                continue
            found = match(feats, item.features, settings.similarity)
            hits.append(
                (item, found or Match("cluster", 0, f"in near-duplicate cluster {cluster}"))
            )
    elif candidate.listing is not None and active:
        feats = features(candidate.listing, settings.similarity)
        for item in active:
            found = match(feats, item.features, settings.similarity)
            if found is not None:
                hits.append((item, found))
    if not hits:
        return None
    # The latest end of a window says when the candidate may be shown again; on a tie the
    # closest match (the SKU itself first) explains it.
    return max(hits, key=lambda h: (h[0].until, h[1].path == "self", h[1].similarity_pm))
