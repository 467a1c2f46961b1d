"""Evaluation: accuracy, macro-F1, per-class precision/recall/F1, the confusion matrix (table and PNG) and calibration.

Reports are plain dicts of JSON values, so they are stored as they are (model_versions.metrics, report.json) and
returned by the API unchanged.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    truth, predicted = np.asarray(y_true), np.asarray(y_pred)
    return float((truth == predicted).mean()) if len(truth) else 0.0


def confusion(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, n_labels: int) -> IntArray:
    """matrix[i][j]: examples of true label i predicted as j."""
    matrix = np.zeros((n_labels, n_labels), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return matrix


def per_class(matrix: IntArray) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Precision, recall and F1 per label (0 where undefined, as scikit-learn's zero_division=0)."""
    true_positive = np.diag(matrix).astype(np.float64)
    predicted = matrix.sum(axis=0).astype(np.float64)
    actual = matrix.sum(axis=1).astype(np.float64)
    precision = np.divide(true_positive, predicted, out=np.zeros_like(true_positive), where=predicted > 0)
    recall = np.divide(true_positive, actual, out=np.zeros_like(true_positive), where=actual > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(total), where=total > 0)
    return precision, recall, f1


def macro_f1(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, n_labels: int) -> float:
    """Mean F1 over the labels present in `y_true` (a label absent from the evaluation set has no F1 to average)."""
    matrix = confusion(y_true, y_pred, n_labels)
    present = matrix.sum(axis=1) > 0
    return float(per_class(matrix)[2][present].mean()) if present.any() else 0.0


def expected_calibration_error(probs: npt.NDArray[np.floating], y_true: npt.ArrayLike, bins: int = 15) -> float:
    """ECE: the support-weighted gap between confidence and accuracy over equal-width confidence bins."""
    truth = np.asarray(y_true)
    if not len(truth):
        return 0.0
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            error += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(error)


def report(labels: Sequence[str], y_true: npt.ArrayLike, probs: npt.NDArray[np.floating]) -> dict[str, Any]:
    """The evaluation report of predicted probabilities against the true label indices."""
    truth = np.asarray(y_true, dtype=np.int64)
    predicted = probs.argmax(axis=1) if len(truth) else np.zeros(0, dtype=np.int64)
    matrix = confusion(truth, predicted, len(labels))
    precision, recall, f1 = per_class(matrix)
    support = matrix.sum(axis=1)
    return {
        "n": len(truth),
        "accuracy": round(accuracy(truth, predicted), 4),
        "macro_f1": round(macro_f1(truth, predicted, len(labels)), 4),
        "ece": round(expected_calibration_error(probs, truth), 4),
        "per_class": [
            {
                "label": label,
                "precision": round(float(precision[i]), 4),
                "recall": round(float(recall[i]), 4),
                "f1": round(float(f1[i]), 4),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        ],
        "confusion": {"labels": list(labels), "matrix": matrix.tolist()},
    }


def confusion_png(labels: Sequence[str], matrix: Sequence[Sequence[int]], path: Path, *, title: str = "") -> Path:
    """Row-normalised confusion matrix as a PNG (matplotlib's Agg backend: no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    counts = np.asarray(matrix, dtype=np.float64)
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    size = max(5.0, 0.28 * len(labels) + 2.5)
    figure, axes = plt.subplots(figsize=(size + 1, size))
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ticks = range(len(labels))
    font = 8 if len(labels) <= 30 else 5
    axes.set_xticks(list(ticks), labels=list(labels), rotation=90, fontsize=font)
    axes.set_yticks(list(ticks), labels=list(labels), fontsize=font)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    if len(labels) <= 20:
        for i in ticks:
            for j in ticks:
                if counts[i, j]:
                    colour = "white" if shares[i, j] > 0.5 else "black"
                    axes.text(j, i, str(int(counts[i, j])), ha="center", va="center", fontsize=7, color=colour)
    axes.set_title(title or "confusion matrix (rows: true label, share of the row)")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
