"""OnnxInt8Embedder and export_int8: the int8 exports load offline, stay close to the PyTorch models, batch safely."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from rapport.ai.embeddings import MODELS, Embedder, OnnxInt8Embedder, export_int8
from rapport.ai.embeddings.onnx_int8 import int8_folder
from rapport.ai.providers import ProviderUnavailable

from .conftest import DATA_DIR
from .sentences import TRIPLES, assert_sane, similarities

MIXED = [
    "Where is my order?",
    "我想退货，但是找不到退货的入口，订单号是 2024-11-03 的那一单。",
    "ok",
    "The invoice for March shows a charge of $49.99 that I do not recognise, please explain it or refund me.",
]


def test_minilm_int8_loads_offline_and_ranks_an_english_paraphrase_above_an_unrelated_sentence(
    embedder: Callable[[str], Embedder],
) -> None:
    minilm = embedder("minilm-int8")

    vectors = minilm.embed(MIXED, kind="passage")
    paraphrase, unrelated = similarities(minilm, "en")

    assert_sane(vectors, len(MIXED), 384)
    assert paraphrase > 0.7
    assert unrelated < 0.3


def test_e5_small_int8_loads_offline_and_ranks_paraphrases_first_in_english_and_chinese(
    embedder: Callable[[str], Embedder],
) -> None:
    e5 = embedder("e5-small-int8")

    vectors = e5.embed(MIXED, kind="passage")
    english = similarities(e5, "en")
    chinese = similarities(e5, "zh")

    assert_sane(vectors, len(MIXED), 384)
    assert english[0] > english[1] + 0.05
    assert chinese[0] > chinese[1] + 0.05


@pytest.mark.parametrize(("int8", "reference"), [("minilm-int8", "minilm"), ("e5-small-int8", "e5-small")])
def test_int8_vectors_stay_close_to_the_pytorch_model(
    embedder: Callable[[str], Embedder], int8: str, reference: str
) -> None:
    texts = MIXED + [sentence for triple in TRIPLES.values() for sentence in triple]

    cosines = (embedder(int8).embed(texts, kind="query") * embedder(reference).embed(texts, kind="query")).sum(axis=1)

    assert cosines.min() > 0.95
    assert cosines.mean() > 0.98


def test_a_batch_of_mixed_lengths_stays_close_to_one_text_at_a_time(embedder: Callable[[str], Embedder]) -> None:
    # Not equal: dynamic quantisation picks each activation's int8 scale from the whole batch, so a text's
    # neighbours move its vector a little (padding itself is masked out of the attention and the mean).
    e5 = embedder("e5-small-int8")

    together = e5.embed(MIXED, kind="passage")
    alone = np.concatenate([e5.embed([text], kind="passage") for text in MIXED])

    assert (together * alone).sum(axis=1).min() > 0.99


def test_export_reuses_a_finished_export(embedder: Callable[[str], Embedder]) -> None:
    embedder("minilm-int8")  # makes sure the export exists
    model_file = int8_folder(MODELS["all-minilm-l6-v2"], DATA_DIR) / "model.onnx"
    written_at = model_file.stat().st_mtime_ns

    folder = export_int8(MODELS["all-minilm-l6-v2"], DATA_DIR)

    assert folder == model_file.parent
    assert model_file.stat().st_mtime_ns == written_at
    assert sorted(path.name for path in folder.iterdir()) == ["model.onnx", "rapport.json", "tokenizer.json"]


def test_a_missing_export_is_unavailable_when_auto_export_is_off(tmp_path: Path) -> None:
    int8 = OnnxInt8Embedder(MODELS["all-minilm-l6-v2"], tmp_path, auto_export=False)

    with pytest.raises(ProviderUnavailable, match=re.escape("python -m rapport.ai.embeddings export all-minilm-l6-v2")):
        int8.warm_up()
