"""Tables for outgoing mail (the outbox) and the Message-ID index that threads mail into tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class OutboxMessage(IdMixin, TimestampMixin, Base):
    """An email to send. `status`: queued | sent | failed; `transport`: smtp | file (an .eml under data_dir)."""

    __tablename__ = "mail_outbox"

    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    from_addr: Mapped[str] = mapped_column(String(254))
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str | None] = mapped_column(String(250))
    references: Mapped[list[Any]] = mapped_column(default=list)
    attachments: Mapped[list[Any]] = mapped_column(default=list)  # file paths
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    source: Mapped[str] = mapped_column(String(60), default="")  # who queued it: "rule:3", "report:5", "user:2"
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    transport: Mapped[str | None] = mapped_column(String(10))
    path: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column()


class MailMessage(IdMixin, Base):
    """Every email Rapport has seen or sent, by Message-ID: replies find their ticket through it."""

    __tablename__ = "mail_messages"

    message_id: Mapped[str] = mapped_column(String(250), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(250), index=True)
    references: Mapped[list[Any]] = mapped_column(default=list)
    direction: Mapped[str] = mapped_column(String(10))  # inbound | outbound
    subject: Mapped[str] = mapped_column(String(300), default="")
    from_addr: Mapped[str] = mapped_column(String(254), default="")
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("interactions.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(index=True)
