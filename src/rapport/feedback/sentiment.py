"""Sentiment of customer messages (English and Chinese): a logistic regression over e5-small embeddings, versioned
under data_dir, with the automation domain's lexicon as the fallback when no model has been fitted.

Why this model: on two shared CPU cores a fine-tune is out of reach, but the multilingual e5-small int8 embedder is
already installed for retrieval, and a linear model over its sentence vectors is trained in seconds on a few
thousand labelled reviews in both languages (eval/feedback_sentiment.py measures it against the lexicon).
The training sets are binary (positive/negative reviews), so the model gives P(positive); a message whose
probability sits near one half is called neutral rather than forced to a side.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib  # type: ignore[import-untyped]
import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from rapport.ai.embeddings.base import Embedder, Vectors
from rapport.automation.sentiment import LexiconSentiment, SentimentResult
from rapport.kit.clock import utcnow

MODEL_NAME = "feedback-sentiment"
# P(positive) inside this band is "neutral": the binary training data has no neutral class of its own.
NEUTRAL_BAND = (0.35, 0.65)
_VERSIONED = re.compile(rf"^{MODEL_NAME}@(\d+)\.joblib$")


def label_of(score: float) -> str:
    """negative / neutral / positive from a score in -1..1 (2·P(positive) - 1)."""
    low, high = (2 * NEUTRAL_BAND[0] - 1, 2 * NEUTRAL_BAND[1] - 1)
    return "negative" if score < low else "positive" if score > high else "neutral"


def lexicon_label(result: SentimentResult) -> str:
    """The lexicon's four labels folded into three (very_negative counts as negative)."""
    return "negative" if result.label in {"very_negative", "negative"} else result.label


@dataclass
class EmbeddingSentiment:
    """P(positive) by logistic regression over embeddings; `score(text, language)` implements SentimentScorer."""

    embedder: Embedder
    classifier: LogisticRegression
    version: int = 0
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{MODEL_NAME}@{self.version}" if self.version else f"{MODEL_NAME}@unsaved"

    def probabilities(self, vectors: Vectors) -> np.ndarray:
        if len(vectors) == 0:
            return np.zeros(0)
        positive = list(self.classifier.classes_).index(1)
        return np.asarray(self.classifier.predict_proba(vectors)[:, positive], dtype=float)

    def score_vectors(self, vectors: Vectors) -> list[SentimentResult]:
        return [
            SentimentResult(label_of(2 * p - 1), float(2 * p - 1), float(p), (), self.name)
            for p in self.probabilities(vectors)
        ]

    def score_many(self, texts: Sequence[str]) -> list[SentimentResult]:
        return self.score_vectors(self.embedder.embed(list(texts), kind="query"))

    def score(self, text: str, language: str) -> SentimentResult:
        return self.score_many([text])[0]


def fit(embedder: Embedder, texts: Sequence[str], labels: Sequence[int], *, c: float = 4.0) -> EmbeddingSentiment:
    """Fit on texts labelled 1 (positive) or 0 (negative)."""
    return fit_vectors(embedder, embedder.embed(list(texts), kind="query"), labels, c=c)


def fit_vectors(embedder: Embedder, vectors: Vectors, labels: Sequence[int], *, c: float = 4.0) -> EmbeddingSentiment:
    classifier = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    classifier.fit(vectors, np.asarray(labels))
    return EmbeddingSentiment(embedder, classifier, metrics={"trained_on": len(labels)})


def model_dir(data_dir: Path) -> Path:
    return data_dir / "models" / "feedback"


def save(model: EmbeddingSentiment, data_dir: Path, *, metrics: dict[str, Any] | None = None) -> Path:
    """Store as the next version `feedback-sentiment@N.joblib` with a JSON card beside it; returns the path."""
    folder = model_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    version = max(_versions(folder), default=0) + 1
    path = folder / f"{MODEL_NAME}@{version}.joblib"
    joblib.dump({"classifier": model.classifier, "embedder": model.embedder.name}, path)
    card = {"embedder": model.embedder.name, "saved_at": utcnow().isoformat(), **model.metrics, **(metrics or {})}
    path.with_suffix(".json").write_text(json.dumps(card, indent=1, ensure_ascii=False))
    model.version, model.metrics = version, card
    return path


def load_latest(data_dir: Path, embedder: Embedder) -> EmbeddingSentiment | None:
    """The newest saved version fitted on the same embedder's vectors, or None."""
    folder = model_dir(data_dir)
    for version in sorted(_versions(folder), reverse=True):
        stored = joblib.load(folder / f"{MODEL_NAME}@{version}.joblib")
        if stored.get("embedder") == embedder.name:
            card_path = folder / f"{MODEL_NAME}@{version}.json"
            card = json.loads(card_path.read_text()) if card_path.is_file() else {}
            return EmbeddingSentiment(embedder, stored["classifier"], version, card)
    return None


def _versions(folder: Path) -> list[int]:
    if not folder.is_dir():
        return []
    return [int(m.group(1)) for p in folder.iterdir() if (m := _VERSIONED.match(p.name))]


@dataclass
class Scored:
    label: str
    score: float
    model: str


def score_messages(
    texts: Sequence[str], languages: Sequence[str], vectors: Vectors | None, model: EmbeddingSentiment | None
) -> list[Scored]:
    """One result per text: the fitted model when there is one (on precomputed vectors), else the lexicon."""
    if model is not None and vectors is not None:
        return [Scored(r.label, r.score, r.model) for r in model.score_vectors(vectors)]
    lexicon = LexiconSentiment()
    out = []
    for text, language in zip(texts, languages, strict=True):
        result = lexicon.score(text, language)
        out.append(Scored(lexicon_label(result), result.score, result.model))
    return out
