"""Feedback analysis: topics (list, detail with messages, rename, merge), trends, the pain-point report, runs."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, status

from rapport.api.automation import AppQueue
from rapport.api.deps import CurrentPrincipal, DbSession
from rapport.errors import Invalid
from rapport.feedback import painpoints
from rapport.feedback import service as feedback_service
from rapport.feedback.schemas import (
    MessagesPage,
    PainPointReport,
    RunRead,
    RunRequest,
    TopicDetail,
    TopicMerge,
    TopicRead,
    TopicRename,
    TrendRead,
)
from rapport.jobs import deferred
from rapport.privacy.access import Action, require

router = APIRouter(tags=["feedback"])
RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
Sentiment = Literal["negative", "neutral", "positive"]


@router.get("/feedback/topics")
def list_topics(
    db: DbSession,
    principal: CurrentPrincipal,
    topic_status: Annotated[Literal["active", "merged", "retired", "all"], Query(alias="status")] = "active",
) -> list[TopicRead]:
    """Complaint and request topics, largest first."""
    return feedback_service.list_topics(db, principal, status=None if topic_status == "all" else topic_status)


@router.get("/feedback/topics/{topic_id}")
def get_topic(
    topic_id: RecordId,
    db: DbSession,
    principal: CurrentPrincipal,
    sentiment: Sentiment | None = None,
    segment: Annotated[
        str | None, Query(max_length=40, description="only affected customers of this RFM segment")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> TopicDetail:
    """A topic with its messages (newest first; texts of customers outside your reach are counted, not listed)."""
    customers = painpoints.segment_customer_ids(db, topic_id, segment) if segment else None
    return feedback_service.topic_detail(
        db, principal, topic_id, sentiment=sentiment, customer_ids=customers, limit=limit, offset=offset
    )


@router.get("/feedback/messages")
def list_messages(
    db: DbSession,
    principal: CurrentPrincipal,
    topic_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    sentiment: Sentiment | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> MessagesPage:
    """Analysed messages with their sentiment and topic."""
    return feedback_service.messages(db, principal, topic_id=topic_id, sentiment=sentiment, limit=limit, offset=offset)


@router.post("/feedback/topics/{topic_id}/rename")
def rename_topic(topic_id: RecordId, body: TopicRename, db: DbSession, principal: CurrentPrincipal) -> TopicRead:
    """Name a topic; later runs keep a name a person gave."""
    return feedback_service.rename(db, principal, topic_id, body)


@router.post("/feedback/topics/{topic_id}/merge")
def merge_topics(topic_id: RecordId, body: TopicMerge, db: DbSession, principal: CurrentPrincipal) -> TopicRead:
    """Fold other topics into this one; later runs keep them together."""
    return feedback_service.merge(db, principal, topic_id, body)


@router.get("/feedback/trends")
def trends(
    db: DbSession,
    principal: CurrentPrincipal,
    topic_id: Annotated[list[int] | None, Query(description="topics (default: the 20 largest)")] = None,
    weeks: Annotated[int, Query(ge=2, le=156)] = 26,
) -> list[TrendRead]:
    """Messages and mean sentiment per topic per week."""
    if topic_id and (len(topic_id) > 50 or any(not 1 <= t <= 2**63 - 1 for t in topic_id)):
        raise Invalid("topic_id: at most 50 ids, each between 1 and 2^63-1")
    return feedback_service.trend(db, principal, topic_id or None, weeks=weeks)


@router.get("/feedback/report")
def report(
    db: DbSession, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=100)] = 10
) -> PainPointReport:
    """Top pain points: customers affected, revenue at risk, segments, examples (drill down with the topic)."""
    return painpoints.report(db, principal, limit=limit)


@router.get("/feedback/runs")
def list_runs(
    db: DbSession, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[RunRead]:
    return feedback_service.list_runs(db, principal, limit=limit)


@router.post("/feedback/runs", status_code=status.HTTP_202_ACCEPTED)
def start_run(
    db: DbSession, principal: CurrentPrincipal, queue: AppQueue, body: Annotated[RunRequest | None, Body()] = None
) -> dict[str, str]:
    """Queue the analysis (job feedback.analyse) after this request commits; follow it in GET /api/jobs."""
    require(principal, feedback_service.ENTITY, Action.create)
    task_id = str(uuid.uuid4())
    deferred.enqueue_after_commit(db, queue, "feedback.analyse", task_id=task_id, full=(body or RunRequest()).full)
    return {"task_id": task_id, "name": "feedback.analyse"}
