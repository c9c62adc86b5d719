"""Linked-account rings: buyers joined by private identifiers, scored by behaviour.

Data flow: ``orders`` (each order carries its buyer's device, phone, address
and payment hashes) -> distinct (buyer, identifier) links -> identifiers shared
by more than ``ring_identifier_max_buyers`` buyers are set aside as *hubs*
(a campus address, an office desk, an internet-café device: common, not
collusive) -> connected components of the remaining links -> each component of
two or more buyers is a linked group, scored 0-100 from its behaviour ->
``risk_rings`` and ``risk_ring_members``; hubs go to ``risk_identifier_hubs``.

Why two guards: the cap keeps one public identifier from gluing thousands of
strangers into a giant component; the behaviour score keeps a family or a
small dormitory that shares an address (under the cap) from being flagged,
since flagging needs ring-like behaviour, not just shared identifiers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

import duckdb
import numpy as np
import sqlglot.expressions as exp

from merchantry.model.risk import RING_TABLES
from merchantry.risk.components import components_duckdb, components_scipy
from merchantry.risk.settings import RiskSettings
from merchantry.store.sql import to_sql
from merchantry.store.warehouse import create_table_sql

IDENTIFIER_COLUMNS: Final = {
    "device": "buyer_device_hash",
    "phone": "buyer_phone_hash",
    "address": "buyer_address_hash",
    "payment": "buyer_payment_hash",
}
"""Identifier kind -> orders column holding its hash."""

FAR_FUTURE: Final = datetime(9999, 12, 31)

Method = Literal["scipy", "duckdb"]

_LINKS = """
CREATE OR REPLACE TEMP TABLE _risk_links AS
SELECT DISTINCT buyer_id, kind, hash FROM (
    SELECT buyer_id, 'device' AS kind, buyer_device_hash AS hash FROM orders WHERE paid_at < $as_of
    UNION ALL
    SELECT buyer_id, 'phone', buyer_phone_hash FROM orders WHERE paid_at < $as_of
    UNION ALL
    SELECT buyer_id, 'address', buyer_address_hash FROM orders WHERE paid_at < $as_of
    UNION ALL
    SELECT buyer_id, 'payment', buyer_payment_hash FROM orders WHERE paid_at < $as_of
) WHERE hash IS NOT NULL
"""

_SIZES = """
CREATE OR REPLACE TEMP TABLE _risk_id_size AS
SELECT kind, hash, count(*) AS buyers FROM _risk_links GROUP BY kind, hash
"""

_HUBS = """
INSERT INTO risk_identifier_hubs BY NAME
SELECT kind AS identifier_kind, hash AS identifier_hash, buyers
FROM _risk_id_size WHERE buyers > $cap ORDER BY buyers DESC, kind, hash
"""

_USABLE = """
CREATE OR REPLACE TEMP TABLE _risk_usable AS
SELECT l.buyer_id, l.kind, l.hash,
       dense_rank() OVER (ORDER BY l.buyer_id) - 1 AS b,
       dense_rank() OVER (ORDER BY l.kind, l.hash) - 1 AS i
FROM _risk_links AS l JOIN _risk_id_size AS s ON s.kind = l.kind AND s.hash = l.hash
WHERE s.buyers BETWEEN 2 AND $cap
"""

_MEMBERS = """
INSERT INTO risk_ring_members BY NAME
WITH buyers AS (SELECT DISTINCT b, buyer_id FROM _risk_usable),
labelled AS (
    SELECT b.buyer_id, r.buyer_id AS root_id
    FROM _risk_comp AS c
    JOIN buyers AS b ON b.b = c.b
    JOIN buyers AS r ON r.b = c.label
),
sized AS (SELECT *, count(*) OVER (PARTITION BY root_id) AS size FROM labelled)
SELECT 'RG-' || root_id AS ring_id, buyer_id FROM sized WHERE size >= 2
ORDER BY ring_id, buyer_id
"""

_RINGS = """
INSERT INTO risk_rings BY NAME
WITH m AS (SELECT ring_id, buyer_id FROM risk_ring_members),
ids AS (
    SELECT m.ring_id, count(DISTINCT (u.kind, u.hash)) AS identifiers
    FROM m JOIN _risk_usable AS u ON u.buyer_id = m.buyer_id GROUP BY m.ring_id
),
o AS (
    SELECT m.ring_id, o.order_id, o.buyer_id
    FROM orders AS o JOIN m ON m.buyer_id = o.buyer_id WHERE o.paid_at < $as_of
),
c AS (
    SELECT o.ring_id, o.buyer_id, a.case_id, a.type, a.requested_at, a.evidence_images
    FROM after_sales AS a JOIN o ON o.order_id = a.order_id WHERE a.requested_at < $as_of
),
uses AS (
    SELECT image, count(DISTINCT case_id) AS uses FROM (
        SELECT case_id, unnest(evidence_images) AS image
        FROM after_sales WHERE requested_at < $as_of
    ) GROUP BY image
),
reused AS (
    SELECT DISTINCT x.case_id FROM (
        SELECT case_id, unnest(evidence_images) AS image FROM c
    ) AS x JOIN uses AS u ON u.image = x.image WHERE u.uses > 1
),
burst AS (
    SELECT DISTINCT c1.case_id
    FROM c AS c1 JOIN c AS c2
      ON c1.ring_id = c2.ring_id AND c1.buyer_id <> c2.buyer_id
     AND c2.requested_at BETWEEN c1.requested_at - to_hours($burst)
                             AND c1.requested_at + to_hours($burst)
),
per_ring AS (
    SELECT m.ring_id,
           count(DISTINCT m.buyer_id) AS buyers,
           (SELECT count(*) FROM o WHERE o.ring_id = m.ring_id) AS orders,
           (SELECT count(*) FROM c WHERE c.ring_id = m.ring_id) AS claims,
           (SELECT count(*) FROM c WHERE c.ring_id = m.ring_id AND c.type = 'refund_only')
               AS refund_only_claims,
           (SELECT count(*) FROM c JOIN reused USING (case_id) WHERE c.ring_id = m.ring_id)
               AS reused_image_claims,
           (SELECT count(*) FROM c JOIN burst USING (case_id) WHERE c.ring_id = m.ring_id)
               AS burst_claims
    FROM m GROUP BY m.ring_id
),
scored AS (
    SELECT p.*, coalesce(ids.identifiers, 0) AS identifiers,
           CAST(CASE WHEN orders = 0 THEN 0 ELSE refund_only_claims * 10000 // orders END
                AS INTEGER) AS refund_only_rate_bp
    FROM per_ring AS p LEFT JOIN ids USING (ring_id)
)
SELECT ring_id, buyers, identifiers, orders, claims, refund_only_claims, refund_only_rate_bp,
       reused_image_claims, burst_claims,
       CAST(least($refund_points, refund_only_rate_bp * $refund_points // $refund_full_bp)
            + CASE WHEN claims = 0 THEN 0 ELSE reused_image_claims * $image_points // claims END
            + CASE WHEN claims = 0 THEN 0 ELSE burst_claims * $burst_points // claims END
            AS INTEGER) AS score,
       score >= $flag AS flagged
FROM scored ORDER BY ring_id
"""


@dataclass(frozen=True, slots=True)
class RingRun:
    """What one ring detection found, and how long it took."""

    links: int
    """Distinct (buyer, identifier) links read."""
    hubs: int
    """Identifiers set aside as public (shared by more than the cap)."""
    linked_groups: int
    """Components of two or more buyers."""
    flagged: int
    """Groups whose behaviour score reached the flag score."""
    flagged_buyers: int
    method: str
    seconds: float


def find_rings(
    con: duckdb.DuckDBPyConnection,
    settings: RiskSettings,
    *,
    as_of: datetime | None = None,
    method: Method = "scipy",
) -> RingRun:
    """Detect and score rings from the warehouse's orders (paid before ``as_of``).

    Replaces the rows of ``risk_rings``, ``risk_ring_members`` and ``risk_identifier_hubs``
    (declared in :mod:`merchantry.model.risk`).
    """
    started = time.perf_counter()
    cutoff = as_of or FAR_FUTURE
    cap = settings.ring_identifier_max_buyers
    ensure_ring_tables(con)
    for table in RING_TABLES:
        con.execute(to_sql(exp.delete(table.name)))
    con.execute(_LINKS, {"as_of": cutoff})
    con.execute(_SIZES)
    con.execute(_HUBS, {"cap": cap})
    con.execute(_USABLE, {"cap": cap})
    if method == "scipy":
        arrays = con.execute("SELECT b, i FROM _risk_usable").fetchnumpy()
        buyers = np.asarray(arrays["b"], dtype=np.int64)
        labels = components_scipy(buyers, np.asarray(arrays["i"], dtype=np.int64))
        codes = np.arange(labels.size, dtype=np.int64)
        con.register("_risk_comp_view", {"b": codes, "label": labels})
        con.execute("CREATE OR REPLACE TEMP TABLE _risk_comp AS SELECT * FROM _risk_comp_view")
        con.unregister("_risk_comp_view")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _cc_links AS SELECT b, i FROM _risk_usable")
        components_duckdb(con)
        con.execute("CREATE OR REPLACE TEMP TABLE _risk_comp AS SELECT b, label FROM _cc_label")
    con.execute(_MEMBERS)
    weights = {
        "refund_points": settings.ring_refund_points,
        "refund_full_bp": settings.ring_refund_rate_full_bp,
        "image_points": settings.ring_reused_image_points,
        "burst_points": settings.ring_burst_points,
    }
    con.execute(
        _RINGS,
        {
            "as_of": cutoff,
            "burst": settings.ring_burst_hours,
            "flag": settings.ring_flag_score,
            **weights,
        },
    )
    links = _count(con, "SELECT count(*) FROM _risk_links")
    hubs = _count(con, "SELECT count(*) FROM risk_identifier_hubs")
    groups = _count(con, "SELECT count(*) FROM risk_rings")
    flagged = _count(con, "SELECT count(*) FROM risk_rings WHERE flagged")
    flagged_buyers = _count(
        con,
        "SELECT count(*) FROM risk_ring_members JOIN risk_rings USING (ring_id) WHERE flagged",
    )
    return RingRun(
        links, hubs, groups, flagged, flagged_buyers, method, time.perf_counter() - started
    )


def ensure_ring_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create empty ring tables when no ring run happened yet (readers need not care)."""
    for table in RING_TABLES:
        con.execute(create_table_sql(table))


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def ring_of(con: duckdb.DuckDBPyConnection, buyer_id: str) -> tuple[str, int, bool] | None:
    """(ring id, size, flagged) of a buyer's linked group, or ``None`` when unlinked."""
    row = con.execute(
        "SELECT r.ring_id, r.buyers, r.flagged FROM risk_ring_members AS m "
        "JOIN risk_rings AS r USING (ring_id) WHERE m.buyer_id = ?",
        [buyer_id],
    ).fetchone()
    return None if row is None else (str(row[0]), int(row[1]), bool(row[2]))
