"""Decisions on after-sales requests: rule points + model points -> a band, with reasons.

``score = Σ points of matching risk signals + model points``, where the model points are
*graded* (:func:`model_grade`): the model's probability falls in one of the risk rulebook's
four grades (``model_grade_N_bp`` up, worth ``model_grade_N_points``), none below the first
(no model: rule points only). A linear share of a fixed maximum came out as 0 or the maximum
because the model is sharply confident, which left the review band unreachable. The risk
rulebook's bands turn the score into fast_approve / normal / review / intercept. Every
decision lists its reasons (rule id, points, plain words), so a merchant or buyer can be
told why.

Two paths, one computation: :func:`score_requests` for every request in the
warehouse (``risk_decisions``), and :func:`load_context` + :func:`decide` for one
request as it arrives (what the service calls).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import numpy as np
import pyarrow as pa

from merchantry.model.risk import RISK_DECISIONS
from merchantry.risk.features import REQUESTS_DDL, build_batch_features, build_features
from merchantry.risk.images import ImageReport
from merchantry.risk.model import RiskModel, feature_matrix
from merchantry.risk.rules import DecisionKind, RiskRules, evaluate_signals, matched_points
from merchantry.risk.settings import RiskSettings
from merchantry.store.warehouse import create_table_sql

MODEL_REASON = "model"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason behind a decision."""

    rule_id: str
    points: int
    text: str

    def __str__(self) -> str:
        return f"{self.rule_id} ({self.points:+d}): {self.text}"


@dataclass(frozen=True, slots=True)
class Decision:
    """The decision on one request, and why."""

    case_id: str
    decision: DecisionKind
    score: int
    rule_points: int
    model_points: int
    probability: float | None
    reasons: tuple[Reason, ...]
    band_rule: str
    rulebook: str
    model_version: str | None


@dataclass(frozen=True, slots=True)
class RiskRequest:
    """An after-sales request as it arrives (not yet in the warehouse)."""

    case_id: str
    order_id: str
    requested_at: datetime
    type: str
    reason_code: str
    amount_fen: int
    evidence_images: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RiskContext:
    """Everything :func:`decide` needs besides the request: rules, model, features."""

    rules: RiskRules
    settings: RiskSettings
    model: RiskModel | None
    features: Mapping[str, object]
    matched: tuple[bool, ...]
    images: ImageReport | None = field(default=None)


def model_grade(settings: RiskSettings, probability: float) -> tuple[int, int]:
    """(grade, points) of a model probability: the highest grade whose threshold (bp) it
    reaches, and that grade's points; ``(0, 0)`` below the first grade."""
    bp = round(probability * 10_000)
    grades = (
        (settings.model_grade_1_bp, settings.model_grade_1_points),
        (settings.model_grade_2_bp, settings.model_grade_2_points),
        (settings.model_grade_3_bp, settings.model_grade_3_points),
        (settings.model_grade_4_bp, settings.model_grade_4_points),
    )
    found = (0, 0)
    for grade, (threshold, points) in enumerate(grades, start=1):
        if bp >= threshold:
            found = (grade, points)
    return found


def combine(
    rules: RiskRules,
    settings: RiskSettings,
    case_id: str,
    matched: Sequence[bool],
    probability: float | None,
    model_version: str | None,
) -> Decision:
    """One decision from matched signals and the model's probability."""
    rule_points, hits = matched_points(rules, matched)
    reasons = [Reason(s.rule_id, s.points, s.title) for s in hits]
    model_points = 0
    if probability is not None:
        grade, model_points = model_grade(settings, probability)
        if model_points:
            reasons.append(
                Reason(
                    MODEL_REASON,
                    model_points,
                    f"model {model_version} puts abuse at {probability:.0%} (grade {grade})",
                )
            )
    score = rule_points + model_points
    decision, band = rules.decide_band(score)
    return Decision(
        case_id,
        decision,
        score,
        rule_points,
        model_points,
        probability,
        tuple(reasons),
        band,
        rules.rulebook,
        model_version,
    )


def _vector(model: RiskModel, features: Mapping[str, object]) -> np.ndarray:
    values = [features.get(f) for f in model.card.features]
    return np.array(
        [[np.nan if v is None else float(v) for v in values]],  # type: ignore[arg-type]
        dtype=np.float64,
    )


def decide(request: RiskRequest, context: RiskContext) -> Decision:
    """Decide one request from its context (see :func:`load_context`); no database access."""
    probability = None
    version = None
    if context.model is not None:
        probability = float(
            context.model.probabilities(_vector(context.model, context.features))[0]
        )
        version = context.model.version
    return combine(
        context.rules, context.settings, request.case_id, context.matched, probability, version
    )


def load_context(
    con: duckdb.DuckDBPyConnection,
    request: RiskRequest,
    rules: RiskRules,
    settings: RiskSettings,
    model: RiskModel | None = None,
    images: ImageReport | None = None,
) -> RiskContext:
    """Compute one request's features from the warehouse history, as of its arrival.

    ``images`` (from :func:`~merchantry.risk.images.check_claim_images`) adds the
    perceptual-hash and metadata findings that reference matching cannot see.
    """
    con.execute(REQUESTS_DDL)
    con.execute(
        "INSERT INTO _risk_requests VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            request.case_id,
            request.order_id,
            request.requested_at,
            request.type,
            request.reason_code,
            request.amount_fen,
            list(request.evidence_images) or None,
        ],
    )
    if build_features(con) != 1:
        raise LookupError(f"order {request.order_id} of request {request.case_id} is unknown")
    if images is not None:
        con.execute(
            "UPDATE _risk_features SET reused_images = greatest(reused_images, ?), "
            "listing_images = greatest(listing_images, ?), image_flags = ?",
            [images.reused_images, images.listing_images, images.image_flags],
        )
    cursor = con.execute("SELECT * FROM _risk_features")
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None
    _, matched = evaluate_signals(con, rules)
    return RiskContext(
        rules,
        settings,
        model,
        dict(zip(names, row, strict=True)),
        tuple(bool(m) for m in matched[0]),
        images,
    )


DECISIONS_DDL = create_table_sql(RISK_DECISIONS, replace=True)


@dataclass(frozen=True, slots=True)
class ScoreRun:
    requests: int
    by_decision: dict[str, int]
    seconds: float


def batch_decisions(
    con: duckdb.DuckDBPyConnection,
    rules: RiskRules,
    settings: RiskSettings,
    model: RiskModel | None,
) -> list[Decision]:
    """Decisions for every row of ``_risk_features`` (already built), in request order."""
    cases, matched = evaluate_signals(con, rules)
    probabilities: list[float | None] = [None] * len(cases)
    if model is not None and cases:
        ids, _, matrix = feature_matrix(con, model.card.features)
        assert ids == cases
        probabilities = [float(p) for p in model.probabilities(matrix)]
    version = model.version if model else None
    return [
        combine(rules, settings, case, row, p, version)
        for case, row, p in zip(cases, matched.tolist(), probabilities, strict=True)
    ]


def score_requests(
    con: duckdb.DuckDBPyConnection,
    rules: RiskRules,
    settings: RiskSettings,
    model: RiskModel | None = None,
) -> ScoreRun:
    """Decide every after-sales request in the warehouse into ``risk_decisions``."""
    began = time.perf_counter()
    build_batch_features(con)
    decisions = batch_decisions(con, rules, settings, model)
    con.execute(DECISIONS_DDL)
    con.register(
        "_risk_decided",
        pa.table(
            {
                "case_id": [d.case_id for d in decisions],
                "decision": [d.decision.value for d in decisions],
                "score": np.array([d.score for d in decisions], dtype=np.int32),
                "rule_points": np.array([d.rule_points for d in decisions], dtype=np.int32),
                "model_points": np.array([d.model_points for d in decisions], dtype=np.int32),
                "probability_bp": np.array(
                    [
                        -1 if d.probability is None else round(d.probability * 10_000)
                        for d in decisions
                    ],
                    dtype=np.int32,
                ),
                "reasons": [[str(r) for r in d.reasons] for d in decisions],
                "band_rule": [d.band_rule for d in decisions],
            }
        ),
    )
    con.execute(
        "INSERT INTO risk_decisions SELECT f.case_id, f.order_id, f.buyer_id, f.shop_id, "
        "f.requested_at, d.decision, d.score, d.rule_points, d.model_points, "
        "nullif(d.probability_bp, -1), d.reasons, nullif(d.band_rule, ''), ?, ? "
        "FROM _risk_decided AS d JOIN _risk_features AS f USING (case_id)",
        [rules.rulebook, model.version if model else None],
    )
    con.unregister("_risk_decided")
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.decision.value] = counts.get(d.decision.value, 0) + 1
    return ScoreRun(len(decisions), counts, time.perf_counter() - began)
