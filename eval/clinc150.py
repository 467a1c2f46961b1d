"""CLINC150: in-scope intent accuracy and out-of-scope recall on the official validation split (the test split is
held out of shared/datasets), with the out-of-scope flag coming from calibrated confidence alone.

    .venv/bin/python eval/clinc150.py                         # train on train (15,000), score val (3,000 + 100 oos)
    .venv/bin/python eval/clinc150.py --json clinc.json --epochs 3

The classifier is trained as `rapport model train` trains one, on the 150 in-scope intents of `train` only (the
oos_train rows are not used): a validation split (10%) carved from `train` picks the epoch, fits the temperature and
sets the uncertainty threshold (the confidence 95% of correct validation predictions reach). Nothing is chosen on the
official validation split; it is only scored:
- in-scope accuracy: share of the 3,000 in-scope queries whose top label is right (no rejection), and "with
  rejection" (Larson et al.'s oos-threshold measure): right and not flagged as out of scope;
- out-of-scope recall: share of the 100 oos queries flagged (confidence below the threshold).
A sweep over other thresholds is printed for reading only (choosing one there would be tuning on the scored split).
Published BERT (Larson et al. 2019, test split): 96.2 in-scope accuracy / 52.3 out-of-scope recall (oos-threshold).
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
from rapport.ai.classifier.data import Example, sample
from rapport.ai.classifier.finetune import FinetuneConfig
from rapport.ai.classifier.pipeline import TrainPlan

DATA = Path("/work/shared/datasets/clinc150/data_full_train_val.json")
SWEEP = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", default="val", help="Which split to score: val (default), or test in a full copy.")
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--sample", type=int, help="Train on a stratified sample of this many rows (smoke run).")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("RAPPORT_DATA_DIR", "var")))
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    data = json.loads(args.data.read_text(encoding="utf-8"))
    train = [Example(text=text, label=label) for text, label in data["train"]]
    if args.sample:
        train = sample(train, args.sample, seed=args.seed)
    in_scope = [Example(text=text, label=label) for text, label in data[args.split]]
    out_of_scope = [text for text, _ in data[f"oos_{args.split}"]]
    plan = TrainPlan(
        name="clinc150",
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

    texts = [e.text for e in in_scope] + out_of_scope
    scored = train_and_score(
        train, texts, plan, data_dir=args.data_dir, workdir=args.data_dir / "eval" / "clinc150", on_progress=progress
    )
    index = {label: i for i, label in enumerate(scored.card.labels)}
    y = np.array([index[e.label] for e in in_scope])
    n_in = len(in_scope)
    results: dict[str, Any] = {
        "split": args.split,
        "train": len(train),
        "in_scope": n_in,
        "out_of_scope": len(out_of_scope),
        "plan": plan.as_dict(),
        "threshold": scored.card.threshold,
        "temperature": scored.card.temperature,
        "served": scored.card.runtime,
        "training": {k: scored.report["training"][k] for k in ("best_epoch", "seconds", "stopped_early")},
        "speed": scored.speed,
    }
    for kind, probs in scored.probs.items():
        inside, outside = probs[:n_in], probs[n_in:]
        report = metrics.report(scored.card.labels, y, inside)
        row: dict[str, Any] = {
            "in_scope_accuracy": report["accuracy"],
            "macro_f1": report["macro_f1"],
            "ece": report["ece"],
        }
        if kind != "baseline":  # the baseline has no calibrated threshold of its own
            row |= flagging(inside, outside, y, scored.card.threshold)
            row["sweep"] = {str(t): flagging(inside, outside, y, t) for t in SWEEP}
        results[kind] = row
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    served = results[scored.card.runtime]
    print(
        f"\nCLINC150 {args.split}: in-scope accuracy {served['in_scope_accuracy']:.4f} "
        f"(with rejection {served['in_scope_accuracy_with_rejection']:.4f}), out-of-scope recall "
        f"{served['oos_recall']:.4f} at threshold {scored.card.threshold} ({scored.card.runtime}); "
        f"baseline in-scope accuracy {results.get('baseline', {}).get('in_scope_accuracy', 'n/a')}"
    )


def flagging(inside: np.ndarray, outside: np.ndarray, y: np.ndarray, threshold: float) -> dict[str, float]:  # type: ignore[type-arg]
    kept = inside.max(axis=1) >= threshold
    right = inside.argmax(axis=1) == y
    return {
        "in_scope_accuracy_with_rejection": round(float((right & kept).mean()), 4),
        "in_scope_flagged": round(float(1 - kept.mean()), 4),
        "oos_recall": round(float((outside.max(axis=1) < threshold).mean()), 4) if len(outside) else 0.0,
    }


if __name__ == "__main__":
    sys.exit(main())
