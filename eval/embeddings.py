"""Retrieval quality of the local embedders on English and Chinese data from shared/datasets; one table per task.

    .venv/bin/python eval/embeddings.py                        # all embedders, all tasks (about 30 min on 2 busy cores)
    .venv/bin/python eval/embeddings.py --models e5-small-int8 --tasks cais_zh_intent --json out.json

Tasks (only train/dev/valid splits are used; the held-out test splits are not in shared/datasets):
- stackfaq (en): the 719 FAQ entries ("question answer") are the corpus, the 870 dev queries search them; a hit is an
  answer of the query's thread. all-MiniLM-L6-v2 was trained on StackExchange duplicate questions, so it is flattered.
- clinc150 (en): 1,500 training utterances (10 per intent, seeded sample) are the corpus, 750 validation utterances
  (5 per intent) search them; a hit is an utterance of the same intent. Not StackExchange text.
- cais_zh_intent (zh): the corpus is the training utterances of the 12 smaller intents (1,031) plus a seeded 1,000 of
  PlayMusic's 6,964; all 994 validation utterances search it; a hit is the same intent. 87 % of the queries are
  PlayMusic, so R@1 is high even at random: read macro-MRR (the mean of the per-intent MRRs, every intent weighing
  the same) and the "random" row.
- shopping_zh (zh): online_shopping_10_cats split 80/10/10 with seed 13 (as PROVENANCE.md suggests); 150 reviews per
  category from the 80 % part are the corpus, 30 per category from the 10 % validation part search them; a hit is the
  same product category (books, phones, fruit, hotels, ...), i.e. topic retrieval of real customer reviews.

R@k: share of queries with at least one hit among the k best; MRR: mean of 1/rank of the first hit. The "random" row
is the expectation under a random ranking. Utterance-to-utterance tasks embed both sides as queries (e5's advice for
symmetric tasks); stackfaq embeds FAQ entries as passages.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import sys
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rapport.ai.embeddings import EMBEDDERS, build_embedder
from rapport.ai.embeddings.base import EmbeddingKind

CANDIDATES = ["minilm", "minilm-int8", "e5-small", "e5-small-int8", "e5-small-q4", "use-multilingual"]
REPO = Path(__file__).resolve().parent.parent


@dataclass
class Task:
    name: str
    language: str
    corpus: list[str]
    corpus_labels: list[str]
    queries: list[str]
    query_labels: list[str]
    corpus_kind: EmbeddingKind
    query_kind: EmbeddingKind


def load_stackfaq(root: Path) -> Task:
    entries = [json.loads(line) for line in (root / "stackfaq" / "faq_kb.jsonl").read_text().splitlines() if line]
    queries = [json.loads(line) for line in (root / "stackfaq" / "queries_dev.jsonl").read_text().splitlines() if line]
    return Task(
        name="stackfaq",
        language="en",
        corpus=[f"{entry['question']} {entry['answer']}" for entry in entries],
        corpus_labels=[entry["thread_id"] for entry in entries],
        queries=[query["query"] for query in queries],
        query_labels=[query["thread_id"] for query in queries],
        corpus_kind="passage",
        query_kind="query",
    )


def _sample_per_label(items: list[tuple[str, str]], per_label: int, seed: int) -> list[tuple[str, str]]:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for item in items:
        groups[item[1]].append(item)
    rng = random.Random(seed)
    picked: list[tuple[str, str]] = []
    for label in sorted(groups):
        members = groups[label]
        picked.extend(rng.sample(members, min(per_label, len(members))))
    return picked


def load_clinc150(root: Path) -> Task:
    data = json.loads((root / "clinc150" / "data_full_train_val.json").read_text())
    corpus = _sample_per_label([(text, label) for text, label in data["train"]], 10, seed=1)
    queries = _sample_per_label([(text, label) for text, label in data["val"]], 5, seed=2)
    return Task(
        name="clinc150",
        language="en",
        corpus=[text for text, _ in corpus],
        corpus_labels=[label for _, label in corpus],
        queries=[text for text, _ in queries],
        query_labels=[label for _, label in queries],
        corpus_kind="query",
        query_kind="query",
    )


def _cais_split(folder: Path, split: str) -> list[tuple[str, str]]:
    utterances: list[str] = []
    current: list[str] = []
    for line in (folder / f"ch.{split}").read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line.split(" ")[0])
        elif current:
            utterances.append("".join(current))
            current = []
    if current:
        utterances.append("".join(current))
    labels = [line.strip() for line in (folder / f"ch.{split}.intent").read_text().splitlines() if line.strip()]
    if len(utterances) != len(labels):
        raise SystemExit(f"CAIS {split}: {len(utterances)} utterances but {len(labels)} intents")
    return list(zip(utterances, labels, strict=True))


def load_cais(root: Path) -> Task:
    train = _cais_split(root / "cais_zh_intent", "train")
    valid = _cais_split(root / "cais_zh_intent", "valid")
    # Every training utterance of the 12 smaller intents, and a seeded 1,000 of PlayMusic's 6,964: the ranking
    # question stays the same and the corpus embeds four times faster.
    music = [item for item in train if item[1] == "PlayMusic"]
    train = [item for item in train if item[1] != "PlayMusic"] + random.Random(5).sample(music, 1000)
    return Task(
        name="cais_zh_intent",
        language="zh",
        corpus=[text for text, _ in train],
        corpus_labels=[label for _, label in train],
        queries=[text for text, _ in valid],
        query_labels=[label for _, label in valid],
        corpus_kind="query",
        query_kind="query",
    )


def load_shopping(root: Path) -> Task:
    with zipfile.ZipFile(root / "chinese_reviews" / "online_shopping_10_cats.zip") as archive:
        name = next(member for member in archive.namelist() if member.endswith(".csv"))
        text = archive.read(name).decode("utf-8-sig")
    rows = [(row["review"].strip(), row["cat"]) for row in csv.DictReader(io.StringIO(text)) if row["review"].strip()]
    # Stratified 80/10/10 by category with a fixed seed; only the 80 % and the first 10 % are touched.
    by_cat: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_cat[row[1]].append(row)
    rng = random.Random(13)
    train: list[tuple[str, str]] = []
    valid: list[tuple[str, str]] = []
    for cat in sorted(by_cat):
        members = by_cat[cat][:]
        rng.shuffle(members)
        cut_train, cut_valid = int(len(members) * 0.8), int(len(members) * 0.9)
        train.extend(members[:cut_train])
        valid.extend(members[cut_train:cut_valid])
    corpus = _sample_per_label(train, 150, seed=3)
    queries = _sample_per_label(valid, 30, seed=4)
    return Task(
        name="shopping_zh",
        language="zh",
        corpus=[text for text, _ in corpus],
        corpus_labels=[label for _, label in corpus],
        queries=[text for text, _ in queries],
        query_labels=[label for _, label in queries],
        corpus_kind="query",
        query_kind="query",
    )


TASKS: dict[str, Callable[[Path], Task]] = {
    "stackfaq": load_stackfaq,
    "clinc150": load_clinc150,
    "cais_zh_intent": load_cais,
    "shopping_zh": load_shopping,
}


def first_hit_ranks(query_vectors: np.ndarray, corpus_vectors: np.ndarray, task: Task) -> np.ndarray:
    """1-based rank of the best-scored relevant corpus entry for each query (ties count against the query)."""
    scores = query_vectors @ corpus_vectors.T
    relevant = np.array(task.query_labels)[:, None] == np.array(task.corpus_labels)[None, :]
    best_relevant = np.where(relevant, scores, -np.inf).max(axis=1)
    return np.asarray((scores > best_relevant[:, None]).sum(axis=1) + 1)


def metrics(ranks: np.ndarray, labels: list[str]) -> dict[str, float]:
    reciprocal = 1.0 / ranks
    by_label: dict[str, list[float]] = defaultdict(list)
    for label, value in zip(labels, reciprocal, strict=True):
        by_label[label].append(float(value))
    return {
        "r@1": float((ranks <= 1).mean()),
        "r@5": float((ranks <= 5).mean()),
        "mrr": float(reciprocal.mean()),
        "macro_mrr": float(np.mean([np.mean(values) for values in by_label.values()])),
    }


def random_baseline(task: Task) -> dict[str, float]:
    """Expected metrics when the corpus is ranked at random (exact for R@k, MRR by 200 shuffles)."""
    corpus_labels = np.array(task.corpus_labels)
    n = len(corpus_labels)
    rng = np.random.default_rng(0)
    counts = {label: int((corpus_labels == label).sum()) for label in set(task.query_labels)}
    ranks = []
    for _ in range(200):
        ranks.append([1 + _first_position(rng, n, counts[label]) for label in task.query_labels])
    rank_matrix = np.array(ranks, dtype=float)
    per_query = {
        "r@1": np.array([counts[label] / n for label in task.query_labels]),
        "r@5": np.array([1 - _none_in_top(n, counts[label], 5) for label in task.query_labels]),
    }
    reciprocal = (1.0 / rank_matrix).mean(axis=0)
    by_label: dict[str, list[float]] = defaultdict(list)
    for label, value in zip(task.query_labels, reciprocal, strict=True):
        by_label[label].append(float(value))
    return {
        "r@1": float(per_query["r@1"].mean()),
        "r@5": float(per_query["r@5"].mean()),
        "mrr": float(reciprocal.mean()),
        "macro_mrr": float(np.mean([np.mean(values) for values in by_label.values()])),
    }


def _first_position(rng: np.random.Generator, n: int, relevant: int) -> int:
    if relevant == 0:
        return n
    return int(rng.choice(n, size=relevant, replace=False).min())


def _none_in_top(n: int, relevant: int, k: int) -> float:
    probability = 1.0
    for i in range(k):
        probability *= max(n - relevant - i, 0) / (n - i)
    return probability


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(CANDIDATES), help="comma-separated embedder names")
    parser.add_argument("--tasks", default=",".join(TASKS), help="comma-separated task names")
    parser.add_argument(
        "--datasets", type=Path, default=Path(os.environ.get("RAPPORT_DATASETS", REPO.parent / "shared" / "datasets"))
    )
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures here, after each embedder")
    parser.add_argument("--resume", action="store_true", help="keep the figures already in --json, run the rest")
    args = parser.parse_args(argv)

    tasks = [TASKS[name](args.datasets) for name in args.tasks.split(",")]
    results: dict[str, dict[str, dict[str, float]]] = {task.name: {"random": random_baseline(task)} for task in tasks}
    if args.resume and args.json and args.json.is_file():
        for task_name, rows in json.loads(args.json.read_text()).items():
            results.setdefault(task_name, {}).update(rows)
    for name in args.models.split(","):
        if name not in EMBEDDERS:
            raise SystemExit(f"unknown embedder {name}")
        if all(name in results[task.name] for task in tasks):
            continue
        embedder = build_embedder(name, args.data_dir, threads=args.threads)
        started = time.perf_counter()
        embedder.warm_up()
        print(f"{name}: loaded in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        for task in tasks:
            started = time.perf_counter()
            corpus = embedder.embed(task.corpus, kind=task.corpus_kind)
            queries = embedder.embed(task.queries, kind=task.query_kind)
            seconds = time.perf_counter() - started
            figures = metrics(first_hit_ranks(queries, corpus, task), task.query_labels)
            figures["texts_per_s"] = (len(task.corpus) + len(task.queries)) / seconds
            results[task.name][name] = figures
            print(f"  {task.name}: mrr {figures['mrr']:.3f} in {seconds:.0f} s", file=sys.stderr)
        del embedder
        if args.json:
            args.json.write_text(json.dumps(results, indent=1))

    for task in tasks:
        print(f"\n{task.name} ({task.language}): {len(task.queries)} queries, corpus {len(task.corpus)}")
        print("| embedder | R@1 | R@5 | MRR | macro-MRR | texts/s |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, figures in results[task.name].items():
            speed = f"{figures['texts_per_s']:.0f}" if "texts_per_s" in figures else ""
            print(
                f"| {name} | {figures['r@1']:.3f} | {figures['r@5']:.3f} | {figures['mrr']:.3f} "
                f"| {figures['macro_mrr']:.3f} | {speed} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
