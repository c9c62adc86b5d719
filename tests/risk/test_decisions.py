"""Refund pre-identification: point-in-time features, every risk rule, the bands, the
model file, and one decision path agreeing with the batch."""

from __future__ import annotations

import pickle
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError
from merchantry.risk.decisions import (
    RiskRequest,
    combine,
    decide,
    load_context,
    model_grade,
    score_requests,
)
from merchantry.risk.evaluation import evaluate_decisions
from merchantry.risk.features import build_batch_features
from merchantry.risk.images import FindingKind, ImageFinding, ImageReport
from merchantry.risk.model import (
    MODEL_FEATURES,
    boosting_rounds,
    load_model,
    save_model,
    train_model,
)
from merchantry.risk.rings import find_rings
from merchantry.risk.rules import DecisionKind, compile_risk_rules, evaluate_signals
from merchantry.risk.settings import RiskSettings, settings_from
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.checker import check_file
from merchantry.rulebook.library import shipped_dir
from tests.risk.conftest import Market
from tests.risk.factories import T0, add_claim, add_delivery, add_order, add_shop

RULEBOOK = load_rulebook("risk-2026")
RULES = compile_risk_rules(RULEBOOK)
SETTINGS = settings_from(RULEBOOK)


def features_of(con, case_id: str) -> dict[str, object]:
    cursor = con.execute("SELECT * FROM _risk_features WHERE case_id = ?", [case_id])
    names = [d[0] for d in cursor.description]
    row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


class TestFeaturesArePointInTime:
    def test_history_counts_only_what_happened_before_the_request(self, warehouse):
        add_shop(warehouse)
        add_order(warehouse, "O1", "B1", paid_at=T0)
        add_claim(warehouse, "AS1", "O1", requested_at=T0 + timedelta(days=1), images=["ev/a"])
        add_order(warehouse, "O2", "B1", paid_at=T0 + timedelta(days=2))
        add_claim(warehouse, "AS2", "O2", requested_at=T0 + timedelta(days=3))
        add_order(warehouse, "O3", "B1", paid_at=T0 + timedelta(days=4))  # after AS2
        build_batch_features(warehouse)
        first, second = features_of(warehouse, "AS1"), features_of(warehouse, "AS2")
        assert (first["buyer_prior_orders"], first["buyer_prior_claims"]) == (1, 0)
        assert (second["buyer_prior_orders"], second["buyer_prior_claims"]) == (2, 1)
        assert second["buyer_refund_only_rate_bp"] == 5000
        assert second["buyer_photo_claims"] == 1

    def test_a_later_claim_changes_nothing_about_an_earlier_request(self, warehouse):
        add_shop(warehouse)
        add_order(warehouse, "O1", "B1")
        add_claim(warehouse, "AS1", "O1")
        build_batch_features(warehouse)
        before = features_of(warehouse, "AS1")
        add_order(warehouse, "O2", "B1", paid_at=T0 + timedelta(days=9))
        add_claim(warehouse, "AS2", "O2", requested_at=T0 + timedelta(days=10), images=["ev/x"])
        build_batch_features(warehouse)
        assert features_of(warehouse, "AS1") == before

    def test_a_rejection_counts_once_the_case_is_closed(self, warehouse):
        add_shop(warehouse)
        add_order(warehouse, "O1", "B1")
        add_claim(warehouse, "AS1", "O1", outcome="rejected", responsible="buyer")  # closes +1 h
        add_order(warehouse, "O2", "B1")
        add_claim(warehouse, "AS2", "O2", requested_at=T0 + timedelta(days=2, minutes=30))
        add_order(warehouse, "O3", "B1")
        add_claim(warehouse, "AS3", "O3", requested_at=T0 + timedelta(days=2, hours=2))
        build_batch_features(warehouse)
        assert features_of(warehouse, "AS2")["buyer_rejected_claims"] == 0
        assert features_of(warehouse, "AS3")["buyer_rejected_claims"] == 1

    def test_a_photo_is_reused_only_in_the_later_claim_and_listing_refs_are_caught(self, warehouse):
        add_shop(warehouse)
        warehouse.execute(
            "INSERT INTO products VALUES ('K1', 'S1', 'C03010', '连衣裙', 9990, ['img/k1.jpg'])"
        )
        add_order(warehouse, "O1", "B1")
        add_claim(warehouse, "AS1", "O1", images=["ev/p.jpg"])
        add_order(warehouse, "O2", "B2")
        add_claim(
            warehouse,
            "AS2",
            "O2",
            requested_at=T0 + timedelta(days=4),
            images=["ev/p.jpg", "img/k1.jpg"],
        )
        build_batch_features(warehouse)
        assert features_of(warehouse, "AS1")["reused_images"] == 0
        later = features_of(warehouse, "AS2")
        assert (later["reused_images"], later["listing_images"]) == (1, 1)

    def test_delivery_timing(self, warehouse):
        add_shop(warehouse)
        add_order(warehouse, "O1", "B1")
        add_delivery(warehouse, "O1", T0 + timedelta(days=1))
        add_claim(warehouse, "AS1", "O1", requested_at=T0 + timedelta(days=1, hours=5))
        add_order(warehouse, "O2", "B2")
        add_claim(warehouse, "AS2", "O2", requested_at=T0 + timedelta(hours=3))  # undelivered
        build_batch_features(warehouse)
        delivered, early = features_of(warehouse, "AS1"), features_of(warehouse, "AS2")
        assert (delivered["hours_since_delivery"], delivered["before_delivery"]) == (5, 0)
        assert (early["hours_since_delivery"], early["before_delivery"]) == (None, 1)
        assert early["fault_claim_before_delivery"] == 1  # refund-only, quality, undelivered


WHEN_SETUP = {
    "risk.amount.high": {"order_amount_paid_fen": 100_000},
    "risk.trust.small-changed-mind": {"order_amount_paid_fen": 5_000},
}


def _set(con, values: dict[str, int]) -> None:
    update = exp.update(
        "_risk_features", {name: exp.Literal.number(v) for name, v in values.items()}
    )
    con.execute(update.sql(dialect="duckdb"))


@pytest.mark.parametrize("rule", RULEBOOK.rules_of("risk_signal"), ids=lambda r: r.id)
def test_every_risk_signal_fires_inside_its_bounds_and_not_outside(warehouse, rule):
    add_shop(warehouse)
    add_order(warehouse, "O1", "B1", amount_fen=20_000)
    add_claim(warehouse, "AS1", "O1")
    build_batch_features(warehouse)
    position = [s.rule_id for s in RULES.signals].index(rule.id)
    feature = rule.effect.text("feature")
    values = dict(rule.effect.values)
    inside = int(values.get("at_least", values.get("at_most", 0)))
    outside = inside - 1 if "at_least" in values else inside + 1
    _set(warehouse, {**WHEN_SETUP.get(rule.id, {}), feature: inside})
    assert evaluate_signals(warehouse, RULES)[1][0, position]
    _set(warehouse, {feature: outside})
    assert not evaluate_signals(warehouse, RULES)[1][0, position]
    if rule.id in WHEN_SETUP:  # the condition matters too
        _set(warehouse, {feature: inside, "order_amount_paid_fen": 20_000})
        assert not evaluate_signals(warehouse, RULES)[1][0, position]


@pytest.mark.parametrize(
    ("points", "decision"),
    [
        (-30, DecisionKind.FAST_APPROVE),
        (-10, DecisionKind.FAST_APPROVE),
        (-9, DecisionKind.NORMAL),
        (29, DecisionKind.NORMAL),
        (30, DecisionKind.REVIEW),
        (69, DecisionKind.REVIEW),
        (70, DecisionKind.INTERCEPT),
        (200, DecisionKind.INTERCEPT),
    ],
)
def test_bands(points, decision):
    assert RULES.decide_band(points)[0] is decision


def test_a_risk_rule_on_the_orders_future_refunds_is_refused(tmp_path: Path):
    path = tmp_path / "leaky.yaml"
    path.write_text(
        "rulebook: leaky\ntitle: Leaky\neffective: {from: 2026-01-01}\nrules:\n"
        "  - id: leak\n    title: Peeks at the outcome\n    when: order.is_instant_refund\n"
        "    effect: {kind: risk_signal, feature: refund_only, at_least: 1, points: 50}\n"
        "    assumption: true\n    note: test\n",
        encoding="utf-8",
    )
    book, problems = check_file(path)
    assert book is not None, problems
    with pytest.raises(InputError) as raised:
        compile_risk_rules(book)
    assert [d.code for d in raised.value.diagnostics] == ["future-column"]


@pytest.mark.parametrize("column", ["shop.experience_score", "shop.taobao_score"])
def test_a_risk_rule_on_a_score_column_is_refused_with_its_line(tmp_path: Path, column: str):
    """The request features carry no score series: the rule is refused before any SQL runs,
    naming the file, line and column, instead of failing in the database."""
    path = tmp_path / "scored.yaml"
    path.write_text(
        "rulebook: scored\ntitle: Scored\neffective: {from: 2026-01-01}\nrules:\n"
        f"  - id: trusted\n    title: Good shops\n    when: {column} >= 4\n"
        "    effect: {kind: risk_signal, feature: refund_only, at_least: 1, points: -5}\n"
        "    assumption: true\n    note: test\n",
        encoding="utf-8",
    )
    book, problems = check_file(path)
    assert book is not None, problems
    with pytest.raises(InputError) as raised:
        compile_risk_rules(book)
    (found,) = raised.value.diagnostics
    assert (found.code, found.source, found.line) == ("score-column-in-risk-rule", str(path), 5)
    assert column in found.message


def test_an_image_flag_from_the_image_store_reaches_the_decision(warehouse):
    add_shop(warehouse)
    add_order(warehouse, "O1", "B1")
    request = RiskRequest("NEW1", "O1", T0 + timedelta(days=1), "refund_only", "quality", 9_990)
    plain = decide(request, load_context(warehouse, request, RULES, SETTINGS))
    report = ImageReport((ImageFinding("ev/n.jpg", FindingKind.EDITING_SOFTWARE, "Photoshop"),))
    flagged = decide(request, load_context(warehouse, request, RULES, SETTINGS, images=report))
    assert flagged.score - plain.score == 20
    assert "risk.image.metadata" in {r.rule_id for r in flagged.reasons}


def _noisy_history(rows: int, seed: int = 0):
    """Requests whose label a feature only suggests: 2% abusive when feature 0 is low,
    about half when it is high (no feature tells them apart)."""
    rng = np.random.default_rng(seed)
    matrix = rng.random((rows, len(MODEL_FEATURES)))
    labels = (rng.random(rows) < np.where(matrix[:, 0] > 0.9, 0.5, 0.02)).astype(np.int64)
    times = np.arange(rows).astype("datetime64[m]").astype("datetime64[us]")
    return matrix, labels, times


def test_a_small_history_is_not_learned_by_heart():
    """Under 10,000 rows scikit-learn would run every round and memorise the noise (every
    probability near 0 or 1); the rounds are chosen on the latest requests instead, so the
    ambiguous requests keep middling probabilities."""
    matrix, labels, times = _noisy_history(3_000)
    rounds = boosting_rounds(matrix, labels, times, max_iter=200)
    assert 1 <= rounds < 200
    model = train_model(matrix, labels, times, max_iter=200)
    assert model.card.rounds == rounds
    p = model.probabilities(matrix)
    suggestive = matrix[:, 0] > 0.9
    middling = (p[suggestive] > 0.2) & (p[suggestive] < 0.8)
    assert middling.mean() > 0.5
    assert np.mean(p[~suggestive] < 0.2) > 0.9


def test_without_both_classes_late_in_the_window_every_round_is_run():
    matrix, labels, times = _noisy_history(3_000)
    labels[2_000:] = 0  # the latest requests hold no abuse: nothing to judge rounds by
    assert boosting_rounds(matrix, labels, times, max_iter=30) == 30


def test_a_model_file_round_trips_with_its_card(tmp_path: Path):
    rng = np.random.default_rng(0)
    matrix = rng.random((200, len(MODEL_FEATURES)))  # 40 abusive of 200
    labels = (matrix[:, 0] > 0.8).astype(np.int64)
    times = np.arange(200).astype("datetime64[h]").astype("datetime64[us]")
    model = train_model(matrix, labels, times, max_iter=20)
    loaded = load_model(save_model(model, tmp_path / "m.pkl"))
    assert loaded.card == model.card
    assert loaded.version.startswith("rm-")
    assert np.allclose(loaded.probabilities(matrix), model.probabilities(matrix))
    assert '"features"' in (tmp_path / "m.json").read_text(encoding="utf-8")
    (tmp_path / "bad.pkl").write_bytes(pickle.dumps({"magic": "other"}))
    with pytest.raises(InputError, match="not a Merchantry risk model"):
        load_model(tmp_path / "bad.pkl")


@pytest.mark.slow
class TestOnTheGeneratedMarket:
    def test_time_split_evaluation_stops_rings_and_spares_honest_buyers(self, market: Market):
        con = market.connect()
        result = evaluate_decisions(con, market.truth, RULES, SETTINGS)
        assert result.test_positives > 0
        assert result.train_positives > 0
        shipped = {q.name: q for q in result.qualities}["rules + model"]
        assert shipped.precision_at_intercept >= 0.9
        assert shipped.honest_claims_stopped < 0.01
        grades = {g.grade: g for g in result.by_grade if g.decider == "rules + model"}
        # Every planted grade with a test request is reported on its own.
        assert {"blatant_ring", "honest"} <= set(grades)
        honest_grades = ("honest", "heavy_returner")
        assert all(g.abusive == (g.grade not in honest_grades) for g in grades.values())
        # Blatant rings are caught; the overall figure is lower because the careful
        # abusers and mimics are not, which is the point of grading them.
        assert grades["blatant_ring"].roc_auc > 0.95
        assert grades["blatant_ring"].intercepted_share >= 0.8
        assert shipped.roc_auc < grades["blatant_ring"].roc_auc
        assert grades["honest"].stopped_share < 0.01

    def test_a_split_that_leaves_nothing_to_learn_or_test_is_refused(self, market: Market):
        """A share near 1 leaves a test part of one class (or none): an input mistake named
        with the counts, not a scikit-learn error from an empty array."""
        con = market.connect()
        for share in (0.9999, 0.0001):
            with pytest.raises(InputError, match=f"--train-share {share:g} leaves"):
                evaluate_decisions(con, market.truth, RULES, SETTINGS, train_share=share)

    def test_one_request_decided_alone_matches_the_batch(self, market: Market, tmp_path: Path):
        con = market.connect()
        find_rings(con, RiskSettings())
        result = evaluate_decisions(con, market.truth, RULES, SETTINGS)
        run = score_requests(con, RULES, SETTINGS, result.model)
        # every band is reachable on the generated market, the review band included
        assert {d.value for d in DecisionKind} == {k for k, n in run.by_decision.items() if n}
        graded = con.execute(
            "SELECT count(DISTINCT model_points) FROM risk_decisions WHERE model_points > 0"
        ).fetchone()
        assert graded is not None
        assert graded[0] >= 2  # graded: not only 0 and the maximum
        sample = con.execute(
            "SELECT a.case_id, a.order_id, a.requested_at, a.type, a.reason_code, a.amount_fen, "
            "a.evidence_images, d.decision, d.score FROM after_sales AS a "
            "JOIN risk_decisions AS d USING (case_id) "
            "ORDER BY d.score DESC, a.case_id LIMIT 15"
        ).fetchall()
        sample += con.execute(
            "SELECT a.case_id, a.order_id, a.requested_at, a.type, a.reason_code, a.amount_fen, "
            "a.evidence_images, d.decision, d.score FROM after_sales AS a "
            "JOIN risk_decisions AS d USING (case_id) USING SAMPLE 15 ROWS (reservoir, 3)"
        ).fetchall()
        assert {row[7] for row in sample} >= {"intercept", "normal"}
        for case, order, at, kind, reason, amount, images, decision, score in sample:
            request = RiskRequest(case, order, at, kind, reason, amount, tuple(images or ()))
            context = load_context(con, request, RULES, SETTINGS, result.model)
            single = decide(request, context)
            assert (single.decision.value, single.score) == (decision, score), case


def test_too_little_history_is_refused_rather_than_trained_on():
    matrix = np.zeros((30, len(MODEL_FEATURES)))
    labels = np.array([1] * 3 + [0] * 27, dtype=np.int64)
    times = np.arange(30).astype("datetime64[h]").astype("datetime64[us]")
    with pytest.raises(InputError, match="too little labelled history"):
        train_model(matrix, labels, times)


@pytest.mark.parametrize(
    ("probability", "grade", "points"),
    [
        (0.0, 0, 0),
        (0.0499, 0, 0),
        (0.05, 1, 10),
        (0.1999, 1, 10),
        (0.2, 2, 20),
        (0.5, 3, 30),
        (0.8999, 3, 30),
        (0.9, 4, 40),
        (1.0, 4, 40),
    ],
)
def test_the_model_contribution_is_graded_by_the_rulebook_thresholds(probability, grade, points):
    # risk-2026.yaml: grades from 5%, 20%, 50% and 90%, worth 10, 20, 30 and 40 points
    assert model_grade(SETTINGS, probability) == (grade, points)


def test_every_band_is_reachable_with_the_model_graded():
    """With no rule signal, the model alone moves a request from normal to review but never to
    interception; with 30 rule points its top grade intercepts; -10 and a quiet model approve."""
    values = RULEBOOK.parameter_values
    assert (values["model_grade_4_bp"], values["model_grade_4_points"]) == (9000, 40)
    no_signal = [False] * len(RULES.signals)

    def decided(probability: float | None) -> DecisionKind:
        return combine(RULES, SETTINGS, "C1", no_signal, probability, "m").decision

    assert decided(0.01) is DecisionKind.NORMAL
    assert decided(0.3) is DecisionKind.NORMAL  # 20 points
    assert decided(0.6) is DecisionKind.REVIEW  # 30 points
    assert decided(0.999) is DecisionKind.REVIEW  # 40: the model alone never intercepts
    assert RULES.decide_band(30 + 40)[0] is DecisionKind.INTERCEPT
    assert RULES.decide_band(-10 + 0)[0] is DecisionKind.FAST_APPROVE
    reasons = combine(RULES, SETTINGS, "C1", no_signal, 0.6, "m").reasons
    assert [(r.rule_id, r.points) for r in reasons] == [("model", 30)]
    assert "grade 3" in reasons[0].text


def test_grades_that_do_not_rise_are_refused(tmp_path: Path):
    text = (shipped_dir() / "risk-2026.yaml").read_text(encoding="utf-8")
    path = tmp_path / "risk-bad.yaml"
    path.write_text(
        text.replace("rulebook: risk-2026", "rulebook: risk-bad").replace(
            "value: 9000", "value: 1000", 1
        ),
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="grades rise with the probability"):
        settings_from(load_rulebook("risk-bad", (tmp_path,)))
