"""Node scores on the real Amazon fraud graph (CARE-GNN Amazon, U-P-U relation).

The graph links users who reviewed the same product; 6.78% of the users are
labelled fraudulent (≤ 20% helpful votes). It is the graph TAM (NeurIPS'23)
reports unsupervised results on: AUROC 0.7064, AUPRC 0.2634. This module scores
every node without using the labels, three ways, and reports AUROC/AUPRC of
each against the labels so the figures sit next to the published ones:

* ``neighbour_inconsistency``: distance of a node's standardised features from
  the mean of its neighbours' (graph only; fraudsters camouflage by linking
  to benign users, so they look unlike their neighbourhood: TAM's intuition,
  without training);
* ``isolation_forest``: scikit-learn's IsolationForest on the 25 features
  (no graph);
* ``combined``: the mean of the two scores' ranks.

The data stays in ``../shared/data`` (its licence keeps it out of the repo).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.stats import rankdata
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from merchantry.kit.errors import NotFound

FloatArray = npt.NDArray[np.float64]

PUBLISHED: Final = {
    "TAM (unsupervised, NeurIPS'23, UPU graph)": (0.7064, 0.2634),
}
"""Published (AUROC, AUPRC) on this exact graph, from TAM's README (data README §3)."""


@dataclass(frozen=True, slots=True)
class NodeScore:
    """One scoring method's quality against the labels."""

    method: str
    auroc: float
    auprc: float


@dataclass(frozen=True, slots=True)
class AmazonEvaluation:
    nodes: int
    edges: int
    fraud: int
    scores: tuple[NodeScore, ...]


def load_graph(folder: Path) -> tuple[FloatArray, npt.NDArray[np.int64], sparse.csr_matrix]:
    """(features, labels, symmetric adjacency) from ``nodes.csv.gz`` and ``edges_upu.csv.gz``."""
    nodes_file, edges_file = Path(folder) / "nodes.csv.gz", Path(folder) / "edges_upu.csv.gz"
    for path in (nodes_file, edges_file):
        if not path.is_file():
            raise NotFound(f"Amazon graph file missing: {path}")
    con = duckdb.connect()
    try:
        nodes = con.execute(
            "SELECT * FROM read_csv(?, header = true) ORDER BY node_id", [str(nodes_file)]
        ).fetchnumpy()
        edges = con.execute(
            "SELECT src, dst FROM read_csv(?, header = true)", [str(edges_file)]
        ).fetchnumpy()
    finally:
        con.close()
    n = len(nodes["node_id"])
    features = np.column_stack([np.asarray(nodes[f"f{i}"], dtype=np.float64) for i in range(25)])
    labels = np.asarray(nodes["label"], dtype=np.int64)
    src = np.asarray(edges["src"], dtype=np.int64)
    dst = np.asarray(edges["dst"], dtype=np.int64)
    upper = sparse.coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n)).tocsr()
    adjacency = (upper + upper.T).tocsr()
    adjacency.data[:] = 1.0
    return features, labels, adjacency


def neighbour_inconsistency(features: FloatArray, adjacency: sparse.csr_matrix) -> FloatArray:
    """Euclidean distance of each node's z-scored features from its neighbours' mean."""
    z = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    mean = sparse.diags(1.0 / np.maximum(degree, 1.0)) @ adjacency @ z
    return np.asarray(np.linalg.norm(z - mean, axis=1), dtype=np.float64)


def isolation_scores(features: FloatArray, *, seed: int = 0) -> FloatArray:
    """IsolationForest anomaly score (higher = more anomalous), deterministic under ``seed``."""
    z = (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9)
    forest = IsolationForest(n_estimators=200, random_state=seed).fit(z)
    return np.asarray(-forest.score_samples(z), dtype=np.float64)


def evaluate_amazon(folder: Path) -> AmazonEvaluation:
    """AUROC and AUPRC of each unsupervised score against the fraud labels."""
    features, labels, adjacency = load_graph(folder)
    graph = neighbour_inconsistency(features, adjacency)
    forest = isolation_scores(features)
    combined = rankdata(graph) + rankdata(forest)
    scores = tuple(
        NodeScore(
            name,
            float(roc_auc_score(labels, values)),
            float(average_precision_score(labels, values)),
        )
        for name, values in (
            ("neighbour_inconsistency", graph),
            ("isolation_forest", forest),
            ("combined", combined),
        )
    )
    return AmazonEvaluation(int(labels.size), int(adjacency.nnz // 2), int(labels.sum()), scores)
