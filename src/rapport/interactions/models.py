"""The interactions table: one row per message, call note, review or note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class Interaction(IdMixin, TimestampMixin, Base):
    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_customer_id_occurred_at", "customer_id", "occurred_at"),)

    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"), index=True)
    product_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("products.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))  # email | chat | call_note | review | note
    direction: Mapped[str] = mapped_column(String(10))  # inbound | outbound | internal
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    rating: Mapped[int | None] = mapped_column()  # reviews: 1..5
    sentiment: Mapped[str | None] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
