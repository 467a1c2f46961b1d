"""Reading labelled files, fingerprinting them, and splitting them reproducibly."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from rapport.ai.classifier.data import Example, data_hash, folds, read_examples, sample, split
from rapport.errors import Invalid


def _examples(per_label: dict[str, int]) -> list[Example]:
    return [Example(text=f"{label} text {i}", label=label) for label, n in per_label.items() for i in range(n)]


def test_read_csv_finds_the_text_and_category_columns(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text,category\nwhere is my card,card_arrival\n  ,empty\nreset pin,change_pin\n", encoding="utf-8")

    examples = read_examples(path)

    assert examples == [Example("where is my card", "card_arrival"), Example("reset pin", "change_pin")]


def test_read_jsonl_with_named_columns(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    rows = [{"message": "我要退款", "y": "refund"}, {"message": "where is it", "y": "delivery"}]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")

    examples = read_examples(path, text_field="message", label_field="y")

    assert [(e.text, e.label) for e in examples] == [("我要退款", "refund"), ("where is it", "delivery")]


def test_read_refuses_a_file_without_a_label_column(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("text,other\nhello,x\n", encoding="utf-8")

    with pytest.raises(Invalid, match="no label column"):
        read_examples(path)


def test_data_hash_ignores_order_but_not_content() -> None:
    a, b = Example("one", "x"), Example("two", "y")

    assert data_hash([a, b]) == data_hash([b, a])
    assert data_hash([a, b]) != data_hash([a, Example("two", "x")])


def test_split_is_stratified_and_reproducible() -> None:
    examples = _examples({"a": 50, "b": 20, "c": 2})

    first = split(examples, validation=0.1, test=0.1, seed=7)
    again = split(examples, validation=0.1, test=0.1, seed=7)

    assert first == again
    assert Counter(e.label for e in first.validation) == {"a": 5, "b": 2}
    assert Counter(e.label for e in first.test) == {"a": 5, "b": 2}
    assert Counter(e.label for e in first.train) == {"a": 40, "b": 16, "c": 2}  # too few "c" to spare one


def test_folds_hold_every_example_out_exactly_once() -> None:
    examples = _examples({"a": 23, "b": 11, "c": 6})

    pairs = folds(examples, 5, seed=1)

    held = [e for _, fold in pairs for e in fold]
    assert sorted(held, key=lambda e: e.text) == sorted(examples, key=lambda e: e.text)
    assert all(len(rest) + len(fold) == len(examples) for rest, fold in pairs)
    assert [Counter(e.label for e in fold)["a"] for _, fold in pairs] == [5, 5, 5, 4, 4]


def test_sample_keeps_each_label_share() -> None:
    examples = _examples({"a": 80, "b": 20, "c": 1})

    chosen = sample(examples, 50, seed=3)

    assert Counter(e.label for e in chosen) == {"a": 40, "b": 10, "c": 1}
