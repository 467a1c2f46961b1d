"""Compression: the fine-tuned network exported to ONNX and its weights quantised to int8 for onnxruntime on the CPU.

Quantisation is onnxruntime's dynamic kind (`quantize_dynamic`): MatMul weights and the word-embedding Gather are
stored as int8 with one scale per output channel, activations are quantised per batch at run time, so no calibration
data is needed. Per-channel scales were chosen on a validation split: on Banking77 (fold 0's validation part, 802
texts) one scale per tensor lost 0.75 accuracy points against float32, one per channel 0.37, at the same speed.
The export uses eager attention, which traces to plain MatMul/Softmax nodes that the quantiser handles. The float32
export is a temporary file: the int8 graph and the PyTorch weights are what a version keeps.
"""

from __future__ import annotations

import logging
import tempfile
import warnings
from pathlib import Path

OPSET = 17


def export_int8(torch_folder: Path, base: Path | None, out: Path, *, per_channel: bool = True) -> Path:
    """Write `out` (int8 ONNX) from a saved network folder; returns `out`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic  # type: ignore[import-untyped]

    from rapport.ai.classifier import network

    model = network.load(torch_folder, base, attention="eager")
    sample = (torch.ones((2, 8), dtype=torch.int64), torch.ones((2, 8), dtype=torch.int64))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".export.") as staging:
        fp32 = Path(staging) / "model-fp32.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            # Tracing warns about Python-level branches in transformers' masking code; those do not depend on the
            # batch shape, which the dynamic axes below keep free.
            warnings.simplefilter("ignore")
            # The TorchScript exporter (dynamo=False) needs only `onnx`; the dynamo one would also need onnxscript.
            torch.onnx.export(
                network.LogitsOnly(model),
                sample,
                str(fp32),
                input_names=["input_ids", "attention_mask"],
                output_names=["logits"],
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}},
                opset_version=OPSET,
                dynamo=False,
            )
        logging.disable(logging.WARNING)  # the quantiser logs advice ("run pre-processing") on the root logger
        try:
            quantize_dynamic(
                str(fp32),
                str(out),
                weight_type=QuantType.QInt8,
                op_types_to_quantize=["MatMul", "Gather"],
                per_channel=per_channel,
            )
        finally:
            logging.disable(logging.NOTSET)
    return out
