"""Hybrid retrieval: BM25 and dense vectors over the same passages, fused by weighted reciprocal rank fusion.

The retriever holds passages in memory (the database is the source of truth; rapport.assistant.index loads and
updates it). Adding or removing passages touches only those rows of the vector index; the BM25 index is rebuilt
lazily on the next search. Without an embedder (none installed) it is a keyword retriever and says so. Keyword
search reads a misspelt query word as the nearest word the passages contain (rapport.ai.rag.spelling); dense search
gets the query as typed.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rapport.ai.embeddings.base import Embedder, Vectors
from rapport.ai.rag.fusion import FusionWeights, has_identifier, rrf
from rapport.ai.rag.lexical import LexicalIndex
from rapport.ai.rag.spelling import Speller
from rapport.ai.rag.tokens import tokenize
from rapport.ai.rag.vectors import ANN_THRESHOLD, Mask, VectorIndex

Mode = Literal["hybrid", "bm25", "dense"]


@dataclass(frozen=True)
class Document:
    id: int
    text: str  # what both indexes see
    language: str = "en"
    category: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Hit:
    document: Document
    score: float  # the fused score (or the single retriever's score)
    bm25: float  # BM25 score, 0 when no query word matched
    similarity: float | None  # cosine similarity to the query; None without an embedder
    bm25_rank: int | None
    dense_rank: int | None


class HybridRetriever:
    def __init__(
        self,
        embedder: Embedder | None,
        *,
        weights: FusionWeights | None = None,
        ann_threshold: int = ANN_THRESHOLD,
        dimension: int | None = None,
        correct_typos: bool = True,
    ) -> None:
        self.embedder = embedder
        self.correct_typos = correct_typos
        self.weights = weights or FusionWeights()
        self._dimension = dimension
        self._ann_threshold = ann_threshold
        self._documents: dict[int, Document] = {}
        self._tokens: dict[int, list[str]] = {}
        self._vectors: VectorIndex | None = None
        self._lexical = LexicalIndex()
        self._lexical_ids: list[int] = []
        self._lexical_row: dict[int, int] = {}
        self._lexical_dirty = False
        self._speller = Speller()
        self._lock = threading.RLock()

    def __len__(self) -> int:
        return len(self._documents)

    def __contains__(self, document_id: object) -> bool:
        return document_id in self._documents

    @property
    def has_dense(self) -> bool:
        return self.embedder is not None

    @property
    def ids(self) -> set[int]:
        return set(self._documents)

    def add(self, documents: Sequence[Document], vectors: Vectors | None = None) -> None:
        """Add or replace documents; their vectors are embedded here unless given (stored ones, in order)."""
        if not documents:
            return
        if self.embedder is not None and vectors is None:
            vectors = self.embedder.embed([d.text for d in documents], kind="passage")
        with self._lock:
            replaced = [self._documents[d.id].text for d in documents if d.id in self._documents]
            self._speller.remove(replaced)
            self._speller.add(d.text for d in documents)
            for document in documents:
                self._documents[document.id] = document
                self._tokens[document.id] = tokenize(document.text)
            if self.embedder is not None and vectors is not None:
                index = self._vector_index(vectors.shape[1])
                index.add([d.id for d in documents], vectors)
            self._lexical_dirty = True

    def remove(self, document_ids: Sequence[int]) -> None:
        with self._lock:
            self._speller.remove(self._documents[i].text for i in document_ids if i in self._documents)
            for document_id in document_ids:
                self._documents.pop(document_id, None)
                self._tokens.pop(document_id, None)
            if self._vectors is not None:
                self._vectors.remove(document_ids)
            self._lexical_dirty = True

    def search(
        self,
        query: str,
        *,
        k: int = 5,
        language: str | None = None,
        category: str | None = None,
        mode: Mode = "hybrid",
        query_vector: Vectors | None = None,
    ) -> list[Hit]:
        """The best `k` documents for `query` among those matching the filters."""
        if mode != "bm25" and self.embedder is None:
            mode = "bm25"
        if mode != "bm25" and query_vector is None and self.embedder is not None:
            query_vector = self.embedder.embed([query], kind="query")[0]
        with self._lock:
            self._refresh_lexical()
            depth = max(self.weights.depth, k)
            keywords = self._speller.correct(query) if self.correct_typos else query
            bm25_scores = self._lexical.scores(tokenize(keywords))
            allowed = self._allowed(self._lexical_ids, language, category)
            bm25_ranking = _top(bm25_scores, allowed, depth, positive_only=True)
            lexical_row = self._lexical_row
            dense_ranking: list[tuple[int, float]] = []
            if mode != "bm25" and self._vectors is not None and query_vector is not None:
                mask = self._allowed(self._vectors.ids, language, category)
                rows = self._vectors.search(query_vector, depth, mask=mask)
                dense_ranking = [(self._vectors.ids[row], sim) for row, sim in rows]
            bm25_ids = [self._lexical_ids[row] for row, _ in bm25_ranking]
            dense_ids = [item for item, _ in dense_ranking]
            similarity = dict(dense_ranking)
            if mode == "bm25":
                ordered = [(self._lexical_ids[row], score) for row, score in bm25_ranking]
            elif mode == "dense":
                ordered = dense_ranking
            else:
                boost = self.weights.identifier_boost if has_identifier(query) else 1.0
                fused = rrf(
                    {"bm25": bm25_ids, "dense": dense_ids},
                    {"bm25": self.weights.bm25 * boost, "dense": self.weights.dense},
                    k=self.weights.k,
                )
                ordered = sorted(fused.items(), key=lambda pair: -pair[1])
            bm25_rank = {item: rank for rank, item in enumerate(bm25_ids, start=1)}
            dense_rank = {item: rank for rank, item in enumerate(dense_ids, start=1)}
            hits = []
            for item, score in ordered[:k]:
                sim = similarity.get(item)
                if sim is None and query_vector is not None and self._vectors is not None and item in self._documents:
                    sim = float(self._vectors.similarities(query_vector)[self._vectors.row(item)])
                hits.append(
                    Hit(
                        document=self._documents[item],
                        score=float(score),
                        bm25=float(bm25_scores[lexical_row[item]]) if item in lexical_row else 0.0,
                        similarity=sim,
                        bm25_rank=bm25_rank.get(item),
                        dense_rank=dense_rank.get(item),
                    )
                )
            return hits

    # -- helpers ---------------------------------------------------------------------------------------------------
    def _vector_index(self, dimension: int) -> VectorIndex:
        if self._vectors is None:
            self._vectors = VectorIndex(self._dimension or dimension, ann_threshold=self._ann_threshold)
        return self._vectors

    def _refresh_lexical(self) -> None:
        if not self._lexical_dirty:
            return
        self._lexical_ids = list(self._documents)
        self._lexical_row = {item: row for row, item in enumerate(self._lexical_ids)}
        self._lexical.build([self._tokens[item] for item in self._lexical_ids])
        self._lexical_dirty = False

    def _allowed(self, ids: Sequence[int], language: str | None, category: str | None) -> Mask | None:
        if language is None and category is None:
            return None
        documents = self._documents
        return np.fromiter(
            (
                item in documents
                and (language is None or documents[item].language == language)
                and (category is None or documents[item].category == category)
                for item in ids
            ),
            dtype=np.bool_,
            count=len(ids),
        )


def _top(scores: Any, mask: Mask | None, depth: int, *, positive_only: bool) -> list[tuple[int, float]]:
    """(row, score) of the best `depth` rows allowed by the mask; zero scores are no match for BM25."""
    if len(scores) == 0:
        return []
    values = np.where(mask, scores, -np.inf) if mask is not None else np.asarray(scores)
    if positive_only:
        values = np.where(values > 0, values, -np.inf)
    count = int(np.isfinite(values).sum())
    depth = min(depth, count)
    if depth <= 0:
        return []
    top = np.argpartition(-values, depth - 1)[:depth]
    top = top[np.argsort(-values[top], kind="stable")]
    return [(int(row), float(values[row])) for row in top]
