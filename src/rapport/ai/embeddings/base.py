"""The embedder contract: the Protocol every embedder implements, and the helpers they share (batching, normalising)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

# Asymmetric models (e5) embed a search query and the passages it should find differently; symmetric ones ignore it.
EmbeddingKind = Literal["query", "passage"]
Vectors = npt.NDArray[np.float32]

T = TypeVar("T")


class Embedder(Protocol):
    """Texts in, one L2-normalised float32 row per text out, so a dot product is the cosine similarity.

    Constructors are cheap: weights load in `warm_up()` or on the first `embed()`. `embed([])` returns shape (0, d).
    """

    name: str

    @property
    def dimension(self) -> int: ...

    def warm_up(self) -> None: ...

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind) -> Vectors: ...


def normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    """Rows scaled to unit length as float32; an all-zero row stays zero instead of becoming NaN."""
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.maximum(norms, 1e-12), dtype=np.float32)


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def by_length(texts: Sequence[str]) -> list[int]:
    """Indices of `texts`, longest first: batching texts of similar length wastes little work on padding."""
    return sorted(range(len(texts)), key=lambda index: -len(texts[index]))


def empty(dimension: int) -> Vectors:
    return np.zeros((0, dimension), dtype=np.float32)
