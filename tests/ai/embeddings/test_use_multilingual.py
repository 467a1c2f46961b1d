"""USEMultilingualEmbedder: the NumPy USE model loads from its package and ranks paraphrases first in both languages."""

from __future__ import annotations

from collections.abc import Callable

from rapport.ai.embeddings import Embedder

from .sentences import assert_sane, similarities


def test_use_multilingual_loads_offline_and_ranks_paraphrases_first_in_english_and_chinese(
    embedder: Callable[[str], Embedder],
) -> None:
    use = embedder("use-multilingual")

    vectors = use.embed(["one", "两个", "three"], kind="passage")
    english = similarities(use, "en")
    chinese = similarities(use, "zh")

    assert_sane(vectors, 3, 512)
    assert english[0] > english[1] + 0.2
    assert chinese[0] > chinese[1] + 0.2


def test_use_multilingual_is_symmetric(embedder: Callable[[str], Embedder]) -> None:
    use = embedder("use-multilingual")

    as_query = use.embed(["delivery times"], kind="query")
    as_passage = use.embed(["delivery times"], kind="passage")

    assert float((as_query * as_passage).sum()) > 0.9999
