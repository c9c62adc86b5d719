"""Connected components of a buyer–identifier graph, two ways.

Buyers are linked when they share an identifier (device, phone, address,
payment account). The graph is bipartite (buyer — identifier), so components
never need a buyer × buyer edge list, whose size is quadratic in the buyers
behind one identifier. Two implementations give the same partition:

* :func:`components_scipy`: ``scipy.sparse.csgraph.connected_components`` on the
  bipartite adjacency (linear in nodes + links; the default);
* :func:`components_duckdb`: set-based label propagation in SQL with pointer
  jumping, for when the links should not leave the warehouse.

``bench/bench_rings.py`` measures both on ≥ 10 million links.
"""

from __future__ import annotations

import duckdb
import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def components_scipy(buyers: IntArray, identifiers: IntArray) -> IntArray:
    """Component label of every buyer code ``0..max(buyers)`` (a buyer code's smallest peer).

    ``buyers[k]`` and ``identifiers[k]`` are dense integer codes of one link.
    The label of a component is the smallest buyer code in it, so the result is
    deterministic and comparable with :func:`components_duckdb`.
    """
    from scipy import sparse  # SciPy loads only for this method
    from scipy.sparse import csgraph

    if buyers.shape != identifiers.shape:
        raise ValueError("buyers and identifiers must have one entry per link")
    n_buyers = int(buyers.max()) + 1 if buyers.size else 0
    n_ids = int(identifiers.max()) + 1 if identifiers.size else 0
    size = n_buyers + n_ids
    graph = sparse.coo_matrix(
        (np.ones(buyers.size, dtype=np.int8), (buyers, identifiers + n_buyers)),
        shape=(size, size),
    ).tocsr()
    _, labels = csgraph.connected_components(graph, directed=False)
    buyer_labels = labels[:n_buyers].astype(np.int64)
    # Relabel each component by its smallest buyer code.
    smallest = np.full(int(labels.max()) + 1 if size else 0, n_buyers, dtype=np.int64)
    np.minimum.at(smallest, buyer_labels, np.arange(n_buyers, dtype=np.int64))
    return np.asarray(smallest[buyer_labels], dtype=np.int64)


_SEED = """
CREATE OR REPLACE TEMP TABLE _cc_label AS
SELECT DISTINCT b, b AS label FROM _cc_links
"""

_PROPAGATE = """
CREATE OR REPLACE TEMP TABLE _cc_next AS
WITH per_identifier AS (
    SELECT l.i, min(c.label) AS label
    FROM _cc_links AS l JOIN _cc_label AS c ON c.b = l.b
    GROUP BY l.i
),
per_buyer AS (
    SELECT l.b, min(p.label) AS label
    FROM _cc_links AS l JOIN per_identifier AS p ON p.i = l.i
    GROUP BY l.b
)
SELECT p.b, least(p.label, coalesce(j.label, p.label)) AS label
FROM per_buyer AS p LEFT JOIN _cc_label AS j ON j.b = p.label
"""

_CHANGED = """
SELECT count(*) FROM _cc_next AS n JOIN _cc_label AS c ON c.b = n.b WHERE n.label <> c.label
"""


def components_duckdb(
    con: duckdb.DuckDBPyConnection, links_table: str = "_cc_links", *, max_rounds: int = 200
) -> int:
    """Label propagation in SQL over ``_cc_links(b BIGINT, i BIGINT)``; returns the rounds.

    Leaves ``_cc_label(b, label)`` with each buyer's component label (its
    smallest buyer code). Each round takes, for every identifier, the smallest
    label among its buyers, then for every buyer the smallest over its
    identifiers, then jumps to that label's own label (pointer jumping, so long
    chains collapse in logarithmically many rounds). Stops when nothing changes.
    """
    if links_table != "_cc_links":
        raise ValueError("components_duckdb reads the temp table _cc_links(b, i)")
    con.execute(_SEED)
    for rounds in range(1, max_rounds + 1):
        con.execute(_PROPAGATE)
        row = con.execute(_CHANGED).fetchone()
        con.execute("CREATE OR REPLACE TEMP TABLE _cc_label AS SELECT * FROM _cc_next")
        if row is None or row[0] == 0:
            return rounds
    raise RuntimeError(f"label propagation did not converge in {max_rounds} rounds")
