"""Feedback tables: analysis runs, topics (with their centroids), per-message sentiment and topic, aspect opinions,
and emerging-topic alerts that workflow rules read."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin


class FeedbackRun(IdMixin, Base):
    """One analysis (`kind` full: re-cluster everything; incremental: assign new messages to known topics)."""

    __tablename__ = "feedback_runs"

    kind: Mapped[str] = mapped_column(String(12), default="full")
    status: Mapped[str] = mapped_column(String(12), default="running", index=True)
    started_at: Mapped[datetime] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    embedder: Mapped[str | None] = mapped_column(String(60))
    sentiment_model: Mapped[str | None] = mapped_column(String(60))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class FeedbackTopic(IdMixin, Base):
    """A complaint or request topic. `status`: active | merged (into `merged_into_id`) | retired (no cluster matched
    it in a later run). A name set by a person (`named_by` user) survives reruns."""

    __tablename__ = "feedback_topics"

    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    named_by: Mapped[str] = mapped_column(String(12), default="keywords")  # keywords | model | user
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    merged_into_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("feedback_topics.id", ondelete="SET NULL"))
    centroid: Mapped[bytes | None] = mapped_column(LargeBinary)
    threshold: Mapped[float] = mapped_column(Float, default=0.85)
    size: Mapped[int] = mapped_column(default=0)
    mean_sentiment: Mapped[float] = mapped_column(Float, default=0.0)
    negative_share: Mapped[float] = mapped_column(Float, default=0.0)
    first_run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("feedback_runs.id", ondelete="SET NULL"))
    last_run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("feedback_runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column()


class FeedbackMessage(IdMixin, Base):
    """One analysed customer message (an inbound interaction): its sentiment and topic. Customer and time are copied
    from the interaction so reports need no join for counts."""

    __tablename__ = "feedback_messages"
    __table_args__ = (
        UniqueConstraint("interaction_id"),
        Index("ix_feedback_messages_topic_id_occurred_at", "topic_id", "occurred_at"),
    )

    interaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("interactions.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("feedback_topics.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))
    language: Mapped[str | None] = mapped_column(String(8))
    occurred_at: Mapped[datetime] = mapped_column()
    sentiment: Mapped[str] = mapped_column(String(10))  # negative | neutral | positive
    sentiment_score: Mapped[float] = mapped_column(Float)
    sentiment_model: Mapped[str] = mapped_column(String(60))
    similarity: Mapped[float | None] = mapped_column(Float)
    run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("feedback_runs.id", ondelete="SET NULL"))


class FeedbackAspect(IdMixin, Base):
    __tablename__ = "feedback_aspects"

    interaction_id: Mapped[int] = mapped_column(BigId, ForeignKey("interactions.id", ondelete="CASCADE"), index=True)
    aspect: Mapped[str] = mapped_column(String(40), index=True)
    term: Mapped[str] = mapped_column(String(80))
    polarity: Mapped[str] = mapped_column(String(10))
    confidence: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(60))


class FeedbackEmergence(IdMixin, Base):
    """A topic that rose this week (volume ≥ factor × its trailing mean and ≥ a minimum count, or new): the
    `feedback.topic_emerging` workflow event reads these by id."""

    __tablename__ = "feedback_emergences"
    __table_args__ = (UniqueConstraint("topic_id", "week"),)

    topic_id: Mapped[int] = mapped_column(BigId, ForeignKey("feedback_topics.id", ondelete="CASCADE"))
    week: Mapped[date] = mapped_column()
    volume: Mapped[int] = mapped_column()
    baseline: Mapped[float] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(String(12))  # rising | new
    run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("feedback_runs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column()
