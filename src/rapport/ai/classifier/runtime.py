"""Running a trained version: its card (card.json), and the two runtimes that implement TextClassifier.

A version folder holds:
  card.json          labels, encoder, max_length, temperature, threshold, which runtime is served, data hash
  report.json        the evaluation report (metrics.py, pipeline.py)
  confusion.png      the confusion matrix of the held-out test split (validation when there is none)
  model-int8.onnx    the int8 graph; serving it needs onnxruntime and `tokenizers` only, not PyTorch
  torch/             config.json + model.safetensors (PyTorch weights; the word embeddings may be the base's)
  tokenizer.json     the encoder's tokenizer
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.classifier.base import Matrix, TextClassifier, length_batches
from rapport.ai.classifier.encoders import Tokens, get_encoder

ONNX_INT8 = "onnx-int8"
TORCH = "torch"
RUNTIMES = (ONNX_INT8, TORCH)


@dataclass
class Card:
    name: str
    version: int
    task: str
    labels: list[str]
    encoder: str
    max_length: int
    temperature: float = 1.0
    threshold: float = 0.0
    runtime: str = TORCH  # what serving uses: int8 when it loses at most 0.5 accuracy points, else torch
    shared_embeddings: bool = False
    data_hash: str = ""
    created_at: str = ""
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def write(self, folder: Path) -> None:
        (folder / "card.json").write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Card:
        values = json.loads((folder / "card.json").read_text(encoding="utf-8"))
        return cls(**{key: value for key, value in values.items() if key in cls.__dataclass_fields__})


def tokens_for(card: Card, folder: Path) -> Tokens:
    encoder = get_encoder(card.encoder)
    return Tokens(
        folder / "tokenizer.json", max_length=card.max_length, pad_token=encoder.model.pad_token, prefix=encoder.prefix
    )


class OnnxClassifier:
    """The int8 ONNX graph in onnxruntime. `threads`: intra-op threads of this session (default: onnxruntime's)."""

    def __init__(
        self,
        name: str,
        labels: list[str],
        path: Path,
        tokens: Tokens,
        *,
        threads: int | None = None,
        batch_size: int = 32,
    ) -> None:
        self.name = name
        self.labels = labels
        self.path = path
        self.tokens = tokens
        self.threads = threads
        self.batch_size = batch_size
        self._session: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self._load()

    def logits(self, texts: Sequence[str]) -> Matrix:
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        session = self._load()
        rows = self.tokens.encode(texts)
        for batch in length_batches([len(row) for row in rows], self.batch_size):
            ids, mask = self.tokens.pad([rows[i] for i in batch])
            (logits,) = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})
            out[batch] = logits
        return out

    def _load(self) -> Any:
        with self._lock:
            if self._session is None:
                import onnxruntime  # type: ignore[import-untyped]

                options = onnxruntime.SessionOptions()
                if self.threads:
                    options.intra_op_num_threads = self.threads
                    options.inter_op_num_threads = 1
                self._session = onnxruntime.InferenceSession(
                    str(self.path), sess_options=options, providers=["CPUExecutionProvider"]
                )
            return self._session


class TorchClassifier:
    """The PyTorch network (float32), on a GPU when there is one."""

    def __init__(
        self,
        name: str,
        labels: list[str],
        folder: Path,
        base: Path | None,
        tokens: Tokens,
        *,
        batch_size: int = 32,
        device: str | None = None,
    ) -> None:
        self.name = name
        self.labels = labels
        self.folder = folder
        self.base = base
        self.tokens = tokens
        self.batch_size = batch_size
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        self._load()

    def logits(self, texts: Sequence[str]) -> Matrix:
        import torch

        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        if not texts:
            return out
        model, device = self._load()
        rows = self.tokens.encode(texts)
        with torch.no_grad():
            for batch in length_batches([len(row) for row in rows], self.batch_size):
                ids, mask = self.tokens.pad([rows[i] for i in batch])
                result = model(
                    input_ids=torch.from_numpy(ids).to(device), attention_mask=torch.from_numpy(mask).to(device)
                )
                out[batch] = result.logits.float().cpu().numpy()
        return out

    def _load(self) -> tuple[Any, str]:
        with self._lock:
            if self._model is None:
                from rapport.ai.classifier import network
                from rapport.ai.classifier.finetune import pick_device

                self.device = pick_device(self.device)
                self._model = network.move(network.load(self.folder, self.base), self.device)
            return self._model, str(self.device)


def open_version(
    folder: Path, data_dir: Path, *, runtime: str | None = None, threads: int | None = None
) -> tuple[Card, TextClassifier]:
    """The card of the version in `folder` and a classifier running it (the card's runtime unless one is given)."""
    card = Card.read(folder)
    tokens = tokens_for(card, folder)
    chosen = runtime or card.runtime
    if chosen == ONNX_INT8:
        return card, OnnxClassifier(card.label, card.labels, folder / "model-int8.onnx", tokens, threads=threads)
    base = get_encoder(card.encoder).folder(data_dir) if card.shared_embeddings else None
    return card, TorchClassifier(card.label, card.labels, folder / "torch", base, tokens)
