"""Listings banned or taken down, and the resubmissions the pre-publish check refuses.

A standing offence (recorded, not withdrawn) leaves its listing **banned** (商品封禁) or
**taken down** (商品下架), as its rule's ladder step (or, without a ladder, the rule's live
outcome) says. :func:`derive_holds` names them, with the title and main image the listing had,
and :mod:`merchantry.listings.measures` stores them per rulebook (``listing_holds``).

Before publication (:class:`HoldIndex`):

* a **banned** SKU is refused whatever its new title, and so is a near-copy of it by the same
  shop or a linked one (a title alike at least the copy rule's threshold, or a main image
  within its bits), while the ban stands: only an overturn on appeal lifts it;
* a **taken-down** SKU is refused when it comes back unchanged (its title alike at least the
  threshold to the one taken down): a take-down asks for the listing to be corrected, and a
  corrected one is checked by the rules like any other.

Each refusal names the offence, its rule and the case to appeal it
(:func:`merchantry.risk.cases.case_id_for`: the id ``merchantry listings cases`` opens it under).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from merchantry.listings.claims import Listing
from merchantry.listings.escalation import Offence, offence_numbers
from merchantry.listings.rulebook import ListingRulebook, Outcome, RuleKind
from merchantry.reco.settings import SimilaritySettings
from merchantry.reco.similarity import title_minhash
from merchantry.risk.cases import CaseSubject, case_id_for

if TYPE_CHECKING:
    from datasketch import MinHash

HELD_OUTCOMES = (Outcome.BAN, Outcome.TAKE_DOWN)


@dataclass(frozen=True, slots=True)
class HeldListing:
    """A listing banned or taken down by a standing offence (a row of ``listing_holds``)."""

    rulebook: str
    violation_id: str
    shop_id: str
    sku_id: str
    rule_id: str
    outcome: Outcome
    offence_no: int
    since: datetime
    title: str
    image_phash: int | None = None

    @property
    def case_id(self) -> str:
        """The case the merchant appeals the offence through."""
        return case_id_for(CaseSubject.LISTING_VIOLATION, self.violation_id)


@dataclass(frozen=True, slots=True)
class HeldRefusal:
    """A new listing refused because it resubmits a held one."""

    held: HeldListing
    match: str
    """How it resubmits it: ``same SKU``, ``title 93% alike``, ``main image 97% alike``."""

    @property
    def reason(self) -> str:
        h = self.held
        if h.outcome is Outcome.BAN:
            what = (
                f"{h.sku_id} of shop {h.shop_id} is banned (商品封禁) since "
                f"{h.since:%Y-%m-%d %H:%M} for {h.rule_id} (offence {h.offence_no}, "
                f"{h.violation_id}); a banned listing and its near-copies stay off sale while "
                "the ban stands"
            )
        else:
            what = (
                f"{h.sku_id} of shop {h.shop_id} was taken down (商品下架) on "
                f"{h.since:%Y-%m-%d %H:%M} for {h.rule_id} ({h.violation_id}); correct it "
                "before publishing it again"
            )
        return f"{self.match} as {h.sku_id}: {what}; appeal: case {h.case_id}"


def derive_holds(
    book: ListingRulebook,
    offences: Sequence[Offence],
    listed: Mapping[str, tuple[str, int | None]],
) -> list[HeldListing]:
    """The listing each standing offence bans or takes down; ``listed``: SKU -> (title, main
    image hash) as the warehouse holds them."""
    numbers = offence_numbers(book, offences)
    rules = {r.rule_id: r for r in book.rules}
    held: list[HeldListing] = []
    for o in offences:
        rule = rules.get(o.rule_id)
        if rule is None:
            continue
        number = numbers.get((o.shop_id, o.rule_id, o.sku_id), 1)
        outcome = rule.escalation.step(number).outcome if rule.escalation else rule.when_live
        if outcome not in HELD_OUTCOMES:
            continue
        title, phash = listed.get(o.sku_id, ("", None))
        held.append(
            HeldListing(
                book.name,
                o.violation_id,
                o.shop_id,
                o.sku_id,
                o.rule_id,
                outcome,
                number,
                o.occurred_at,
                title,
                phash,
            )
        )
    held.sort(key=lambda h: (h.shop_id, h.since, h.sku_id, h.rule_id))
    return held


@dataclass
class HoldIndex:
    """Held listings by SKU and by shop group, each title's signature computed once."""

    settings: SimilaritySettings
    title_pm: int
    image_bits: int
    linked: Mapping[str, str] = field(default_factory=dict)
    _by_sku: dict[str, list[HeldListing]] = field(default_factory=lambda: defaultdict(list))
    _by_group: dict[str, list[tuple[HeldListing, MinHash | None]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    @classmethod
    def of(
        cls,
        book: ListingRulebook,
        held: Iterable[HeldListing],
        linked: Mapping[str, str] | None = None,
    ) -> HoldIndex:
        """Thresholds from the rulebook's copy rule (80% of titles, 6 image bits without)."""
        rule = book.rule(RuleKind.COPIED_LISTING)
        params = rule.params if rule is not None else {}
        index = cls(
            SimilaritySettings(
                title_shingle_chars=int(params.get("shingle_chars", 2)),
                minhash_permutations=int(params.get("minhash_permutations", 128)),
            ),
            int(params.get("title_min_similarity_pm", 800)),
            int(params.get("image_max_hamming", 6)),
            dict(linked or {}),
        )
        for h in held:
            index.add(h)
        return index

    def group(self, shop_id: str) -> str:
        return self.linked.get(shop_id, shop_id)

    def add(self, held: HeldListing) -> None:
        self._by_sku[held.sku_id].append(held)
        signature = title_minhash(held.title, self.settings) if held.title else None
        self._by_group[self.group(held.shop_id)].append((held, signature))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_sku.values())

    def refusals(self, listing: Listing) -> list[HeldRefusal]:
        """The held listings ``listing`` resubmits (see the module note)."""
        found: dict[str, HeldRefusal] = {}
        signature: MinHash | None = None
        candidates = self._by_group.get(self.group(listing.shop_id), [])
        if candidates:
            signature = title_minhash(listing.title, self.settings)
        for h in self._by_sku.get(listing.sku_id, ()):
            if h.outcome is Outcome.BAN:
                found[h.violation_id] = HeldRefusal(h, "same SKU")
        for h, other in candidates:
            if h.violation_id in found:
                continue
            title_pm = (
                round(signature.jaccard(other) * 1000)
                if signature is not None and other is not None
                else 0
            )
            if h.outcome is Outcome.TAKE_DOWN:
                if h.sku_id == listing.sku_id and title_pm >= self.title_pm:
                    found[h.violation_id] = HeldRefusal(h, "same SKU, title unchanged")
                continue
            if title_pm >= self.title_pm:
                found[h.violation_id] = HeldRefusal(h, f"title {title_pm / 10:.0f}% alike")
            elif listing.image_phash is not None and h.image_phash is not None:
                bits = (listing.image_phash ^ h.image_phash).bit_count()
                if bits <= self.image_bits:
                    pm = 1000 - bits * 1000 // 64
                    found[h.violation_id] = HeldRefusal(h, f"main image {pm / 10:.0f}% alike")
        return sorted(found.values(), key=lambda r: (r.held.since, r.held.violation_id))
