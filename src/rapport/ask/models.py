"""Tables: ask_conversations and their ask_turns (question, plan, outcome), and ask_saved (reports and segments)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.kit.clock import utcnow
from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class AskConversation(IdMixin, TimestampMixin, Base):
    """A staff member's thread of questions; each follow-up is planned from the previous answered turn."""

    __tablename__ = "ask_conversations"

    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))


class AskTurn(IdMixin, Base):
    """One question and what came of it: `status` answered | refused."""

    __tablename__ = "ask_turns"
    __table_args__ = (Index("ix_ask_turns_conversation_id_position", "conversation_id", "position"),)

    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("ask_conversations.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10))
    plan: Mapped[dict[str, Any] | None] = mapped_column()
    refusal: Mapped[str | None] = mapped_column(Text)
    sql: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    row_count: Mapped[int] = mapped_column(default=0)
    latency_ms: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AskSaved(IdMixin, TimestampMixin, Base):
    """An answer kept by name. `kind` report: the plan, run again (with the viewer's permissions) when opened;
    segment: a plan with one row per customer, with the customer ids it matched when saved (`customer_ids`)."""

    __tablename__ = "ask_saved"
    __table_args__ = (UniqueConstraint("user_id", "kind", "name"),)

    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    question: Mapped[str] = mapped_column(Text)
    plan: Mapped[dict[str, Any]] = mapped_column(default=dict)
    customer_ids: Mapped[list[Any]] = mapped_column(default=list)
    row_count: Mapped[int] = mapped_column(default=0)
