"""Temperature scaling and the uncertainty threshold, fitted on validation predictions."""

from __future__ import annotations

import numpy as np

from rapport.ai.classifier.calibration import MAX_THRESHOLD, calibrate, fit_temperature, uncertainty_threshold


def _overconfident(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[type-arg]
    """Logits that always put ~99.9% on their top label but are right only 70% of the time."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    top = np.where(rng.random(n) < 0.7, y, (y + 1) % 3)
    logits = np.zeros((n, 3))
    logits[np.arange(n), top] = 8.0
    return logits, y


def test_temperature_softens_an_overconfident_model() -> None:
    logits, y = _overconfident()

    temperature = fit_temperature(logits, y)
    found = calibrate(logits, y)

    assert temperature > 2.0
    assert found["ece_after"] < found["ece_before"] / 3


def test_threshold_keeps_the_requested_share_of_correct_predictions() -> None:
    confidence = np.linspace(0.5, 0.89, 100)
    probs = np.stack([confidence, 1 - confidence], axis=1)

    threshold = uncertainty_threshold(probs, np.zeros(100, dtype=np.int64), keep=0.9)

    assert (probs[:, 0] >= threshold).mean() == 0.9


def test_threshold_is_capped_when_validation_is_all_certain() -> None:
    probs = np.array([[0.99999, 0.00001]] * 10)

    assert uncertainty_threshold(probs, np.zeros(10, dtype=np.int64)) == MAX_THRESHOLD


def test_a_validation_split_without_errors_leaves_the_temperature_at_one() -> None:
    logits = np.array([[4.0, 0.0], [0.0, 3.0], [5.0, 1.0]])

    assert fit_temperature(logits, [0, 1, 0]) == 1.0
