"""The risk model's trees walked for one row, without scikit-learn's per-call overhead.

``HistGradientBoostingClassifier.predict_proba`` on one row costs milliseconds
(input validation, OpenMP start-up); a real-time decision cannot pay that.
:class:`OneRowTrees` reads the fitted trees once (each node's feature, threshold,
NaN direction, children, leaf value) and walks every tree at once with numpy, one
level per step. The probability is the one scikit-learn computes: the baseline
plus each tree's leaf value, added in iteration order in float64, through the
same ``expit``. ``tests/online/test_trees.py`` compares it bit for bit with
``predict_proba``. A model this cannot read exactly (categorical splits, more
than one tree per iteration) is refused, and the caller keeps scikit-learn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from merchantry.risk.model import RiskModel

FloatArray = npt.NDArray[np.float64]


class UnsupportedModel(ValueError):
    """The estimator has a structure the one-row walker does not reproduce exactly."""


class OneRowTrees:
    """All trees of a binary HistGradientBoostingClassifier as flat node arrays."""

    def __init__(self, model: RiskModel) -> None:
        estimator: Any = model.estimator
        predictors = getattr(estimator, "_predictors", None)
        baseline = getattr(estimator, "_baseline_prediction", None)
        if predictors is None or baseline is None:
            raise UnsupportedModel(f"{type(estimator).__name__} has no fitted boosted trees")
        if getattr(estimator, "n_trees_per_iteration_", 1) != 1:
            raise UnsupportedModel("more than one tree per iteration (multi-class)")
        self.features: tuple[str, ...] = model.card.features
        feature: list[npt.NDArray[np.int64]] = []
        threshold: list[FloatArray] = []
        nan_left: list[npt.NDArray[np.bool_]] = []
        left: list[npt.NDArray[np.int64]] = []
        right: list[npt.NDArray[np.int64]] = []
        leaf: list[npt.NDArray[np.bool_]] = []
        value: list[FloatArray] = []
        roots: list[int] = []
        offset = 0
        for iteration in predictors:
            nodes = iteration[0].nodes
            if np.any(nodes["is_categorical"]):
                raise UnsupportedModel("a tree splits on a categorical feature")
            roots.append(offset)
            is_leaf = nodes["is_leaf"].astype(bool)
            here = np.arange(len(nodes), dtype=np.int64) + offset
            feature.append(np.where(is_leaf, 0, nodes["feature_idx"]).astype(np.int64))
            threshold.append(nodes["num_threshold"].astype(np.float64))
            nan_left.append(nodes["missing_go_to_left"].astype(bool))
            left.append(np.where(is_leaf, here, nodes["left"].astype(np.int64) + offset))
            right.append(np.where(is_leaf, here, nodes["right"].astype(np.int64) + offset))
            leaf.append(is_leaf)
            value.append(nodes["value"].astype(np.float64))
            offset += len(nodes)
        self._feature = np.concatenate(feature)
        self._threshold = np.concatenate(threshold)
        self._nan_left = np.concatenate(nan_left)
        self._left = np.concatenate(left)
        self._right = np.concatenate(right)
        self._leaf = np.concatenate(leaf)
        self._value = np.concatenate(value)
        self._roots = np.array(roots, dtype=np.int64)
        self._baseline = float(np.asarray(baseline, dtype=np.float64).ravel()[0])

    def probability(self, row: Sequence[float]) -> float:
        """P(abuse) of one row in ``features`` order (NaN for a missing value)."""
        x = np.asarray(row, dtype=np.float64)
        at = self._roots.copy()
        while True:
            done = self._leaf[at]
            if done.all():
                break
            values = x[self._feature[at]]
            missing = np.isnan(values)
            go_left = np.where(missing, self._nan_left[at], values <= self._threshold[at])
            at = np.where(go_left, self._left[at], self._right[at])
        raw = self._baseline
        for leaf_value in self._value[at].tolist():
            raw += leaf_value
        return float(expit(np.float64(raw)))

    def probability_of(self, features: Mapping[str, object]) -> float:
        """P(abuse) of a feature row (names as ``_risk_features``); NULL becomes NaN."""
        return self.probability(
            [np.nan if (v := features.get(f)) is None else float(v) for f in self.features]  # type: ignore[arg-type]
        )
