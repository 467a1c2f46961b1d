"""Tables of the classifiers: training runs, model versions, deployments and the history of promotions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.kit.clock import utcnow
from rapport.store.base import Base, BigId, IdMixin


class TrainingRun(IdMixin, Base):
    """One training: queued | running | succeeded | failed, with its progress while it runs."""

    __tablename__ = "model_training_runs"

    name: Mapped[str] = mapped_column(String(60), index=True)
    task: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(300), default="")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[dict[str, Any]] = mapped_column(default=dict)  # where the examples come from
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    version_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("model_versions.id", ondelete="SET NULL"))


class ModelVersion(IdMixin, Base):
    """`ticket-intent@3`: its files live under data_dir/<path>; metrics is the evaluation report."""

    __tablename__ = "model_versions"
    __table_args__ = (UniqueConstraint("name", "version"),)

    name: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column()
    task: Mapped[str] = mapped_column(String(40))
    entity: Mapped[str | None] = mapped_column(String(20))  # what score_* feeds it; None for file-trained models
    labels: Mapped[list[Any]] = mapped_column(default=list)
    encoder: Mapped[str] = mapped_column(String(40))
    runtime: Mapped[str] = mapped_column(String(12))
    data_hash: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"


class ModelDeployment(IdMixin, Base):
    """What serves a model name now, and how: the promoted version, the uncertainty threshold, the LLM fallback.

    Scoring reads `version_id` on every call (one indexed row), so a promotion reaches a running app at once.
    """

    __tablename__ = "model_deployments"

    name: Mapped[str] = mapped_column(String(60), unique=True)
    version_id: Mapped[int] = mapped_column(BigId, ForeignKey("model_versions.id", ondelete="RESTRICT"))
    threshold: Mapped[float | None] = mapped_column(Float)  # None: the version's own (from its validation split)
    use_llm_fallback: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))


class ModelPromotion(IdMixin, Base):
    """History of what was live: each promote or rollback moves a name from one version to another."""

    __tablename__ = "model_promotions"

    name: Mapped[str] = mapped_column(String(60), index=True)
    action: Mapped[str] = mapped_column(String(10))  # promote | rollback
    from_version_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("model_versions.id", ondelete="SET NULL"))
    to_version_id: Mapped[int] = mapped_column(BigId, ForeignKey("model_versions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
