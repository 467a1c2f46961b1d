"""A whole training run without a database: the folder it writes and the report it keeps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rapport.ai.classifier.pipeline import TrainPlan, train_version
from rapport.ai.classifier.runtime import ONNX_INT8, TORCH, Card, open_version
from rapport.errors import Invalid

from .conftest import EXAMPLES

pytestmark = pytest.mark.slow


def test_a_run_writes_a_complete_version_folder(trained_folder: Path) -> None:
    card = Card.read(trained_folder)
    report = json.loads((trained_folder / "report.json").read_text(encoding="utf-8"))

    assert {p.name for p in trained_folder.iterdir()} >= {
        "card.json",
        "report.json",
        "confusion.png",
        "model-int8.onnx",
        "tokenizer.json",
        "torch",
    }
    assert card.labels == ["delivery", "password", "refund"]
    assert card.encoder == "minilm"
    assert card.runtime in {ONNX_INT8, TORCH}
    assert card.temperature > 0
    assert report["evaluated_on"] == "test"
    assert report["data"]["train"] + report["data"]["validation"] + report["data"]["test"] == len(EXAMPLES)
    assert set(report["runtimes"]) == {ONNX_INT8, TORCH}
    assert report["runtimes"][ONNX_INT8]["messages_per_s"] > 0
    assert len(report["confusion"]["matrix"]) == 3
    assert report["training"]["history"][0]["epoch"] == 1
    assert card.data_hash == report["data"]["hash"]


def test_int8_and_float32_runtimes_agree_on_most_texts(trained_folder: Path, tmp_path: Path) -> None:
    texts = [e.text for e in EXAMPLES]
    _, int8 = open_version(trained_folder, tmp_path, runtime=ONNX_INT8)
    _, fp32 = open_version(trained_folder, tmp_path, runtime=TORCH)

    agreement = (int8.logits(texts).argmax(axis=1) == fp32.logits(texts).argmax(axis=1)).mean()

    assert agreement >= 0.9
    assert int8.logits([]).shape == (0, 3)


def test_the_shared_word_embeddings_are_left_out_of_the_saved_weights(trained_folder: Path) -> None:
    from safetensors.numpy import load_file

    saved = load_file(str(trained_folder / "torch" / "model.safetensors"))

    assert "bert.embeddings.word_embeddings.weight" not in saved
    assert np.asarray(saved["classifier.weight"]).shape == (3, 384)


def test_one_label_cannot_train_a_classifier(tmp_path: Path) -> None:
    plan = TrainPlan(name="x", task="intent", encoder="minilm", baseline=False)

    with pytest.raises(Invalid, match="2 labels"):
        train_version([e for e in EXAMPLES if e.label == "refund"], plan, data_dir=tmp_path, folder=tmp_path / "v")
