"""The one-row tree walker gives scikit-learn's probability, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from merchantry.risk.model import MODEL_FEATURES, RiskModel, train_model
from merchantry.service.online.trees import OneRowTrees, UnsupportedModel


def _model(seed: int) -> tuple[RiskModel, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, k = 600, len(MODEL_FEATURES)
    matrix = rng.integers(0, 20, size=(n, k)).astype(np.float64)
    matrix[rng.random((n, k)) < 0.1] = np.nan  # missing values take their learned side
    labels = ((np.nan_to_num(matrix[:, 0]) + rng.normal(0, 3, n)) > 12).astype(np.int64)
    times = np.array("2026-01-01T00:00", dtype="datetime64[us]") + np.arange(n).astype(
        "timedelta64[m]"
    )
    model = train_model(matrix, labels, times, MODEL_FEATURES, seed=seed, max_iter=40)
    probe = rng.integers(-5, 25, size=(300, k)).astype(np.float64)
    probe[rng.random((300, k)) < 0.2] = np.nan
    return model, probe


@pytest.mark.parametrize("seed", [1, 2])
def test_probabilities_equal_predict_proba_exactly(seed: int) -> None:
    model, probe = _model(seed)
    trees = OneRowTrees(model)
    expected = model.estimator.predict_proba(probe)[:, 1]
    got = np.array([trees.probability(row) for row in probe])
    assert np.array_equal(got, expected)
    assert len(set(np.round(expected, 3))) > 5  # not a constant model


def test_a_feature_row_maps_by_name_and_null_is_missing() -> None:
    model, probe = _model(3)
    trees = OneRowTrees(model)
    row = probe[0]
    features: dict[str, object] = {
        name: (None if np.isnan(v) else int(v)) for name, v in zip(MODEL_FEATURES, row, strict=True)
    }
    assert trees.probability_of(features) == model.estimator.predict_proba(row[None, :])[0, 1]


def test_a_model_without_boosted_trees_is_refused() -> None:
    model, _ = _model(4)
    with pytest.raises(UnsupportedModel):
        OneRowTrees(RiskModel(model.card, object()))
