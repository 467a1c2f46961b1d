"""The knowledge index: articles cut into passages in `knowledge_chunks`, and the process's hybrid retriever over them.

The database is the source of truth, so every process (web workers, CLI, jobs) serves the same index, on SQLite or
PostgreSQL alike. `sync` brings the passages in line with the articles: a new or edited article (its version moved)
is re-chunked, and only passages whose text changed are embedded again; an unpublished or deleted article loses its
passages. `refresh` then applies the table's changes to the in-memory retriever, row by row. A question calls
`ensure_fresh`, which does both at most every `sync_interval_s`, so an article edited anywhere (API, web, import) is
searchable seconds later without a job.

Embedding runs with no transaction open: the articles are read in one short session, embedded, then written in
another, with the article row locked (PostgreSQL) and its version checked again, so two processes syncing at once
cannot leave two sets of passages.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from rapport.ai.embeddings import Embedder, build_embedder
from rapport.ai.providers import ProviderError
from rapport.ai.rag import Document, FusionWeights, Hit, HybridRetriever, Mode, chunk_markdown
from rapport.assistant.models import KnowledgeChunk
from rapport.assistant.settings import AssistantSettings
from rapport.knowledge.models import KnowledgeArticle

log = logging.getLogger(__name__)
_LOAD_BATCH = 500


@dataclass(frozen=True)
class Source:
    """A passage as answers cite it."""

    chunk_id: int
    article_id: int
    slug: str
    title: str
    heading: str
    text: str
    language: str
    version: int


@dataclass
class SyncReport:
    articles_indexed: int = 0
    articles_removed: int = 0
    passages_written: int = 0
    passages_embedded: int = 0
    passages_reused: int = 0
    seconds: float = 0.0
    article_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Planned:
    article_id: int
    version: int
    rows: list[dict[str, Any]]


def build_index(settings: AssistantSettings, data_dir: Any, *, embedder: Embedder | None = None) -> KnowledgeIndex:
    """The index with the configured embedder; without one (or when it cannot load) it searches by keywords only."""
    if embedder is None and settings.embedder != "none":
        embedder = build_embedder(settings.embedder, data_dir)
    return KnowledgeIndex(embedder, settings)


class KnowledgeIndex:
    def __init__(self, embedder: Embedder | None, settings: AssistantSettings) -> None:
        self.settings = settings
        self.embedder = embedder
        self.dense_error: str | None = None
        weights = FusionWeights(
            bm25=settings.bm25_weight,
            dense=settings.dense_weight,
            k=settings.rrf_k,
            identifier_boost=settings.identifier_boost,
        )
        self.retriever = HybridRetriever(embedder, weights=weights, ann_threshold=settings.ann_threshold)
        self._fingerprint: tuple[int, int] | None = None
        self._checked_at = float("-inf")
        self._lock = threading.RLock()

    @property
    def embedder_name(self) -> str | None:
        return self.embedder.name if self.embedder is not None else None

    # -- keeping in step -----------------------------------------------------------------------------------------
    def ensure_fresh(self, sessions: sessionmaker[Session], *, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._checked_at < self.settings.sync_interval_s:
                return
            self.sync(sessions)
            self.refresh(sessions)
            self._checked_at = time.monotonic()

    def sync(self, sessions: sessionmaker[Session], article_ids: Sequence[int] | None = None) -> SyncReport:
        """Re-chunk and embed articles whose passages are missing or stale; drop passages of withdrawn articles."""
        started = time.perf_counter()
        report = SyncReport()
        with self._lock:
            with sessions() as session:
                stale, gone = self._stale(session, article_ids)
                plans = [self._plan(session, article) for article in stale]
            texts = [row["indexed"] for plan in plans for row in plan.rows if row["vector"] is None]
            vectors = self._embed(texts)
            cursor = 0
            for plan in plans:
                for row in plan.rows:
                    if row["vector"] is None and vectors is not None:
                        row["vector"] = vectors[cursor].astype("<f4").tobytes()
                        cursor += 1
                        report.passages_embedded += 1
                    elif row["vector"] is not None:
                        report.passages_reused += 1
            if plans or gone:
                with sessions() as session:
                    self._write(session, plans, gone, report)
                    session.commit()
        report.seconds = time.perf_counter() - started
        return report

    def refresh(self, sessions: sessionmaker[Session]) -> None:
        """Apply added and removed passages to the in-memory retriever."""
        with self._lock, sessions() as session:
            fingerprint = session.execute(select(func.count(KnowledgeChunk.id), func.max(KnowledgeChunk.id))).one()
            current = (int(fingerprint[0]), int(fingerprint[1] or 0))
            if current == self._fingerprint:
                return
            in_db = set(session.scalars(select(KnowledgeChunk.id)))
            in_memory = self.retriever.ids
            self.retriever.remove(sorted(in_memory - in_db))
            missing = sorted(in_db - in_memory)
            for start in range(0, len(missing), _LOAD_BATCH):
                self._load(session, missing[start : start + _LOAD_BATCH])
            self._fingerprint = current

    # -- searching -----------------------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        k: int = 5,
        language: str | None = None,
        category: str | None = None,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        with self._lock:
            try:
                hits = self.retriever.search(query, k=k, language=language, category=category, mode=mode)
            except (ProviderError, OSError) as error:
                self._lose_dense(error)
                hits = self.retriever.search(query, k=k, language=language, category=category, mode="bm25")
            if not hits and language is not None:
                # No passage in that language at all: a multilingual embedder still finds one in another.
                hits = self.retriever.search(query, k=k, category=category, mode=mode)
            return hits

    @staticmethod
    def source(hit: Hit) -> Source:
        payload = hit.document.payload
        return Source(
            chunk_id=hit.document.id,
            article_id=int(payload["article_id"]),
            slug=str(payload["slug"]),
            title=str(payload["title"]),
            heading=str(payload["heading"]),
            text=str(payload["text"]),
            language=hit.document.language,
            version=int(payload["version"]),
        )

    # -- steps ---------------------------------------------------------------------------------------------------
    def _stale(self, session: Session, only: Sequence[int] | None) -> tuple[list[KnowledgeArticle], list[int]]:
        wanted = self.embedder_name
        articles = select(
            KnowledgeArticle.id, KnowledgeArticle.version, KnowledgeArticle.is_published, KnowledgeArticle.deleted_at
        )
        if only is not None:
            articles = articles.where(KnowledgeArticle.id.in_(only))
        live = {row.id: row.version for row in session.execute(articles) if row.is_published and row.deleted_at is None}
        state_query = select(
            KnowledgeChunk.article_id,
            func.min(KnowledgeChunk.article_version),
            func.max(KnowledgeChunk.article_version),
            func.min(func.coalesce(KnowledgeChunk.embedder, "")),
            func.max(func.coalesce(KnowledgeChunk.embedder, "")),
        ).group_by(KnowledgeChunk.article_id)
        if only is not None:
            state_query = state_query.where(KnowledgeChunk.article_id.in_(only))
        state = {row[0]: tuple(row[1:]) for row in session.execute(state_query)}
        stale_ids = [
            article_id
            for article_id, version in live.items()
            if state.get(article_id) != (version, version, wanted or "", wanted or "")
        ]
        gone = [article_id for article_id in state if article_id not in live]
        stale = (
            list(session.scalars(select(KnowledgeArticle).where(KnowledgeArticle.id.in_(stale_ids))))
            if stale_ids
            else []
        )
        return stale, gone

    def _plan(self, session: Session, article: KnowledgeArticle) -> _Planned:
        known = {
            row.content_hash: row.vector
            for row in session.execute(
                select(KnowledgeChunk.content_hash, KnowledgeChunk.vector).where(
                    KnowledgeChunk.article_id == article.id, KnowledgeChunk.embedder == self.embedder_name
                )
            )
        }
        rows = []
        for passage in chunk_markdown(article.title, article.body, language=article.language):
            digest = hashlib.sha256(passage.indexed_text.encode("utf-8")).hexdigest()
            rows.append(
                {
                    "article_id": article.id,
                    "article_version": article.version,
                    "position": passage.position,
                    "heading": passage.heading[:500],
                    "text": passage.text,
                    "kind": passage.kind,
                    "language": article.language,
                    "category": article.category,
                    "content_hash": digest,
                    "embedder": self.embedder_name,
                    "vector": known.get(digest) if self.embedder is not None else None,
                    "indexed": passage.indexed_text,
                }
            )
        return _Planned(article.id, article.version, rows)

    def _embed(self, texts: list[str]) -> Any:
        if not texts or self.embedder is None:
            return None
        try:
            return self.embedder.embed(texts, kind="passage")
        except (ProviderError, OSError) as error:
            self._lose_dense(error)
            return None

    def _lose_dense(self, error: Exception) -> None:
        """The embedder cannot run (weights missing, export failed): carry on with keyword search, and say why."""
        log.warning("knowledge index: dense retrieval is off (%s); searching by keywords only", error)
        self.dense_error = str(error)
        self.embedder = None
        self.retriever.embedder = None

    def _write(self, session: Session, plans: list[_Planned], gone: list[int], report: SyncReport) -> None:
        if gone:
            session.execute(delete(KnowledgeChunk).where(KnowledgeChunk.article_id.in_(gone)))
            report.articles_removed += len(gone)
        for plan in plans:
            # Lock the article and check it did not change while we were embedding; if it did, the next sync redoes it.
            version = session.scalar(
                select(KnowledgeArticle.version).where(KnowledgeArticle.id == plan.article_id).with_for_update()
            )
            if version != plan.version:
                continue
            session.execute(delete(KnowledgeChunk).where(KnowledgeChunk.article_id == plan.article_id))
            for row in plan.rows:
                session.add(KnowledgeChunk(**{k: v for k, v in row.items() if k != "indexed"}))
            report.articles_indexed += 1
            report.passages_written += len(plan.rows)
            report.article_ids.append(plan.article_id)
        session.flush()

    def _load(self, session: Session, chunk_ids: list[int]) -> None:
        rows = session.execute(
            select(KnowledgeChunk, KnowledgeArticle.slug, KnowledgeArticle.title)
            .join(KnowledgeArticle, KnowledgeArticle.id == KnowledgeChunk.article_id)
            .where(KnowledgeChunk.id.in_(chunk_ids))
        ).all()
        documents: list[Document] = []
        vectors: list[Any] = []
        keyword_only: list[Document] = []
        for chunk, slug, title in rows:
            document = Document(
                id=chunk.id,
                text=f"{chunk.heading}\n{chunk.text}",
                language=chunk.language,
                category=chunk.category,
                payload={
                    "article_id": chunk.article_id,
                    "slug": slug,
                    "title": title,
                    "heading": chunk.heading,
                    "text": chunk.text,
                    "version": chunk.article_version,
                },
            )
            if self.embedder is not None and chunk.vector is not None and chunk.embedder == self.embedder_name:
                documents.append(document)
                vectors.append(np.frombuffer(chunk.vector, dtype="<f4"))
            else:
                keyword_only.append(document)
        if documents:
            self.retriever.add(documents, np.vstack(vectors).astype(np.float32))
        if keyword_only:
            # Passages written by a process with another (or no) embedder: searchable by keywords until re-synced.
            self.retriever.add(keyword_only, None if self.embedder is None else _zeros(len(keyword_only), self))


def _zeros(count: int, index: KnowledgeIndex) -> Any:
    assert index.embedder is not None
    return np.zeros((count, index.embedder.dimension), dtype=np.float32)
