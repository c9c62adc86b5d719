"""Listing governance as use cases: check the warehouse, check one listing before publication,
and report for operators. Every front end (CLI, API) goes through these."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

import duckdb

from merchantry.kit.errors import InputError, NotFound
from merchantry.listings.check import (
    CatalogueResult,
    PrepublishResult,
    check_catalogue,
    prepublish,
    published_index,
)
from merchantry.listings.claims import Listing
from merchantry.listings.copies import CopyIndex, linked_groups
from merchantry.listings.creators import creator_violations, record_creator_violations
from merchantry.listings.escalation import escalate
from merchantry.listings.governance import Governance, read_governance
from merchantry.listings.holds import HoldIndex
from merchantry.listings.measures import MeasureResult, apply_measures
from merchantry.listings.restrictions import ShopRestriction
from merchantry.listings.rulebook import ListingRulebook, RuleKind
from merchantry.listings.rules import Authorisation, Context, make_context, warm_tokenizers
from merchantry.listings.warehouse import (
    read_authorisations,
    read_caption_videos,
    read_identities,
    read_listings,
    read_offences,
    write_results,
)
from merchantry.store.sql import fill_sql, parse
from merchantry.store.warehouse import table_exists, transaction

REPEAT_OFFENDER_MIN = 2
"""Take-downs (distinct listings) from which a shop is a repeat offender in the report."""


def check_warehouse(
    con: duckdb.DuckDBPyConnection,
    book: ListingRulebook,
    *,
    shop_id: str | None = None,
    write: bool = True,
    at: datetime | None = None,
) -> CatalogueResult:
    """Check every listing on sale; write results (whole runs only) and return them.

    Copies need every shop's listings, so all are read; ``shop_id`` narrows what is returned
    (and nothing is written then)."""
    listings = read_listings(con)
    if not listings:
        raise NotFound("the warehouse holds no products: run `merchantry ingest` first")
    if shop_id is not None and not any(x.shop_id == shop_id for x in listings):
        raise NotFound(f"shop {shop_id} has no listings in the warehouse")
    linked = linked_groups(read_identities(con))
    ctx = make_context(book, read_authorisations(con), listings, today=_latest(listings))
    result = check_catalogue(listings, ctx, linked=linked, live=True)
    when = at or datetime.combine(_latest(listings), datetime.min.time())
    result = replace(
        result,
        findings=tuple(
            escalate(
                result.findings,
                book,
                read_offences(con, book.name),
                when,
                _published(listings),
            )
        ),
    )
    if shop_id is not None:
        return CatalogueResult(
            tuple(f for f in result.findings if f.shop_id == shop_id),
            tuple(c for c in result.clusters if shop_id in c.shops),
            sum(1 for x in listings if x.shop_id == shop_id),
        )
    if write:
        write_results(con, book.name, result, when)
        live = [f for f in result.findings if f.kind is RuleKind.CAPTION_CLAIM]
        if live:
            found = creator_violations(
                live, {x.sku_id: x for x in listings}, ctx, read_caption_videos(con)
            )
            with transaction(con):
                record_creator_violations(con, found, when)
        apply_measures(con, book, read_offences(con, book.name), when.date())
    return result


def _published(listings: Sequence[Listing]) -> dict[str, datetime | None]:
    return {x.sku_id: x.published_at for x in listings}


def refresh_measures(
    con: duckdb.DuckDBPyConnection, book: ListingRulebook, on: date
) -> MeasureResult:
    """Re-derive the shop restrictions and penalties of ``book`` from the offences standing
    now (after an overturn withdrew one: its measures lift, later offences renumber)."""
    return apply_measures(con, book, read_offences(con, book.name), on)


def _latest(listings: Sequence[Listing]) -> date:
    times = [x.published_at for x in listings if x.published_at is not None]
    return max(times).date() if times else date.today()


@dataclass(frozen=True, slots=True)
class KnownCatalogue:
    """What the warehouse knows a new listing may name: its shops, its categories (with the
    industry of each) and its industries. A pre-publish check of a shop, category or industry
    it does not know is refused rather than approved against rules that cannot apply."""

    shops: frozenset[str]
    categories: Mapping[str, str]
    """Category id -> its industry."""
    industries: frozenset[str]

    @classmethod
    def read(cls, con: duckdb.DuckDBPyConnection, listings: Sequence[Listing]) -> KnownCatalogue:
        """The shops (``shops`` and the sellers of ``products``), categories and industries
        (of ``categories`` and ``shops``) of the warehouse."""
        shops = {x.shop_id for x in listings}
        categories: dict[str, str] = {}
        industries: set[str] = set()
        if table_exists(con, "shops"):
            for shop, industry in con.execute("SELECT shop_id, industry FROM shops").fetchall():
                shops.add(str(shop))
                if industry:
                    industries.add(str(industry))
        if table_exists(con, "categories"):
            rows = con.execute("SELECT category_id, industry FROM categories").fetchall()
            for category, industry in rows:
                categories[str(category)] = str(industry or "")
                if industry:
                    industries.add(str(industry))
        return cls(frozenset(shops), categories, frozenset(industries))

    def require(self, listing: Listing) -> Listing:
        """``listing`` when its shop, category and industry are known (an empty category or
        industry means not stated); its industry filled from its category when not stated.
        An unknown shop is :class:`NotFound` with the closest ids; an unknown category or
        industry, or one that contradicts the category's, is an :class:`InputError`."""
        if listing.shop_id not in self.shops:
            raise NotFound(
                f"no shop {listing.shop_id!r} in the warehouse; "
                + _closest(listing.shop_id, self.shops, "shops")
            )
        industry = listing.industry
        if listing.category_id:
            if listing.category_id not in self.categories:
                raise InputError(
                    f"category {listing.category_id!r} is not in the warehouse's categories; "
                    + _closest(listing.category_id, self.categories, "categories")
                )
            of_category = self.categories[listing.category_id]
            if not industry:
                industry = of_category
            elif of_category and industry != of_category:
                raise InputError(
                    f"industry {industry!r} contradicts category {listing.category_id!r}, "
                    f"which belongs to {of_category!r}: give {of_category!r} or leave it out"
                )
        elif industry and industry not in self.industries:
            raise InputError(
                f"industry {industry!r} is not one of the warehouse's industries; "
                + _closest(industry, self.industries, "industries")
            )
        return listing if industry == listing.industry else replace(listing, industry=industry)


def _closest(name: str, known: Iterable[str], what: str) -> str:
    """ "did you mean …?" with the closest known names, or that there are none."""
    names = sorted(known)
    if not names:
        return f"the warehouse has no {what} yet: ingest some data first"
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    some = ", ".join(repr(c) for c in names[:5])
    return f"none is close; the warehouse has {len(names):,} {what}, e.g. {some}"


def require_title(listing: Listing) -> None:
    """Refuse a listing without a title: there is nothing to check, and no listing to publish."""
    if not listing.title.strip():
        raise InputError("the title is empty: a listing needs a title to be checked")


@dataclass
class PrepublishChecker:
    """What a pre-publish check needs, built once (rulebook, authorisations, published
    listings, shop restrictions, held listings): then each check costs one listing's
    detectors, one index query and a look at the shop's restrictions and held listings.

    Restrictions and held listings come from every listing rulebook's governance
    (:class:`~merchantry.listings.governance.Governance`); :meth:`govern` replaces one
    rulebook's part with a newer one (a governance notice from the operational inbox), so
    the checker sees a restriction or a take-down recorded after it was built."""

    ctx: Context
    index: CopyIndex | None
    linked: Mapping[str, str] = field(default_factory=dict)
    governance: dict[str, Governance] = field(default_factory=dict)
    seq: int = 0
    """The operational inbox position up to which its governance notices are applied."""
    known: KnownCatalogue | None = None
    """The warehouse's shops, categories and industries (None: checked against rules only)."""
    restrictions: dict[str, tuple[ShopRestriction, ...]] = field(init=False)
    """Restrictions not withdrawn, by shop (each checked against the time of the check)."""
    holds: HoldIndex = field(init=False)

    def __post_init__(self) -> None:
        self._index_governance()

    def _index_governance(self) -> None:
        by_shop: dict[str, list[ShopRestriction]] = defaultdict(list)
        for g in self.governance.values():
            for r in g.restrictions:
                by_shop[r.shop_id].append(r)
        self.restrictions = {shop: tuple(rows) for shop, rows in by_shop.items()}
        self.holds = HoldIndex.of(
            self.ctx.book, (h for g in self.governance.values() for h in g.holds), self.linked
        )

    def govern(self, governance: Governance) -> None:
        """Replace the governance of ``governance.rulebook`` (the newest notice of it)."""
        self.governance = {**self.governance, governance.rulebook: governance}
        self._index_governance()

    def check(self, listing: Listing, at: datetime | None = None) -> PrepublishResult:
        """``at``: when it would be published (default now, in the warehouse's local time)."""
        require_title(listing)
        if self.known is not None:
            listing = self.known.require(listing)
        when = at or datetime.now()
        shop = self.restrictions.get(listing.shop_id, ())
        result = prepublish(listing, self.ctx, self.index, shop, when)
        return replace(result, held=tuple(self.holds.refusals(listing)))


def prepublish_checker(
    book: ListingRulebook,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    authorisations: Sequence[Authorisation] = (),
    published: Sequence[Listing] = (),
    today: date | None = None,
    seq: int = 0,
) -> PrepublishChecker:
    """A checker over the warehouse's listings, authorisations and governance (when ``con``
    is given) and any ``authorisations`` and ``published`` listings passed in. ``seq``: the
    inbox position the warehouse's governance is current to (its drain mark)."""
    listings = list(published)
    auths = list(authorisations)
    linked: dict[str, str] = {}
    governance: dict[str, Governance] = {}
    known: KnownCatalogue | None = None
    if con is not None:
        if table_exists(con, "products"):
            listings += read_listings(con)
            auths += read_authorisations(con)
            linked = linked_groups(read_identities(con))
            governance = read_governance(con)
        known = KnownCatalogue.read(con, listings)
    ctx = make_context(book, auths, listings, today=today)
    warm_tokenizers(book)
    return PrepublishChecker(
        ctx, published_index(listings, ctx, linked), linked, governance, seq, known
    )


@dataclass(frozen=True, slots=True)
class ReportRow:
    key: str
    listings: int
    take_downs: int
    blocks: int
    warnings: int
    points: int


@dataclass(frozen=True, slots=True)
class ListingReport:
    rulebook: str
    by_kind: tuple[ReportRow, ...]
    by_industry: tuple[ReportRow, ...]
    by_shop: tuple[ReportRow, ...]
    repeat_offenders: tuple[ReportRow, ...]
    clusters: tuple[tuple[str, tuple[str, ...], int], ...]
    """(cluster, its shops, copies)."""


_GROUPED = """
SELECT p_key AS key, count(DISTINCT v.sku_id),
       count(*) FILTER (WHERE outcome IN ('take_down', 'ban')),
       count(*) FILTER (WHERE outcome = 'block'),
       count(*) FILTER (WHERE outcome = 'warn'),
       coalesce(sum(points), 0)
FROM listing_violations AS v
LEFT JOIN products AS p USING (sku_id)
LEFT JOIN categories AS c USING (category_id)
WHERE v.rulebook = $rulebook
GROUP BY ALL
ORDER BY 2 DESC, 1
"""


def listing_report(con: duckdb.DuckDBPyConnection, rulebook: str) -> ListingReport:
    """Violations by kind, industry and shop; repeat offenders; linked-shop clusters."""
    if not table_exists(con, "listing_violations"):
        raise NotFound("no listing results yet: run `merchantry listings check --db …` first")
    params = {"rulebook": rulebook}
    (count,) = con.execute(
        "SELECT count(*) FROM listing_violations WHERE rulebook = $rulebook", params
    ).fetchone() or (0,)
    stored = [
        str(r[0])
        for r in con.execute("SELECT DISTINCT rulebook FROM listing_violations").fetchall()
    ]
    if not count and rulebook not in stored:
        hint = f" (results exist for: {', '.join(sorted(stored))})" if stored else ""
        raise NotFound(
            f"no listing results for rulebook {rulebook}{hint}: "
            "run `merchantry listings check --db …`"
        )

    def grouped(key: str) -> tuple[ReportRow, ...]:
        rows = con.execute(fill_sql(_GROUPED, p_key=parse(key)), params).fetchall()
        return tuple(ReportRow(str(r[0]), *(int(x) for x in r[1:])) for r in rows)

    shops = grouped("v.shop_id")
    repeat = tuple(r for r in shops if r.take_downs >= REPEAT_OFFENDER_MIN)
    clusters = con.execute(
        "SELECT cluster_id, list(DISTINCT shop_id ORDER BY shop_id), count(*) "
        "FROM listing_copy_clusters WHERE rulebook = $rulebook GROUP BY cluster_id ORDER BY 1",
        params,
    ).fetchall()
    return ListingReport(
        rulebook,
        grouped("v.kind"),
        grouped("coalesce(c.industry, '')"),
        shops,
        repeat,
        tuple((str(c), tuple(s), int(n)) for c, s, n in clusters),
    )
