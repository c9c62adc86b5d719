"""The risk rulebook compiled onto the request features: signals with points, and bands.

A ``risk_signal`` rule matches a request when its ``when`` (over the
request-time condition columns) holds and its feature lies within
``at_least``/``at_most``; every matching rule adds its points (stacking
``add``). ``risk_threshold`` rules set the decision bands. Both the batch
scorer and the one-request path run the same compiled SELECT over
``_risk_features``, so they cannot disagree. Conditions compile through the
shared :class:`~merchantry.rulebook.ruleset.RuleSet` (matched flags, stacking ``add``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import duckdb
import numpy as np
import numpy.typing as npt
import sqlglot.expressions as exp

from merchantry.kit.errors import Diagnostic, InputError
from merchantry.risk.features import FUTURE_COLUMNS
from merchantry.rulebook.columns import GATE_COLUMN_NAMES, SCORE_COLUMN_NAMES
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.rulebook.ruleset import RuleSet, fact_column, literal


class DecisionKind(StrEnum):
    """What happens to an after-sales request."""

    FAST_APPROVE = "fast_approve"
    """Refund at once, no merchant review (trusted buyer, small no-fault request)."""
    NORMAL = "normal"
    """The ordinary after-sales flow."""
    REVIEW = "review"
    """A person looks at it before money moves."""
    INTERCEPT = "intercept"
    """Hold the refund and open a risk case (likely abuse)."""


@dataclass(frozen=True, slots=True)
class Signal:
    """One compiled ``risk_signal`` rule."""

    rule_id: str
    title: str
    points: int
    predicate: exp.Expr
    """Condition AND feature bounds, over the feature relation ``f``."""


@dataclass(frozen=True, slots=True)
class Band:
    decision: DecisionKind
    rule_id: str
    min_points: int | None
    max_points: int | None


@dataclass(frozen=True, slots=True)
class RiskRules:
    """A risk rulebook ready to score: its signals in precedence order and its bands."""

    rulebook: str
    signals: tuple[Signal, ...]
    bands: tuple[Band, ...]

    def decide_band(self, points: int) -> tuple[DecisionKind, str]:
        """Band of a score: intercept over review (highest ``min_points`` first), then fast
        approval; ``normal`` when no band claims it. Returns (decision, band rule id)."""
        upward = sorted(
            (b for b in self.bands if b.min_points is not None),
            key=lambda b: -(b.min_points or 0),
        )
        for band in upward:
            if band.min_points is not None and points >= band.min_points:
                return band.decision, band.rule_id
        for band in self.bands:
            if band.max_points is not None and points <= band.max_points:
                return band.decision, band.rule_id
        return DecisionKind.NORMAL, ""


def _bounds(rule: Rule) -> exp.Expr | None:
    """The signal's feature bounds (``at_least``/``at_most``), or None when unbounded."""
    feature = fact_column(rule.effect.text("feature"))
    values = dict(rule.effect.values)
    parts: list[exp.Expr] = []
    if "at_least" in values:
        parts.append(exp.GTE(this=feature.copy(), expression=literal(rule.effect.int("at_least"))))
    if "at_most" in values:
        parts.append(exp.LTE(this=feature.copy(), expression=literal(rule.effect.int("at_most"))))
    return exp.and_(*parts) if parts else None


_UNUSABLE: Final = (
    (
        SCORE_COLUMN_NAMES,
        "score-column-in-risk-rule",
        "is not resolved by the risk stage",
        "risk rules see the request, its order, shop and buyer history, not the "
        "score series; gate on scores in fee or ledger rules (docs/risk.md)",
    ),
    (
        GATE_COLUMN_NAMES,
        "gate-column",
        "is computed for score gates only",
        "risk rules see the request, its order, shop and buyer history (docs/risk.md)",
    ),
    (
        FUTURE_COLUMNS,
        "future-column",
        "is not known when a request arrives",
        "risk rules may use request-time columns only (docs/risk.md)",
    ),
)
"""Columns a risk signal may not read: (columns, code, why, hint)."""


def _unusable(rule: Rule) -> Diagnostic | None:
    """Why a risk signal cannot run at request time, or None when it can."""
    for columns, code, why, hint in _UNUSABLE:
        found = [c for c in rule.columns if c in columns]
        if found:
            message = f"rule {rule.id!r}: {', '.join(found)} {why}"
            return Diagnostic(rule.source_file, rule.line, code, message, hint)
    return None


def compile_risk_rules(rulebook: Rulebook) -> RiskRules:
    """Compile a checked rulebook's risk rules; refuses conditions on future facts."""
    problems: list[Diagnostic] = []
    usable: list[Rule] = []
    for rule in rulebook.rules_of("risk_signal"):
        problem = _unusable(rule)
        if problem is None:
            usable.append(rule)
        else:
            problems.append(problem)
    rules = RuleSet.compile(usable, rulebook.parameter_values, key="risk_signal")
    signals = [
        Signal(rule.id, rule.title, rule.effect.int("points"), predicate)
        for rule, predicate in rules.guarded(_bounds)
    ]
    if problems:
        raise InputError(f"rulebook {rulebook.name!r} has risk rules that cannot run", problems)
    bands = []
    for rule in rulebook.rules_of("risk_threshold"):
        values = dict(rule.effect.values)
        low, high = values.get("min_points"), values.get("max_points")
        bands.append(
            Band(
                DecisionKind(rule.effect.text("decision")),
                rule.id,
                int(low) if low is not None else None,
                int(high) if high is not None else None,
            )
        )
    return RiskRules(rulebook.name, tuple(signals), tuple(bands))


def signals_select(rules: RiskRules, relation: str = "_risk_features") -> str:
    """``SELECT case_id, s0, s1, …`` where ``sK`` is true when signal K matches."""
    items: list[exp.Expr] = [exp.column("case_id", table="f")]
    for k, signal in enumerate(rules.signals):
        items.append(
            exp.alias_(exp.func("coalesce", signal.predicate.copy(), exp.false()), f"s{k}")
        )
    query = (
        exp.select(*items)
        .from_(exp.to_table(relation).as_("f"))
        .order_by(exp.column("requested_at", table="f"), exp.column("case_id", table="f"))
    )
    return str(query.sql(dialect="duckdb"))


def evaluate_signals(
    con: duckdb.DuckDBPyConnection, rules: RiskRules
) -> tuple[list[str], npt.NDArray[np.bool_]]:
    """(case ids, matched matrix requests × signals) over ``_risk_features``."""
    data = con.execute(signals_select(rules)).fetchnumpy()
    cases = [str(c) for c in data["case_id"]]
    if not rules.signals:
        return cases, np.zeros((len(cases), 0), dtype=bool)
    matrix = np.column_stack(
        [np.asarray(data[f"s{k}"], dtype=bool) for k in range(len(rules.signals))]
    )
    return cases, matrix


def matched_points(rules: RiskRules, matched: Sequence[bool]) -> tuple[int, list[Signal]]:
    """Total points and the signals that matched, in precedence order."""
    hits = [s for s, m in zip(rules.signals, matched, strict=True) if m]
    return sum(s.points for s in hits), hits
