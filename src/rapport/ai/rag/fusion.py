"""Weighted reciprocal rank fusion: score(d) = Σ_r w_r / (k + rank_r(d)), over each retriever's top `depth`.

RRF needs no score calibration between BM25 and cosine similarity, which live on unrelated scales. Plain RRF weighs
both lists equally; when one retriever is much better (dense retrieval on paraphrased questions) that loses to the
better one alone, so the weights are tuned on development queries (eval/assistant.py). A query that names an
identifier (an error code, SKU or order number) shifts weight to keywords, where exact matching is what counts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

_IDENTIFIER: Final = re.compile(r"\b(?=[A-Za-z0-9-]*\d)[A-Za-z]{0,4}-?\d{2,}[A-Za-z0-9-]*\b")


@dataclass(frozen=True)
class FusionWeights:
    bm25: float = 0.5
    dense: float = 1.0
    k: int = 20
    depth: int = 50
    # Multiplies the BM25 weight when the query names an identifier ("E-402", "HB-2041", "10023").
    identifier_boost: float = 4.0


def has_identifier(query: str) -> bool:
    return _IDENTIFIER.search(query) is not None


def rrf(rankings: Mapping[str, Sequence[int]], weights: Mapping[str, float], *, k: int) -> dict[int, float]:
    """Fused scores of every item in any ranking; `rankings` are item ids best first."""
    fused: dict[int, float] = {}
    for name, ranking in rankings.items():
        weight = weights.get(name, 0.0)
        if weight <= 0:
            continue
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused
