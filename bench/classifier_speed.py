"""Serving speed: the int8 ONNX classifier against Hugging Face's `pipeline("text-classification")` on the same
fine-tuned model, the same texts, in the same run. Goal: at least 3x the messages per second, at most 0.5 accuracy
points lost.

    .venv/bin/python bench/classifier_speed.py                       # fold 0 of eval/banking77.py --keep
    .venv/bin/python bench/classifier_speed.py --version-dir var/models/classifiers/ticket-intent/3 --data t.csv

By default it takes the model eval/banking77.py kept for fold 0 (`--keep`) and that fold's 2,001 held-out texts
(the same stratified split, seed 13), which the model never saw. `--requantise` first rebuilds the int8 graph from the
kept PyTorch weights with the current compression code. Three ways run, one after another, with the same
thread count (`--threads`, default 2):
- pipeline: transformers' text-classification pipeline over the PyTorch float32 network, batches of 32 (as given);
- torch (ours): the same float32 network, batches of similar length (rapport's TorchClassifier);
- int8 ONNX (ours): the quantised graph in onnxruntime, batches of similar length (what Rapport serves);
and both of ours again fed the pipeline's own batches (32 at a time, in the given order), which separates what the
int8 graph buys from what sorting by length buys.
Every timing includes tokenisation; each way is warmed up first and timed over all texts `--repeat` times (best).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.classifier.data import Example, folds, read_examples
from rapport.ai.classifier.encoders import get_encoder
from rapport.ai.classifier.runtime import ONNX_INT8, TORCH, Card, open_version

BANKING77 = Path("/work/shared/datasets/banking77/train.csv")


def default_version_dir(data_dir: Path) -> Path:
    found = sorted((data_dir / "eval" / "banking77" / "fold0").glob("banking77-*"))
    if not found:
        raise SystemExit("no kept Banking77 model: run eval/banking77.py --only 0 --keep first, or pass --version-dir")
    return found[-1]


def timed(predict: Callable[[Sequence[str]], list[str]], texts: Sequence[str], repeat: int) -> tuple[list[str], float]:
    predict(texts[:64])  # warm up: first calls allocate and pick kernels
    best, labels = float("inf"), []
    for _ in range(repeat):
        started = time.perf_counter()
        labels = predict(texts)
        best = min(best, time.perf_counter() - started)
    return labels, len(texts) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    parser.add_argument("--version-dir", type=Path, help="A version folder (default: the kept Banking77 fold-0 model).")
    parser.add_argument(
        "--data", type=Path, help="Labelled texts to score (default: Banking77 fold 0's held-out rows)."
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--limit", type=int, help="Score only the first N texts.")
    parser.add_argument(
        "--requantise", action="store_true", help="Re-export the int8 graph with the current compression code first."
    )
    args = parser.parse_args()

    folder = args.version_dir or default_version_dir(args.data_dir)
    examples: list[Example] = (
        read_examples(args.data) if args.data else folds(read_examples(BANKING77), 5, seed=13)[0][1]
    )
    examples = examples[: args.limit] if args.limit else examples
    card = Card.read(folder)
    if args.requantise:
        from rapport.ai.classifier.compress import export_int8

        base = get_encoder(card.encoder).folder(args.data_dir)
        export_int8(folder / "torch", base if card.shared_embeddings else None, folder / "model-int8.onnx")
    known = [e for e in examples if e.label in card.labels]
    texts, truth = [e.text for e in known], [e.label for e in known]
    print(f"{card.label} ({card.encoder}, max_length {card.max_length}) on {len(texts)} texts, {args.threads} threads")

    import torch

    torch.set_num_threads(args.threads)
    results: dict[str, tuple[float, float]] = {}
    results["pipeline"] = measure(hf_pipeline(folder, card, args), texts, truth, args.repeat)
    for runtime in (TORCH, ONNX_INT8):
        _, classifier = open_version(folder, args.data_dir, runtime=runtime, threads=args.threads)
        results[runtime] = measure(ours(classifier, card, None), texts, truth, args.repeat)
        # The same runtime fed the pipeline's batches (32 in the given order): what the int8 graph alone buys.
        results[f"{runtime}, unsorted"] = measure(ours(classifier, card, args.batch_size), texts, truth, args.repeat)

    base_accuracy, base_speed = results["pipeline"]
    print(f"\n{'way':<28}{'accuracy':>10}{'messages/s':>13}{'speed-up':>10}")
    names = {
        "pipeline": "HF pipeline, float32",
        TORCH: "rapport torch, float32",
        f"{TORCH}, unsorted": "  same, pipeline's batches",
        ONNX_INT8: "rapport int8 ONNX",
        f"{ONNX_INT8}, unsorted": "  same, pipeline's batches",
    }
    for key, (accuracy, speed) in results.items():
        print(f"{names[key]:<28}{accuracy:>10.4f}{speed:>13.1f}{speed / base_speed:>9.2f}x")
    accuracy, speed = results[ONNX_INT8]
    lost = (base_accuracy - accuracy) * 100
    verdict = "meets" if speed / base_speed >= 3 and lost <= 0.5 else "misses"
    print(
        f"\nint8 ONNX: {speed / base_speed:.2f}x the pipeline's speed, {lost:+.2f} accuracy points lost: {verdict} "
        "the goal (>= 3x, <= 0.5 points)"
    )


def ours(classifier: Any, card: Card, batch_size: int | None) -> Callable[[Sequence[str]], list[str]]:
    """Our runtime as a labeller; with `batch_size`, fed batches in the given order instead of all texts at once."""

    def predict(texts: Sequence[str]) -> list[str]:
        step = batch_size or max(len(texts), 1)
        logits = np.vstack([classifier.logits(texts[i : i + step]) for i in range(0, len(texts), step)])
        return [card.labels[i] for i in logits.argmax(axis=1)]

    return predict


def measure(
    predict: Callable[[Sequence[str]], list[str]], texts: Sequence[str], truth: Sequence[str], repeat: int
) -> tuple[float, float]:
    labels, speed = timed(predict, texts, repeat)
    return float(np.mean([a == b for a, b in zip(labels, truth, strict=True)])), speed


def hf_pipeline(folder: Path, card: Card, args: argparse.Namespace) -> Callable[[Sequence[str]], list[str]]:
    from transformers import AutoTokenizer, pipeline
    from transformers.utils import logging as hf_logging

    # It logs an error that our network class is not one of its own; it runs it all the same.
    hf_logging.set_verbosity(hf_logging.CRITICAL)
    from rapport.ai.classifier import network

    encoder = get_encoder(card.encoder)
    base = encoder.folder(args.data_dir)
    model = network.load(folder / "torch", base if card.shared_embeddings else None)
    tokenizer = AutoTokenizer.from_pretrained(str(base), local_files_only=True)
    classify = pipeline("text-classification", model=model, tokenizer=tokenizer, device="cpu")

    def predict(texts: Sequence[str]) -> list[str]:
        found = classify(
            [encoder.prefix + t for t in texts], batch_size=args.batch_size, truncation=True, max_length=card.max_length
        )
        return [item["label"] for item in found]

    return predict


if __name__ == "__main__":
    sys.exit(main())
