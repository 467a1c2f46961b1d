"""Banking77 intent accuracy of the fine-tuned classifier and the frozen-embedding baseline, by stratified k-fold
cross-validation over the official training file (the official test split is held out of shared/datasets).

    .venv/bin/python eval/banking77.py                                  # 5-fold CV (hours on 2 busy cores)
    .venv/bin/python eval/banking77.py --folds 5 --only 0,1 --json a.json   # some folds now, the rest later
    .venv/bin/python eval/banking77.py --test banking_data/test.csv     # train on all of train.csv, score a test file

Each fold trains exactly as `rapport model train` does: a validation split (10%) is carved from the training folds for
early stopping, temperature scaling and the int8-or-float32 choice; the held-out fold is only scored. Reported per
fold and as mean ± standard deviation: accuracy and macro-F1 of the int8 ONNX model (what is served), the float32
PyTorch model, and the baseline; and the int8 model's throughput (messages/s, batches of 32) on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.classifier import metrics
from rapport.ai.classifier.benchmark import train_and_score
from rapport.ai.classifier.data import Example, folds, read_examples, sample
from rapport.ai.classifier.finetune import FinetuneConfig
from rapport.ai.classifier.pipeline import TrainPlan

DATA = Path("/work/shared/datasets/banking77/train.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("BANKING77_TRAIN", DATA)))
    parser.add_argument("--test", type=Path, help="Score this file (text,category) after training on all of --data.")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--only", help="Comma-separated fold numbers to run (default: all).")
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sample", type=int, help="Use a stratified sample of this many rows (a quick smoke run).")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    parser.add_argument("--json", type=Path, help="Write (and after each fold, update) the results here.")
    parser.add_argument(
        "--keep", action="store_true", help="Keep each fold's model folder (bench/classifier_speed.py)."
    )
    args = parser.parse_args()

    examples = read_examples(args.data)
    if args.sample:
        examples = sample(examples, args.sample, seed=args.seed)
    plan = TrainPlan(
        name="banking77",
        task="intent",
        encoder=args.encoder,
        validation=0.1,
        test=0.0,
        baseline=not args.no_baseline,
        finetune=FinetuneConfig(
            max_length=args.max_length,
            epochs=args.epochs,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            seed=args.seed,
            threads=args.threads,
        ),
    )
    workdir = args.data_dir / "eval" / "banking77"
    results: dict[str, Any] = {"plan": plan.as_dict(), "data": str(args.data), "n": len(examples), "folds": []}
    if args.test:
        pairs = [(examples, read_examples(args.test))]
        results["mode"] = f"train on {args.data.name}, score {args.test}"
    else:
        pairs = folds(examples, args.folds, seed=args.seed)
        results["mode"] = f"{args.folds}-fold stratified cross-validation"
    wanted = {int(i) for i in args.only.split(",")} if args.only else set(range(len(pairs)))
    for number, (train, held_out) in enumerate(pairs):
        if number not in wanted:
            continue
        started = time.perf_counter()
        print(f"fold {number}: training on {len(train)}, scoring {len(held_out)}", flush=True)
        found = score_fold(train, held_out, plan, args.data_dir, workdir / f"fold{number}", keep=args.keep)
        results["folds"].append({"fold": number, **found})
        results["folds"][-1]["seconds"] = round(time.perf_counter() - started)
        print(json.dumps(results["folds"][-1]), flush=True)
        results["summary"] = summary(results["folds"])
        if args.json:
            args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print_table(results)


def score_fold(
    train: list[Example], held_out: list[Example], plan: TrainPlan, data_dir: Path, workdir: Path, *, keep: bool
) -> dict[str, Any]:
    def progress(done: int, total: int, line: str) -> None:
        if done % 50 == 0 or "done:" in line:
            print(f"  step {done}/{total} {line}", flush=True)

    scored = train_and_score(
        train, [e.text for e in held_out], plan, data_dir=data_dir, workdir=workdir, on_progress=progress, keep=keep
    )
    index = {label: i for i, label in enumerate(scored.card.labels)}
    y = np.array([index.get(e.label, -1) for e in held_out])
    out: dict[str, Any] = {
        "folder": str(scored.folder) if keep else None,
        "temperature": scored.card.temperature,
        "served": scored.card.runtime,
        "best_epoch": scored.report["training"]["best_epoch"],
        "train_seconds": scored.report["training"]["seconds"],
        "epoch_seconds": [round(h["seconds"]) for h in scored.report["training"]["history"]],
    }
    for kind, probs in scored.probs.items():
        report = metrics.report(scored.card.labels, y, probs)
        out[kind] = {"accuracy": report["accuracy"], "macro_f1": report["macro_f1"], "ece": report["ece"]}
    for kind, figures in scored.speed.items():
        out[kind] |= figures
    return out


def summary(done: list[dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind in ("onnx-int8", "torch", "baseline"):
        for metric in ("accuracy", "macro_f1", "messages_per_s"):
            values = [fold[kind][metric] for fold in done if kind in fold and metric in fold[kind]]
            if values:
                found[f"{kind}.{metric}"] = {
                    "mean": round(statistics.mean(values), 4),
                    "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0,
                    "folds": len(values),
                }
    return found


def print_table(results: dict[str, Any]) -> None:
    print(f"\nBanking77, {results['mode']}, {len(results['folds'])} fold(s) run")
    print(f"{'model':<34}{'accuracy':>18}{'macro-F1':>18}{'messages/s':>14}")
    names = {
        "onnx-int8": "fine-tuned, int8 ONNX",
        "torch": "fine-tuned, float32 PyTorch",
        "baseline": "frozen embeddings + logistic reg.",
    }
    for kind, title in names.items():
        row = results.get("summary", {})
        if f"{kind}.accuracy" not in row:
            continue
        acc, f1 = row[f"{kind}.accuracy"], row[f"{kind}.macro_f1"]
        speed = row.get(f"{kind}.messages_per_s", {}).get("mean", "")
        print(f"{title:<34}{acc['mean']:>11.4f} ±{acc['std']:.4f}{f1['mean']:>11.4f} ±{f1['std']:.4f}{speed!s:>14}")


if __name__ == "__main__":
    sys.exit(main())
