"""CachedEmbedder: repeats are answered from memory with the same vectors, the least recently used go first."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rapport.ai.embeddings import CachedEmbedder, Embedder


def test_a_cached_text_is_not_embedded_again_and_gets_the_same_vector(embedder: Callable[[str], Embedder]) -> None:
    cached = CachedEmbedder(embedder("use-multilingual"), max_entries=10)
    first = cached.embed(["refund please", "退款"], kind="query")

    again = cached.embed(["退款", "where is my parcel", "refund please"], kind="query")

    assert (cached.hits, cached.misses) == (2, 3)
    assert np.array_equal(again[0], first[1])
    assert np.array_equal(again[2], first[0])
    assert np.allclose(again[1], embedder("use-multilingual").embed(["where is my parcel"], kind="query")[0])


def test_query_and_passage_of_the_same_text_are_cached_apart(embedder: Callable[[str], Embedder]) -> None:
    cached = CachedEmbedder(embedder("use-multilingual"))

    cached.embed(["same text"], kind="query")
    cached.embed(["same text"], kind="passage")

    assert (cached.hits, cached.misses) == (0, 2)


def test_a_text_repeated_in_one_call_is_embedded_once(embedder: Callable[[str], Embedder]) -> None:
    cached = CachedEmbedder(embedder("use-multilingual"))

    vectors = cached.embed(["again", "again", "other"], kind="query")

    assert cached.misses == 2
    assert np.array_equal(vectors[0], vectors[1])


def test_the_least_recently_used_entry_is_evicted_first(embedder: Callable[[str], Embedder]) -> None:
    cached = CachedEmbedder(embedder("use-multilingual"), max_entries=2)
    cached.embed(["a", "b"], kind="query")
    cached.embed(["a"], kind="query")  # "a" is now the most recently used

    cached.embed(["c"], kind="query")  # evicts "b"
    cached.embed(["a", "b"], kind="query")

    assert (cached.hits, cached.misses) == (2, 4)
