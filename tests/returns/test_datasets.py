"""The text model on real labelled data, trained and scored on disjoint splits.

Olist's classified review comments (Portuguese) and ChineseNlpCorpus' online-shopping reviews
live in ../shared/data, never in the repository; each test skips, saying why, when its file
is absent. The floors sit below the figures in docs/returns.md, so a regression fails.
"""

from __future__ import annotations

import pytest

from merchantry.returns.evaluate import chinese_sentiment, olist_complaints
from tests.conftest import shared_data_path


@pytest.mark.shared_data
@pytest.mark.slow
def test_olist_complaint_classes_on_held_out_reviews() -> None:
    path = shared_data_path("olist", "complaint_classes", "olist_classified_public_dataset.csv.gz")
    scores = {s.name: s for s in olist_complaints(path)}
    cls = scores["Olist class (3)"]
    assert cls.test > 900
    assert cls.accuracy >= 0.88
    assert cls.macro_f1 >= 0.84
    causes = scores["Olist subclass as causes"]
    assert causes.accuracy >= 0.85
    assert causes.macro_f1 >= 0.70


@pytest.mark.shared_data
@pytest.mark.slow
def test_chinese_review_sentiment_on_held_out_reviews() -> None:
    path = shared_data_path("chinese_reviews", "online_shopping_10_cats.csv.gz")
    score = chinese_sentiment(path, limit=12_000)
    assert score.test == 3_600
    assert score.accuracy >= 0.86
    assert len(score.per_group) == 10
