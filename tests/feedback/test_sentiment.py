"""Sentiment: a tiny model fitted on a handful of sentences in both languages, versioned files, the lexicon fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.feedback import sentiment
from tests.feedback import kit

POSITIVE = ["I love it, excellent quality.", "Great service, very happy.", "非常满意，质量很好", "太棒了，好评"]
NEGATIVE = ["Terrible, it broke after a day.", "Awful service, I want a refund.", "质量太差了，很失望", "垃圾，别买"]


def _fitted() -> sentiment.EmbeddingSentiment:
    # Eight sentences: a weak penalty, or the probabilities stay near one half.
    return sentiment.fit(kit.embedder(), POSITIVE + NEGATIVE, [1] * 4 + [0] * 4, c=1000.0)


def test_fitted_model_tells_praise_from_complaints_in_both_languages() -> None:
    model = _fitted()

    results = model.score_many(["Excellent, I am very happy with it.", "东西很差，非常失望"])

    assert [r.label for r in results] == ["positive", "negative"]
    assert results[0].score > 0 > results[1].score


@pytest.mark.parametrize(
    ("score", "label"), [(-0.9, "negative"), (0.0, "neutral"), (0.25, "neutral"), (0.9, "positive")]
)
def test_scores_near_zero_are_neutral(score: float, label: str) -> None:
    assert sentiment.label_of(score) == label


def test_saved_models_are_versioned_and_the_latest_loads(tmp_path: Path) -> None:
    first = sentiment.save(_fitted(), tmp_path)
    second = sentiment.save(_fitted(), tmp_path, metrics={"note": "again"})

    loaded = sentiment.load_latest(tmp_path, kit.embedder())

    assert first.name == "feedback-sentiment@1.joblib"
    assert second.name == "feedback-sentiment@2.joblib"
    assert loaded is not None
    assert loaded.name == "feedback-sentiment@2"
    assert loaded.metrics["note"] == "again"


def test_without_a_model_the_lexicon_scores() -> None:
    found = sentiment.score_messages(["This is terrible, I am furious."], ["en"], None, None)

    assert found[0].label == "negative"
    assert found[0].model == "sentiment-lexicon@1"


def test_no_saved_model_means_none(tmp_path: Path) -> None:
    assert sentiment.load_latest(tmp_path, kit.embedder()) is None
