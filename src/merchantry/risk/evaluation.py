"""Ring detection and decisions against the synthetic generator's planted truth.

The generator writes ``truth/refund_rings.csv`` (ring id, buyer id); event
tables carry no label. A planted ring counts as *found* when one flagged group
overlaps it with a Jaccard index of at least :data:`MATCH_JACCARD`; a flagged
group counts as *correct* when it matches some planted ring that way. Buyer
level: flagged members against planted members who placed at least one order
(a member without orders is invisible to any detector).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt
from sklearn.metrics import roc_auc_score

from merchantry.kit.errors import NotFound
from merchantry.risk.decisions import combine
from merchantry.risk.features import build_batch_features
from merchantry.risk.model import MODEL_FEATURES, RiskModel, feature_matrix, train_model
from merchantry.risk.rings import find_rings
from merchantry.risk.rules import DecisionKind, RiskRules, evaluate_signals
from merchantry.risk.settings import RiskSettings

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


@dataclass(frozen=True, slots=True)
class DecisionQuality:
    """How one way of deciding does on the test requests."""

    name: str
    roc_auc: float
    intercepted: int
    precision_at_intercept: float
    recall_at_intercept: float
    honest_claims_stopped: float
    """Share of honest requests sent to review or intercepted."""
    honest_buyers_intercepted: float
    """Share of honest buyers (with a test request) who had a request intercepted."""


@dataclass(frozen=True, slots=True)
class ModelEvaluation:
    """A time-split evaluation: train before ``split_at``, test after."""

    split_at: datetime
    train_rows: int
    train_positives: int
    test_rows: int
    test_positives: int
    qualities: tuple[DecisionQuality, ...]
    model: RiskModel


def _quality(
    name: str,
    labels: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    decisions: list[DecisionKind],
    buyers: list[str],
) -> DecisionQuality:
    intercepted = np.array([d is DecisionKind.INTERCEPT for d in decisions])
    stopped = np.array([d in (DecisionKind.INTERCEPT, DecisionKind.REVIEW) for d in decisions])
    honest = labels == 0
    honest_buyers = {b for b, h in zip(buyers, honest, strict=True) if h}
    hit_buyers = {b for b, h, i in zip(buyers, honest, intercepted, strict=True) if h and i}
    positives = int(labels.sum())
    return DecisionQuality(
        name,
        float(roc_auc_score(labels, scores)) if 0 < positives < labels.size else float("nan"),
        int(intercepted.sum()),
        float((labels[intercepted] == 1).mean()) if intercepted.any() else float("nan"),
        float(intercepted[labels == 1].mean()) if positives else float("nan"),
        float(stopped[honest].mean()) if honest.any() else 0.0,
        len(hit_buyers) / len(honest_buyers) if honest_buyers else 0.0,
    )


def label_requests(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> npt.NDArray[np.int64]:
    """1 for each request in ``_risk_features`` (request order) by a planted ring member."""
    load_truth_rings(con, truth_dir)
    data = con.execute(
        "SELECT CAST(f.buyer_id IN (SELECT buyer_id FROM _truth_rings) AS INTEGER) AS label "
        "FROM _risk_features AS f ORDER BY f.requested_at, f.case_id"
    ).fetchnumpy()
    return np.asarray(data["label"], dtype=np.int64)


def train_on_truth(
    con: duckdb.DuckDBPyConnection,
    truth_dir: Path,
    settings: RiskSettings,
    *,
    train_share: float = 0.7,
    features: tuple[str, ...] = MODEL_FEATURES,
    max_iter: int = 200,
) -> RiskModel:
    """Train on the requests before the time split (rings as of the split), without testing.

    Leaves the ring tables as of the split: run
    :func:`~merchantry.risk.rings.find_rings` again before scoring current requests.
    """
    row = con.execute("SELECT min(requested_at), max(requested_at) FROM after_sales").fetchone()
    if row is None or row[0] is None:
        raise NotFound("no after-sales requests in the warehouse")
    split_at = row[0] + (row[1] - row[0]) * train_share
    find_rings(con, settings, as_of=split_at)
    build_batch_features(con)
    _, times, matrix = feature_matrix(con, features)
    labels = label_requests(con, truth_dir)
    train = times < np.datetime64(split_at)
    return train_model(matrix[train], labels[train], times[train], features, max_iter=max_iter)


def evaluate_decisions(
    con: duckdb.DuckDBPyConnection,
    truth_dir: Path,
    rules: RiskRules,
    settings: RiskSettings,
    *,
    train_share: float = 0.7,
    features: tuple[str, ...] = MODEL_FEATURES,
) -> ModelEvaluation:
    """Split requests by time, find rings as of the split, train, and score the test part.

    Reports the rules alone, the model alone and the two combined (the shipped
    decision), each with ROC AUC, precision and recall at the intercept band
    and the share of honest requests and buyers stopped.
    """
    row = con.execute("SELECT min(requested_at), max(requested_at) FROM after_sales").fetchone()
    if row is None or row[0] is None:
        raise NotFound("no after-sales requests in the warehouse")
    split_at = row[0] + (row[1] - row[0]) * train_share
    find_rings(con, settings, as_of=split_at)
    build_batch_features(con)
    cases, times, matrix = feature_matrix(con, features)
    labels = label_requests(con, truth_dir)
    buyers = [
        str(b)
        for (b,) in con.execute(
            "SELECT buyer_id FROM _risk_features ORDER BY requested_at, case_id"
        ).fetchall()
    ]
    train = times < np.datetime64(split_at)
    test = ~train
    model = train_model(matrix[train], labels[train], times[train], features)
    probabilities = model.probabilities(matrix[test])
    _, matched = evaluate_signals(con, rules)
    test_idx = np.flatnonzero(test)
    test_buyers = [buyers[i] for i in test_idx]
    y = labels[test]
    rules_only = [
        combine(rules, settings, cases[i], matched[i].tolist(), None, None) for i in test_idx
    ]
    combined = [
        combine(rules, settings, cases[i], matched[i].tolist(), float(p), model.version)
        for i, p in zip(test_idx, probabilities, strict=True)
    ]
    model_only_rules = RiskRules(rules.rulebook, (), rules.bands)
    model_only = [
        combine(model_only_rules, settings, cases[i], [], float(p), model.version)
        for i, p in zip(test_idx, probabilities, strict=True)
    ]
    qualities = (
        _quality(
            "rules only",
            y,
            np.array([d.score for d in rules_only], dtype=np.float64),
            [d.decision for d in rules_only],
            test_buyers,
        ),
        _quality(
            "model only",
            y,
            probabilities,
            [d.decision for d in model_only],
            test_buyers,
        ),
        _quality(
            "rules + model",
            y,
            np.array([d.score for d in combined], dtype=np.float64),
            [d.decision for d in combined],
            test_buyers,
        ),
    )
    return ModelEvaluation(
        split_at,
        int(train.sum()),
        int(labels[train].sum()),
        int(test.sum()),
        int(y.sum()),
        qualities,
        model,
    )
