"""Shared by the feedback evaluations: the data paths, a seeded stratified split, and embeddings cached on disk."""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import numpy as np

from rapport.ai.embeddings import build_embedder
from rapport.ai.embeddings.base import Embedder

REPO = Path(__file__).resolve().parents[2]
DATASETS = REPO.parent / "shared" / "datasets"
CACHE = REPO / "var" / "cache" / "eval-feedback"
T = TypeVar("T")


def embedder(name: str = "e5-small-int8") -> Embedder:
    return build_embedder(name, REPO / "var")


def stratified_split(
    items: Sequence[T], labels: Sequence[object], *, test: float, seed: int
) -> tuple[list[T], list[T]]:
    """(train, held-out): each label's items shuffled with `seed`, the first `test` share of each held out."""
    by_label: dict[object, list[T]] = defaultdict(list)
    for item, label in zip(items, labels, strict=True):
        by_label[label].append(item)
    rng = random.Random(seed)
    train: list[T] = []
    held: list[T] = []
    for label in sorted(by_label, key=str):
        group = by_label[label]
        rng.shuffle(group)
        cut = round(len(group) * test)
        held += group[:cut]
        train += group[cut:]
    return train, held


def embed_cached(model: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Vectors of `texts` (kind "query"), kept under var/cache/eval-feedback by a hash of the texts and model."""
    digest = hashlib.sha256(("\x00".join([model.name, *texts])).encode()).hexdigest()[:20]
    path = CACHE / f"{digest}.npy"
    if path.is_file():
        return np.asarray(np.load(path))
    vectors = model.embed(list(texts), kind="query")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
