"""One feedback analysis run: read customer messages, embed, score sentiment and aspects, cluster or assign topics,
name new topics, store, and record emerging topics.

Transactions are short and never open across a model call (STYLE: SQLite has one writer): messages are read in
one, embedding, scoring, clustering and naming happen outside, and the results are written in one more.
Which messages: inbound emails, chats and reviews, and of a ticket only its first inbound message (the complaint
itself; follow-ups repeat it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, case, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from rapport.ai.embeddings import build_embedder
from rapport.ai.embeddings.base import Embedder, Vectors
from rapport.ai.gateway import Gateway
from rapport.feedback import aspects, sentiment, topics, trends
from rapport.feedback.models import FeedbackAspect, FeedbackMessage, FeedbackRun, FeedbackTopic
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.settings import Settings
from rapport.store.engine import make_sessionmaker, session_scope

log = logging.getLogger(__name__)
EMBEDDER = "e5-small-int8"
KINDS = ("email", "chat", "review")
MAX_CHARS = 600


@dataclass(frozen=True)
class Message:
    id: int
    customer_id: int
    kind: str
    language: str | None
    occurred_at: datetime
    text: str


def select_messages(session: Session, *, only_new: bool = False) -> list[Message]:
    first_of_ticket = (
        select(func.min(Interaction.id))
        .where(Interaction.direction == "inbound", Interaction.ticket_id.is_not(None))
        .group_by(Interaction.ticket_id)
    )
    stmt = (
        select(
            Interaction.id,
            Interaction.customer_id,
            Interaction.kind,
            Interaction.language,
            Interaction.occurred_at,
            Interaction.subject,
            Interaction.body,
        )
        .where(
            Interaction.direction == "inbound",
            Interaction.kind.in_(KINDS),
            or_(Interaction.ticket_id.is_(None), Interaction.id.in_(first_of_ticket)),
        )
        .order_by(Interaction.id)
    )
    if only_new:
        stmt = stmt.where(~Interaction.id.in_(select(FeedbackMessage.interaction_id)))
    return [
        Message(i, c, k, lang, at, (f"{subject}\n{body}" if subject else body)[:MAX_CHARS])
        for i, c, k, lang, at, subject, body in session.execute(stmt)
    ]


def embed_messages(embedder: Embedder, messages: Sequence[Message], cache_dir: Path) -> Vectors:
    """Vectors by interaction id, reusing those stored by earlier runs (texts of a message do not change)."""
    path = cache_dir / f"vectors-{embedder.name}.npz"
    known: dict[int, np.ndarray] = {}
    if path.is_file():
        stored = np.load(path)
        known = dict(zip(stored["ids"].tolist(), stored["vectors"], strict=True))
    missing = [m for m in messages if m.id not in known]
    if missing:
        fresh = embedder.embed([m.text for m in missing], kind="query")
        known.update(zip((m.id for m in missing), fresh, strict=True))
        cache_dir.mkdir(parents=True, exist_ok=True)
        ids = np.array(sorted(known), dtype=np.int64)
        np.savez(path, ids=ids, vectors=np.stack([known[int(i)] for i in ids]).astype(np.float32))
    if not messages:
        return np.zeros((0, embedder.dimension), dtype=np.float32)
    return np.stack([known[m.id] for m in messages]).astype(np.float32)


def default_min_cluster_size(n: int) -> int:
    return max(5, round(n / 400))


def analyse(
    bind: Engine | Connection,
    settings: Settings,
    *,
    gateway: Gateway | None,
    embedder: Embedder | None = None,
    full: bool = True,
    min_cluster_size: int | None = None,
    as_of: datetime | None = None,
    rename: bool = False,
) -> FeedbackRun:
    """A full run re-clusters every message and matches clusters to the known topics (ids, user names and merges
    survive; `rename` asks the model again for every name no person gave); an incremental one scores new
    messages and assigns each to the nearest topic above its threshold."""
    factory = make_sessionmaker(bind)
    started = time.perf_counter()
    embedder = embedder or build_embedder(EMBEDDER, settings.data_dir)
    with session_scope(factory) as session:
        run = FeedbackRun(kind="full" if full else "incremental", started_at=utcnow(), embedder=embedder.name)
        session.add(run)
        session.flush()
        run_id = run.id
        messages = select_messages(session, only_new=not full)
    try:
        vectors = embed_messages(embedder, messages, settings.data_dir / "feedback")
        model = sentiment.load_latest(settings.data_dir, embedder)
        scored = sentiment.score_messages(
            [m.text for m in messages], [m.language or "en" for m in messages], vectors, model
        )
        opinions = aspects.opinions([m.text for m in messages], aspects.load_latest(settings.data_dir, embedder))
        if full:
            plan = _plan_topics(factory, messages, vectors, gateway, min_cluster_size, rename)
        else:
            plan = _plan_assignments(factory, vectors)
        with session_scope(factory) as session:
            new_topic_ids = _store(session, run_id, messages, scored, opinions, plan, full=full)
            emerged = trends.detect_emerging(session, run_id, as_of=as_of, new_topic_ids=new_topic_ids)
            run = session.get(FeedbackRun, run_id)  # type: ignore[assignment]
            assert run is not None
            run.status, run.finished_at = "succeeded", utcnow()
            run.sentiment_model = scored[0].model if scored else (model.name if model else "sentiment-lexicon@1")
            run.metrics = {
                "messages": len(messages),
                "topics": plan.topic_count(),
                "assigned": sum(1 for a in plan.assignments if a is not None),
                "new_topics": len(new_topic_ids),
                "emerging": len(emerged),
                "seconds": round(time.perf_counter() - started, 1),
            }
            session.flush()
            session.expunge(run)
            return run
    except Exception as error:
        with session_scope(factory) as session:
            failed = session.get(FeedbackRun, run_id)
            if failed is not None:
                failed.status, failed.finished_at, failed.error = "failed", utcnow(), str(error)[:2000]
        raise


@dataclass
class _NewTopic:
    key: int  # position among this run's clusters
    topic_id: int | None  # the known topic it continues, if any
    cluster: topics.Cluster
    name: topics.TopicName | None
    named_by: str


@dataclass
class _Plan:
    assignments: list[tuple[int, float] | None]  # per message: (topic key or id, similarity)
    clusters: list[_NewTopic]
    by_id: bool  # assignments name topic ids (incremental) rather than cluster keys (full)

    def topic_count(self) -> int:
        return (
            len({c.topic_id or -c.key - 1 for c in self.clusters})
            if not self.by_id
            else len({a[0] for a in self.assignments if a is not None})
        )


def _plan_topics(
    factory: Any,
    messages: Sequence[Message],
    vectors: Vectors,
    gateway: Gateway | None,
    min_cluster_size: int | None,
    rename: bool,
) -> _Plan:
    found = topics.cluster(
        vectors,
        min_cluster_size=min_cluster_size or default_min_cluster_size(len(messages)),
        languages=[m.language or "en" for m in messages],
    )
    words = topics.keywords([[messages[i].text for i in c.members] for c in found])
    for c, w in zip(found, words, strict=True):
        c.keywords = w
    member_ids = [{messages[i].id for i in c.members} for c in found]
    with session_scope(factory) as session:
        old = _known_topics(session)
        targets = {t.id: _target(session, t) for t in session.scalars(select(FeedbackTopic))}
        user_named = set(session.scalars(select(FeedbackTopic.id).where(FeedbackTopic.named_by == "user")))
    matched = topics.match(found, {tid: (centroid, ids) for tid, (centroid, ids) in old.items()}, member_ids)
    plan: list[_NewTopic] = []
    for key, c in enumerate(found):
        topic_id = targets.get(matched[key]) if key in matched else None
        name, named_by = None, ""
        if topic_id is None or (rename and topic_id not in user_named):
            # Examples for the name: the members nearest the centroid, most negative first among equals.
            nearest = sorted(c.members, key=lambda i: -float(vectors[i] @ c.centroid))[:5]
            name, named_by = topics.name_topic(gateway, c.keywords, [messages[i].text for i in nearest])
        plan.append(_NewTopic(key, topic_id, c, name, named_by))
    assignments: list[tuple[int, float] | None] = [None] * len(messages)
    for item in plan:
        for i in item.cluster.members:
            assignments[i] = (item.key, float(vectors[i] @ item.cluster.centroid))
    # Messages HDBSCAN left as noise join the nearest topic when they are as close as its members are (the same
    # rule as incremental assignment; BERTopic's reduce_outliers does this too); the rest stay without a topic.
    noise = [i for i, a in enumerate(assignments) if a is None]
    if plan and noise:
        centroids = np.stack([item.cluster.centroid for item in plan])
        closest = topics.assign(vectors[noise], centroids, [item.cluster.threshold for item in plan])
        for row, near in zip(noise, closest, strict=True):
            if near is not None:
                assignments[row] = (plan[near[0]].key, near[1])
    return _Plan(assignments, plan, by_id=False)


def _plan_assignments(factory: Any, vectors: Vectors) -> _Plan:
    with session_scope(factory) as session:
        active = list(session.scalars(select(FeedbackTopic).where(FeedbackTopic.status == "active")))
        ids = [t.id for t in active]
        centroids = (
            np.stack([np.frombuffer(t.centroid, dtype=np.float32) for t in active if t.centroid])
            if active
            else np.zeros((0, vectors.shape[1] if len(vectors) else 1), np.float32)
        )
        thresholds = [t.threshold for t in active]
    found = topics.assign(vectors, centroids, thresholds)
    return _Plan([(ids[a[0]], a[1]) if a else None for a in found], [], by_id=True)


def _known_topics(session: Session) -> dict[int, tuple[Vectors, set[int]]]:
    """Active and merged topics with their centroids and current members (merged ones map to where they went)."""
    out: dict[int, tuple[Vectors, set[int]]] = {}
    rows = session.execute(
        select(FeedbackMessage.topic_id, FeedbackMessage.interaction_id).where(FeedbackMessage.topic_id.is_not(None))
    ).all()
    members: dict[int, set[int]] = {}
    for topic_id, interaction_id in rows:
        if topic_id is not None:
            members.setdefault(topic_id, set()).add(interaction_id)
    for topic in session.scalars(select(FeedbackTopic).where(FeedbackTopic.status.in_(("active", "merged")))):
        if topic.centroid:
            out[topic.id] = (np.frombuffer(topic.centroid, dtype=np.float32), members.get(topic.id, set()))
    return out


def _target(session: Session, topic: FeedbackTopic) -> int | None:
    """Where a topic's messages go now: itself when active, its merge target (followed) when merged, else None."""
    seen = set()
    while topic.status == "merged" and topic.merged_into_id and topic.id not in seen:
        seen.add(topic.id)
        nxt = session.get(FeedbackTopic, topic.merged_into_id)
        if nxt is None:
            return None
        topic = nxt
    return topic.id if topic.status in ("active", "retired") else None


def _store(
    session: Session,
    run_id: int,
    messages: Sequence[Message],
    scored: Sequence[sentiment.Scored],
    opinions: Sequence[Sequence[aspects.AspectOpinion]],
    plan: _Plan,
    *,
    full: bool,
) -> set[int]:
    now = utcnow()
    key_to_id: dict[int, int] = {}
    new_ids: set[int] = set()
    kept: set[int] = set()
    for item in plan.clusters:
        if item.topic_id is not None:
            topic = session.get(FeedbackTopic, item.topic_id)
            assert topic is not None
            topic.status = "active"
            if item.name is not None and topic.named_by != "user":
                topic.name, topic.description, topic.named_by = item.name.name, item.name.description, item.named_by
        else:
            assert item.name is not None
            topic = FeedbackTopic(
                name=item.name.name,
                description=item.name.description,
                named_by=item.named_by,
                first_run_id=run_id,
                created_at=now,
                updated_at=now,
            )
            session.add(topic)
            session.flush()
            new_ids.add(topic.id)
        if topic.id in kept:  # a second cluster continuing the same (merged) topic: members join it
            key_to_id[item.key] = topic.id
            continue
        kept.add(topic.id)
        topic.keywords = item.cluster.keywords
        topic.centroid = item.cluster.centroid.astype(np.float32).tobytes()
        topic.threshold = item.cluster.threshold
        topic.last_run_id, topic.updated_at = run_id, now
        key_to_id[item.key] = topic.id
    if full:
        for topic in session.scalars(select(FeedbackTopic).where(FeedbackTopic.status == "active")):
            if topic.id not in kept:
                topic.status = "retired"
    ids = [m.id for m in messages]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(delete(FeedbackMessage).where(FeedbackMessage.interaction_id.in_(chunk)))
        session.execute(delete(FeedbackAspect).where(FeedbackAspect.interaction_id.in_(chunk)))
    rows: list[dict[str, Any]] = []
    aspect_rows: list[dict[str, Any]] = []
    for m, s, found, assigned in zip(messages, scored, opinions, plan.assignments, strict=True):
        topic_id = None
        if assigned is not None:
            topic_id = assigned[0] if plan.by_id else key_to_id[assigned[0]]
        rows.append(
            {
                "interaction_id": m.id,
                "customer_id": m.customer_id,
                "topic_id": topic_id,
                "kind": m.kind,
                "language": m.language,
                "occurred_at": m.occurred_at,
                "sentiment": s.label,
                "sentiment_score": round(s.score, 4),
                "sentiment_model": s.model,
                "similarity": None if assigned is None else round(assigned[1], 4),
                "run_id": run_id,
            }
        )
        aspect_rows += [
            {
                "interaction_id": m.id,
                "aspect": o.aspect,
                "term": o.term[:80],
                "polarity": o.polarity,
                "confidence": round(o.confidence, 4),
                "model": o.model,
            }
            for o in found
        ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(FeedbackMessage), rows[start : start + 1000])
    for start in range(0, len(aspect_rows), 1000):
        session.execute(insert(FeedbackAspect), aspect_rows[start : start + 1000])
    refresh_topic_stats(session)
    return new_ids


def refresh_topic_stats(session: Session) -> None:
    """Size, mean sentiment and negative share of every active topic from its messages."""
    stats = {
        topic_id: (n, mean, negative)
        for topic_id, n, mean, negative in session.execute(
            select(
                FeedbackMessage.topic_id,
                func.count(),
                func.avg(FeedbackMessage.sentiment_score),
                func.sum(case((FeedbackMessage.sentiment == "negative", 1), else_=0)),
            )
            .where(FeedbackMessage.topic_id.is_not(None))
            .group_by(FeedbackMessage.topic_id)
        )
    }
    for topic in session.scalars(select(FeedbackTopic).where(FeedbackTopic.status == "active")):
        n, mean, negative = stats.get(topic.id, (0, 0.0, 0))
        topic.size, topic.mean_sentiment = int(n), round(float(mean or 0.0), 4)
        topic.negative_share = round(float(negative or 0) / n, 4) if n else 0.0
    session.flush()
