"""Feedback in and out: topics, analysed messages, trends, the pain-point report, runs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class TopicRead(Schema):
    id: int
    name: str
    description: str
    named_by: str
    keywords: list[str]
    status: str
    merged_into_id: int | None
    size: int
    mean_sentiment: float
    negative_share: float


class MessageRead(Schema):
    interaction_id: int
    customer_id: int
    customer_name: str | None = None
    kind: str
    language: str | None
    occurred_at: datetime
    sentiment: str
    sentiment_score: float
    topic_id: int | None
    text: str | None = Field(default=None, description="null when your role may not read interactions")


class MessagesPage(Schema):
    items: list[MessageRead]
    total: int = Field(description="messages behind the number, including those outside your reach")
    hidden: int = Field(description="of those, messages of customers you may not see (not listed)")


class TopicDetail(Schema):
    topic: TopicRead
    messages: MessagesPage
    aspects: list[dict[str, Any]]


class WeekRead(Schema):
    week: date
    volume: int
    mean_sentiment: float | None


class TrendRead(Schema):
    topic_id: int
    name: str
    weeks: list[WeekRead]


class TopicRename(Schema):
    name: str = Field(min_length=2, max_length=160)
    description: str | None = Field(default=None, max_length=1000)


class TopicMerge(Schema):
    drop_ids: list[int] = Field(min_length=1, max_length=50, description="topics folded into this one")


class SegmentShare(Schema):
    segment: str
    customers: int
    share: float = Field(description="share of the affected customers in this segment")
    lift: float = Field(description="that share over the segment's share of all customers")


class PainPoint(Schema):
    topic: TopicRead
    messages: int
    negative_messages: int
    customers_affected: int
    revenue_at_risk: float
    examples: list[MessageRead]
    segments: list[SegmentShare]


class PainPointReport(Schema):
    generated_at: datetime
    run_id: int | None
    analytics_run_id: int | None
    messages: int
    topics: int
    pain_points: list[PainPoint]
    note: str = ""


class RunRead(Schema):
    id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    embedder: str | None
    sentiment_model: str | None
    metrics: dict[str, Any]
    error: str | None


class RunRequest(Schema):
    full: bool = Field(default=True, description="re-cluster everything (false: assign new messages only)")
