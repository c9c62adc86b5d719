"""What the command line and the API ask of the reco package, over the warehouse.

Each function opens nothing: the caller passes a DuckDB connection (the CLI's
``--db``, the API's published snapshot) and gets plain values back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import duckdb

from merchantry.kit.errors import InputError, NotFound
from merchantry.reco.boost import Boost, BoostInput, boost
from merchantry.reco.clusters import ClusterIndex
from merchantry.reco.creatives import Guarded, LlmSettings, Product, guarded, polish, render
from merchantry.reco.replay import ReplayItem, ReplayReport, Session, buyer_factors, replay
from merchantry.reco.settings import BoostSettings, RecoSettings
from merchantry.reco.similarity import Listing, parse_phash, phash_file
from merchantry.reco.suppression import (
    Candidate,
    Catalogue,
    FilterResult,
    Purchase,
    Removal,
    filter_candidates,
)
from merchantry.reco.warehouse import (
    ClusterWrite,
    buyer_exists,
    read_industries,
    read_listings,
    read_purchases,
    write_clusters,
)
from merchantry.store.warehouse import table_exists


def filter_for_buyer(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    settings: RecoSettings,
    candidates: Sequence[Candidate | str],
    *,
    buyer_id: str | None,
    purchases: Sequence[Purchase] = (),
    now: datetime,
) -> tuple[FilterResult, list[Purchase]]:
    """Filter ``candidates`` against the given purchases plus, with ``buyer_id``, the
    buyer's orders in the warehouse; the purchases used come back too."""
    used = list(purchases)
    if buyer_id is not None:
        if not buyer_exists(con, buyer_id) and not used:
            raise NotFound(f"buyer {buyer_id} has no orders in the warehouse")
        used.extend(read_purchases(con, buyer_id, now, settings))
    result = filter_candidates(used, candidates, catalogue, settings, now)
    return _withhold_restricted(con, catalogue, result, now), used


_RESTRICTED = """
SELECT shop_id, arg_max(rulebook || ':' || rule_id, starts_at),
       arg_max(restriction || ' from offence ' || CAST(offence_no AS VARCHAR) || ' (' || sku_id
               || '): ' || measures, starts_at),
       min(starts_at), max(coalesce(ends_at, TIMESTAMP '9999-12-31'))
FROM shop_restrictions
WHERE restriction IN ('suspended', 'closed') AND starts_at <= $now
  AND (ends_at IS NULL OR ends_at > $now)
  AND violation_id NOT IN (SELECT violation_id FROM withdrawn_violations)
GROUP BY shop_id
"""
"""Shops a listing-escalation restriction keeps out of recommendations at ``$now``
(``listings.measures`` writes the table; withdrawn violations lift theirs)."""


def _withhold_restricted(
    con: duckdb.DuckDBPyConnection, catalogue: Catalogue, result: FilterResult, now: datetime
) -> FilterResult:
    """``result`` with the kept candidates of suspended or closed shops withheld."""
    if not (table_exists(con, "shop_restrictions") and table_exists(con, "withdrawn_violations")):
        return result
    shops = {str(r[0]): r[1:] for r in con.execute(_RESTRICTED, {"now": now}).fetchall()}
    if not shops:
        return result
    kept, removed = [], list(result.removed)
    for sku in result.kept:
        listing = catalogue.listings.get(sku)
        found = shops.get(listing.shop_id or "") if listing is not None else None
        if found is None:
            kept.append(sku)
            continue
        rule, detail, since, until = found
        removed.append(
            Removal(sku, str(rule), "shop_restriction", str(detail), "", None, since, 0, until)
        )
    return replace(result, kept=kept, removed=removed)


def update_clusters(
    con: duckdb.DuckDBPyConnection, settings: RecoSettings, images: Path | None = None
) -> ClusterWrite:
    """Cluster every product (new ones join existing clusters) and store what changed.

    With ``images``, a product without an image hash in ``product_profiles`` gets one
    computed from its first ``image_refs`` file under that folder, when the file is there."""
    listings = read_listings(con)
    if not listings:
        raise NotFound("the warehouse holds no products: run `merchantry ingest` first")
    if images is not None:
        listings = with_image_hashes(con, listings, images)
    index = ClusterIndex(settings.similarity)
    index.add_all(listings)
    return write_clusters(con, list(index.memberships()))


def with_image_hashes(
    con: duckdb.DuckDBPyConnection, listings: Sequence[Listing], images: Path
) -> list[Listing]:
    """``listings``, each without a hash given one from its main image file under ``images``."""
    if not images.is_dir():
        raise NotFound(f"--images {images} is not a folder")
    refs = dict(
        con.execute(
            "SELECT sku_id, image_refs[1] FROM products WHERE len(image_refs) > 0"
        ).fetchall()
    )
    result = []
    for listing in listings:
        ref = refs.get(listing.sku_id)
        path = images / str(ref) if ref else None
        if listing.image_phash is None and path is not None and path.is_file():
            listing = replace(listing, image_phash=parse_phash(phash_file(path)))
        result.append(listing)
    return result


# --- boost and replay


@dataclass(frozen=True, slots=True)
class ShopQuality:
    score: int | None
    """Points (the latest score in the warehouse), ``None`` when never scored."""
    badge: bool


def shop_quality(con: duckdb.DuckDBPyConnection) -> dict[str, ShopQuality]:
    """Each shop's latest experience score (points) and whether it is on the latest
    good-service ranking (the badge)."""
    scores: dict[str, int | None] = {}
    badges: set[str] = set()
    if table_exists(con, "shop_scores"):
        for shop, score in con.execute(
            "SELECT shop_id, arg_max(score_cp, score_date) FROM shop_scores "
            "WHERE score_cp IS NOT NULL GROUP BY shop_id"
        ).fetchall():
            scores[str(shop)] = int(score) // 100
    if table_exists(con, "service_rankings"):
        badges = {
            str(s)
            for (s,) in con.execute(
                "SELECT shop_id FROM service_rankings "
                "WHERE score_date = (SELECT max(score_date) FROM service_rankings)"
            ).fetchall()
        }
    shops = [str(s) for (s,) in con.execute("SELECT shop_id FROM shops").fetchall()]
    return {s: ShopQuality(scores.get(s), s in badges) for s in shops}


_RETURN_RATES = """
WITH sold AS (
  SELECT o.sku_id, count(*) AS n, count(a.order_id) AS returned
  FROM orders o LEFT JOIN (SELECT DISTINCT order_id FROM after_sales) a USING (order_id)
  GROUP BY o.sku_id
), cat AS (
  SELECT p.category_id, sum(s.n) AS n, sum(s.returned) AS returned
  FROM sold s JOIN products p USING (sku_id) GROUP BY p.category_id
)
SELECT p.sku_id, coalesce(s.n, 0), coalesce(s.returned, 0),
       coalesce(c.n, 0), coalesce(c.returned, 0)
FROM products p LEFT JOIN sold s USING (sku_id) LEFT JOIN cat c USING (category_id)
"""


def item_return_bp(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Each SKU's share of orders with an after-sales request, bp, shrunk towards its
    category's share with a prior of 20 orders (a SKU with 1 order is not 0% or 100%)."""
    prior = 20
    result = {}
    for sku, n, returned, cat_n, cat_returned in con.execute(_RETURN_RATES).fetchall():
        base = cat_returned / cat_n if cat_n else 0.05
        result[str(sku)] = round(10_000 * (returned + prior * base) / (n + prior))
    return result


def boost_items(
    con: duckdb.DuckDBPyConnection,
    settings: RecoSettings,
    skus: Sequence[str],
    buyer_id: str | None = None,
) -> list[Boost]:
    """The rerank weight of each SKU (for ``buyer_id`` when given), explained."""
    listings = {x.sku_id: x for x in read_listings(con)}
    unknown = [s for s in skus if s not in listings]
    if unknown:
        raise NotFound(f"unknown SKU(s): {', '.join(unknown[:5])}")
    quality = shop_quality(con)
    returns = item_return_bp(con)
    factor = 1000
    if buyer_id is not None:
        factor = _buyer_factors(con).get(buyer_id, 1000)
    result = []
    for sku in skus:
        listing = listings[sku]
        shop = quality.get(listing.shop_id or "", ShopQuality(None, False))
        result.append(
            boost(
                BoostInput(
                    sku,
                    shop.score,
                    shop.badge,
                    min(10_000, returns.get(sku, 0) * factor // 1000),
                    listing.content_quality,
                ),
                settings.boost,
                settings.rulebook,
            )
        )
    return result


def _buyer_factors(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        "SELECT o.buyer_id, count(*), count(a.order_id) FROM orders o LEFT JOIN "
        "(SELECT DISTINCT order_id FROM after_sales) a USING (order_id) GROUP BY o.buyer_id"
    ).fetchall()
    orders = {str(b): int(n) for b, n, _ in rows}
    returned = {str(b): int(r) for b, _, r in rows}
    total = sum(orders.values())
    mean = sum(returned.values()) / total if total else 0.0
    return buyer_factors(orders, returned, mean)


def replay_sessions(
    con: duckdb.DuckDBPyConnection,
    baseline: tuple[str, BoostSettings],
    candidate: tuple[str, BoostSettings],
    *,
    sessions: int,
    seed: int,
) -> ReplayReport:
    """Replay up to ``sessions`` sessions drawn from the warehouse's orders."""
    if sessions < 1:
        raise InputError("--sessions must be at least 1")
    quality = shop_quality(con)
    returns = item_return_bp(con)
    items = [
        ReplayItem(
            x.sku_id,
            x.shop_id or "",
            x.category_id,
            quality.get(x.shop_id or "", ShopQuality(None, False)).score,
            quality.get(x.shop_id or "", ShopQuality(None, False)).badge,
            returns.get(x.sku_id, 0),
            x.content_quality,
        )
        for x in read_listings(con)
    ]
    factors = _buyer_factors(con)
    rows = con.execute(
        "SELECT o.buyer_id, p.category_id FROM orders o JOIN products p USING (sku_id) "
        "ORDER BY hash(o.order_id, ?::BIGINT), o.order_id LIMIT ?",
        [seed, sessions],
    ).fetchall()
    if not rows:
        raise NotFound("the warehouse holds no orders to replay")
    drawn = [Session(str(b), str(c), factors.get(str(b), 1000)) for b, c in rows]
    return replay(items, drawn, baseline, candidate, seed=seed)


# --- creatives


def creatives_for(
    con: duckdb.DuckDBPyConnection, sku_id: str, llm: LlmSettings | None = None
) -> tuple[Product, Guarded]:
    """Variants of one SKU's copy: the product, and its variants split by the guard."""
    listing = next((x for x in read_listings(con) if x.sku_id == sku_id), None)
    if listing is None:
        raise NotFound(f"unknown SKU {sku_id}")
    noun_row = con.execute(
        "SELECT name FROM categories WHERE category_id = ?", [listing.category_id]
    ).fetchone()
    reviews = [
        str(t)
        for (t,) in con.execute(
            "SELECT r.text FROM reviews r JOIN orders o USING (order_id) WHERE o.sku_id = ? "
            "AND r.rating >= 4 AND r.text IS NOT NULL ORDER BY r.review_id LIMIT 20",
            [sku_id],
        ).fetchall()
    ]
    product = Product(listing, str(noun_row[0]) if noun_row else "", reviews)
    variants = render(product)
    if llm is not None:
        variants = polish(variants, product, llm)
    return product, guarded(variants, listing, product.noun)


def industries(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return read_industries(con)
