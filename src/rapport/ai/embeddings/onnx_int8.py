"""OnnxInt8Embedder: a catalogue model exported to ONNX, weights quantised to int8, run by onnxruntime on the CPU.

`export_int8(model, data_dir)` does the export once and writes a self-contained folder
`data_dir/models/embeddings/<model>-int8/` (model.onnx, tokenizer.json, rapport.json); serving needs onnxruntime and
the `tokenizers` library only, not PyTorch. The graph ends in the mean pooling, so it returns one vector per text.

Quantisation is onnxruntime's dynamic kind: weights of every MatMul and of the word-embedding Gather are stored as
int8 with one scale per output channel, activations are quantised per batch at run time, so no calibration data is
needed.
docs/EMBEDDINGS.md has the speed and retrieval quality against the PyTorch model (bench/embeddings.py).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rapport.ai.embeddings.base import EmbeddingKind, Vectors, batches, by_length, empty, normalise
from rapport.ai.embeddings.catalog import LocalModel
from rapport.ai.embeddings.sentence_transformer import offline_hub
from rapport.ai.providers.base import ProviderUnavailable

OPSET = 17
_EXPORT_FORMAT = 2  # bump when the folder's layout changes, so old exports are redone


def int8_folder(model: LocalModel, data_dir: Path) -> Path:
    return data_dir / "models" / "embeddings" / f"{model.name}-int8"


def is_exported(model: LocalModel, data_dir: Path) -> bool:
    meta = int8_folder(model, data_dir) / "rapport.json"
    if not meta.is_file():
        return False
    return bool(json.loads(meta.read_text(encoding="utf-8")).get("format") == _EXPORT_FORMAT)


def export_int8(model: LocalModel, data_dir: Path, *, force: bool = False) -> Path:
    """Export `model` to ONNX, quantise it to int8 and return its folder; a finished export is reused.

    Needs PyTorch, transformers and onnx (the export side); takes about a minute on two cores for e5-small.
    The folder is staged under a temporary name and renamed into place, so a crash leaves no half export.
    """
    target = int8_folder(model, data_dir)
    if is_exported(model, data_dir) and not force:
        return target
    source = model.folder(data_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    staging.chmod(0o755)  # mkdtemp makes it private; the folder is a shared, read-only cache
    try:
        fp32_path = staging / "model-fp32.onnx"
        _export_fp32(source, fp32_path)
        _quantise(fp32_path, staging / "model.onnx")
        fp32_path.unlink()
        shutil.copyfile(source / "tokenizer.json", staging / "tokenizer.json")
        meta = {
            "format": _EXPORT_FORMAT,
            "model": model.name,
            "max_seq_length": model.max_seq_length,
            "pad_token": model.pad_token,
            "quantisation": "onnxruntime dynamic, int8 per-channel weights (MatMul, Gather)",
        }
        (staging / "rapport.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _export_fp32(source: Path, out: Path) -> None:
    offline_hub()
    import torch
    from transformers import AutoModel

    # Eager attention traces into plain MatMul/Softmax, which the int8 quantiser and every onnxruntime build handle.
    encoder = AutoModel.from_pretrained(str(source), local_files_only=True, attn_implementation="eager")
    encoder.eval()

    class MeanPooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled: torch.Tensor = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return pooled

    sample_ids = torch.ones((2, 8), dtype=torch.int64)
    sample_mask = torch.ones((2, 8), dtype=torch.int64)
    # The TorchScript exporter (dynamo=False) needs only `onnx`; the dynamo one would also need onnxscript. Its
    # warnings are expected: it is deprecated (torch is pinned), the traced mask branch compares a padding length that
    # is always 0 for an encoder, and the indexing it warns about never sees negative indices. The batching tests
    # check the exported graph on batches of mixed lengths.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            MeanPooled(),
            (sample_ids, sample_mask),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
            opset_version=OPSET,
            dynamo=False,
        )


def _quantise(source: Path, out: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

    # One scale per output channel instead of per tensor: all-MiniLM's cosine to its fp32 self goes from 0.95 to
    # 0.99 on English and Chinese queries, at the same speed and size.
    quantize_dynamic(
        str(source),
        str(out),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
    )


class OnnxInt8Embedder:
    """Runs the int8 export. `auto_export=True` exports on first load when the folder is missing (needs PyTorch).

    `threads` is onnxruntime's intra-op thread count for this session only (default: onnxruntime's choice).
    """

    def __init__(
        self,
        model: LocalModel,
        data_dir: Path,
        *,
        name: str | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        auto_export: bool = True,
    ) -> None:
        self.name = name or f"{model.name}-int8"
        self.model = model
        self.data_dir = data_dir
        self.batch_size = batch_size
        self.threads = threads
        self.auto_export = auto_export
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def dimension(self) -> int:
        return self.model.dimension

    def warm_up(self) -> None:
        self._load()

    def embed(self, texts: Sequence[str], *, kind: EmbeddingKind) -> Vectors:
        if not texts:
            return empty(self.dimension)
        session, tokenizer = self._load()
        prefix = self.model.prefix(kind)
        order = by_length(texts)
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for chunk in batches(order, self.batch_size):
            encodings = tokenizer.encode_batch([prefix + texts[index] for index in chunk])
            ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
            mask = np.array([encoding.attention_mask for encoding in encodings], dtype=np.int64)
            (pooled,) = session.run(["embedding"], {"input_ids": ids, "attention_mask": mask})
            out[list(chunk)] = pooled
        return normalise(out)

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                folder = int8_folder(self.model, self.data_dir)
                if not is_exported(self.model, self.data_dir):
                    if not self.auto_export:
                        raise ProviderUnavailable(
                            f"no int8 export of {self.model.name} in {folder}; "
                            f"run `python -m rapport.ai.embeddings export {self.model.name}`",
                            provider=self.name,
                        )
                    export_int8(self.model, self.data_dir)
                self._tokenizer = _tokenizer(folder, self.model)
                self._session = _session(folder / "model.onnx", self.threads)
            return self._session, self._tokenizer


def _tokenizer(folder: Path, model: LocalModel) -> Any:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=model.max_seq_length)
    pad_id = tokenizer.token_to_id(model.pad_token)
    tokenizer.enable_padding(pad_id=pad_id, pad_token=model.pad_token)
    return tokenizer


def _session(path: Path, threads: int | None) -> Any:
    import onnxruntime  # type: ignore[import-untyped]

    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
