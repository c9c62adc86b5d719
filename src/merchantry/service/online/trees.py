"""The risk model's trees walked for one row, without scikit-learn's per-call overhead.

``HistGradientBoostingClassifier.predict_proba`` on one row costs milliseconds
(input validation, OpenMP start-up); a real-time decision cannot pay that.
:class:`OneRowTrees` reads the fitted trees once (each node's feature, threshold,
NaN direction, children, leaf value) and compiles them into one Python function
of nested ``if`` statements, one block per tree (walking all trees at once with
numpy, one level per step, cost several times as much: a dozen numpy calls a level).
The probability is the one scikit-learn computes: the baseline plus each tree's
leaf value, added in iteration order in float64, through the same ``expit``.
``tests/online/test_trees.py`` compares it bit for bit with ``predict_proba``. A
model this cannot read exactly (categorical splits, more than one tree per
iteration) is refused, and the caller keeps scikit-learn.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import expit

from merchantry.risk.model import RiskModel

FloatArray = npt.NDArray[np.float64]


class UnsupportedModel(ValueError):
    """The estimator has a structure the one-row walker does not reproduce exactly."""


def _number(value: Any) -> str:
    """A float64 as Python source that reads back as the same float (``repr`` does)."""
    number = float(value)
    return repr(number) if math.isfinite(number) else f"float({str(number)!r})"


def _emit_tree(nodes: Any, lines: list[str]) -> None:
    """Append one tree as nested ``if`` blocks that add its leaf's value to ``raw``.

    A node sends a row left when its value is ``<=`` the threshold, or when the value is
    missing (NaN: every comparison is false) and the node sends missing values left.
    Floats are written with ``repr``, which reads back as the same float64."""
    stack: list[tuple[int, int, str]] = [(0, 1, "")]
    while stack:
        node, depth, prefix = stack.pop()
        pad = "    " * depth
        if prefix:
            lines.append(pad[:-4] + prefix)
        if depth > 90:
            raise UnsupportedModel("a tree is too deep to compile")
        if nodes["is_leaf"][node]:
            lines.append(f"{pad}raw += {_number(nodes['value'][node])}")
            continue
        x = f"x{int(nodes['feature_idx'][node])}"
        test = f"{x} <= {_number(nodes['num_threshold'][node])}"
        if nodes["missing_go_to_left"][node]:
            test += f" or {x} != {x}"
        lines.append(f"{pad}if {test}:")
        stack.append((int(nodes["right"][node]), depth + 1, "else:"))
        stack.append((int(nodes["left"][node]), depth + 1, ""))


class OneRowTrees:
    """All trees of a binary HistGradientBoostingClassifier, compiled for one row."""

    def __init__(self, model: RiskModel) -> None:
        estimator: Any = model.estimator
        predictors = getattr(estimator, "_predictors", None)
        baseline = getattr(estimator, "_baseline_prediction", None)
        if predictors is None or baseline is None:
            raise UnsupportedModel(f"{type(estimator).__name__} has no fitted boosted trees")
        if getattr(estimator, "n_trees_per_iteration_", 1) != 1:
            raise UnsupportedModel("more than one tree per iteration (multi-class)")
        self.features: tuple[str, ...] = model.card.features
        names = ", ".join(f"x{i}" for i in range(len(self.features)))
        start = float(np.asarray(baseline, dtype=np.float64).ravel()[0])
        lines = ["def walk(x):", f"    ({names},) = x", f"    raw = {_number(start)}"]
        for iteration in predictors:
            nodes = iteration[0].nodes
            if np.any(nodes["is_categorical"]):
                raise UnsupportedModel("a tree splits on a categorical feature")
            _emit_tree(nodes, lines)
        lines.append("    return raw")
        namespace: dict[str, Any] = {}
        exec(compile("\n".join(lines), "<risk-model-trees>", "exec"), namespace)
        self._walk: Callable[[Sequence[float]], float] = namespace["walk"]

    def probability(self, row: Sequence[float]) -> float:
        """P(abuse) of one row in ``features`` order (NaN for a missing value)."""
        raw = self._walk([float(v) for v in row])
        return float(expit(np.float64(raw)))

    def probability_of(self, features: Mapping[str, object]) -> float:
        """P(abuse) of a feature row (names as ``_risk_features``); NULL becomes NaN."""
        return self.probability(
            [np.nan if (v := features.get(f)) is None else float(v) for f in self.features]  # type: ignore[arg-type]
        )
