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

import csv
import gzip
import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.stats import rankdata
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score

from merchantry.kit.errors import Diagnostic, InputError, NotFound

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


GRAPH_FILES: Final = ("nodes", "edges_upu")
"""The two files of the graph, each read as ``<name>.csv.gz`` or ``<name>.csv``."""
MAX_DIAGNOSTICS: Final = 20
"""Problems listed per file (the count says how many there are in all)."""


def _graph_file(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.csv.gz", f"{stem}.csv"):
        if (folder / name).is_file():
            return folder / name
    held = sorted(p.name for p in folder.iterdir())[:10]
    raise NotFound(
        f"Amazon graph file missing: {folder / stem}.csv.gz (or {stem}.csv); the folder holds "
        + (", ".join(held) if held else "nothing")
    )


def _rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of a CSV file, plain or gzip (by its first bytes); a cut or damaged
    gzip stream and bytes that are not UTF-8 are refused naming the file and line."""
    with path.open("rb") as probe:
        packed = probe.read(2) == b"\x1f\x8b"
    line = 0
    try:
        with (
            gzip.open(path, "rt", encoding="utf-8", newline="")
            if packed
            else path.open(encoding="utf-8", newline="")
        ) as handle:
            reader = csv.reader(handle)
            for fields in reader:
                line = reader.line_num
                yield line, fields
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise InputError(
            f"{path}: the gzip stream is cut or damaged after line {line:,} ({err}); "
            "the file is incomplete: nothing was scored"
        ) from None
    except UnicodeDecodeError as err:
        raise InputError(
            f"{path}: not UTF-8 text after line {line:,} (byte 0x{err.object[err.start]:02x})"
        ) from None
    except csv.Error as err:
        raise InputError(f"{path}: line {line + 1:,}: not readable as CSV ({err})") from None


class _Problems:
    """Diagnostics of one file: the first :data:`MAX_DIAGNOSTICS` kept, all counted."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kept: list[Diagnostic] = []
        self.count = 0

    def add(self, line: int | None, code: str, message: str, column: str | None = None) -> None:
        self.count += 1
        if len(self.kept) < MAX_DIAGNOSTICS:
            self.kept.append(Diagnostic(str(self.path), line, code, message, column=column))

    def raise_any(self, what: str) -> None:
        if self.count:
            shown = "" if self.count <= len(self.kept) else f" (the first {len(self.kept)})"
            raise InputError(
                f"{self.path}: {self.count:,} problem{'s' if self.count > 1 else ''} in the "
                f"{what}{shown}; nothing was scored",
                self.kept,
            )


def _header(path: Path, rows: Iterator[tuple[int, list[str]]], wanted: Sequence[str]) -> list[int]:
    """Positions of the ``wanted`` columns in the file's header line."""
    try:
        _line, header = next(rows)
    except StopIteration:
        raise InputError(f"{path}: the file is empty: no header line") from None
    names = [h.strip().lstrip("\ufeff") for h in header]
    missing = [w for w in wanted if w not in names]
    if missing:
        raise InputError(
            f"{path}: line 1: the header has no column {', '.join(missing)} "
            f"(expected {', '.join(wanted)}; found {', '.join(names)})"
        )
    return [names.index(w) for w in wanted]


def _read_nodes(path: Path) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    rows = _rows(path)
    wanted = ["node_id", "label", *(f"f{i}" for i in range(FEATURES))]
    at = _header(path, rows, wanted)
    width = max(at) + 1
    problems = _Problems(path)
    ids: list[int] = []
    labels: list[int] = []
    features: list[list[float]] = []
    lines: dict[int, int] = {}
    for line, fields in rows:
        if not fields:
            continue
        if len(fields) < width:
            problems.add(line, "short-row", f"the row has {len(fields)} fields, not {width}")
            continue
        raw_id, raw_label = fields[at[0]].strip(), fields[at[1]].strip()
        if not raw_id.isdigit():
            problems.add(line, "node-id", f"{raw_id!r} is not a node id (0, 1, …)", "node_id")
            continue
        if raw_label not in ("0", "1"):
            value = "empty" if not raw_label else repr(raw_label)
            problems.add(line, "label", f"label is {value}; it must be 0 or 1", "label")
            continue
        values: list[float] = []
        for name, index in zip(wanted[2:], at[2:], strict=True):
            text = fields[index].strip()
            try:
                value_f = float(text)
            except ValueError:
                value_f = math.nan
            if not math.isfinite(value_f):
                shown = "empty" if not text else repr(text)
                problems.add(line, "feature", f"{name} is {shown}, not a finite number", name)
                break
            values.append(value_f)
        else:
            node = int(raw_id)
            if node in lines:
                problems.add(
                    line, "duplicate", f"node {node} again (first at line {lines[node]})", "node_id"
                )
                continue
            lines[node] = line
            ids.append(node)
            labels.append(int(raw_label))
            features.append(values)
    problems.raise_any("node table")
    if not ids:
        raise InputError(f"{path}: no node rows after the header")
    order = np.argsort(np.asarray(ids, dtype=np.int64))
    sorted_ids = np.asarray(ids, dtype=np.int64)[order]
    gaps = np.flatnonzero(sorted_ids != np.arange(sorted_ids.size))
    if gaps.size:
        raise InputError(
            f"{path}: node ids must run 0 to {len(ids) - 1} (one row per user); "
            f"node {int(gaps[0])} is missing"
        )
    label_array = np.asarray(labels, dtype=np.int64)[order]
    fraud = int(label_array.sum())
    if fraud in (0, label_array.size):
        raise InputError(
            f"{path}: every label is {label_array[0]}: AUROC and AUPRC need fraudulent (1) "
            "and honest (0) users"
        )
    return np.asarray(features, dtype=np.float64)[order], label_array


def _read_edges(path: Path, nodes: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    rows = _rows(path)
    at = _header(path, rows, ("src", "dst"))
    width = max(at) + 1
    problems = _Problems(path)
    src: list[int] = []
    dst: list[int] = []
    for line, fields in rows:
        if not fields:
            continue
        if len(fields) < width:
            problems.add(line, "short-row", f"the row has {len(fields)} fields, not {width}")
            continue
        ends: list[int] = []
        for name, index in zip(("src", "dst"), at, strict=True):
            text = fields[index].strip()
            if not text.isdigit():
                shown = "empty" if not text else repr(text)
                problems.add(line, "node-id", f"{name} is {shown}, not a node id", name)
                break
            if int(text) >= nodes:
                problems.add(
                    line,
                    "unknown-node",
                    f"{name} names node {text}, not in the node table (ids 0 to {nodes - 1})",
                    name,
                )
                break
            ends.append(int(text))
        else:
            src.append(ends[0])
            dst.append(ends[1])
    problems.raise_any("edge list")
    if not src:
        raise InputError(f"{path}: no edge rows after the header: the graph has no links")
    return np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)


def load_graph(folder: Path) -> tuple[FloatArray, npt.NDArray[np.int64], sparse.csr_matrix]:
    """(features, labels, symmetric adjacency) from ``nodes`` and ``edges_upu``, each
    ``.csv.gz`` or ``.csv``; a bad value is refused naming file, line and column."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotFound(f"Amazon graph folder not found: {folder}")
    nodes_file, edges_file = (_graph_file(folder, stem) for stem in GRAPH_FILES)
    features, labels = _read_nodes(nodes_file)
    n = labels.size
    src, dst = _read_edges(edges_file, n)
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
