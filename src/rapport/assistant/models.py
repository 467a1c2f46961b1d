"""Tables: knowledge_chunks (the search index's passages and vectors), conversations and conversation_messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.kit.clock import utcnow
from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class KnowledgeChunk(IdMixin, Base):
    """One passage of one version of an article. Rows are replaced, never edited, when the article changes; the
    vector of an unchanged passage (same content hash and embedder) is carried over instead of recomputed."""

    __tablename__ = "knowledge_chunks"

    article_id: Mapped[int] = mapped_column(BigId, ForeignKey("knowledge_articles.id", ondelete="CASCADE"), index=True)
    article_version: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column()
    heading: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="section")  # section | faq
    language: Mapped[str] = mapped_column(String(8), index=True)
    category: Mapped[str | None] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(64))
    embedder: Mapped[str | None] = mapped_column(String(60))
    vector: Mapped[bytes | None] = mapped_column(LargeBinary)  # float32, little-endian, L2-normalised
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(IdMixin, TimestampMixin, Base):
    """A chat session of the widget. `token_hash` is the SHA-256 of the secret the widget holds; the customer is
    set only once identified (signed widget token, or email plus order number)."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_status_last_message_at", "status", "last_message_at"),)

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="bot")  # bot | waiting | agent | closed
    channel: Mapped[str] = mapped_column(String(10), default="widget")
    language: Mapped[str] = mapped_column(String(8), default="en")
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="SET NULL"), index=True)
    identified_by: Mapped[str | None] = mapped_column(String(20))  # widget_token | email_order | contact_form
    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    agent_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    intent: Mapped[str | None] = mapped_column(String(60))
    failed_answers: Mapped[int] = mapped_column(default=0)
    verify_attempts: Mapped[int] = mapped_column(default=0)
    page_url: Mapped[str | None] = mapped_column(String(500))
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_verified(self) -> bool:
        """Whether the customer proved who they are; only then may tools read their records (an email typed in
        the contact form names whom to answer, not whose orders to show)."""
        return self.customer_id is not None and self.identified_by in ("widget_token", "email_order")


class ConversationMessage(IdMixin, Base):
    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_conversation_id_id", "conversation_id", "id"),)

    conversation_id: Mapped[int] = mapped_column(BigId, ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(10))  # customer | assistant | agent | system
    body: Mapped[str] = mapped_column(Text)
    citations: Mapped[list[Any]] = mapped_column(default=list)
    confidence: Mapped[float | None] = mapped_column(Float)
    is_abstained: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
