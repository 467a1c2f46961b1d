"""CachedEmbedder: an in-memory LRU of vectors by text hash, in front of any embedder.

CRM text repeats (the same FAQ entry re-indexed, the same canned reply, a customer asking twice), and a cache hit
costs a dictionary lookup instead of a model pass. Keys are the BLAKE2b digest of kind and text, so the cache holds
no customer text, only 16-byte digests and the vectors; only the misses of a call go to the model, in one batch.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from rapport.ai.embeddings.base import Embedder, EmbeddingKind, Vectors, empty


class CachedEmbedder:
    def __init__(self, inner: Embedder, *, max_entries: int = 10_000) -> None:
        self.inner = inner
        self.name = inner.name
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[bytes, Vectors] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def warm_up(self) -> None:
        self.inner.warm_up()

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind) -> Vectors:
        if not texts:
            return empty(self.inner.dimension)
        keys = [_key(text, kind) for text in texts]
        rows: list[Vectors | None] = [None] * len(texts)
        with self._lock:
            for index, key in enumerate(keys):
                vector = self._entries.get(key)
                if vector is not None:
                    self._entries.move_to_end(key)
                    rows[index] = vector
        todo: dict[bytes, list[int]] = {}  # a text repeated within one call is embedded once
        for index, key in enumerate(keys):
            if rows[index] is None:
                todo.setdefault(key, []).append(index)
        if todo:
            fresh = self.inner.embed([texts[indices[0]] for indices in todo.values()], kind=kind)
            for row, indices in enumerate(todo.values()):
                for index in indices:
                    rows[index] = fresh[row]
        with self._lock:
            self.misses += len(todo)
            self.hits += len(texts) - sum(len(indices) for indices in todo.values())
            for key, indices in todo.items():
                self._entries[key] = np.array(rows[indices[0]], dtype=np.float32)
                self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return np.stack([row for row in rows if row is not None]).astype(np.float32, copy=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _key(text: str, kind: EmbeddingKind) -> bytes:
    return hashlib.blake2b(f"{kind}\x00{text}".encode(), digest_size=16).digest()
