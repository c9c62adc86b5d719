"""The reco package's reads and writes in the warehouse.

Listings come from ``products`` joined to ``product_profiles``; a category's industry
from ``categories``; a buyer's purchases from ``orders``; clusters go to
``reco_clusters``, replacing only rows that changed, so a rebuild after new products
arrive writes the new SKUs and the SKUs whose cluster moved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from merchantry.kit.errors import NotFound
from merchantry.reco.clusters import ClusterIndex, Membership
from merchantry.reco.settings import RecoSettings
from merchantry.reco.similarity import Listing, parse_attributes, parse_phash
from merchantry.reco.suppression import Catalogue, Purchase
from merchantry.store.warehouse import table_exists, transaction

_LISTINGS = """
SELECT p.sku_id, p.shop_id, p.category_id, p.title, p.price_fen,
       f.spu_id, f.brand, f.attributes, f.image_phash, f.content_quality
FROM products p LEFT JOIN product_profiles f USING (sku_id)
ORDER BY p.sku_id
"""


_LISTINGS_WITHOUT_PROFILES = """
SELECT sku_id, shop_id, category_id, title, price_fen,
       NULL, NULL, NULL, NULL, NULL
FROM products ORDER BY sku_id
"""


def read_listings(con: duckdb.DuckDBPyConnection) -> list[Listing]:
    """Every product as a listing, in SKU order (a warehouse made before
    ``product_profiles`` existed, opened read-only, has titles, categories and prices only)."""
    if not table_exists(con, "products"):
        raise NotFound("the warehouse has no products table: run `merchantry ingest` first")
    query = _LISTINGS if table_exists(con, "product_profiles") else _LISTINGS_WITHOUT_PROFILES
    listings = []
    for row in con.execute(query).fetchall():
        sku, shop, category, title, price, spu, brand, attributes, phash, quality = row
        listings.append(
            Listing(
                sku_id=sku,
                shop_id=shop,
                category_id=category,
                title=title,
                price_fen=int(price),
                spu_id=spu,
                brand=brand,
                attributes=parse_attributes(attributes),
                image_phash=parse_phash(phash, f"product_profiles {sku} image_phash"),
                content_quality=quality,
            )
        )
    return listings


def read_industries(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Category id -> industry code."""
    return {
        str(c): str(i)
        for c, i in con.execute("SELECT category_id, industry FROM categories").fetchall()
    }


def build_catalogue(con: duckdb.DuckDBPyConnection, settings: RecoSettings) -> Catalogue:
    """The catalogue of every product in the warehouse, clustered now."""
    listings = read_listings(con)
    if not listings:
        raise NotFound("the warehouse holds no products: run `merchantry ingest` first")
    index = ClusterIndex(settings.similarity)
    index.add_all(listings)
    return Catalogue.from_index(index, read_industries(con))


def load_catalogue(
    con: duckdb.DuckDBPyConnection, settings: RecoSettings
) -> tuple[Catalogue, bool]:
    """The catalogue with the stored clusters when they cover every product (no
    clustering needed: the filter's start-up path), else clustered now; and whether the
    stored clusters were used."""
    listings = read_listings(con)
    if not listings:
        raise NotFound("the warehouse holds no products: run `merchantry ingest` first")
    stored = dict(
        con.execute("SELECT sku_id, cluster_id FROM reco_clusters").fetchall()
        if table_exists(con, "reco_clusters")
        else []
    )
    by_sku = {x.sku_id: x for x in listings}
    if stored and set(stored) == set(by_sku):
        return Catalogue(by_sku, stored, read_industries(con), settings.similarity), True
    index = ClusterIndex(settings.similarity)
    index.add_all(listings)
    return Catalogue.from_index(index, read_industries(con)), False


def read_purchases(
    con: duckdb.DuckDBPyConnection, buyer_id: str, now: datetime, settings: RecoSettings
) -> list[Purchase]:
    """The buyer's orders inside the longest window before ``now``."""
    longest = max([*settings.windows.values(), 0])
    rows = con.execute(
        "SELECT sku_id, paid_at, order_id FROM orders WHERE buyer_id = ? AND paid_at <= ? "
        "AND paid_at > ? ORDER BY paid_at",
        [buyer_id, now, now - timedelta(days=longest)],
    ).fetchall()
    return [Purchase(str(s), t, str(o)) for s, t, o in rows]


def buyer_exists(con: duckdb.DuckDBPyConnection, buyer_id: str) -> bool:
    row = con.execute("SELECT count(*) FROM orders WHERE buyer_id = ?", [buyer_id]).fetchone()
    return bool(row and row[0])


@dataclass(frozen=True, slots=True)
class ClusterWrite:
    """What a clusters run changed."""

    skus: int
    clusters: int
    multi_clusters: int
    """Clusters with two or more SKUs."""
    written: int
    """Rows added or replaced (new SKUs, SKUs whose cluster or match moved)."""
    removed: int
    """Rows of SKUs no longer in ``products``."""


def write_clusters(
    con: duckdb.DuckDBPyConnection, memberships: Sequence[Membership]
) -> ClusterWrite:
    """Store ``memberships`` in ``reco_clusters``, touching only rows that changed."""
    stored = {
        row[0]: row
        for row in con.execute(
            "SELECT sku_id, cluster_id, matched_sku_id, path, similarity_pm FROM reco_clusters"
        ).fetchall()
    }
    changed = [
        m
        for m in memberships
        if stored.get(m.sku_id)
        != (m.sku_id, m.cluster_id, m.matched_sku_id, m.path, m.similarity_pm)
    ]
    current = {m.sku_id for m in memberships}
    gone = sorted(set(stored) - current)
    with transaction(con):
        stale = [m.sku_id for m in changed if m.sku_id in stored] + gone
        if stale:
            con.execute(
                "DELETE FROM reco_clusters WHERE sku_id IN (SELECT unnest(?::VARCHAR[]))", [stale]
            )
        if changed:
            data = _arrow(changed)
            con.register("reco_new_clusters", data)
            try:
                con.execute("INSERT INTO reco_clusters SELECT * FROM reco_new_clusters")
            finally:
                con.unregister("reco_new_clusters")
    sizes: dict[str, int] = {}
    for m in memberships:
        sizes[m.cluster_id] = sizes.get(m.cluster_id, 0) + 1
    return ClusterWrite(
        skus=len(memberships),
        clusters=len(sizes),
        multi_clusters=sum(1 for n in sizes.values() if n > 1),
        written=len(changed),
        removed=len(gone),
    )


def _arrow(rows: Iterable[Membership]) -> pa.Table:
    rows = list(rows)
    return pa.table(
        {
            "sku_id": pa.array([m.sku_id for m in rows], pa.string()),
            "cluster_id": pa.array([m.cluster_id for m in rows], pa.string()),
            "matched_sku_id": pa.array([m.matched_sku_id for m in rows], pa.string()),
            "path": pa.array([m.path for m in rows], pa.string()),
            "similarity_pm": pa.array([m.similarity_pm for m in rows], pa.int32()),
        }
    )
