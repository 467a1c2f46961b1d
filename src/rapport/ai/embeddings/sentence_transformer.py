"""SentenceTransformerEmbedder: a catalogue model run by sentence-transformers on PyTorch (the reference precision).

Loading is offline by construction: the model is given as a folder path, and HF_HUB_OFFLINE is set before
sentence-transformers is imported, so even a config that names a hub repository cannot make it reach the network.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.embeddings.base import EmbeddingKind, Vectors, empty, normalise
from rapport.ai.embeddings.catalog import LocalModel


def offline_hub() -> None:
    """Forbid hub downloads for this process before any Hugging Face library is imported."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # it forks badly under the task queue's workers


class SentenceTransformerEmbedder:
    """`threads` caps PyTorch's intra-op threads; that setting is process-wide, so the last embedder loaded wins."""

    def __init__(
        self,
        model: LocalModel,
        data_dir: Path,
        *,
        name: str | None = None,
        batch_size: int = 32,
        threads: int | None = None,
    ) -> None:
        self.name = name or model.name
        self.model = model
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.threads = threads
        self._encoder: Any = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def warm_up(self) -> None:
        self._load()

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind) -> Vectors:
        if not texts:
            return empty(self.dimension)
        encoder = self._load()
        prefix = self.model.prefix(kind)
        vectors = encoder.encode(
            [prefix + text for text in texts],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalise(np.asarray(vectors))

    def _load(self) -> Any:
        with self._lock:
            if self._encoder is None:
                folder = self.model.folder(self.data_dir)
                offline_hub()
                import torch
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                # A "Loading weights" progress bar per load is noise in a server log.
                transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

                if self.threads:
                    torch.set_num_threads(self.threads)
                encoder = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
                encoder.max_seq_length = self.model.max_seq_length
                encoder.eval()
                self._encoder = encoder
            return self._encoder
