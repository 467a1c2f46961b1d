"""SentenceTransformerEmbedder: MiniLM and e5 load from local folders with the network closed, and rank sensibly."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from rapport.ai.embeddings import Embedder

from .sentences import assert_sane, similarities

MIXED_LENGTHS = [
    "ok",
    "我想退货，但是找不到退货的入口。",
    "The invoice for March shows a charge I do not recognise, please explain it.",
]


def test_minilm_loads_offline_and_ranks_an_english_paraphrase_above_an_unrelated_sentence(
    embedder: Callable[[str], Embedder],
) -> None:
    minilm = embedder("minilm")

    vectors = minilm.embed(["first text", "second, longer text to embed"], kind="passage")
    paraphrase, unrelated = similarities(minilm, "en")

    assert_sane(vectors, 2, 384)
    assert paraphrase > 0.7
    assert unrelated < 0.3


def test_e5_small_loads_offline_and_ranks_paraphrases_first_in_english_and_chinese(
    embedder: Callable[[str], Embedder],
) -> None:
    e5 = embedder("e5-small")

    vectors = e5.embed(["你好", "hello"], kind="query")
    english = similarities(e5, "en")
    chinese = similarities(e5, "zh")

    assert_sane(vectors, 2, 384)
    assert english[0] > english[1] + 0.05
    assert chinese[0] > chinese[1] + 0.05


def test_e5_small_embeds_queries_and_passages_differently(embedder: Callable[[str], Embedder]) -> None:
    e5 = embedder("e5-small")

    as_query = e5.embed(["delivery times"], kind="query")[0]
    as_passage = e5.embed(["delivery times"], kind="passage")[0]

    assert 0.8 < float(as_query @ as_passage) < 0.999


def test_empty_input_gives_an_empty_matrix(embedder: Callable[[str], Embedder]) -> None:
    vectors = embedder("minilm").embed([], kind="query")

    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


def test_a_batch_gives_the_vectors_of_one_text_at_a_time_in_full_precision(
    embedder: Callable[[str], Embedder],
) -> None:
    e5 = embedder("e5-small")

    together = e5.embed(MIXED_LENGTHS, kind="passage")
    alone = np.concatenate([e5.embed([text], kind="passage") for text in MIXED_LENGTHS])

    assert np.allclose(together, alone, atol=1e-4)
