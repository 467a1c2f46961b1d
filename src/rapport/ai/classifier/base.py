"""The classifier contract: what every runtime (PyTorch, int8 ONNX) implements, and the numeric helpers they share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


class TextClassifier(Protocol):
    """Texts in, one row of raw logits per text out (columns follow `labels`).

    Constructors are cheap; weights load in `warm_up()` or on the first call. `logits([])` has shape (0, n_labels).
    """

    name: str
    labels: list[str]

    def warm_up(self) -> None: ...

    def logits(self, texts: Sequence[str]) -> Matrix: ...


def softmax(logits: npt.NDArray[np.floating], temperature: float = 1.0) -> Matrix:
    """Row-wise softmax of `logits / temperature`, computed stably in float64 and returned as float32."""
    scaled = np.asarray(logits, dtype=np.float64) / max(temperature, 1e-6)
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float32)


def length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length (longest first), so padding wastes little work."""
    order = sorted(range(len(lengths)), key=lambda index: -lengths[index])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]
