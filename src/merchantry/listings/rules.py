"""Detectors: one plain function per rule kind, each ``(listing, rule, context) -> evidence``.

A detector returns the evidence text when the listing breaks the rule and ``None`` when it
does not (or when the facts it needs are unknown: no guessing). :data:`DETECTORS` maps each
:class:`~merchantry.listings.rulebook.RuleKind` of a single listing to its function; copies
need other listings and live in :mod:`merchantry.listings.copies`.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Final

import jieba

from merchantry.listings.claims import Listing
from merchantry.listings.rulebook import ListingRule, ListingRulebook, RuleKind
from merchantry.listings.words import forbidden_hits, tokenizer_for


@dataclass(frozen=True, slots=True)
class Authorisation:
    """A shop may sell a brand from ``valid_from`` to ``valid_to`` (open: still valid)."""

    shop_id: str
    brand: str
    valid_from: date
    valid_to: date | None = None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, slots=True)
class PriceBand:
    """The usual price of a brand in a category: median of its authorised listings."""

    median_fen: int
    listings: int


@dataclass(slots=True)
class Context:
    """What rules know beyond the listing: the rulebook, authorisations, brands, price bands."""

    book: ListingRulebook
    authorisations: Mapping[tuple[str, str], Sequence[Authorisation]] = field(default_factory=dict)
    """(shop, brand) -> its authorisations."""
    brands: frozenset[str] = frozenset()
    """Every brand on record (authorised anywhere): the names a title is searched for."""
    bands: Mapping[tuple[str, str], PriceBand] = field(default_factory=dict)
    """(brand, category) -> usual price band."""
    today: date | None = None
    """Day of a pre-publish check (a listing without ``published_at``)."""

    def authorised(self, shop_id: str, brand: str, day: date) -> bool:
        return any(a.covers(day) for a in self.authorisations.get((shop_id, brand), ()))


def make_context(
    book: ListingRulebook,
    authorisations: Iterable[Authorisation],
    reference: Iterable[Listing] = (),
    *,
    today: date | None = None,
) -> Context:
    """A context whose price bands come from ``reference`` listings of authorised shops."""
    by_key: dict[tuple[str, str], list[Authorisation]] = defaultdict(list)
    for a in authorisations:
        by_key[(a.shop_id, a.brand)].append(a)
    ctx = Context(book, dict(by_key), frozenset(b for _, b in by_key), today=today)
    prices: dict[tuple[str, str], list[int]] = defaultdict(list)
    for listing in reference:
        if listing.brand and ctx.authorised(listing.shop_id, listing.brand, _day(listing, ctx)):
            prices[(listing.brand, listing.category_id)].append(listing.price_fen)
    ctx.bands = {k: PriceBand(int(statistics.median(v)), len(v)) for k, v in prices.items()}
    return ctx


def _day(listing: Listing, ctx: Context) -> date:
    if listing.published_at is not None:
        return listing.published_at.date()
    return ctx.today or datetime.now().date()


def _param(rule: ListingRule, key: str, default: Any) -> Any:
    return rule.params.get(key, default)


def _occurrences(text: str, word: str) -> Iterable[int]:
    start = text.find(word)
    while start >= 0:
        yield start
        start = text.find(word, start + 1)


def material_claim(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """The title names a material the composition lacks, or a purity (纯, 100%) it lacks."""
    if listing.composition is None:
        return None
    materials: Mapping[str, Sequence[str]] = _param(rule, "materials", {})
    imitation: Sequence[str] = _param(rule, "imitation_markers", ())
    pure: Sequence[str] = _param(rule, "pure_markers", ())
    pure_min = int(_param(rule, "pure_min_share_pct", 95))
    title = listing.title
    for material, aliases in materials.items():
        share = sum(
            s for m, s in listing.composition.items() if any(a in m or m in a for a in aliases)
        )
        for alias in sorted(aliases, key=len, reverse=True):
            for at in _occurrences(title, alias):
                before = title[max(0, at - 4) : at]
                if any(before.endswith(mark) for mark in imitation):
                    continue
                stated = _stated(listing.composition)
                if share == 0:
                    return (
                        f"title says {alias}; the stated composition ({stated}) has no {material}"
                    )
                said = next((mark for mark in pure if before.endswith(mark)), None)
                if said is not None and share < pure_min:
                    return (
                        f"title says {said}{alias}; the stated composition "
                        f"({stated}) has {share}% {material}, below {pure_min}%"
                    )
    return None


def _stated(composition: Mapping[str, int]) -> str:
    return "、".join(f"{m} {s}%" for m, s in composition.items()) or "none stated"


def _places_in(text: str, places: Mapping[str, str]) -> list[str]:
    found: list[str] = []
    taken = [False] * len(text)
    for place in sorted(places, key=len, reverse=True):
        for at in _occurrences(text, place):
            if not any(taken[at : at + len(place)]):
                found.append(place)
                taken[at : at + len(place)] = [True] * len(place)
    return found


def origin_claim(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """A produce title names a place whose province is not the ship-from province."""
    industries = _param(rule, "industries", ())
    if industries and listing.industry not in industries:
        return None
    if not listing.ship_from:
        return None
    places = ctx.book.places
    ships = places.get(listing.ship_from, listing.ship_from)
    for place in _places_in(listing.title, places):
        if places[place] != ships:
            return (
                f"title names {place} ({places[place]}); the listing ships from "
                f"{listing.ship_from} ({ships})"
            )
    return None


def count_claim(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """A number with the stated unit in the title is above the stated count."""
    if listing.net_count is None or not listing.count_unit:
        return None
    units: Sequence[str] = _param(rule, "units", ())
    if listing.count_unit not in units:
        return None
    pattern = re.compile(r"(\d+)\s*" + re.escape(listing.count_unit))
    for found in pattern.finditer(listing.title):
        claimed = int(found.group(1))
        if claimed > listing.net_count:
            return (
                f"title says {found.group(0)}; the stated count is "
                f"{listing.net_count}{listing.count_unit}"
            )
    return None


def absolute_terms(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """Forbidden words in the title or a creator caption (segmented, so 最近 is no hit)."""
    word_list = ctx.book.word_lists[str(rule.word_list)]
    tokenizer = tokenizer_for(word_list)
    for where, text in (("title", listing.title), *(("caption", c) for c in listing.captions)):
        hits = forbidden_hits(text, word_list, tokenizer)
        if hits:
            words = "、".join(dict.fromkeys(hits))
            return f"{where} uses {words} (list {word_list.name} v{word_list.version})"
    return None


def subsidy_label(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """The national-subsidy label or its words on a product outside the programme's scope."""
    words: Sequence[str] = _param(rule, "label_words", ())
    industries: Sequence[str] = _param(rule, "industries", ())
    if listing.industry in industries:
        return None
    if listing.subsidy_label:
        return (
            f"carries the 国补 label; {listing.industry or 'its industry'} is outside the programme"
        )
    if words and any(w in listing.title for w in words):  # a token is a substring
        word_list = next(iter(ctx.book.word_lists.values()), None)
        tokens = _tokens(listing.title, tuple(words), word_list)
        said = [w for w in words if w in tokens]
        if said:
            return (
                f"title says {said[0]}; {listing.industry or 'its industry'} is outside "
                "the programme"
            )
    return None


def warm_tokenizers(book: ListingRulebook) -> None:
    """Load every jieba dictionary the rules segment with (seconds each), so the first check
    that needs one does not pay for it: the forbidden-word list's, the subsidy label's and
    jieba's own (the copy guard's words)."""
    jieba.initialize()
    for rule in book.rules:
        word_list = next(iter(book.word_lists.values()), None)
        listed = book.word_lists.get(rule.word_list or "")
        if rule.kind is RuleKind.ABSOLUTE_TERMS and listed is not None:
            tokenizer_for(listed).initialize()
        words = tuple(_param(rule, "label_words", ()))
        if rule.kind is RuleKind.SUBSIDY_LABEL and words and word_list is not None:
            tokenizer_for(word_list, words).initialize()


def _tokens(text: str, extra: tuple[str, ...], word_list: Any) -> set[str]:
    """Tokens of ``text`` on a tokenizer that knows ``extra`` words (全国补货 is no 国补)."""
    if word_list is None:
        return {w for w in extra if w in text}
    return set(tokenizer_for(word_list, extra).lcut(text, HMM=False))


def _brands_named(listing: Listing, rule: ListingRule, ctx: Context) -> list[str]:
    markers: Sequence[str] = _param(rule, "compatibility_markers", ())
    named: list[str] = []
    for brand in sorted(ctx.brands, key=len, reverse=True):
        for at in _occurrences(listing.title, brand):
            before = listing.title[max(0, at - 4) : at]
            if any(before.endswith(m) for m in markers):
                continue
            if brand not in named:
                named.append(brand)
    return named


def unauthorised_brand(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """A brand declared or named in the title without the shop's authorisation that day."""
    day = _day(listing, ctx)
    claimed = ([listing.brand] if listing.brand else []) + _brands_named(listing, rule, ctx)
    for brand in dict.fromkeys(claimed):
        if not ctx.authorised(listing.shop_id, brand, day):
            where = "declared" if brand == listing.brand else "named in the title"
            return f"brand {brand} {where}; shop {listing.shop_id} has no authorisation on {day}"
    return None


def price_below_band(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """A branded listing under ``floor_pct_of_median`` of the brand's usual price."""
    if not listing.brand:
        return None
    band = ctx.bands.get((listing.brand, listing.category_id))
    if band is None or band.listings < int(_param(rule, "min_reference_listings", 3)):
        return None
    floor_pct = int(_param(rule, "floor_pct_of_median", 30))
    if listing.price_fen * 100 < band.median_fen * floor_pct:
        return (
            f"price {listing.price_fen} fen is under {floor_pct}% of {listing.brand}'s usual "
            f"{band.median_fen} fen ({band.listings} authorised listings)"
        )
    return None


Detector = Callable[[Listing, ListingRule, Context], str | None]

_CAPTION_CLAIMS: Final[Mapping[RuleKind, Detector]] = {
    RuleKind.MATERIAL_CLAIM: material_claim,
    RuleKind.ORIGIN_CLAIM: origin_claim,
    RuleKind.COUNT_CLAIM: count_claim,
    RuleKind.SUBSIDY_LABEL: subsidy_label,
}
"""Claims a caption is held to, read as the title is (each with its own rule's parameters)."""


def caption_claim(listing: Listing, rule: ListingRule, ctx: Context) -> str | None:
    """A creator caption claims a material, origin, count or 国补 subsidy that the listing's
    stated attributes contradict: the same tests as for the title, on each caption."""
    kinds = [RuleKind(k) for k in _param(rule, "claims", [k.value for k in _CAPTION_CLAIMS])]
    for caption in listing.captions:
        said = replace(listing, title=caption, subsidy_label=False)
        for kind in kinds:
            claim_rule = ctx.book.rule(kind)
            if claim_rule is None or kind not in _CAPTION_CLAIMS:
                continue
            found = _CAPTION_CLAIMS[kind](said, claim_rule, ctx)
            if found is not None:
                return f"creator caption «{caption}»: " + found.replace("title says", "it says")
    return None


DETECTORS: Final[Mapping[RuleKind, Detector]] = {
    RuleKind.MATERIAL_CLAIM: material_claim,
    RuleKind.ORIGIN_CLAIM: origin_claim,
    RuleKind.COUNT_CLAIM: count_claim,
    RuleKind.ABSOLUTE_TERMS: absolute_terms,
    RuleKind.SUBSIDY_LABEL: subsidy_label,
    RuleKind.UNAUTHORISED_BRAND: unauthorised_brand,
    RuleKind.PRICE_BELOW_BAND: price_below_band,
    RuleKind.CAPTION_CLAIM: caption_claim,
}
"""Single-listing detectors, by kind (copies are found across listings)."""
