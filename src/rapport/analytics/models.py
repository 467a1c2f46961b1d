"""Tables for analytics results: runs, per-customer insights, segment profiles, cohort cells, and trained models."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin


class AnalyticsRun(IdMixin, Base):
    """One computation over all customers as of a moment. `status`: queued | running | succeeded | failed."""

    __tablename__ = "analytics_runs"

    status: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    as_of: Mapped[datetime] = mapped_column()
    requested_at: Mapped[datetime] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    requested_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Revenue, orders and customers per month per segment (RFM and learned), as lists of rows.
    trends: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class CustomerInsight(IdMixin, Base):
    """What one run found about one customer. Scores are columns (to filter and sort); the rest is JSON."""

    __tablename__ = "customer_insights"
    __table_args__ = (
        UniqueConstraint("run_id", "customer_id"),
        Index("ix_customer_insights_customer_id_run_id", "customer_id", "run_id"),
        Index("ix_customer_insights_run_id_rfm_segment", "run_id", "rfm_segment"),
    )

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("analytics_runs.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rfm_segment: Mapped[str] = mapped_column(String(40))
    rfm_score: Mapped[str | None] = mapped_column(String(3))
    learned_segment: Mapped[str | None] = mapped_column(String(40))
    clv: Mapped[float | None] = mapped_column(Float)
    expected_purchases: Mapped[float | None] = mapped_column(Float)
    expected_value: Mapped[float | None] = mapped_column(Float)
    p_alive: Mapped[float | None] = mapped_column(Float)
    churn_risk: Mapped[float | None] = mapped_column(Float)
    churn_reasons: Mapped[list[Any]] = mapped_column(default=list)
    churn_model: Mapped[str | None] = mapped_column(String(40))
    interests: Mapped[dict[str, Any]] = mapped_column(default=dict)
    summary: Mapped[str] = mapped_column(Text, default="")
    facts: Mapped[list[Any]] = mapped_column(default=list)


class SegmentProfile(IdMixin, Base):
    """A segment of one run: `kind` rfm (the named RFM segments) or learned (k-means), with its profile."""

    __tablename__ = "analytics_segments"
    __table_args__ = (UniqueConstraint("run_id", "kind", "key"),)

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("analytics_runs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    customers: Mapped[int] = mapped_column()
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CohortCell(IdMixin, Base):
    """Retention of one first-purchase month (`cohort`, YYYY-MM) `period` months later, in one run."""

    __tablename__ = "analytics_cohort_cells"
    __table_args__ = (UniqueConstraint("run_id", "cohort", "period"),)

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("analytics_runs.id", ondelete="CASCADE"), index=True)
    cohort: Mapped[str] = mapped_column(String(7))
    period: Mapped[int] = mapped_column()
    cohort_size: Mapped[int] = mapped_column()
    active: Mapped[int] = mapped_column()
    retention: Mapped[float] = mapped_column(Float)
    revenue: Mapped[float] = mapped_column(Float)


class AnalyticsModel(IdMixin, Base):
    """A trained model version (`churn@3`): its file under data_dir, parameters, metrics and when it was trained."""

    __tablename__ = "analytics_models"
    __table_args__ = (UniqueConstraint("name", "version"),)

    name: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column()
    path: Mapped[str] = mapped_column(String(500))
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    trained_at: Mapped[datetime] = mapped_column()
    run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("analytics_runs.id", ondelete="SET NULL"))
    is_active: Mapped[bool] = mapped_column(default=True)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"
