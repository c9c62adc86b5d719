"""Node scores on the real Amazon fraud graph (CARE-GNN Amazon, U-P-U relation).

The graph links users who reviewed the same product; 6.78% of the users are
labelled fraudulent (≤ 20% helpful votes). It is the graph TAM (NeurIPS'23)
reports unsupervised results on: AUROC 0.7064, AUPRC 0.2634. This module scores
every node without using the labels and reports AUROC/AUPRC of each score
against the labels, so the figures sit next to the published ones. What each
score reads is stated, because it decides what a figure means:

* ``sparse_neighbourhood`` (graph only, no node features): one minus the
  node's local clustering coefficient. A user who reviews products that
  otherwise share few reviewers sits in a neighbourhood whose members are not
  linked to each other;
* ``neighbour_inconsistency`` (graph and features): distance of a node's
  standardised features from the mean of its neighbours' (fraudsters
  camouflage by linking to benign users, so they look unlike their
  neighbourhood: TAM's intuition, without training);
* ``isolation_forest`` (features, no graph): scikit-learn's IsolationForest;
* ``combined`` (graph and features): the mean of the previous two scores' ranks.

Seven of the 25 features (f12, f13, f15–f19) sit close to the label's own
signal (helpful-vote ratios); every feature-reading score is reported with
them and without them. Each figure is a mean ± standard deviation over seeds:
a seed fixes the forest and a stratified 80% sample of the users on which the
figure is measured, so the spread says how much a figure moves with both.

The data stays in ``../shared/data`` (its licence keeps it out of the repo).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

from merchantry.kit.errors import InputError, NotFound

FloatArray = npt.NDArray[np.float64]

PUBLISHED: Final = {
    "TAM (unsupervised, NeurIPS'23, UPU graph)": (0.7064, 0.2634),
}
"""Published (AUROC, AUPRC) on this exact graph, from TAM's README (data README §3)."""

FEATURES: Final = 25
NEAR_LABEL_FEATURES: Final = (12, 13, 15, 16, 17, 18, 19)
"""Features whose single-feature AUROC approaches the label's (helpful-vote) signal."""
DEFAULT_SEEDS: Final = 10
SAMPLE_SHARE: Final = 0.8
"""Share of users (per class) on which one seed's figure is measured."""

FEATURE_SETS: Final = {
    "all 25": tuple(range(FEATURES)),
    "without f12, f13, f15-f19": tuple(i for i in range(FEATURES) if i not in NEAR_LABEL_FEATURES),
}


@dataclass(frozen=True, slots=True)
class NodeScore:
    """One scoring method's quality against the labels, over seeds."""

    method: str
    reads: str
    """What the score reads: "graph only", "features only" or "graph and features"."""
    feature_set: str
    """Which node features it reads ("none" for a graph-only score)."""
    auroc_mean: float
    auroc_sd: float
    auprc_mean: float
    auprc_sd: float
    seeds: int

    @property
    def auroc(self) -> float:
        return self.auroc_mean

    @property
    def auprc(self) -> float:
        return self.auprc_mean


@dataclass(frozen=True, slots=True)
class AmazonEvaluation:
    nodes: int
    edges: int
    fraud: int
    scores: tuple[NodeScore, ...]

    def score(self, method: str, feature_set: str = "all 25") -> NodeScore:
        for s in self.scores:
            if s.method == method and s.feature_set in (feature_set, "none"):
                return s
        raise NotFound(f"no Amazon score {method!r} on features {feature_set!r}")


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
    features = np.column_stack(
        [np.asarray(nodes[f"f{i}"], dtype=np.float64) for i in range(FEATURES)]
    )
    labels = np.asarray(nodes["label"], dtype=np.int64)
    src = np.asarray(edges["src"], dtype=np.int64)
    dst = np.asarray(edges["dst"], dtype=np.int64)
    upper = sparse.coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n)).tocsr()
    adjacency = (upper + upper.T).tocsr()
    adjacency.data[:] = 1.0
    return features, labels, adjacency


def _standardise(features: FloatArray) -> FloatArray:
    return np.asarray(
        (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-9), dtype=np.float64
    )


def sparse_neighbourhood(adjacency: sparse.csr_matrix) -> FloatArray:
    """One minus the local clustering coefficient (reads the graph, no node feature)."""
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    triangles = np.asarray((adjacency @ adjacency).multiply(adjacency).sum(axis=1)).ravel() / 2
    possible = degree * (degree - 1) / 2
    clustering = np.divide(triangles, possible, out=np.zeros_like(triangles), where=possible > 0)
    return np.asarray(1.0 - clustering, dtype=np.float64)


def neighbour_inconsistency(features: FloatArray, adjacency: sparse.csr_matrix) -> FloatArray:
    """Euclidean distance of each node's z-scored features from its neighbours' mean."""
    z = _standardise(features)
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    mean = sparse.diags(1.0 / np.maximum(degree, 1.0)) @ adjacency @ z
    return np.asarray(np.linalg.norm(z - mean, axis=1), dtype=np.float64)


def isolation_scores(features: FloatArray, *, seed: int = 0) -> FloatArray:
    """IsolationForest anomaly score (higher = more anomalous), deterministic under ``seed``."""
    z = _standardise(features)
    forest = IsolationForest(n_estimators=200, random_state=seed).fit(z)
    return np.asarray(-forest.score_samples(z), dtype=np.float64)


def _sample(labels: npt.NDArray[np.int64], seed: int) -> npt.NDArray[np.int64]:
    """A stratified SAMPLE_SHARE of the node indices, fixed by ``seed``."""
    rng = np.random.default_rng(seed)
    picked = [
        rng.choice(idx, size=max(1, round(idx.size * SAMPLE_SHARE)), replace=False)
        for idx in (np.flatnonzero(labels == 0), np.flatnonzero(labels == 1))
    ]
    return np.sort(np.concatenate(picked)).astype(np.int64)


def _summarise(
    method: str,
    reads: str,
    feature_set: str,
    labels: npt.NDArray[np.int64],
    score_for_seed: Callable[[int], FloatArray],
    seeds: Sequence[int],
) -> NodeScore:
    aurocs, auprcs = [], []
    for seed in seeds:
        values = score_for_seed(seed)
        keep = _sample(labels, seed)
        aurocs.append(float(roc_auc_score(labels[keep], values[keep])))
        auprcs.append(float(average_precision_score(labels[keep], values[keep])))
    return NodeScore(
        method,
        reads,
        feature_set,
        float(np.mean(aurocs)),
        float(np.std(aurocs, ddof=1)) if len(aurocs) > 1 else 0.0,
        float(np.mean(auprcs)),
        float(np.std(auprcs, ddof=1)) if len(auprcs) > 1 else 0.0,
        len(aurocs),
    )


def _constant(values: FloatArray) -> Callable[[int], FloatArray]:
    """A score that does not depend on the seed (only the measured sample does)."""

    def same(_seed: int) -> FloatArray:
        return values

    return same


def evaluate_amazon(folder: Path, *, seeds: int = DEFAULT_SEEDS) -> AmazonEvaluation:
    """AUROC and AUPRC (mean ± sd over ``seeds``) of each unsupervised score."""
    if seeds < 1:
        raise InputError(f"seeds must be at least 1, got {seeds}")
    features, labels, adjacency = load_graph(folder)
    runs = tuple(range(seeds))
    structure = sparse_neighbourhood(adjacency)
    scores = [
        _summarise("sparse_neighbourhood", "graph only", "none", labels, lambda _s: structure, runs)
    ]
    for set_name, columns in FEATURE_SETS.items():
        chosen = features[:, list(columns)]
        inconsistency = neighbour_inconsistency(chosen, adjacency)
        ranked = np.asarray(rankdata(inconsistency), dtype=np.float64)
        forests = {seed: isolation_scores(chosen, seed=seed) for seed in runs}
        combined = {
            seed: np.asarray(ranked + rankdata(forest), dtype=np.float64)
            for seed, forest in forests.items()
        }
        scores.extend(
            (
                _summarise(
                    "neighbour_inconsistency",
                    "graph and features",
                    set_name,
                    labels,
                    _constant(inconsistency),
                    runs,
                ),
                _summarise(
                    "isolation_forest", "features only", set_name, labels, forests.__getitem__, runs
                ),
                _summarise(
                    "combined", "graph and features", set_name, labels, combined.__getitem__, runs
                ),
            )
        )
    return AmazonEvaluation(
        int(labels.size), int(adjacency.nnz // 2), int(labels.sum()), tuple(scores)
    )
