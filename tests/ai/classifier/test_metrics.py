"""Accuracy, macro-F1, per-class scores, the confusion matrix and calibration error."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rapport.ai.classifier.metrics import confusion_png, expected_calibration_error, report


def test_report_counts_and_scores_each_label() -> None:
    probs = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0], [0.1, 0.1, 0.8]], dtype=np.float32)

    found = report(["a", "b", "c"], [0, 1, 1, 2], probs)

    assert found["accuracy"] == 0.75
    assert found["confusion"]["matrix"] == [[1, 0, 0], [1, 1, 0], [0, 0, 1]]
    assert found["per_class"][0] == {"label": "a", "precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}
    assert found["per_class"][1] == {"label": "b", "precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert found["macro_f1"] == round((0.6667 + 0.6667 + 1.0) / 3, 4)


def test_macro_f1_leaves_out_labels_absent_from_the_data() -> None:
    probs = np.array([[0.9, 0.1, 0.0], [0.1, 0.9, 0.0]], dtype=np.float32)

    found = report(["a", "b", "c"], [0, 1], probs)

    assert found["macro_f1"] == 1.0


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    probs = np.array([[0.75, 0.25]] * 4, dtype=np.float32)

    assert expected_calibration_error(probs, [0, 0, 0, 1]) == 0.0
    assert round(expected_calibration_error(probs, [1, 1, 1, 1]), 4) == 0.75


def test_confusion_png_is_written(tmp_path: Path) -> None:
    path = confusion_png(["a", "b"], [[3, 1], [0, 4]], tmp_path / "confusion.png")

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
