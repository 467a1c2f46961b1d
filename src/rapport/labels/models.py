"""The labels table: every label of a CRM record for a task, with where it came from, who gave it and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from rapport.kit.clock import utcnow
from rapport.store.base import Base, BigId, IdMixin

LABEL_SOURCES = ("demo", "agent", "import", "model", "llm")
HUMAN_SOURCES = ("demo", "agent", "import")  # what training learns from; a model never learns from its own output


class Label(IdMixin, Base):
    """One label of one record for one task: an agent's correction, an import, or a model's prediction.

    The newest human label (demo, agent, import) of a record is its training label; `model` and `llm` rows record
    what the classifiers said, with their confidence and the words behind it in `detail`.
    """

    __tablename__ = "labels"
    __table_args__ = (Index("ix_labels_entity_entity_id_task", "entity", "entity_id", "task"),)

    entity: Mapped[str] = mapped_column(String(20))  # tickets | interactions
    entity_id: Mapped[int] = mapped_column(BigId)
    task: Mapped[str] = mapped_column(String(40), index=True)
    label: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    model_version_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("model_versions.id", ondelete="SET NULL"))
    confidence: Mapped[float | None] = mapped_column(Float)
    is_applied: Mapped[bool] = mapped_column(default=False)  # whether it was written into the record's own column
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
