"""Choosing the encoder, and tokenising through the one path training and serving share."""

from __future__ import annotations

from pathlib import Path

import pytest

from rapport.ai.classifier.encoders import Tokens, choose_encoder, get_encoder
from rapport.errors import Invalid


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["where is my order"] * 19 + ["我的订单在哪里"], "e5-small"),  # 5% Chinese is enough
        (["where is my order"] * 30 + ["我的订单在哪里"], "minilm"),
        (["where is my order", "refund please"], "minilm"),
    ],
)
def test_auto_picks_the_multilingual_encoder_for_cjk_text(texts: list[str], expected: str) -> None:
    assert choose_encoder("auto", texts).name == expected


def test_a_named_encoder_is_used_as_given_and_an_unknown_one_refused() -> None:
    assert choose_encoder("e5-small", ["hello"]).name == "e5-small"
    with pytest.raises(Invalid, match="unknown encoder"):
        get_encoder("bert-large")


def test_tokens_truncate_and_pad_a_batch_to_its_longest_row(tmp_path: Path) -> None:
    encoder = get_encoder("minilm")
    tokens = Tokens(encoder.folder(tmp_path) / "tokenizer.json", max_length=8, pad_token="[PAD]")

    rows = tokens.encode(["order", "a much longer message that will be cut off at eight tokens"])
    ids, mask = tokens.pad(rows)

    assert [len(row) for row in rows] == [3, 8]  # [CLS] order [SEP]; cut at 8
    assert ids.shape == mask.shape == (2, 8)
    assert mask[0].tolist() == [1, 1, 1, 0, 0, 0, 0, 0]
    assert ids[0, 3:].tolist() == [tokens.pad_id] * 5
