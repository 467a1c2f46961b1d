"""The reports table: each built report with its tables, narrative, number checks, files and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class Report(IdMixin, TimestampMixin, Base):
    """`status`: ready (built, checked) | held (a narrative number did not check out; not sent) | delivered |
    failed. `tables` are the computed KPI tables the narrative is checked against."""

    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_kind_period_start", "kind", "period_start"),)

    kind: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[datetime] = mapped_column()
    period_end: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(10), index=True)
    tables: Mapped[dict[str, Any]] = mapped_column(default=dict)
    narrative: Mapped[str] = mapped_column(Text, default="")
    narrative_source: Mapped[str] = mapped_column(String(60), default="")
    checks: Mapped[dict[str, Any]] = mapped_column(default=dict)
    html_path: Mapped[str | None] = mapped_column(String(500))
    pdf_path: Mapped[str | None] = mapped_column(String(500))
    deliveries: Mapped[list[Any]] = mapped_column(default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
