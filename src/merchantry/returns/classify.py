"""Reason classification: texts in, a cause with its confidence and the quoted evidence out.

Data flow: :func:`tokens` segments a text with jieba (Chinese words; Latin words as they
are) and adds character bigrams of the Chinese runs, so an unseen compound still shares
features with the seed phrases; :class:`TextModel` is TF-IDF over those tokens and a
logistic regression (scikit-learn), trained on :func:`merchantry.returns.lexicon.training_set`
(or on any labelled texts, e.g. a training split). :func:`classify_case` weighs a case's
reason code and its texts (buyer's words, review, service notes) into one cause and quotes
the clauses that carried it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import jieba
import numpy as np

from merchantry.returns.causes import CAUSES, REASON_CODE_CAUSE, Cause
from merchantry.returns.lexicon import training_set

jieba.setLogLevel(logging.WARNING)

_CJK: Final = re.compile(r"[\u4e00-\u9fff]+")
_CLAUSE: Final = re.compile(r"[^。！？!?；;\n，,：:]+")
_WORD: Final = re.compile(r"\w", re.UNICODE)

CODE_WEIGHT: Final = 1.0
"""Weight of the reason code against a text of weight 1 (the buyer's own words)."""
SOURCE_WEIGHTS: Final[dict[str, float]] = {
    "reason_text": 1.0,
    "cs_note": 0.8,
    "review": 0.6,
    "text": 1.0,
}
"""How much each kind of text counts: the buyer's own after-sales words most, a review
(often about the whole experience) least."""
EVIDENCE_FLOOR: Final = 0.30
"""A clause is quoted as evidence when its own probability of the chosen cause reaches this."""


def tokens(text: str) -> list[str]:
    """jieba words (lower-cased, punctuation dropped) plus Chinese character bigrams."""
    lowered = text.lower()
    words = [w.strip() for w in jieba.lcut(lowered) if _WORD.search(w)]
    grams = [run[i : i + 2] for run in _CJK.findall(lowered) for i in range(len(run) - 1)]
    return [w for w in words if w] + [f"#{g}" for g in grams]


def clauses(text: str) -> list[str]:
    """The text cut at sentence and clause punctuation; empty pieces dropped."""
    return [c.strip() for c in _CLAUSE.findall(text) if c.strip()]


class TextModel:
    """TF-IDF over :func:`tokens` and a multinomial logistic regression."""

    def __init__(self, c: float = 8.0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer  # scikit-learn: 0.6 s
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        self.pipeline = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(analyzer=tokens, sublinear_tf=True, min_df=1, dtype=np.float64),
                ),
                ("model", LogisticRegression(C=c, solver="newton-cg", max_iter=500)),
            ]
        )
        self.classes: tuple[str, ...] = ()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextModel:
        self.pipeline.fit(list(texts), list(labels))
        self.classes = tuple(str(c) for c in self.pipeline.classes_)
        return self

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, one column per class of :attr:`classes`."""
        if not texts:
            return np.zeros((0, len(self.classes)))
        return np.asarray(self.pipeline.predict_proba(list(texts)))

    def predict(self, texts: Sequence[str]) -> list[str]:
        probs = self.probabilities(texts)
        return [self.classes[int(i)] for i in probs.argmax(axis=1)]


@lru_cache(maxsize=1)
def reason_model() -> TextModel:
    """The shipped reason classifier, trained once per process from the packaged lexicon."""
    texts, labels = training_set()
    return TextModel().fit(texts, labels)


@dataclass(frozen=True, slots=True)
class Evidence:
    """One quoted clause and where it came from."""

    source: str
    """reason_code, reason_text, review, cs_note or text."""
    quote: str
    probability: float

    def __str__(self) -> str:
        return f"「{self.quote}」({self.source})"


@dataclass(frozen=True, slots=True)
class Classification:
    """The cause of one case or text, how sure the model is, and why."""

    cause: Cause
    confidence: float
    """Probability of :attr:`cause` after weighing the code and the texts (0–1)."""
    evidence: tuple[Evidence, ...]
    refined_by: str = ""
    """Empty, or the endpoint's model name when an OpenAI-compatible endpoint changed it."""

    @property
    def evidence_text(self) -> str:
        return " ".join(str(e) for e in self.evidence)


QUICK_CODES: Final = frozenset({"changed_mind", "other"})
"""Menu reasons buyers pick to get a refund fastest; they say least about the cause."""


def _code_vector(code: str | None, classes: tuple[str, ...]) -> np.ndarray | None:
    cause = REASON_CODE_CAUSE.get(code or "")
    if cause is None or cause.value not in classes:
        return None
    peak = 0.4 if code in QUICK_CODES else 0.7
    vector = np.full(len(classes), (1 - peak) / max(len(classes) - 1, 1))
    vector[classes.index(cause.value)] = peak
    return vector


Case = tuple[Sequence[tuple[str, str]], str | None]
"""A case to classify: its ``(source, text)`` pairs and its reason code (or ``None``)."""


def classify_many(cases: Sequence[Case], *, model: TextModel | None = None) -> list[Classification]:
    """Classify many cases with one pass of the model over their distinct texts and clauses.

    Per case, the code (when known) is a prior of weight :data:`CODE_WEIGHT` (70% on its
    cause, 40% for the quick codes ``changed_mind`` and ``other``); each non-empty text adds
    its probabilities times its source's weight. The evidence is every clause (at most three)
    whose own most likely cause is the chosen one, strongest first, then the code when it
    points the same way.
    """
    model = model or reason_model()
    classes = model.classes
    wholes = list(dict.fromkeys(t for texts, _ in cases for _, t in texts if t.strip()))
    pieces = list(dict.fromkeys(c for t in wholes for c in clauses(t)))
    whole_p = dict(zip(wholes, model.probabilities(wholes), strict=True))
    piece_p = dict(zip(pieces, model.probabilities(pieces), strict=True))
    return [_combine(texts, code, classes, whole_p, piece_p) for texts, code in cases]


def _combine(
    texts: Sequence[tuple[str, str]],
    code: str | None,
    classes: tuple[str, ...],
    whole_p: dict[str, np.ndarray],
    piece_p: dict[str, np.ndarray],
) -> Classification:
    total = np.zeros(len(classes))
    weight = 0.0
    code_vector = _code_vector(code, classes)
    if code_vector is not None:
        total += CODE_WEIGHT * code_vector
        weight += CODE_WEIGHT
    present = [(source, text) for source, text in texts if text.strip()]
    for source, text in present:
        w = SOURCE_WEIGHTS.get(source, 1.0)
        total += w * whole_p[text]
        weight += w
    if weight == 0.0:
        return Classification(Cause.OTHER, 1.0, ())
    total /= weight
    best = int(total.argmax())
    cause = Cause(classes[best])
    quoted = [
        Evidence(source, piece, float(piece_p[piece][best]))
        for source, text in present
        for piece in clauses(text)
        if int(piece_p[piece].argmax()) == best and piece_p[piece][best] >= EVIDENCE_FLOOR
    ]
    quoted.sort(key=lambda e: -e.probability)
    evidence = quoted[:3]
    if code_vector is not None and REASON_CODE_CAUSE.get(code or "") is cause:
        evidence.append(Evidence("reason_code", str(code), float(code_vector.max())))
    return Classification(cause, float(total[best]), tuple(evidence))


def classify_case(
    texts: Sequence[tuple[str, str]],
    code: str | None = None,
    *,
    model: TextModel | None = None,
) -> Classification:
    """The cause of one case from its ``(source, text)`` pairs and reason code."""
    return classify_many([(texts, code)], model=model)[0]


def classify_texts(texts: Sequence[str], *, model: TextModel | None = None) -> list[Classification]:
    """One classification per free text (no reason code)."""
    return classify_many([([("text", t)], None) for t in texts], model=model)


def cause_order() -> tuple[Cause, ...]:
    """Every cause, in the order reports list them."""
    return CAUSES
