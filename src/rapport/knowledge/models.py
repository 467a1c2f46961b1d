"""The knowledge_articles table: one row per article, its version bumped on every edit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, IdMixin, SoftDeleteMixin, TimestampMixin


class KnowledgeArticle(IdMixin, TimestampMixin, SoftDeleteMixin, Base):
    __tablename__ = "knowledge_articles"

    slug: Mapped[str] = mapped_column(String(160), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8), default="en", index=True)
    category: Mapped[str | None] = mapped_column(String(100))
    tags: Mapped[list[Any]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(default=1)
    is_published: Mapped[bool] = mapped_column(default=True)
