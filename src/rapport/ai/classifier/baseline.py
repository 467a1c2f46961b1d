"""The fast baseline every fine-tuned model is reported beside: frozen sentence embeddings + logistic regression.

The embeddings come from `rapport.ai.embeddings` (the same packaged encoder the fine-tuned model starts from, run
unchanged); scikit-learn fits a multinomial logistic regression on them. It trains in seconds, so if fine-tuning
does not beat it clearly, the report shows that. C is chosen on the validation split from a small grid.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.classifier.base import Matrix
from rapport.ai.embeddings import Embedder

C_GRID = (1.0, 10.0, 100.0)


@dataclass
class Baseline:
    embedder: Embedder
    labels: list[str]
    coef: Matrix  # (n_labels, dimension)
    intercept: Matrix  # (n_labels,)
    c: float
    seconds: float = 0.0

    def predict_proba(self, texts: Sequence[str]) -> Matrix:
        from rapport.ai.classifier.base import softmax

        vectors = self.embedder.embed(list(texts), kind="query")
        return softmax(vectors @ self.coef.T + self.intercept)

    def save(self, path: Path) -> None:
        np.savez(path, coef=self.coef, intercept=self.intercept, c=np.array(self.c), labels=np.array(self.labels))

    @classmethod
    def load(cls, path: Path, embedder: Embedder) -> Baseline:
        saved = np.load(path)
        return cls(
            embedder, [str(label) for label in saved["labels"]], saved["coef"], saved["intercept"], c=float(saved["c"])
        )


def _fit(x: Matrix, y: np.ndarray[Any, Any], c: float, seed: int, n_labels: int) -> tuple[Matrix, Matrix]:
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    model = LogisticRegression(C=c, max_iter=2000, random_state=seed)
    model.fit(x, y)
    # Labels missing from training get a very low score rather than a shape mismatch.
    coef = np.zeros((n_labels, x.shape[1]), dtype=np.float32)
    intercept = np.full(n_labels, -1e4, dtype=np.float32)
    if len(model.classes_) == 2 and model.coef_.shape[0] == 1:  # scikit-learn's binary case: one row for class 1
        coef[model.classes_[1]], intercept[model.classes_[1]] = model.coef_[0], model.intercept_[0]
        coef[model.classes_[0]], intercept[model.classes_[0]] = 0.0, 0.0
    else:
        for row, label in enumerate(model.classes_):
            coef[label], intercept[label] = model.coef_[row], model.intercept_[row]
    return coef, intercept


def train_baseline(
    embedder: Embedder,
    labels: list[str],
    train: Sequence[tuple[str, str]],
    validation: Sequence[tuple[str, str]],
    *,
    seed: int = 13,
) -> Baseline:
    started = time.perf_counter()
    index = {label: i for i, label in enumerate(labels)}
    x_train = embedder.embed([text for text, _ in train], kind="query")
    y_train = np.array([index[label] for _, label in train])
    if len(set(y_train.tolist())) < 2:
        coef = np.zeros((len(labels), x_train.shape[1]), dtype=np.float32)
        intercept = np.where(np.arange(len(labels)) == y_train[0], 0.0, -1e4).astype(np.float32)
        return Baseline(embedder, labels, coef, intercept, c=0.0, seconds=time.perf_counter() - started)
    best: tuple[float, float, Matrix, Matrix] | None = None
    grid = C_GRID if validation else (10.0,)
    x_val = embedder.embed([text for text, _ in validation], kind="query") if validation else None
    y_val = np.array([index[label] for _, label in validation])
    for c in grid:
        coef, intercept = _fit(x_train, y_train, c, seed, len(labels))
        score = float(((x_val @ coef.T + intercept).argmax(axis=1) == y_val).mean()) if x_val is not None else 0.0
        if best is None or score > best[0]:
            best = (score, c, coef, intercept)
    assert best is not None
    return Baseline(embedder, labels, best[2], best[3], c=best[1], seconds=time.perf_counter() - started)
