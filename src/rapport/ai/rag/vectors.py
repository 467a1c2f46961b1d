"""The embedded vector index: exact search with numpy for small corpora, an HNSW graph (usearch) above a size.

Vectors are L2-normalised, so the inner product is the cosine similarity. Below `ann_threshold` rows a matrix
product over every row is exact, needs no build, and (measured in docs/ASSISTANT.md: 48 ms at 100,000 passages on a
busy 2-core machine) is fast enough next to a model's answer; building a graph of 100,000 rows took minutes there.
Above the threshold the graph answers in about a millisecond. Rows are added and removed one article at a time,
so an edited article never rebuilds the index. Filters (language, category) are a boolean mask over rows: exact
search applies it before ranking; the graph is asked for more neighbours than needed and the mask applied after,
falling back to exact search over the allowed rows when too few survive.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt

ANN_THRESHOLD: Final = 200_000
_OVERFETCH: Final = 4

Vectors = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]


class VectorIndex:
    """Integer id → vector; `search` returns (row, similarity) pairs, best first."""

    def __init__(self, dimension: int, *, ann_threshold: int = ANN_THRESHOLD) -> None:
        self.dimension = dimension
        self.ann_threshold = ann_threshold
        self._matrix: Vectors = np.zeros((0, dimension), dtype=np.float32)
        self._ids: list[int] = []
        self._row_of: dict[int, int] = {}
        self._graph: Any = None

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def uses_graph(self) -> bool:
        return self._graph is not None

    @property
    def ids(self) -> list[int]:
        """Ids in row order: the order of `similarities` and of the masks `search` takes."""
        return self._ids

    def row(self, item_id: int) -> int:
        return self._row_of[item_id]

    def add(self, ids: Sequence[int], vectors: Vectors) -> None:
        """Add or replace rows."""
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids but {len(vectors)} vectors")
        self.remove([i for i in ids if i in self._row_of])
        if not ids:
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), self.dimension)
        start = len(self._ids)
        self._matrix = np.vstack([self._matrix, vectors]) if start else vectors.copy()
        for offset, item_id in enumerate(ids):
            self._row_of[item_id] = start + offset
        self._ids.extend(ids)
        if self._graph is not None:
            self._graph.add(np.asarray(ids, dtype=np.uint64), vectors)
        elif len(self._ids) >= self.ann_threshold:
            self._build_graph()

    def remove(self, ids: Sequence[int]) -> None:
        doomed = {i for i in ids if i in self._row_of}
        if not doomed:
            return
        keep = [row for row, item_id in enumerate(self._ids) if item_id not in doomed]
        self._matrix = self._matrix[keep]
        self._ids = [self._ids[row] for row in keep]
        self._row_of = {item_id: row for row, item_id in enumerate(self._ids)}
        if self._graph is not None:
            for item_id in doomed:
                self._graph.remove(item_id)
            if len(self._ids) < self.ann_threshold // 2:
                self._graph = None  # small again: exact search is faster

    def similarities(self, query: Vectors) -> Vectors:
        """Cosine similarity of the query to every row, in row order."""
        if not self._ids:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self._matrix @ np.asarray(query, dtype=np.float32).reshape(-1), dtype=np.float32)

    def search(self, query: Vectors, k: int, *, mask: Mask | None = None) -> list[tuple[int, float]]:
        """The best `k` rows (allowed by `mask`) as (row, similarity)."""
        if not self._ids or k <= 0:
            return []
        if self._graph is not None:
            found = self._search_graph(query, k, mask)
            if found is not None:
                return found
        sims = self.similarities(query)
        if mask is not None:
            sims = np.where(mask, sims, -np.inf)
        allowed = int(mask.sum()) if mask is not None else len(sims)
        k = min(k, allowed)
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(int(row), float(sims[row])) for row in top]

    def _search_graph(self, query: Vectors, k: int, mask: Mask | None) -> list[tuple[int, float]] | None:
        wanted = k * _OVERFETCH if mask is not None else k
        matches = self._graph.search(np.asarray(query, dtype=np.float32).reshape(-1), min(wanted, len(self._ids)))
        found: list[tuple[int, float]] = []
        for key, distance in zip(matches.keys, matches.distances, strict=True):
            row = self._row_of.get(int(key))
            if row is None or (mask is not None and not mask[row]):
                continue
            found.append((row, 1.0 - float(distance)))  # usearch's "ip" distance is 1 - inner product
            if len(found) == k:
                return found
        return None if mask is not None else found

    def _build_graph(self) -> None:
        from usearch.index import Index

        # expansion_search 256 (usearch's default is 64): recall@10 0.97 instead of 0.76 on 5,000 random unit
        # vectors, the hardest case; embeddings of real text are clustered and easier.
        graph = Index(
            ndim=self.dimension, metric="ip", dtype="f32", connectivity=16, expansion_add=128, expansion_search=256
        )
        graph.add(np.asarray(self._ids, dtype=np.uint64), self._matrix)
        self._graph = graph
