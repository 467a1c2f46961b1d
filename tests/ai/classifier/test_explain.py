"""Occlusion explanations: the words whose removal lowers the predicted label's probability most."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from rapport.ai.classifier.explain import explain, words


class KeywordClassifier:
    """A TextClassifier whose logits count keywords: enough to know exactly which words should explain it."""

    name = "keywords"
    labels = ["refund", "delivery"]  # noqa: RUF012

    def warm_up(self) -> None:
        return None

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        rows = [[3.0 * t.count("refund") + 3.0 * t.count("退款"), 3.0 * t.count("parcel")] for t in texts]
        return np.array(rows, dtype=np.float32).reshape(len(texts), 2)


def test_words_split_latin_words_and_chinese_words() -> None:
    text = "Where's my 退款? 我想修改收货地址 order-42"

    found = [text[w.start : w.end] for w in words(text)]
    by_character = [text[w.start : w.end] for w in words(text, segment=False)]

    assert found == ["Where's", "my", "退款", "我", "想", "修改", "收货", "地址", "order", "42"]
    assert by_character[2:6] == ["退", "款", "我", "想"]


def test_the_driving_word_comes_first() -> None:
    (found,) = explain(KeywordClassifier(), ["please refund my order now"])

    assert found[0]["text"] == "refund"
    assert found[0]["weight"] == 0.6446  # log-probability log softmax([3, 0]) falls to log 0.5 without it
    assert [item["text"] for item in found] == ["refund"]  # words that do not support the label are left out


@pytest.mark.parametrize("segment", [True, False])
def test_a_chinese_word_comes_back_whole(segment: bool) -> None:
    (found,) = explain(KeywordClassifier(), ["我要退款，谢谢"], segment=segment)  # without jieba: merged characters

    assert found[0]["text"] == "退款"
    assert (found[0]["start"], found[0]["end"]) == (2, 4)


def test_a_repeated_word_is_occluded_everywhere_at_once() -> None:
    (found,) = explain(KeywordClassifier(), ["refund please, I said refund"])

    assert found[0]["text"] == "refund"
    assert (found[0]["start"], found[0]["end"]) == (0, 6)
    assert found[0]["weight"] == 0.6907  # alone, either occurrence would weigh 0.046: its twin stays behind
