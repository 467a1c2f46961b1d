"""The job run journal: one row per attempt of a queued job, so `rapport jobs` can show results and failures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, IdMixin


class JobRun(IdMixin, Base):
    """`status`: running | succeeded | failed | retrying | interrupted (its worker died; the job ran again)."""

    __tablename__ = "job_runs"

    task_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(60), index=True)
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    worker: Mapped[str] = mapped_column(String(80), default="")
    started_at: Mapped[datetime] = mapped_column(index=True)
    finished_at: Mapped[datetime | None] = mapped_column()
    duration_s: Mapped[float | None] = mapped_column(Float)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
