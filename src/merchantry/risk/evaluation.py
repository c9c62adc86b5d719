"""Ring detection against the synthetic generator's planted truth.

The generator writes ``truth/refund_rings.csv`` (ring id, buyer id); event
tables carry no label. A planted ring counts as *found* when one flagged group
overlaps it with a Jaccard index of at least :data:`MATCH_JACCARD`; a flagged
group counts as *correct* when it matches some planted ring that way. Buyer
level: flagged members against planted members who placed at least one order
(a member without orders is invisible to any detector).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb

from merchantry.kit.errors import NotFound

MATCH_JACCARD: Final = 0.5


@dataclass(frozen=True, slots=True)
class RingEvaluation:
    """Precision and recall of flagged rings, by ring and by buyer."""

    planted_rings: int
    flagged_rings: int
    rings_found: int
    correct_flags: int
    planted_buyers: int
    flagged_buyers: int
    true_buyers: int

    @property
    def ring_precision(self) -> float:
        return self.correct_flags / self.flagged_rings if self.flagged_rings else 1.0

    @property
    def ring_recall(self) -> float:
        return self.rings_found / self.planted_rings if self.planted_rings else 1.0

    @property
    def buyer_precision(self) -> float:
        return self.true_buyers / self.flagged_buyers if self.flagged_buyers else 1.0

    @property
    def buyer_recall(self) -> float:
        return self.true_buyers / self.planted_buyers if self.planted_buyers else 1.0


def load_truth_rings(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Read ``refund_rings.csv`` into the temp table ``_truth_rings(ring_id, buyer_id)``."""
    path = Path(truth_dir) / "refund_rings.csv"
    if not path.is_file():
        raise NotFound(f"no planted rings at {path} (written by `merchantry generate`)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _truth_rings AS "
        "SELECT ring_id::VARCHAR AS ring_id, buyer_id::VARCHAR AS buyer_id "
        "FROM read_csv(?, header = true, all_varchar = true)",
        [str(path)],
    )


_EVALUATE = """
WITH truth AS (
    SELECT t.* FROM _truth_rings AS t WHERE t.buyer_id IN (SELECT buyer_id FROM orders)
),
flagged AS (
    SELECT m.ring_id, m.buyer_id FROM risk_ring_members AS m
    JOIN risk_rings AS r USING (ring_id) WHERE r.flagged
),
sizes_t AS (SELECT ring_id, count(*) AS n FROM truth GROUP BY ring_id),
sizes_f AS (SELECT ring_id, count(*) AS n FROM flagged GROUP BY ring_id),
overlap AS (
    SELECT t.ring_id AS planted, f.ring_id AS found, count(*) AS common
    FROM truth AS t JOIN flagged AS f USING (buyer_id) GROUP BY ALL
),
matches AS (
    SELECT o.planted, o.found FROM overlap AS o
    JOIN sizes_t AS st ON st.ring_id = o.planted
    JOIN sizes_f AS sf ON sf.ring_id = o.found
    WHERE o.common / (st.n + sf.n - o.common) >= $jaccard
)
SELECT
    (SELECT count(*) FROM sizes_t),
    (SELECT count(*) FROM sizes_f),
    (SELECT count(DISTINCT planted) FROM matches),
    (SELECT count(DISTINCT found) FROM matches),
    (SELECT count(*) FROM truth),
    (SELECT count(*) FROM flagged),
    (SELECT count(*) FROM flagged WHERE buyer_id IN (SELECT buyer_id FROM truth))
"""


def evaluate_rings(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> RingEvaluation:
    """Compare the flagged rings of the last :func:`~merchantry.risk.rings.find_rings`."""
    load_truth_rings(con, truth_dir)
    row = con.execute(_EVALUATE, {"jaccard": MATCH_JACCARD}).fetchone()
    assert row is not None
    return RingEvaluation(*(int(v) for v in row))
