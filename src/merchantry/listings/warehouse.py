"""The listings package's reads and writes in the warehouse.

Listings are ``products`` with their ``listing_claims`` (attributes), the industry of their
category, their first ``listing_events`` publication and the captions of creator videos
featuring them. Authorisations come from ``brand_authorisations``, linked shops from
``shop_identities``. Results go to ``listing_violations`` and ``listing_copy_clusters``
(rows of the rulebook replaced, so a re-run changes nothing) and, for rules that record one,
to ``violations`` (id ``LV-`` + a stable hash of rulebook, SKU and rule), which the score
deductions and the deposit deductions read.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Final

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from merchantry.kit.errors import NotFound
from merchantry.kit.ids import stable_key
from merchantry.listings.check import CatalogueResult
from merchantry.listings.claims import Listing, parse_composition
from merchantry.listings.escalation import Offence
from merchantry.listings.rulebook import RECORDED_OUTCOMES
from merchantry.listings.rules import Authorisation
from merchantry.model.outputs import OUTPUT_TABLES
from merchantry.model.tables import TABLES_BY_NAME
from merchantry.reco.similarity import parse_phash
from merchantry.store.sql import Sub, fill_sql, parse
from merchantry.store.warehouse import ensure_schema, table_exists, transaction

OUTPUTS_BY_NAME: Final = {t.name: t for t in OUTPUT_TABLES}

VIOLATION_PREFIX: Final = "LV-"

_LISTINGS = """
SELECT p.sku_id, p.shop_id, p.category_id, coalesce(c.industry, ''), p.title, p.price_fen,
       l.sku_id IS NOT NULL AS has_claims, l.brand, l.composition, l.origin, l.ship_from,
       l.net_count, l.count_unit, l.certifications, coalesce(l.subsidy_label, false),
       coalesce(e.first_at, l.published_at), l.image_phash
FROM products AS p
LEFT JOIN p_categories AS c USING (category_id)
LEFT JOIN p_listing_claims AS l USING (sku_id)
LEFT JOIN (SELECT sku_id, min("at") AS first_at FROM p_listing_events
           WHERE kind = 'publish' GROUP BY sku_id) AS e USING (sku_id)
WHERE p_where
ORDER BY p.sku_id
"""

_CAPTIONS = """
SELECT v.sku_id, c.caption FROM p_video_captions AS c
JOIN p_creator_videos AS v USING (video_id)
WHERE p_where
ORDER BY v.sku_id, c.video_id
"""


def _source(con: duckdb.DuckDBPyConnection, name: str) -> str | exp.Query:
    """The table, or an empty relation of its declared columns when the warehouse predates it
    (a read-only warehouse cannot be given the new table)."""
    if table_exists(con, name):
        return name
    declared = TABLES_BY_NAME.get(name) or OUTPUTS_BY_NAME[name]
    columns = [
        exp.cast(exp.Null(), exp.DataType.build(c.type.sql, dialect="duckdb")).as_(
            c.name, quoted=True
        )
        for c in declared.columns
    ]
    return exp.select(*columns).where(exp.false())


def sources(con: duckdb.DuckDBPyConnection, *names: str) -> dict[str, Sub]:
    """Each table's placeholder (``p_<name>``) and its source for :func:`fill_sql`."""
    return {f"p_{n}": _source(con, n) for n in names}


CREATOR_PREFIX: Final = "CV-"


def creator_violation_id(rulebook: str, video_id: str, rule_id: str) -> str:
    """The ``creator_violations`` id of a false claim in one video's caption (stable)."""
    return CREATOR_PREFIX + stable_key("caption-violation", rulebook, video_id, rule_id)[:16]


_VIDEOS = """
SELECT v.sku_id, v.video_id, v.creator_id, c.caption FROM p_video_captions AS c
JOIN p_creator_videos AS v USING (video_id)
ORDER BY v.sku_id, v.video_id
"""


def read_caption_videos(
    con: duckdb.DuckDBPyConnection,
) -> dict[str, list[tuple[str, str, str]]]:
    """SKU -> (video, creator, caption) of each creator video featuring it."""
    found: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    sql = fill_sql(_VIDEOS, sources(con, "video_captions", "creator_videos"))
    for sku, video, creator, caption in con.execute(sql).fetchall():
        found[str(sku)].append((str(video), str(creator), str(caption)))
    return found


def violation_id(rulebook: str, sku_id: str, rule_id: str) -> str:
    """The ``violations`` id of a listing violation (stable: re-runs record it once)."""
    return VIOLATION_PREFIX + stable_key("listing-violation", rulebook, sku_id, rule_id)[:16]


def read_listings(con: duckdb.DuckDBPyConnection, shop_id: str | None = None) -> list[Listing]:
    """Every product as a listing (of one shop when given), in SKU order."""
    if not table_exists(con, "products"):
        raise NotFound("the warehouse has no products table: run `merchantry ingest` first")
    where = parse("p.shop_id = $shop") if shop_id else exp.true()
    tables = sources(
        con, "categories", "listing_claims", "listing_events", "video_captions", "creator_videos"
    )
    params = {"shop": shop_id} if shop_id else {}
    captions: dict[str, list[str]] = defaultdict(list)
    cap_where = parse("v.shop_id = $shop") if shop_id else exp.true()
    captions_sql = fill_sql(_CAPTIONS, tables, p_where=cap_where)
    for sku, caption in con.execute(captions_sql, params).fetchall():
        captions[str(sku)].append(str(caption))
    listings: list[Listing] = []
    for row in con.execute(fill_sql(_LISTINGS, tables, p_where=where), params).fetchall():
        (
            sku,
            shop,
            category,
            industry,
            title,
            price,
            has_claims,
            brand,
            composition,
            origin,
            ship_from,
            count,
            unit,
            certs,
            label,
            published,
            phash,
        ) = row
        listings.append(
            Listing(
                sku_id=str(sku),
                shop_id=str(shop),
                title=str(title),
                price_fen=int(price),
                category_id=str(category),
                industry=str(industry),
                brand=brand,
                composition=(
                    parse_composition(
                        ";".join(composition or []), f"listing_claims {sku} composition"
                    )
                    or {}
                )
                if has_claims
                else None,
                origin=origin,
                ship_from=ship_from,
                net_count=count,
                count_unit=unit,
                certifications=tuple(certs or ()),
                subsidy_label=bool(label),
                published_at=published,
                image_phash=parse_phash(phash, f"listing_claims {sku} image_phash"),
                captions=tuple(captions.get(str(sku), ())),
            )
        )
    return listings


def read_authorisations(con: duckdb.DuckDBPyConnection) -> list[Authorisation]:
    rows = con.execute(
        fill_sql(
            "SELECT shop_id, brand, valid_from, valid_to FROM p_source "
            "ORDER BY shop_id, brand, valid_from",
            p_source=_source(con, "brand_authorisations"),
        )
    ).fetchall()
    return [Authorisation(str(s), str(b), f, t) for s, b, f, t in rows]


def read_identities(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(shop, identity) links: the identity is its kind and hash together."""
    rows = con.execute(
        fill_sql(
            "SELECT shop_id, kind || ':' || value_hash FROM p_source",
            p_source=_source(con, "shop_identities"),
        )
    ).fetchall()
    return [(str(s), str(i)) for s, i in rows]


def write_results(
    con: duckdb.DuckDBPyConnection, rulebook: str, result: CatalogueResult, at: datetime
) -> int:
    """Replace the rulebook's rows of ``listing_violations`` and ``listing_copy_clusters``;
    record a ``violations`` row for every take-down that records one. Returns rows written."""
    ensure_schema(con)
    findings = result.findings
    rows = pa.table(
        {
            "rulebook": [rulebook] * len(findings),
            "sku_id": [f.sku_id for f in findings],
            "shop_id": [f.shop_id for f in findings],
            "kind": [f.kind.value for f in findings],
            "rule_id": [f.rule_id for f in findings],
            "outcome": [f.outcome.value for f in findings],
            "points": pa.array([f.points for f in findings], pa.int32()),
            "violation_kind": [f.violation for f in findings],
            "evidence": [f.evidence for f in findings],
            "original_sku_id": [f.original_sku_id for f in findings],
            "cluster_id": [f.cluster_id for f in findings],
            "offence_no": pa.array([f.offence for f in findings], pa.int32()),
        }
    )
    copies = [(c.cluster_id, sku) for c in result.clusters for sku in c.copies]
    by_sku = {f.sku_id: f for f in findings if f.cluster_id is not None}
    clusters = pa.table(
        {
            "rulebook": [rulebook] * len(copies),
            "cluster_id": [c for c, _ in copies],
            "sku_id": [s for _, s in copies],
            "shop_id": [by_sku[s].shop_id for _, s in copies],
            "original_sku_id": [by_sku[s].original_sku_id or "" for _, s in copies],
        }
    )
    recorded = [f for f in findings if f.violation is not None and f.outcome in RECORDED_OUTCOMES]
    offences = pa.table(
        {
            "violation_id": [violation_id(rulebook, f.sku_id, f.rule_id) for f in recorded],
            "rulebook": [rulebook] * len(recorded),
            "shop_id": [f.shop_id for f in recorded],
            "rule_id": [f.rule_id for f in recorded],
            "sku_id": [f.sku_id for f in recorded],
            "occurred_at": pa.array([at] * len(recorded), pa.timestamp("us")),
            "first_no": pa.array([f.offence for f in recorded], pa.int32()),
        }
    )
    violations = pa.table(
        {
            "violation_id": [violation_id(rulebook, f.sku_id, f.rule_id) for f in recorded],
            "shop_id": [f.shop_id for f in recorded],
            "kind": [f.violation for f in recorded],
            "occurred_at": pa.array([at] * len(recorded), pa.timestamp("us")),
            "order_id": pa.array([None] * len(recorded), pa.string()),
        }
    )
    with transaction(con):
        con.execute("DELETE FROM listing_violations WHERE rulebook = ?", [rulebook])
        con.execute("DELETE FROM listing_copy_clusters WHERE rulebook = ?", [rulebook])
        con.register("_lv_rows", rows)
        con.register("_lv_clusters", clusters)
        con.register("_lv_violations", violations)
        con.register("_lv_offences", offences)
        con.execute("INSERT INTO listing_violations BY NAME SELECT * FROM _lv_rows")
        con.execute("INSERT INTO listing_copy_clusters BY NAME SELECT * FROM _lv_clusters")
        # A violation already recorded keeps its first confirmation time (re-runs change nothing).
        con.execute(
            "INSERT INTO violations BY NAME SELECT * FROM _lv_violations "
            "WHERE violation_id NOT IN (SELECT violation_id FROM violations)"
        )
        con.execute(
            "INSERT INTO listing_offences BY NAME SELECT * FROM _lv_offences "
            "WHERE violation_id NOT IN (SELECT violation_id FROM listing_offences)"
        )
        for name in ("_lv_rows", "_lv_clusters", "_lv_violations", "_lv_offences"):
            con.unregister(name)
    return len(findings)


def read_offences(con: duckdb.DuckDBPyConnection, rulebook: str) -> list[Offence]:
    """Recorded offences of ``rulebook``, without those an overturn withdrew."""
    rows = con.execute(
        fill_sql(
            "SELECT shop_id, rule_id, sku_id, occurred_at, violation_id, coalesce(first_no, 0) "
            "FROM p_listing_offences "
            "WHERE rulebook = $rulebook "
            "AND violation_id NOT IN (SELECT violation_id FROM p_withdrawn_violations) "
            "ORDER BY occurred_at, sku_id",
            sources(con, "listing_offences", "withdrawn_violations"),
        ),
        {"rulebook": rulebook},
    ).fetchall()
    return [Offence(str(s), str(r), str(k), t, str(v), int(n)) for s, r, k, t, v, n in rows]
