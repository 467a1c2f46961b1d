"""Labelled texts: reading them from CSV or JSONL, fingerprinting them, and splitting them reproducibly.

Splits are stratified by label and seeded, so the same data and seed always give the same train, validation and test
rows; a label with too few examples to spare one for validation stays whole in the training split.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rapport.errors import Invalid

TEXT_FIELDS = ("text", "utterance", "sentence", "message", "body")
LABEL_FIELDS = ("label", "category", "intent", "class")
MAX_TEXT_CHARS = 4000  # a ticket body longer than this adds nothing a 64-token model reads


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    ref: str | None = None  # where it came from, e.g. "tickets:42"; None for files


@dataclass(frozen=True)
class Splits:
    train: list[Example]
    validation: list[Example]
    test: list[Example]


def clean(text: str) -> str:
    return " ".join(text.split())[:MAX_TEXT_CHARS]


def read_examples(path: Path, *, text_field: str | None = None, label_field: str | None = None) -> list[Example]:
    """Examples from a CSV/TSV file with a header, a JSONL file of objects, or a JSON list of objects.

    The text column is `text_field` or the first of text, utterance, sentence, message, body; the label column is
    `label_field` or the first of label, category, intent, class. Rows with an empty text or label are skipped.
    """
    if not path.is_file():
        raise Invalid(f"no such file: {path}")
    suffix = path.suffix.lower()
    if suffix in {".csv", ".tsv"}:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows: list[dict[str, object]] = list(csv.DictReader(handle, delimiter="\t" if suffix == ".tsv" else ","))
    elif suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
    elif suffix == ".json":
        loaded = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(loaded, list):
            raise Invalid(f"{path}: expected a JSON list of objects")
        rows = loaded
    else:
        raise Invalid(f"{path}: use a .csv, .tsv, .jsonl or .json file")
    if not rows:
        raise Invalid(f"{path} holds no rows")
    text_key = _pick(rows[0], text_field, TEXT_FIELDS, path, "text")
    label_key = _pick(rows[0], label_field, LABEL_FIELDS, path, "label")
    examples = []
    for row in rows:
        text, label = clean(str(row.get(text_key) or "")), str(row.get(label_key) or "").strip()
        if text and label:
            examples.append(Example(text=text, label=label))
    return examples


def _pick(row: dict[str, object], wanted: str | None, candidates: Sequence[str], path: Path, what: str) -> str:
    if not isinstance(row, dict):
        raise Invalid(f"{path}: each row must be an object with a {what} field")
    if wanted:
        if wanted not in row:
            raise Invalid(f"{path}: no column {wanted!r}; columns: {', '.join(row)}")
        return wanted
    for name in candidates:
        if name in row:
            return name
    raise Invalid(f"{path}: no {what} column (tried {', '.join(candidates)}); columns: {', '.join(row)}")


def data_hash(examples: Iterable[Example]) -> str:
    """sha256 of the sorted (label, text) pairs: the same data in any order gives the same hash."""
    digest = hashlib.sha256()
    for label, text in sorted((example.label, example.text) for example in examples):
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()


def label_counts(examples: Iterable[Example]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for example in examples:
        counts[example.label] += 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _by_label(examples: Sequence[Example], seed: int) -> dict[str, list[Example]]:
    groups: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        groups[example.label].append(example)
    rng = random.Random(seed)
    for label in sorted(groups):
        rng.shuffle(groups[label])
    return {label: groups[label] for label in sorted(groups)}


def split(examples: Sequence[Example], *, validation: float, test: float, seed: int) -> Splits:
    """Stratified train/validation/test split. Each label gives round(n·fraction) rows to validation and test, at
    least one each when it has three or more examples; labels with fewer stay entirely in training."""
    if not 0 <= validation < 1 or not 0 <= test < 1 or validation + test >= 1:
        raise Invalid("validation and test fractions must be in [0, 1) and sum to less than 1")
    train: list[Example] = []
    held_val: list[Example] = []
    held_test: list[Example] = []
    for group in _by_label(examples, seed).values():
        n = len(group)
        n_val = max(1, round(n * validation)) if validation and n >= 3 else 0
        n_test = max(1, round(n * test)) if test and n >= 3 else 0
        if n - n_val - n_test < 1:
            n_val, n_test = 0, 0
        held_val += group[:n_val]
        held_test += group[n_val : n_val + n_test]
        train += group[n_val + n_test :]
    rng = random.Random(seed + 1)
    for part in (train, held_val, held_test):
        rng.shuffle(part)
    return Splits(train=train, validation=held_val, test=held_test)


def sample(examples: Sequence[Example], n: int, *, seed: int) -> list[Example]:
    """At most `n` examples, each label keeping its share (at least one example per label)."""
    if len(examples) <= n:
        return list(examples)
    groups = _by_label(examples, seed)
    chosen = [e for group in groups.values() for e in group[: max(1, round(len(group) * n / len(examples)))]]
    random.Random(seed).shuffle(chosen)
    return chosen


def folds(examples: Sequence[Example], k: int, *, seed: int) -> list[tuple[list[Example], list[Example]]]:
    """Stratified k-fold: (rest, held-out fold) pairs; every example is held out exactly once."""
    if k < 2:
        raise Invalid("k-fold needs k >= 2")
    buckets: list[list[Example]] = [[] for _ in range(k)]
    offset = 0
    for group in _by_label(examples, seed).values():
        for index, example in enumerate(group):
            buckets[(index + offset) % k].append(example)
        offset += len(group)  # rotate so small labels do not all land in the first folds
    return [([e for j, bucket in enumerate(buckets) if j != i for e in bucket], buckets[i]) for i in range(k)]
