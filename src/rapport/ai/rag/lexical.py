"""BM25 over pre-tokenised passages (bm25s, Lucene's variant): a score for every passage, so filters and fusion
can work on the whole ranking. bm25s has no incremental add, so the index is rebuilt when passages change; that
costs milliseconds for thousands of passages (the embeddings are what incremental updates save)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

Scores = npt.NDArray[np.float32]


class LexicalIndex:
    def __init__(self, *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self._model: Any = None
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def build(self, documents: Sequence[Sequence[str]]) -> None:
        """Index the token lists; position i in `documents` is position i of every score array."""
        self._size = len(documents)
        if not documents:
            self._model = None
            return
        import bm25s  # type: ignore[import-untyped]

        model = bm25s.BM25(k1=self.k1, b=self.b)
        # An empty document would give bm25s an empty row; a placeholder token keeps positions aligned.
        model.index([list(tokens) or ["\x00"] for tokens in documents], show_progress=False)
        self._model = model

    def scores(self, query: Sequence[str]) -> Scores:
        if self._model is None or not query:
            return np.zeros(self._size, dtype=np.float32)
        vocabulary = self._model.vocab_dict
        known = [token for token in query if token in vocabulary]
        if not known:
            return np.zeros(self._size, dtype=np.float32)
        return np.asarray(self._model.get_scores(known), dtype=np.float32)
