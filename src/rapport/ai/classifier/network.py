"""The fine-tuned network: a BERT encoder, mean pooling over real tokens, dropout and one linear layer.

Mean pooling rather than BERT's [CLS] pooler because both packaged encoders were trained as sentence encoders with
mean pooling (e5's converted folder even has an all-zero pooler). The class is a transformers `PreTrainedModel`, so
a Hugging Face `pipeline("text-classification", model=...)` can run it (bench/classifier_speed.py compares against
exactly that).

Saved folders keep the word-embedding table out when it was frozen during training: it is then identical to the
base encoder's, which is an installed package, and leaving it out saves 45 MB (MiniLM) or 384 MB (e5) per version.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import BertConfig, BertModel, BertPreTrainedModel
from transformers.modeling_outputs import SequenceClassifierOutput

WORD_EMBEDDINGS = "bert.embeddings.word_embeddings.weight"


class MeanPoolClassifier(BertPreTrainedModel):  # type: ignore[no-untyped-call]  # transformers is partly typed
    def __init__(self, config: BertConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels or 0)
        self.post_init()  # type: ignore[no-untyped-call]

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **_: Any,
    ) -> SequenceClassifierOutput:
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        logits = self.classifier(self.dropout(pooled))
        loss = nn.functional.cross_entropy(logits, labels) if labels is not None else None
        return SequenceClassifierOutput(loss=loss, logits=logits)


class LogitsOnly(nn.Module):
    """What the ONNX graph holds: ids and mask in, logits out."""

    def __init__(self, model: MeanPoolClassifier) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        logits: torch.Tensor = self.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return logits


def from_encoder(base: Path, labels: list[str], *, attention: str = "sdpa") -> MeanPoolClassifier:
    """A new classifier over the encoder in `base` (a sentence-transformers folder); the head starts random."""
    config = BertConfig.from_pretrained(str(base), local_files_only=True)
    config.num_labels = len(labels)
    config.id2label = dict(enumerate(labels))
    config.label2id = {label: index for index, label in enumerate(labels)}
    config.architectures = ["MeanPoolClassifier"]
    config._attn_implementation = attention
    model = MeanPoolClassifier(config)
    state = {key: value for key, value in load_file(str(base / "model.safetensors")).items() if "pooler" not in key}
    missing, unexpected = model.bert.load_state_dict(state, strict=False)
    if missing or [key for key in unexpected if not key.endswith("position_ids")]:
        raise ValueError(f"{base} is not a BERT encoder: missing {missing[:3]}, unexpected {unexpected[:3]}")
    return model


def freeze_word_embeddings(model: MeanPoolClassifier) -> None:
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)


def save(model: MeanPoolClassifier, folder: Path, *, shared_embeddings: bool) -> None:
    """config.json and model.safetensors; without the word embeddings when `shared_embeddings` (they were frozen)."""
    folder.mkdir(parents=True, exist_ok=True)
    model.config.to_json_file(str(folder / "config.json"))
    state = {key: value.detach().contiguous() for key, value in model.state_dict().items()}
    if shared_embeddings:
        state.pop(WORD_EMBEDDINGS)
    save_file(state, str(folder / "model.safetensors"), metadata={"format": "pt"})
    (folder / "rapport.json").write_text(json.dumps({"shared_embeddings": shared_embeddings}), encoding="utf-8")


def load(folder: Path, base: Path | None, *, attention: str = "sdpa") -> MeanPoolClassifier:
    """A saved classifier; `base` is the encoder folder that holds the word embeddings when they were left out."""
    config = BertConfig.from_json_file(str(folder / "config.json"))
    config._attn_implementation = attention
    model = MeanPoolClassifier(config)
    state = load_file(str(folder / "model.safetensors"))
    if WORD_EMBEDDINGS not in state:
        if base is None:
            raise ValueError(f"{folder} shares its word embeddings with its base encoder; give the base folder")
        state[WORD_EMBEDDINGS] = load_file(str(base / "model.safetensors"))["embeddings.word_embeddings.weight"]
    model.load_state_dict(state, strict=True)
    return move(model, "cpu")


def move(model: MeanPoolClassifier, device: str) -> MeanPoolClassifier:
    """The model on `device`, in evaluation mode (training switches it back with `.train()`)."""
    moved = nn.Module.to(model, device)
    nn.Module.eval(moved)
    return moved
