"""The learned part of refund pre-identification: gradient boosting on request features.

Trained on labelled history with a *time* split (train on requests before a
cut-off, test on the ones after), never a random one, so the figures say how
the model does on requests it could not have seen. A trained model is a file
with a version id, its feature list and its training period; loading checks
that the features it expects are the ones the code computes.

The number of boosting rounds is chosen on the *latest* part of the training window
(:data:`VALIDATION_SHARE`, still before the cut-off): scikit-learn stops early on its own
only above 10,000 rows, so a smaller history ran every round and learned its few ambiguous
requests by heart, every probability ending under 1% or over 95% and the graded model
points collapsing to nothing or the top grade. The model is then refit on the whole window
with the rounds found.

Files are pickles (scikit-learn's own format): load only model files you made.
"""

from __future__ import annotations

import json
import pickle
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import sqlglot.expressions as exp
from threadpoolctl import ThreadpoolController

from merchantry.kit.errors import InputError, NotFound
from merchantry.kit.ids import stable_key
from merchantry.rulebook.risk_effects import RISK_FEATURES
from merchantry.store.sql import col, table, to_sql

MODEL_FEATURES: Final = tuple(f for f in RISK_FEATURES if f not in ("ring_flagged", "image_flags"))
"""Features the model learns from. ``ring_flagged`` is left out (its behaviour score
looks at the whole ring's claims), ``image_flags`` too (only known with an image store)."""

BEHAVIOUR_FEATURES: Final = tuple(
    f for f in MODEL_FEATURES if f not in ("ring_size", "reused_images", "listing_images")
)
"""The buyer's, order's and shop's behaviour alone: no ring or photo evidence."""

FloatMatrix = npt.NDArray[np.float64]
SMALL_BATCH: Final = 64
MIN_TRAIN_ROWS: Final = 100
MIN_CLASS: Final = 5
VALIDATION_SHARE: Final = 0.2
"""Latest share of the training requests that picks the number of boosting rounds."""
PATIENCE: Final = 10
"""Rounds without a better validation loss before the search stops."""
_CONTROLLER: list[Any] = []


def _threads() -> Any:
    """One thread-pool controller per process (building one inspects every loaded library)."""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0]


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What a model file says about itself."""

    version: str
    features: tuple[str, ...]
    trained_from: str
    trained_to: str
    rows: int
    positives: int
    created_at: str
    rounds: int = 0
    """Boosting rounds kept (chosen on the latest training requests); 0 in older files."""


@dataclass(frozen=True, slots=True)
class RiskModel:
    card: ModelCard
    estimator: Any

    @property
    def version(self) -> str:
        return self.card.version

    def probabilities(self, matrix: FloatMatrix) -> npt.NDArray[np.float64]:
        """Probability of abuse per row of a matrix in ``card.features`` order.

        A handful of rows is scored on one thread: OpenMP start-up costs more than
        the trees (≈ 20 ms against ≈ 1.5 ms per request on a busy 2-core machine).
        """
        if matrix.shape[0] <= SMALL_BATCH:
            with _threads().limit(limits=1, user_api="openmp"):
                return np.asarray(self.estimator.predict_proba(matrix)[:, 1], dtype=np.float64)
        return np.asarray(self.estimator.predict_proba(matrix)[:, 1], dtype=np.float64)


def feature_matrix(
    con: duckdb.DuckDBPyConnection, features: tuple[str, ...] = MODEL_FEATURES
) -> tuple[list[str], npt.NDArray[np.datetime64], FloatMatrix]:
    """(case ids, request times, matrix) from ``_risk_features``; NULL becomes NaN."""
    columns = [
        exp.cast(col(f), exp.DataType.Type.DOUBLE).as_(f, quoted=True)
        for f in features
        if f in RISK_FEATURES
    ]
    query = (
        exp.select(col("case_id"), col("requested_at"), *columns)
        .from_(table("_risk_features"))
        .order_by(col("requested_at"), col("case_id"))
    )
    data = con.execute(to_sql(query)).fetchnumpy()
    matrix = (
        np.column_stack(
            [np.asarray(np.ma.filled(data[f].astype(np.float64), np.nan)) for f in features]
        )
        if len(data["case_id"])
        else np.zeros((0, len(features)))
    )
    return (
        [str(c) for c in data["case_id"]],
        np.asarray(data["requested_at"], dtype="datetime64[us]"),
        matrix,
    )


def train_model(
    matrix: FloatMatrix,
    labels: npt.NDArray[np.int64],
    times: npt.NDArray[np.datetime64],
    features: tuple[str, ...] = MODEL_FEATURES,
    *,
    seed: int = 0,
    max_iter: int = 200,
) -> RiskModel:
    """Fit a HistGradientBoostingClassifier (deterministic under ``seed``).

    At most ``max_iter`` rounds: as many as keep improving the loss on the latest
    :data:`VALIDATION_SHARE` of the requests (by time) when that slice holds both
    classes, then a refit on every request with that many rounds.
    """
    positives = int(labels.sum()) if labels.size else 0
    if matrix.shape[0] < MIN_TRAIN_ROWS or min(positives, labels.size - positives) < MIN_CLASS:
        raise InputError(
            f"too little labelled history to train on: {labels.size} requests, {positives} "
            f"abusive (need {MIN_TRAIN_ROWS} requests and {MIN_CLASS} of each class)"
        )
    rounds = boosting_rounds(matrix, labels, times, seed=seed, max_iter=max_iter)
    estimator = _estimator(rounds, seed, early_stopping=False)
    estimator.fit(matrix, labels)
    start, end = str(times.min())[:19], str(times.max())[:19]
    version = (
        "rm-"
        + stable_key("risk-model", *features, start, end, matrix.shape[0], max_iter, rounds)[:12]
    )
    card = ModelCard(
        version,
        tuple(features),
        start,
        end,
        int(matrix.shape[0]),
        int(labels.sum()),
        datetime.now().replace(microsecond=0).isoformat(),
        rounds,
    )
    return RiskModel(card, estimator)


def _estimator(rounds: int, seed: int, *, early_stopping: bool) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier  # scikit-learn: 0.6 s to import

    return HistGradientBoostingClassifier(
        max_iter=rounds,
        learning_rate=0.08,
        max_leaf_nodes=31,
        l2_regularization=1.0,
        early_stopping=early_stopping,
        n_iter_no_change=PATIENCE,
        random_state=seed,
    )


def boosting_rounds(
    matrix: FloatMatrix,
    labels: npt.NDArray[np.int64],
    times: npt.NDArray[np.datetime64],
    *,
    seed: int = 0,
    max_iter: int = 200,
) -> int:
    """Rounds that keep improving the log loss on the latest requests (at most ``max_iter``).

    Fits on the earlier requests and stops after :data:`PATIENCE` rounds without a better
    loss on the latest :data:`VALIDATION_SHARE` (a time split, as the evaluation is). When
    either part lacks :data:`MIN_CLASS` requests of a class, ``max_iter`` (nothing to judge by).
    """
    order = np.argsort(times, kind="stable")
    cut = round(order.size * (1 - VALIDATION_SHARE))
    early, late = order[:cut], order[cut:]
    for part in (early, late):
        part_positives = int(labels[part].sum())
        if min(part_positives, part.size - part_positives) < MIN_CLASS:
            return max_iter
    search = _estimator(max_iter, seed, early_stopping=True)
    search.fit(matrix[early], labels[early], X_val=matrix[late], y_val=labels[late])
    return max(1, int(search.n_iter_))


MAGIC: Final = "merchantry-risk-model/1"


def save_model(model: RiskModel, path: Path) -> Path:
    """Write the model file and a readable ``.json`` card next to it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        pickle.dump({"magic": MAGIC, "card": asdict(model.card), "estimator": model.estimator}, out)
    path.with_suffix(".json").write_text(
        json.dumps(asdict(model.card), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def load_model(path: Path) -> RiskModel:
    """Read a model file written by :func:`save_model`; refuses unknown features."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no model file at {path} (train one: merchantry risk train)")
    try:
        with path.open("rb") as src:
            payload = pickle.load(src)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        payload = None  # not a pickle at all, or one of something else
    if not isinstance(payload, dict) or payload.get("magic") != MAGIC:
        raise InputError(f"{path} is not a Merchantry risk model file")
    card_data = dict(payload["card"])
    card_data["features"] = tuple(card_data["features"])
    card = ModelCard(**card_data)
    unknown = [f for f in card.features if f not in RISK_FEATURES]
    if unknown:
        raise InputError(f"model {card.version} expects unknown features: {', '.join(unknown)}")
    return RiskModel(card, payload["estimator"])
