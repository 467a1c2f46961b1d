"""Shared by the evaluation scripts (eval/banking77.py, clinc150.py, cais.py): train a version exactly as the product
does, then score a separate set of texts with both runtimes and the baseline. Nothing here reads a test split to
choose anything; the caller passes texts the training never saw.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rapport.ai.classifier.base import Matrix, softmax
from rapport.ai.classifier.data import Example
from rapport.ai.classifier.finetune import Progress
from rapport.ai.classifier.pipeline import TrainPlan, speed, train_version
from rapport.ai.classifier.runtime import ONNX_INT8, TORCH, Card, open_version


@dataclass
class Scored:
    card: Card
    report: dict[str, Any]  # the version's own report (on its validation split)
    probs: dict[str, Matrix]  # calibrated probabilities on the given texts: "onnx-int8", "torch", "baseline"
    speed: dict[str, dict[str, float]]
    seconds: float
    folder: Path  # removed after scoring unless `keep`


def train_and_score(
    train: Sequence[Example],
    texts: Sequence[str],
    plan: TrainPlan,
    *,
    data_dir: Path,
    workdir: Path,
    on_progress: Progress | None = None,
    keep: bool = False,
) -> Scored:
    """Train on `train` (validation carved from it, no test split) and score `texts` every way."""
    started = time.perf_counter()
    folder = workdir / f"{plan.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    trained = train_version(train, replace(plan, test=0.0), data_dir=data_dir, folder=folder, on_progress=on_progress)
    probs: dict[str, Matrix] = {}
    speeds: dict[str, dict[str, float]] = {}
    for runtime in (ONNX_INT8, TORCH):
        card, classifier = open_version(folder, data_dir, runtime=runtime)
        probs[runtime] = softmax(classifier.logits(texts), card.temperature)
        speeds[runtime] = speed(classifier, texts)
    if plan.baseline:
        from rapport.ai.classifier.baseline import Baseline
        from rapport.ai.classifier.encoders import get_encoder
        from rapport.ai.embeddings import build_embedder

        embedder = build_embedder(get_encoder(trained.card.encoder).embedder, data_dir, batch_size=64)
        probs["baseline"] = Baseline.load(folder / "baseline.npz", embedder).predict_proba(texts)
    if not keep:
        shutil.rmtree(folder, ignore_errors=True)
    return Scored(trained.card, trained.report, probs, speeds, time.perf_counter() - started, folder)
