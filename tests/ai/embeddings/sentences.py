"""Small sentence sets the embedding tests share: a query, its paraphrase and an unrelated sentence per language."""

from __future__ import annotations

import numpy as np

from rapport.ai.embeddings import Embedder

TRIPLES = {
    "en": (
        "How do I reset my password?",
        "I forgot my password and need to change it",
        "The parcel arrived two days late",
    ),
    "zh": ("我的订单什么时候发货？", "请问我买的东西几时能寄出？", "这家酒店的早餐很好吃"),
}


def similarities(embedder: Embedder, language: str) -> tuple[float, float]:
    """Cosine of the query to its paraphrase and to the unrelated sentence."""
    query, paraphrase, unrelated = TRIPLES[language]
    query_vector = embedder.embed([query], kind="query")[0]
    passages = embedder.embed([paraphrase, unrelated], kind="passage")
    return float(passages[0] @ query_vector), float(passages[1] @ query_vector)


def assert_sane(vectors: np.ndarray, rows: int, dimension: int) -> None:
    assert vectors.shape == (rows, dimension)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
