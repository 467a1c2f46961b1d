"""Calibration on the validation split: temperature scaling, and the confidence below which a prediction is uncertain.

Temperature scaling (Guo et al. 2017) divides the logits by one number T fitted to minimise the validation
negative log-likelihood; it leaves every argmax unchanged and makes "confidence 0.8" mean right about 80% of the
time. The uncertainty threshold is then read off the same validation split: the confidence that `keep` (default 95%)
of the correctly classified validation messages reach, capped at 0.9. A message below it is uncertain, which is also
how a message that fits no label at all is flagged (measured on CLINC150's out-of-scope queries by eval/clinc150.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]

from rapport.ai.classifier.base import softmax

DEFAULT_KEEP = 0.95
MAX_THRESHOLD = 0.9  # when validation is (nearly) all right, the quantile sits at 0.9999: no message would pass


def negative_log_likelihood(logits: npt.NDArray[np.floating], y: npt.NDArray[np.int64], temperature: float) -> float:
    scaled = np.asarray(logits, dtype=np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    log_probs = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
    return float(-log_probs[np.arange(len(y)), y].mean())


def fit_temperature(logits: npt.NDArray[np.floating], y: npt.ArrayLike) -> float:
    """T in [0.05, 20] minimising validation NLL; 1.0 when there is nothing to fit on.

    A validation split the model gets entirely right has no minimum (the NLL keeps falling as T shrinks towards 0,
    making every later prediction look certain, even on text that fits no label), so T stays 1.0 then.
    """
    truth = np.asarray(y, dtype=np.int64)
    if len(truth) < 2 or bool((np.asarray(logits).argmax(axis=1) == truth).all()):
        return 1.0
    found: Any = minimize_scalar(
        lambda log_t: negative_log_likelihood(logits, truth, float(np.exp(log_t))),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
    )
    return round(float(np.exp(found.x)), 4)


def uncertainty_threshold(probs: npt.NDArray[np.floating], y: npt.ArrayLike, *, keep: float = DEFAULT_KEEP) -> float:
    """The confidence `keep` of the correct validation predictions reach (0.0 when none were correct)."""
    truth = np.asarray(y, dtype=np.int64)
    correct = probs.argmax(axis=1) == truth
    if not correct.any():
        return 0.0
    found = float(np.quantile(probs.max(axis=1)[correct], 1.0 - keep))
    return min(MAX_THRESHOLD, float(np.floor(found * 10_000) / 10_000))


def calibrate(logits: npt.NDArray[np.floating], y: npt.ArrayLike, *, keep: float = DEFAULT_KEEP) -> dict[str, float]:
    """Temperature, threshold, and the validation ECE before and after scaling."""
    from rapport.ai.classifier.metrics import expected_calibration_error

    truth = np.asarray(y, dtype=np.int64)
    temperature = fit_temperature(logits, truth)
    calibrated = softmax(logits, temperature)
    return {
        "temperature": temperature,
        "threshold": uncertainty_threshold(calibrated, truth, keep=keep),
        "keep": keep,
        "ece_before": round(expected_calibration_error(softmax(logits), truth), 4),
        "ece_after": round(expected_calibration_error(calibrated, truth), 4),
    }
