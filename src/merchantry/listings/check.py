"""Checking listings: one before it is published, or a whole catalogue already on sale.

:func:`check_listing` runs the single-listing detectors of the rulebook in order;
:func:`prepublish` adds the copy check against the listings already published (a
:class:`~merchantry.listings.copies.CopyIndex`) and says whether publication is blocked.
:func:`check_catalogue` checks many listings at once: every detector, then copies in
publication order and the linked-shop clusters. Each finding carries the rule's outcome
(block/warn before publication, take down/warn on a live listing), its points and the
``violations`` kind it records, if any.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from merchantry.listings.claims import Listing
from merchantry.listings.copies import CopyCluster, CopyIndex, copy_clusters, find_copies
from merchantry.listings.restrictions import ShopRestriction, blocks_publication
from merchantry.listings.rulebook import ListingRule, Outcome, RuleKind
from merchantry.listings.rules import DETECTORS, Context

if TYPE_CHECKING:  # holds numbers offences (escalation), which reads findings from here
    from merchantry.listings.holds import HeldRefusal


@dataclass(frozen=True, slots=True)
class Finding:
    """One listing breaking one rule (a row of ``listing_violations``)."""

    sku_id: str
    shop_id: str
    kind: RuleKind
    rule_id: str
    outcome: Outcome
    points: int
    violation: str | None
    evidence: str
    original_sku_id: str | None = None
    cluster_id: str | None = None
    offence: int | None = None
    """For an escalated rule: the shop's offence number in the rule's scene (1 = first)."""


def _finding(listing: Listing, rule: ListingRule, evidence: str, live: bool) -> Finding:
    return Finding(
        listing.sku_id,
        listing.shop_id,
        rule.kind,
        rule.rule_id,
        rule.outcome(live),
        rule.points,
        rule.violation,
        evidence,
    )


def check_listing(listing: Listing, ctx: Context, *, live: bool = False) -> list[Finding]:
    """Findings of the single-listing rules, in rulebook order."""
    findings: list[Finding] = []
    for rule in ctx.book.rules:
        detector = DETECTORS.get(rule.kind)
        if detector is None:
            continue
        evidence = detector(listing, rule, ctx)
        if evidence is not None:
            findings.append(_finding(listing, rule, evidence, live))
    return findings


@dataclass(frozen=True, slots=True)
class PrepublishResult:
    listing: Listing
    findings: tuple[Finding, ...]
    refusals: tuple[ShopRestriction, ...] = ()
    """Restrictions on the shop that refuse this listing (suspended, closed, presale)."""
    held: tuple[HeldRefusal, ...] = ()
    """Banned or taken-down listings this one resubmits (the same SKU, or a near-copy)."""

    @property
    def blocked(self) -> bool:
        return (
            bool(self.refusals)
            or bool(self.held)
            or any(f.outcome is Outcome.BLOCK for f in self.findings)
        )

    @property
    def decision(self) -> str:
        if self.blocked:
            return "block"
        return "warn" if self.findings else "publish"


def prepublish(
    listing: Listing,
    ctx: Context,
    published: CopyIndex | None,
    restrictions: Sequence[ShopRestriction] = (),
    at: datetime | None = None,
) -> PrepublishResult:
    """Check one listing before publication, copies included when an index is given, and
    the shop's ``restrictions`` holding ``at`` (every rule is still run: the merchant sees
    all that is wrong at once)."""
    refusals = tuple(
        r
        for r in restrictions
        if r.shop_id == listing.shop_id
        and (at is None or r.holds(at))
        and blocks_publication(r, listing.presale)
    )
    findings = check_listing(listing, ctx, live=False)
    if published is not None:
        match = published.original_of(listing)
        if match is not None:
            findings.append(_finding(listing, published.rule, match.evidence, False))
            findings[-1] = _with_original(findings[-1], match.original_sku_id, None)
    return PrepublishResult(listing, tuple(findings), refusals)


def _with_original(f: Finding, original: str | None, cluster: str | None) -> Finding:
    return Finding(
        f.sku_id,
        f.shop_id,
        f.kind,
        f.rule_id,
        f.outcome,
        f.points,
        f.violation,
        f.evidence,
        original,
        cluster,
    )


@dataclass(frozen=True, slots=True)
class CatalogueResult:
    findings: tuple[Finding, ...]
    clusters: tuple[CopyCluster, ...]
    checked: int


def check_catalogue(
    listings: Sequence[Listing],
    ctx: Context,
    *,
    linked: Mapping[str, str] | None = None,
    live: bool = True,
) -> CatalogueResult:
    """Every rule over ``listings``; copies in publication order, linked clusters flagged."""
    findings: list[Finding] = []
    for listing in listings:
        findings.extend(check_listing(listing, ctx, live=live))
    rule = ctx.book.rule(RuleKind.COPIED_LISTING)
    clusters: list[CopyCluster] = []
    if rule is not None:
        matches = find_copies(listings, rule, linked, ctx.brands)
        clusters = copy_clusters(matches, linked or {})
        cluster_of = {sku: c.cluster_id for c in clusters for sku in c.copies}
        by_sku = {x.sku_id: x for x in listings}
        for m in matches:
            base = _finding(by_sku[m.sku_id], rule, m.evidence, live)
            cluster = cluster_of.get(m.sku_id)
            if cluster is not None:
                base = Finding(
                    base.sku_id,
                    base.shop_id,
                    base.kind,
                    base.rule_id,
                    base.outcome,
                    base.points,
                    base.violation,
                    f"{base.evidence}; linked-shop cluster {cluster}",
                    m.original_sku_id,
                    cluster,
                )
            else:
                base = _with_original(base, m.original_sku_id, None)
            findings.append(base)
    findings.sort(key=lambda f: (f.sku_id, f.rule_id))
    return CatalogueResult(tuple(findings), tuple(clusters), len(listings))


def published_index(
    listings: Iterable[Listing], ctx: Context, linked: Mapping[str, str] | None = None
) -> CopyIndex | None:
    """A copy index over listings already published (None if the rulebook has no copy rule)."""
    rule = ctx.book.rule(RuleKind.COPIED_LISTING)
    if rule is None:
        return None
    index = CopyIndex(rule, linked, ctx.brands)
    for listing in listings:
        if listing.published_at is not None:
            index.add(listing)
    return index
