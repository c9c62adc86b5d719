"""Planted ground truth lives only in truth/, and its effects show in the event tables."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from merchantry.model.tables import TABLES
from merchantry.synth import GenerateSummary
from merchantry.synth.lone_abusers import LONE_GRADES, MIN_PER_GRADE
from tests.synth.market import scalar

TRUTH_FILES = {
    "seeding_journeys",
    "refund_rings",
    "late_shipping_shops",
    "poor_quality_shops",
    "sizing_skus",
    "decoys",
    "refund_abusers",
    "reco_pairs",
    "misdescribed_skus",
    "damaging_carriers",
    "cs_agents",
    "program_uplift",
    "listing_violations",
    "listing_copy_clusters",
    "caption_claims",
}


def test_truth_is_written_only_under_truth(realistic_market: GenerateSummary) -> None:
    out = realistic_market.out
    assert {p.stem for p in (out / "truth").glob("*.csv")} == TRUTH_FILES
    top_level = {p.name for p in out.iterdir() if p.is_file()}
    assert top_level == {f"{t.name}.parquet" for t in TABLES}


def test_no_event_table_carries_a_planted_label(realistic_market: GenerateSummary) -> None:
    """Ids and hashes are opaque: no 'ring', 'decoy', 'late' or 'poor' marker anywhere."""
    for t in TABLES:
        data = pq.read_table(realistic_market.out / f"{t.name}.parquet")
        for column, field in zip(data.column_names, data.schema, strict=True):
            if t.column(column).choices:
                continue  # enum values are the model's words (e.g. fraudulent_shipping)
            if pa.types.is_list(field.type):
                values = pc.binary_join(data.column(column), " ")
            elif pa.types.is_string(field.type):
                values = data.column(column)
            else:
                continue
            text = " ".join(v for v in values.to_pylist()[:50_000] if v).lower()
            for marker in ("ring", "decoy", "truth", "planted", "fraud"):
                assert marker not in text, (t.name, column, marker)


def test_late_shipping_merchants_are_picked_up_much_later(
    market: duckdb.DuckDBPyConnection,
) -> None:
    hours = dict(
        market.execute(
            """WITH e AS (SELECT order_id, max(event_at) FILTER (WHERE event = 'picked_up') AS p
                          FROM logistics_events GROUP BY 1)
               SELECT o.shop_id IN (SELECT shop_id FROM truth_late_shipping_shops),
                      median(epoch(e.p) - epoch(o.paid_at)) / 3600
               FROM e JOIN orders o USING (order_id) WHERE e.p IS NOT NULL GROUP BY 1"""
        ).fetchall()
    )
    assert hours[True] > 2 * hours[False] + 24


def test_sizing_skus_come_back_for_wrong_size_far_more_often(
    market: duckdb.DuckDBPyConnection,
) -> None:
    shares = dict(
        market.execute(
            """SELECT o.sku_id IN (SELECT sku_id FROM truth_sizing_skus),
                      avg(CASE WHEN a.reason_code = 'wrong_size' THEN 1 ELSE 0 END)
               FROM orders o JOIN products p USING (sku_id) JOIN categories c USING (category_id)
               LEFT JOIN after_sales a USING (order_id)
               WHERE c.industry IN (SELECT DISTINCT c2.industry FROM truth_sizing_skus t
                                    JOIN categories c2 USING (category_id))
               GROUP BY 1"""
        ).fetchall()
    )
    assert shares[True] > 3 * shares[False]


def test_poor_quality_merchants_get_more_quality_cases_and_lower_ratings(
    market: duckdb.DuckDBPyConnection,
) -> None:
    rows = market.execute(
        """WITH flagged AS (SELECT shop_id FROM truth_poor_quality_shops)
           SELECT o.shop_id IN (SELECT shop_id FROM flagged),
                  avg(CASE WHEN a.reason_code IN ('quality', 'not_as_described') THEN 1 ELSE 0 END),
                  avg(r.rating)
           FROM orders o LEFT JOIN after_sales a USING (order_id)
           LEFT JOIN reviews r USING (order_id) GROUP BY 1"""
    ).fetchall()
    by_flag = {flag: (quality, rating) for flag, quality, rating in rows}
    assert by_flag[True][0] > 2.5 * by_flag[False][0]
    assert by_flag[True][1] < by_flag[False][1] - 0.4


def test_ring_members_are_linked_claim_refunds_and_reuse_evidence(
    market: duckdb.DuckDBPyConnection,
) -> None:
    refund_only = dict(
        market.execute(
            """SELECT o.buyer_id IN (SELECT buyer_id FROM truth_refund_rings),
                      avg(CASE WHEN a.type = 'refund_only' THEN 1 ELSE 0 END)
               FROM orders o LEFT JOIN after_sales a USING (order_id) GROUP BY 1"""
        ).fetchall()
    )
    assert refund_only[True] > 0.3 > 0.1 > refund_only[False]

    unlinked = scalar(
        market,
        """WITH ids AS (SELECT DISTINCT t.ring_id, o.buyer_id, o.buyer_device_hash AS d,
                               o.buyer_phone_hash AS p, o.buyer_address_hash AS a,
                               o.buyer_payment_hash AS y
                        FROM truth_refund_rings t JOIN orders o USING (buyer_id))
           SELECT count(*) FROM ids x WHERE NOT EXISTS (
             SELECT 1 FROM ids z WHERE z.ring_id = x.ring_id AND z.buyer_id <> x.buyer_id
               AND (z.d = x.d OR z.p = x.p OR z.a = x.a OR z.y = x.y))""",
    )
    assert unlinked == 0

    reused = scalar(
        market,
        """WITH img AS (SELECT unnest(a.evidence_images) AS ref, o.buyer_id
                        FROM after_sales a JOIN orders o USING (order_id))
           SELECT count(*) FROM (SELECT ref FROM img GROUP BY ref HAVING count(*) > 1) r
           WHERE ref IN (SELECT ref FROM img
                         WHERE buyer_id IN (SELECT buyer_id FROM truth_refund_rings))""",
    )
    assert reused >= 3
    honest_reuse = scalar(
        market,
        """WITH img AS (SELECT unnest(a.evidence_images) AS ref, o.buyer_id
                        FROM after_sales a JOIN orders o USING (order_id))
           SELECT count(*) FROM (SELECT ref FROM img GROUP BY ref HAVING count(*) > 1) r
           WHERE ref NOT IN (SELECT ref FROM img
                             WHERE buyer_id IN (SELECT buyer_id FROM truth_refund_rings))""",
    )
    assert honest_reuse == 0


def test_decoys_are_shared_by_many_honest_buyers(market: duckdb.DuckDBPyConnection) -> None:
    rows = market.execute(
        """SELECT d.decoy_id, count(DISTINCT o.buyer_id),
                  avg(CASE WHEN a.type = 'refund_only' THEN 1 ELSE 0 END),
                  bool_or(o.buyer_id IN (SELECT buyer_id FROM truth_refund_rings))
           FROM truth_decoys d JOIN orders o
             ON o.buyer_address_hash = d.identifier_hash OR o.buyer_device_hash = d.identifier_hash
           LEFT JOIN after_sales a USING (order_id) GROUP BY 1"""
    ).fetchall()
    assert len(rows) == 3
    for decoy, buyers, refund_only, has_ring_member in rows:
        assert buyers >= 10, decoy  # far bigger than any ring (3–8 accounts)
        assert refund_only < 0.2, decoy
        assert not has_ring_member, decoy


def test_every_lone_grade_is_planted_in_measurable_numbers(
    market: duckdb.DuckDBPyConnection,
) -> None:
    """A market too small to plant 20 lone abusers and decoys per grade on its own share
    (240 shops: 9) is topped up to 20 each, recruited outside rings and decoys; their
    claim rates still follow their grade."""
    counts = dict(
        market.execute(
            "SELECT grade, count(DISTINCT buyer_id) FROM truth_refund_abusers GROUP BY 1"
        ).fetchall()
    )
    assert all(counts[g] >= MIN_PER_GRADE for g in LONE_GRADES)
    assert int(scalar(market, "SELECT count(*) FROM shops")) * 0.04 < MIN_PER_GRADE
    in_rings = scalar(
        market,
        "SELECT count(*) FROM truth_refund_abusers WHERE grade IN ('careful', 'mimic', "
        "'heavy_returner') AND (ring_id IS NOT NULL OR buyer_id IN "
        "(SELECT buyer_id FROM truth_refund_rings))",
    )
    assert in_rings == 0
    claim_rate = dict(
        market.execute(
            """SELECT coalesce(t.grade, 'honest'), count(a.case_id) / count(DISTINCT o.order_id)
               FROM orders o LEFT JOIN truth_refund_abusers t USING (buyer_id)
               LEFT JOIN after_sales a USING (order_id) GROUP BY 1"""
        ).fetchall()
    )
    assert claim_rate["careful"] > 2 * claim_rate["honest"]
    assert claim_rate["heavy_returner"] > claim_rate["honest"]
