"""Feedback operations: topics (list, detail, rename, merge), the messages behind a number, trends and runs.

Access: the "feedback" entity in privacy/access.py decides who sees topics and reports (aggregates over the whole
company). Message texts are shown only to roles that may read interactions, and only for customers within the
principal's reach (customers.service.visible_ids); the rest are counted as hidden, never listed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.errors import Invalid, NotFound
from rapport.feedback import pipeline, trends
from rapport.feedback.models import FeedbackAspect, FeedbackMessage, FeedbackRun, FeedbackTopic
from rapport.feedback.schemas import (
    MessageRead,
    MessagesPage,
    RunRead,
    TopicDetail,
    TopicMerge,
    TopicRead,
    TopicRename,
    TrendRead,
    WeekRead,
)
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.privacy.access import Action, Principal, can, require

ENTITY = "feedback"


def list_topics(session: Session, principal: Principal, *, status: str | None = "active") -> list[TopicRead]:
    require(principal, ENTITY, Action.read)
    stmt = select(FeedbackTopic).order_by(FeedbackTopic.size.desc(), FeedbackTopic.id)
    if status:
        stmt = stmt.where(FeedbackTopic.status == status)
    return [TopicRead.model_validate(t) for t in session.scalars(stmt)]


def get_topic(session: Session, principal: Principal, topic_id: int) -> FeedbackTopic:
    require(principal, ENTITY, Action.read)
    topic = session.get(FeedbackTopic, topic_id)
    if topic is None:
        raise NotFound(f"topic {topic_id} not found")
    return topic


def topic_detail(
    session: Session,
    principal: Principal,
    topic_id: int,
    *,
    sentiment: str | None = None,
    customer_ids: Select[Any] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> TopicDetail:
    topic = get_topic(session, principal, topic_id)
    found = messages(
        session,
        principal,
        topic_id=topic.id,
        sentiment=sentiment,
        customer_ids=customer_ids,
        limit=limit,
        offset=offset,
    )
    rows = session.execute(
        select(FeedbackAspect.aspect, FeedbackAspect.polarity, func.count())
        .join(FeedbackMessage, FeedbackMessage.interaction_id == FeedbackAspect.interaction_id)
        .where(FeedbackMessage.topic_id == topic.id)
        .group_by(FeedbackAspect.aspect, FeedbackAspect.polarity)
    ).all()
    by_aspect: dict[str, dict[str, int]] = {}
    for aspect, polarity, n in rows:
        by_aspect.setdefault(aspect, {"negative": 0, "neutral": 0, "positive": 0})[polarity] = int(n)
    ranked = sorted(by_aspect.items(), key=lambda item: -sum(item[1].values()))
    aspect_list: list[dict[str, Any]] = [{"aspect": a, **counts} for a, counts in ranked]
    return TopicDetail(topic=TopicRead.model_validate(topic), messages=found, aspects=aspect_list)


def messages(
    session: Session,
    principal: Principal,
    *,
    topic_id: int | None = None,
    sentiment: str | None = None,
    customer_ids: Select[Any] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> MessagesPage:
    """The analysed messages behind a number, newest first: the total counts all of them, the page lists only those
    of customers the principal may see, and texts only for roles that may read interactions."""
    require(principal, ENTITY, Action.read)
    if sentiment is not None and sentiment not in ("negative", "neutral", "positive"):
        raise Invalid("sentiment must be negative, neutral or positive")
    if not 1 <= limit <= 500 or offset < 0:
        raise Invalid("limit must be 1-500 and offset 0 or more")
    where = []
    if topic_id is not None:
        where.append(FeedbackMessage.topic_id == topic_id)
    if sentiment is not None:
        where.append(FeedbackMessage.sentiment == sentiment)
    if customer_ids is not None:
        where.append(FeedbackMessage.customer_id.in_(customer_ids))
    total = int(session.scalar(select(func.count()).select_from(FeedbackMessage).where(*where)) or 0)
    visible = customer_service.visible_ids(principal)
    if visible is not None:
        where.append(FeedbackMessage.customer_id.in_(visible))
    shown = int(session.scalar(select(func.count()).select_from(FeedbackMessage).where(*where)) or 0)
    may_read_text = can(principal, "interactions", Action.read)
    rows = session.execute(
        select(FeedbackMessage, Interaction.subject, Interaction.body, Customer.full_name)
        .join(Interaction, Interaction.id == FeedbackMessage.interaction_id)
        .join(Customer, Customer.id == FeedbackMessage.customer_id)
        .where(*where)
        .order_by(FeedbackMessage.occurred_at.desc(), FeedbackMessage.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        MessageRead(
            interaction_id=m.interaction_id,
            customer_id=m.customer_id,
            customer_name=name,
            kind=m.kind,
            language=m.language,
            occurred_at=m.occurred_at,
            sentiment=m.sentiment,
            sentiment_score=m.sentiment_score,
            topic_id=m.topic_id,
            text=(f"{subject}\n{body}" if subject else body) if may_read_text else None,
        )
        for m, subject, body, name in rows
    ]
    return MessagesPage(items=items, total=total, hidden=total - shown)


def rename(session: Session, principal: Principal, topic_id: int, data: TopicRename) -> TopicRead:
    """A person's name for a topic; reruns keep it."""
    require(principal, ENTITY, Action.update)
    topic = get_topic(session, principal, topic_id)
    if topic.status != "active":
        raise Invalid(f"topic {topic_id} is {topic.status}; rename the topic it went into")
    topic.name = data.name.strip()
    if data.description is not None:
        topic.description = data.description.strip()
    topic.named_by, topic.updated_at = "user", utcnow()
    session.flush()
    return TopicRead.model_validate(topic)


def merge(session: Session, principal: Principal, topic_id: int, data: TopicMerge) -> TopicRead:
    """Fold topics into `topic_id`: their messages move, they point to it, and later runs keep them together."""
    require(principal, ENTITY, Action.update)
    keep = get_topic(session, principal, topic_id)
    if keep.status != "active":
        raise Invalid(f"topic {topic_id} is {keep.status}; merge into an active topic")
    drop_ids = sorted(set(data.drop_ids))
    if topic_id in drop_ids:
        raise Invalid("a topic cannot be merged into itself")
    drops = [get_topic(session, principal, i) for i in drop_ids]
    for drop in drops:
        if drop.status == "merged":
            raise Invalid(f"topic {drop.id} was already merged into topic {drop.merged_into_id}")
    vectors = [np.frombuffer(t.centroid, dtype=np.float32) * max(t.size, 1) for t in (keep, *drops) if t.centroid]
    if vectors:
        mean = np.sum(vectors, axis=0)
        keep.centroid = (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32).tobytes()
    keep.threshold = min([keep.threshold, *(d.threshold for d in drops)])
    keep.keywords = list(dict.fromkeys([*keep.keywords, *(w for d in drops for w in d.keywords)]))[:12]
    session.execute(update(FeedbackMessage).where(FeedbackMessage.topic_id.in_(drop_ids)).values(topic_id=keep.id))
    now = utcnow()
    for drop in drops:
        drop.status, drop.merged_into_id, drop.updated_at = "merged", keep.id, now
    keep.updated_at = now
    session.flush()
    pipeline.refresh_topic_stats(session)
    return TopicRead.model_validate(keep)


def trend(
    session: Session,
    principal: Principal,
    topic_ids: list[int] | None = None,
    *,
    weeks: int = 26,
    as_of: datetime | None = None,
) -> list[TrendRead]:
    require(principal, ENTITY, Action.read)
    if not 2 <= weeks <= 156:
        raise Invalid("weeks must be between 2 and 156")
    chosen = (
        [get_topic(session, principal, i) for i in topic_ids]
        if topic_ids
        else list(
            session.scalars(
                select(FeedbackTopic)
                .where(FeedbackTopic.status == "active")
                .order_by(FeedbackTopic.size.desc())
                .limit(20)
            )
        )
    )
    series = trends.weekly(session, [t.id for t in chosen], weeks=weeks, as_of=as_of)
    return [
        TrendRead(
            topic_id=t.id,
            name=t.name,
            weeks=[WeekRead(week=p.week, volume=p.volume, mean_sentiment=p.mean_sentiment) for p in series[t.id]],
        )
        for t in chosen
    ]


def list_runs(session: Session, principal: Principal, *, limit: int = 20) -> list[RunRead]:
    require(principal, ENTITY, Action.read)
    stmt = select(FeedbackRun).order_by(FeedbackRun.id.desc()).limit(limit)
    return [RunRead.model_validate(r) for r in session.scalars(stmt)]


def latest_run(session: Session) -> FeedbackRun | None:
    return session.scalars(
        select(FeedbackRun).where(FeedbackRun.status == "succeeded").order_by(FeedbackRun.id.desc()).limit(1)
    ).first()
