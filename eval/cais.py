"""CAIS (Chinese smart-speaker commands): intent accuracy and macro-F1 on the validation split (the test split is held
out of shared/datasets), for the fine-tuned multilingual classifier and its frozen-embedding baseline.

    .venv/bin/python eval/cais.py                              # train on ch.train (7,995), score ch.valid (994)
    .venv/bin/python eval/cais.py --encoder minilm --json cais.json

Trained as `rapport model train` trains one: the encoder is chosen by "auto" (e5-small, since the texts are Chinese)
unless given; a validation split (10%) carved from ch.train picks the epoch and fits the calibration; ch.valid is only
scored. PlayMusic is 87% of every split, so accuracy is near-saturated: read macro-F1 (over the 12 intents present in
ch.valid, each weighing the same) beside it. Utterances are rebuilt from the one-character-per-line slot files.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.classifier import metrics
from rapport.ai.classifier.benchmark import train_and_score
from rapport.ai.classifier.data import Example, label_counts
from rapport.ai.classifier.finetune import FinetuneConfig
from rapport.ai.classifier.pipeline import TrainPlan

DATA = Path("/work/shared/datasets/cais_zh_intent")


def read_split(folder: Path, split: str) -> list[Example]:
    """`ch.<split>`: one `char tag` line per character, a blank line between utterances; `.intent`: one label each."""
    utterances, current = [], []
    for line in (folder / f"ch.{split}").read_text(encoding="utf-8").splitlines():
        if line.strip():
            current.append(line.split(" ")[0] or " ")
        elif current:
            utterances.append("".join(current))
            current = []
    if current:
        utterances.append("".join(current))
    intents = [line.strip() for line in (folder / f"ch.{split}.intent").read_text(encoding="utf-8").splitlines()]
    intents = [intent for intent in intents if intent]
    if len(intents) != len(utterances):
        raise SystemExit(f"ch.{split}: {len(utterances)} utterances but {len(intents)} intents")
    return [Example(text=text, label=label) for text, label in zip(utterances, intents, strict=True)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", default="valid", help="Which split to score (valid; test in a full copy).")
    parser.add_argument("--encoder", default="auto")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    train = read_split(args.data, "train")
    scored_split = read_split(args.data, args.split)
    plan = TrainPlan(
        name="cais",
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

    def progress(done: int, total: int, line: str) -> None:
        if done % 50 == 0 or "done:" in line:
            print(f"  step {done}/{total} {line}", flush=True)

    scored = train_and_score(
        train,
        [e.text for e in scored_split],
        plan,
        data_dir=args.data_dir,
        workdir=args.data_dir / "eval" / "cais",
        on_progress=progress,
    )
    index = {label: i for i, label in enumerate(scored.card.labels)}
    known = np.array([e.label in index for e in scored_split])
    y = np.array([index.get(e.label, 0) for e in scored_split])[known]
    results: dict[str, Any] = {
        "split": args.split,
        "train": len(train),
        "scored": int(known.sum()),
        "unknown_labels": int((~known).sum()),
        "labels": label_counts(scored_split),
        "encoder": scored.card.encoder,
        "plan": plan.as_dict(),
        "served": scored.card.runtime,
        "training": {k: scored.report["training"][k] for k in ("best_epoch", "seconds", "stopped_early")},
        "speed": scored.speed,
    }
    for kind, probs in scored.probs.items():
        report = metrics.report(scored.card.labels, y, probs[known])
        results[kind] = {
            "accuracy": report["accuracy"],
            "macro_f1": report["macro_f1"],
            "ece": report["ece"],
            "per_class_f1": {row["label"]: row["f1"] for row in report["per_class"] if row["support"]},
        }
    print(json.dumps(results, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nCAIS {args.split} ({scored.card.encoder}):")
    for kind in ("onnx-int8", "torch", "baseline"):
        if kind in results:
            print(f"  {kind:<10} accuracy {results[kind]['accuracy']:.4f}  macro-F1 {results[kind]['macro_f1']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
