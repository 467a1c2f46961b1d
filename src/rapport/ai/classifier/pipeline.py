"""One training run, start to finish, with no database: split, fine-tune, calibrate, compress, evaluate, write a folder.

Every choice is made on the validation split (carved from the training data): the best epoch, the temperature, the
uncertainty threshold, and whether int8 is served (when it loses at most `max_int8_loss` accuracy on validation).
The held-out test split, when there is one, is only measured: it is what the report shows.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.classifier import calibration, metrics
from rapport.ai.classifier.base import TextClassifier, softmax
from rapport.ai.classifier.data import Example, Splits, data_hash, label_counts, split
from rapport.ai.classifier.encoders import Encoder, Tokens, choose_encoder
from rapport.ai.classifier.finetune import FinetuneConfig, FinetuneResult, Progress
from rapport.ai.classifier.runtime import ONNX_INT8, TORCH, Card, OnnxClassifier, TorchClassifier
from rapport.errors import Invalid
from rapport.kit.clock import utcnow

Stage = Callable[[str, float], None]  # stage name, overall fraction done
MIN_EXAMPLES = 8
SPEED_SAMPLE = 256  # texts timed per runtime: enough for a stable figure, bounded on big evaluation sets


@dataclass(frozen=True)
class TrainPlan:
    name: str
    task: str
    encoder: str = "auto"
    validation: float = 0.1
    test: float = 0.1
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    baseline: bool = True
    keep: float = calibration.DEFAULT_KEEP  # share of correct validation predictions above the threshold
    max_int8_loss: float = 0.005  # accuracy int8 may lose (on validation) and still be served

    def as_dict(self) -> dict[str, Any]:
        values = asdict(self)
        values["finetune"] = self.finetune.as_dict()
        return values


@dataclass
class Trained:
    card: Card
    report: dict[str, Any]
    folder: Path


def check(examples: Sequence[Example]) -> list[str]:
    """The sorted labels, or Invalid when the data cannot train a classifier."""
    labels = sorted({example.label for example in examples})
    if len(examples) < MIN_EXAMPLES or len(labels) < 2:
        raise Invalid(
            f"training needs at least {MIN_EXAMPLES} examples and 2 labels; got {len(examples)}, {len(labels)}"
        )
    return labels


def train_version(
    examples: Sequence[Example],
    plan: TrainPlan,
    *,
    data_dir: Path,
    folder: Path,
    version: int = 0,
    on_progress: Progress | None = None,
    on_stage: Stage | None = None,
) -> Trained:
    """Train on `examples` and write a complete version folder at `folder` (which must not exist yet)."""
    stage = on_stage or (lambda _name, _fraction: None)
    labels = check(examples)
    stage("preparing", 0.0)
    started = time.perf_counter()
    splits = split(examples, validation=plan.validation, test=plan.test, seed=plan.finetune.seed)
    encoder = choose_encoder(plan.encoder, [example.text for example in splits.train])
    base = encoder.folder(data_dir)
    tokens = Tokens(
        base / "tokenizer.json", max_length=plan.finetune.max_length, pad_token=encoder.model.pad_token,
        prefix=encoder.prefix,
    )  # fmt: skip
    tuned = _fine_tune(base, tokens, labels, splits, plan, stage, on_progress)
    stage("calibrating", 0.8)
    y_val = _indices(splits.validation, labels)
    val_logits = tuned.val_logits if tuned.val_logits is not None else np.zeros((0, len(labels)), dtype=np.float32)
    calibrated = calibration.calibrate(val_logits, y_val, keep=plan.keep)
    stage("compressing", 0.83)
    runners = _save_and_compress(tuned, base, tokens, labels, folder, plan)
    stage("evaluating", 0.88)
    compared = _compare(runners, splits, labels, val_logits, calibrated["temperature"], plan)
    stage("baseline", 0.94)
    baseline = _baseline(encoder, data_dir, labels, splits, compared, folder, plan) if plan.baseline else None
    card = Card(
        name=plan.name,
        version=version,
        task=plan.task,
        labels=labels,
        encoder=encoder.name,
        max_length=plan.finetune.max_length,
        temperature=calibrated["temperature"],
        threshold=calibrated["threshold"],
        runtime=compared.served,
        shared_embeddings=plan.finetune.freeze_embeddings,
        data_hash=data_hash(examples),
        created_at=utcnow().isoformat(),
        params=plan.as_dict() | {"encoder": encoder.name},
    )
    report = _report(card, examples, splits, tuned, compared, calibrated, baseline)
    report["seconds"] = round(time.perf_counter() - started, 1)
    metrics.confusion_png(
        labels, report["confusion"]["matrix"], folder / "confusion.png",
        title=f"{plan.name}: {compared.held_name} split, {compared.served}",
    )  # fmt: skip
    card.write(folder)
    write_report(folder, report)
    stage("done", 1.0)
    return Trained(card=card, report=report, folder=folder)


def _fine_tune(
    base: Path,
    tokens: Tokens,
    labels: list[str],
    splits: Splits,
    plan: TrainPlan,
    stage: Stage,
    on_progress: Progress | None,
) -> FinetuneResult:
    from rapport.ai.classifier.finetune import finetune

    def progress(done: int, total: int, line: str) -> None:
        stage("fine-tuning", 0.02 + 0.78 * done / max(total, 1))
        if on_progress:
            on_progress(done, total, line)

    train, validation = _pairs(splits.train), _pairs(splits.validation)
    return finetune(base, tokens, labels, train, validation, plan.finetune, on_progress=progress)


def _save_and_compress(
    tuned: FinetuneResult, base: Path, tokens: Tokens, labels: list[str], folder: Path, plan: TrainPlan
) -> dict[str, TextClassifier]:
    """Write the PyTorch weights and the int8 graph into `folder`; a runner for each."""
    from rapport.ai.classifier import compress, network

    shared = base if plan.finetune.freeze_embeddings else None
    folder.mkdir(parents=True)
    network.save(tuned.model, folder / "torch", shared_embeddings=plan.finetune.freeze_embeddings)
    shutil.copyfile(base / "tokenizer.json", folder / "tokenizer.json")
    compress.export_int8(folder / "torch", shared, folder / "model-int8.onnx")
    return {
        TORCH: TorchClassifier("torch", labels, folder / "torch", shared, tokens),
        ONNX_INT8: OnnxClassifier("int8", labels, folder / "model-int8.onnx", tokens),
    }


@dataclass
class _Compared:
    served: str
    held_name: str  # "test", or "validation" when there is no test split
    held_out: list[Example]
    y_held: np.ndarray[Any, Any]
    probs: Any  # the served runtime's calibrated probabilities on the held-out texts
    report: dict[str, Any]  # metrics.report of the served runtime on the held-out texts
    runtimes: dict[str, dict[str, Any]]


def _compare(
    runners: dict[str, TextClassifier],
    splits: Splits,
    labels: list[str],
    val_logits: Any,
    temperature: float,
    plan: TrainPlan,
) -> _Compared:
    """Choose the served runtime on validation, then measure both on the held-out split, side by side."""
    y_val = _indices(splits.validation, labels)
    validation_accuracy = {TORCH: 0.0, ONNX_INT8: 0.0}
    if len(y_val):
        validation_accuracy[TORCH] = metrics.accuracy(y_val, val_logits.argmax(axis=1))
        int8_logits = runners[ONNX_INT8].logits([e.text for e in splits.validation])
        validation_accuracy[ONNX_INT8] = metrics.accuracy(y_val, int8_logits.argmax(axis=1))
    is_int8_good = validation_accuracy[TORCH] - validation_accuracy[ONNX_INT8] <= plan.max_int8_loss
    served = ONNX_INT8 if is_int8_good else TORCH
    held_out, held_name = (splits.test, "test") if splits.test else (splits.validation, "validation")
    y_held = _indices(held_out, labels)
    texts = [example.text for example in held_out]
    compared = _Compared(served, held_name, held_out, y_held, None, {}, {})
    for runtime, runner in runners.items():
        probs = softmax(runner.logits(texts), temperature)
        measured = metrics.report(labels, y_held, probs)
        compared.runtimes[runtime] = {
            "accuracy": measured["accuracy"],
            "macro_f1": measured["macro_f1"],
            "validation_accuracy": round(validation_accuracy[runtime], 4),
            **speed(runner, texts or [e.text for e in splits.train]),
        }
        if runtime == served:
            compared.probs, compared.report = probs, measured
    return compared


def _report(
    card: Card,
    examples: Sequence[Example],
    splits: Splits,
    tuned: FinetuneResult,
    compared: _Compared,
    calibrated: dict[str, float],
    baseline: dict[str, Any] | None,
) -> dict[str, Any]:
    probs, y_held = compared.probs, compared.y_held
    confident = probs.max(axis=1) >= card.threshold if len(y_held) else np.zeros(0, dtype=bool)
    kept = metrics.accuracy(y_held[confident], probs[confident].argmax(axis=1)) if confident.any() else 0.0
    return {
        "evaluated_on": compared.held_name,
        **compared.report,
        "served_runtime": compared.served,
        "runtimes": compared.runtimes,
        "baseline": baseline,
        "calibration": calibrated,
        "uncertain_share": round(float(1 - confident.mean()), 4) if len(confident) else 0.0,
        "accuracy_when_confident": round(kept, 4),
        "data": {
            "hash": card.data_hash,
            "n": len(examples),
            "train": len(splits.train),
            "validation": len(splits.validation),
            "test": len(splits.test),
            "labels": label_counts(examples),
        },
        "training": {
            "device": tuned.device,
            "best_epoch": tuned.best_epoch,
            "stopped_early": tuned.stopped_early,
            "seconds": round(tuned.seconds, 1),
            "history": [asdict(record) for record in tuned.history],
        },
    }


def write_report(folder: Path, report: dict[str, Any]) -> None:
    import json

    (folder / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")


def speed(runner: TextClassifier, texts: Sequence[str]) -> dict[str, float]:
    """Throughput in batches of 32 and the median latency of one message alone, on up to SPEED_SAMPLE texts."""
    sample = list(texts[:SPEED_SAMPLE])
    runner.logits(sample[:8])  # warm up: first calls allocate
    started = time.perf_counter()
    runner.logits(sample)
    throughput = len(sample) / max(time.perf_counter() - started, 1e-9)
    singles = []
    for text in sample[:20]:
        one = time.perf_counter()
        runner.logits([text])
        singles.append((time.perf_counter() - one) * 1000)
    return {"messages_per_s": round(throughput, 1), "latency_ms_p50": round(statistics.median(singles), 2)}


def _pairs(examples: Sequence[Example]) -> list[tuple[str, str]]:
    return [(example.text, example.label) for example in examples]


def _indices(examples: Sequence[Example], labels: list[str]) -> np.ndarray[Any, Any]:
    index = {label: i for i, label in enumerate(labels)}
    return np.array([index[example.label] for example in examples], dtype=np.int64)


def _baseline(
    encoder: Encoder,
    data_dir: Path,
    labels: list[str],
    splits: Splits,
    compared: _Compared,
    folder: Path,
    plan: TrainPlan,
) -> dict[str, Any]:
    from rapport.ai.classifier.baseline import train_baseline
    from rapport.ai.embeddings import build_embedder

    embedder = build_embedder(encoder.embedder, data_dir, batch_size=64)
    model = train_baseline(embedder, labels, _pairs(splits.train), _pairs(splits.validation), seed=plan.finetune.seed)
    model.save(folder / "baseline.npz")
    measured = metrics.report(labels, compared.y_held, model.predict_proba([e.text for e in compared.held_out]))
    return {
        "kind": f"frozen {encoder.embedder} embeddings + logistic regression (C={model.c:g})",
        "accuracy": measured["accuracy"],
        "macro_f1": measured["macro_f1"],
        "ece": measured["ece"],
        "train_seconds": round(model.seconds, 1),
    }
