"""Ring detection and decisions against the synthetic generator's planted truth.

The generator writes ``truth/refund_rings.csv`` (ring id, buyer id, grade) and
``truth/refund_abusers.csv`` (buyer id, grade, abusive); event tables carry no
label. Abuse is planted at graded difficulty (blatant rings, rings linked by one
identifier, careful lone abusers, mimics of honest buyers, and honest heavy
returners as decoys), and every figure is also reported per grade, since a
figure over all abusers is carried by the easy ones.

A planted ring counts as *found* when one flagged group overlaps it with a
Jaccard index of at least :data:`MATCH_JACCARD`; a flagged group counts as
*correct* when it matches some planted ring that way. Buyer
level: flagged members against planted members who placed at least one order
(a member without orders is invisible to any detector).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt

from merchantry.kit.errors import InputError, NotFound
from merchantry.risk.decisions import combine
from merchantry.risk.features import build_batch_features
from merchantry.risk.model import MODEL_FEATURES, RiskModel, feature_matrix, train_model
from merchantry.risk.rings import find_rings
from merchantry.risk.rules import DecisionKind, RiskRules, evaluate_signals
from merchantry.risk.settings import RiskSettings
from merchantry.store.sql import col, fill_sql, lit, with_ctes_of

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
    by_grade: tuple[GradeRings, ...] = ()

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


HONEST: Final = "honest"
"""The grade of a buyer the truth does not name."""


def load_truth_abusers(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Read the graded truth into ``_truth_abusers(buyer_id, grade, abusive)``.

    A truth folder from before grades existed has only ``refund_rings.csv``: its
    members are then the (blatant) abusers.
    """
    path = Path(truth_dir) / "refund_abusers.csv"
    if path.is_file():
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _truth_abusers AS "
            "SELECT buyer_id::VARCHAR AS buyer_id, grade::VARCHAR AS grade, "
            "lower(abusive::VARCHAR) IN ('true', '1') AS abusive "
            "FROM read_csv(?, header = true, all_varchar = true)",
            [str(path)],
        )
        return
    load_truth_rings(con, truth_dir)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _truth_abusers AS SELECT DISTINCT buyer_id, "
        "'blatant_ring' AS grade, true AS abusive FROM _truth_rings"
    )


def load_truth_rings(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> None:
    """Read ``refund_rings.csv`` into the temp table ``_truth_rings(ring_id, buyer_id)``."""
    path = Path(truth_dir) / "refund_rings.csv"
    if not path.is_file():
        raise NotFound(f"no planted rings at {path} (written by `merchantry generate`)")
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle), [])
    grade = col("grade") if "grade" in header else lit("blatant_ring")
    load = fill_sql(
        "CREATE OR REPLACE TEMP TABLE _truth_rings AS "
        "SELECT ring_id::VARCHAR AS ring_id, buyer_id::VARCHAR AS buyer_id, "
        "p_grade::VARCHAR AS grade "
        "FROM read_csv($path, header = true, all_varchar = true)",
        p_grade=grade,
    )
    con.execute(load, {"path": str(path)})


_MATCHES = """
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
SELECT * FROM matches
"""

_EVALUATE = with_ctes_of(
    _MATCHES,
    """
SELECT
    (SELECT count(*) FROM sizes_t),
    (SELECT count(*) FROM sizes_f),
    (SELECT count(DISTINCT planted) FROM matches),
    (SELECT count(DISTINCT found) FROM matches),
    (SELECT count(*) FROM truth),
    (SELECT count(*) FROM flagged),
    (SELECT count(*) FROM flagged WHERE buyer_id IN (SELECT buyer_id FROM truth))
""",
)

_BY_GRADE = with_ctes_of(
    _MATCHES,
    """
SELECT t.grade, count(DISTINCT t.ring_id) AS planted, count(DISTINCT m.planted) AS found,
       count(DISTINCT t.buyer_id) AS buyers,
       count(DISTINCT t.buyer_id) FILTER (
           WHERE t.buyer_id IN (SELECT buyer_id FROM flagged)) AS buyers_flagged
FROM truth AS t LEFT JOIN matches AS m ON m.planted = t.ring_id
GROUP BY t.grade ORDER BY t.grade
""",
)


@dataclass(frozen=True, slots=True)
class GradeRings:
    """Ring recall for the rings of one planted grade."""

    grade: str
    planted: int
    found: int
    buyers: int
    buyers_flagged: int

    @property
    def ring_recall(self) -> float:
        return self.found / self.planted if self.planted else float("nan")

    @property
    def buyer_recall(self) -> float:
        return self.buyers_flagged / self.buyers if self.buyers else float("nan")


def evaluate_rings(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> RingEvaluation:
    """Compare the flagged rings of the last :func:`~merchantry.risk.rings.find_rings`."""
    load_truth_rings(con, truth_dir)
    row = con.execute(_EVALUATE, {"jaccard": MATCH_JACCARD}).fetchone()
    assert row is not None
    grades = tuple(
        GradeRings(str(g), int(p), int(f), int(b), int(bf))
        for g, p, f, b, bf in con.execute(_BY_GRADE, {"jaccard": MATCH_JACCARD}).fetchall()
    )
    planted, flagged, found, correct, planted_b, flagged_b, true_b = (int(v) for v in row)
    return RingEvaluation(
        planted, flagged, found, correct, planted_b, flagged_b, true_b, by_grade=grades
    )


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
    by_grade: tuple[GradeQuality, ...] = ()
    """Per decider and planted grade (test requests)."""


def _quality(
    name: str,
    labels: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    decisions: list[DecisionKind],
    buyers: list[str],
) -> DecisionQuality:
    from sklearn.metrics import roc_auc_score  # scikit-learn loads only when grading

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


def request_grades(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> list[str]:
    """The planted grade of each request's buyer in ``_risk_features`` (request order)."""
    load_truth_abusers(con, truth_dir)
    rows = con.execute(
        "SELECT COALESCE(a.grade, ?) FROM _risk_features AS f "
        "LEFT JOIN _truth_abusers AS a USING (buyer_id) ORDER BY f.requested_at, f.case_id",
        [HONEST],
    ).fetchall()
    return [str(g) for (g,) in rows]


def label_requests(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> npt.NDArray[np.int64]:
    """1 for each request in ``_risk_features`` (request order) by a planted abuser."""
    load_truth_abusers(con, truth_dir)
    data = con.execute(
        "SELECT CAST(COALESCE(a.abusive, false) AS INTEGER) AS label "
        "FROM _risk_features AS f LEFT JOIN _truth_abusers AS a USING (buyer_id) "
        "ORDER BY f.requested_at, f.case_id"
    ).fetchnumpy()
    return np.asarray(data["label"], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class GradeQuality:
    """How one way of deciding treats the test requests of one planted grade.

    For an abusive grade, ``roc_auc`` separates its requests from the honest
    ones (honest buyers and heavy returners); for an honest grade it is NaN and
    the stopped and intercepted shares are the cost to honest buyers.
    """

    decider: str
    grade: str
    abusive: bool
    requests: int
    roc_auc: float
    intercepted_share: float
    stopped_share: float
    """Share sent to review or intercepted."""


def grade_qualities(
    decider: str,
    grades: list[str],
    labels: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    decisions: list[DecisionKind],
) -> tuple[GradeQuality, ...]:
    """Per planted grade: separation from honest requests, and how many are stopped."""
    from sklearn.metrics import roc_auc_score  # scikit-learn loads only when grading

    grade_array = np.array(grades, dtype=object)
    intercepted = np.array([d is DecisionKind.INTERCEPT for d in decisions], dtype=bool)
    stopped = np.array(
        [d in (DecisionKind.INTERCEPT, DecisionKind.REVIEW) for d in decisions], dtype=bool
    )
    honest = labels == 0
    out = []
    for grade in sorted(set(grades), key=_grade_order):
        mine = grade_array == grade
        abusive = bool(labels[mine].any())
        auc = float("nan")
        if abusive and honest.any():
            pair = mine | honest
            auc = float(roc_auc_score(labels[pair], scores[pair]))
        out.append(
            GradeQuality(
                decider,
                grade,
                abusive,
                int(mine.sum()),
                auc,
                float(intercepted[mine].mean()),
                float(stopped[mine].mean()),
            )
        )
    return tuple(out)


_GRADE_ORDER: Final = (
    "blatant_ring",
    "one_identifier_ring",
    "careful",
    "mimic",
    "heavy_returner",
    HONEST,
)


def _grade_order(grade: str) -> int:
    return _GRADE_ORDER.index(grade) if grade in _GRADE_ORDER else len(_GRADE_ORDER)


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
    split_at = _prepare_split(con, settings, train_share)
    _, times, matrix = feature_matrix(con, features)
    labels = label_requests(con, truth_dir)
    train = times < np.datetime64(split_at)
    _both_sides(labels, train, train_share, need_test=False)
    return train_model(matrix[train], labels[train], times[train], features, max_iter=max_iter)


def _both_sides(
    labels: np.ndarray, train: np.ndarray, share: float, *, need_test: bool = True
) -> None:
    """Refuse (:class:`InputError`) a split whose training part, or test part, has no
    request or only one class: the model cannot learn, or nothing can be measured."""
    parts = [("train", train)] + ([("test", ~train)] if need_test else [])
    for name, part in parts:
        classes = set(np.unique(labels[part]).tolist())
        if len(classes) < 2:
            held = "no request" if not part.any() else "requests of one class only"
            raise InputError(
                f"--train-share {share:g} leaves {held} in the {name} part "
                f"({int(part.sum()):,} of {len(labels):,} requests, split by request time): "
                "give a share nearer 0.5, or a longer history"
            )


def _prepare_split(
    con: duckdb.DuckDBPyConnection, settings: RiskSettings, train_share: float
) -> datetime:
    """The time that splits the requests ``train_share`` : rest, with the rings found as of
    that time and the features of every request built (``_risk_features``)."""
    row = con.execute("SELECT min(requested_at), max(requested_at) FROM after_sales").fetchone()
    if row is None or row[0] is None:
        raise NotFound("no after-sales requests in the warehouse")
    split_at: datetime = row[0] + (row[1] - row[0]) * train_share
    find_rings(con, settings, as_of=split_at)
    build_batch_features(con)
    return split_at


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
    split_at = _prepare_split(con, settings, train_share)
    cases, times, matrix = feature_matrix(con, features)
    labels = label_requests(con, truth_dir)
    grades = request_grades(con, truth_dir)
    buyers = [
        str(b)
        for (b,) in con.execute(
            "SELECT buyer_id FROM _risk_features ORDER BY requested_at, case_id"
        ).fetchall()
    ]
    train = times < np.datetime64(split_at)
    _both_sides(labels, train, train_share)
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
    deciders = (
        ("rules only", np.array([d.score for d in rules_only], dtype=np.float64), rules_only),
        ("model only", probabilities, model_only),
        ("rules + model", np.array([d.score for d in combined], dtype=np.float64), combined),
    )
    qualities = tuple(
        _quality(name, y, scores, [d.decision for d in made], test_buyers)
        for name, scores, made in deciders
    )
    test_grades = [grades[i] for i in test_idx]
    by_grade = tuple(
        quality
        for name, scores, made in deciders
        for quality in grade_qualities(name, test_grades, y, scores, [d.decision for d in made])
    )
    return ModelEvaluation(
        split_at,
        int(train.sum()),
        int(labels[train].sum()),
        int(test.sum()),
        int(y.sum()),
        qualities,
        model,
        by_grade,
    )
