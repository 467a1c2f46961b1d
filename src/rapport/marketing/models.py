"""Tables for saved segments, campaigns, their generated messages and their recipients.

Segment members are computed on demand from the rules (a refresh stores only the count and when): the audience a
campaign reached is frozen in `campaign_recipients` when it is sent, which is what measurement needs.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin

Money = Numeric(14, 2, asdecimal=True)


class Segment(IdMixin, TimestampMixin, Base):
    """Customers that match `rules` (see marketing/segments.py for the rule language)."""

    __tablename__ = "marketing_segments"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sentence: Mapped[str | None] = mapped_column(Text)  # the sentence it was made from, if any
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    refreshed_at: Mapped[datetime | None] = mapped_column()
    member_count: Mapped[int] = mapped_column(default=0)


class Campaign(IdMixin, TimestampMixin, Base):
    """A message to a segment. `status`: draft | scheduled | sending | sent. `brief`: product, offer, discount_pct,
    valid_until, links; `variants`: [{"key": "A", "weight": 0.5, "angle": "…"}]."""

    __tablename__ = "marketing_campaigns"

    name: Mapped[str] = mapped_column(String(160))
    segment_id: Mapped[int] = mapped_column(BigId, ForeignKey("marketing_segments.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    languages: Mapped[list[Any]] = mapped_column(default=list)
    brief: Mapped[dict[str, Any]] = mapped_column(default=dict)
    variants: Mapped[list[Any]] = mapped_column(default=list)
    holdout_share: Mapped[float] = mapped_column(Float, default=0.1)
    seed: Mapped[int] = mapped_column(default=0)
    frequency_cap: Mapped[int] = mapped_column(default=2)
    frequency_days: Mapped[int] = mapped_column(default=7)
    attribution_days: Mapped[int] = mapped_column(default=14)
    scheduled_at: Mapped[datetime | None] = mapped_column(index=True)
    sent_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    # What sending found: audience, excluded (no consent, no address, capped), per group; and "simulated" if so.
    counts: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CampaignMessage(IdMixin, Base):
    """The copy for one variant, language and channel: written by the model or the template, with its checks."""

    __tablename__ = "marketing_messages"
    __table_args__ = (UniqueConstraint("campaign_id", "variant", "language", "channel"),)

    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("marketing_campaigns.id", ondelete="CASCADE"))
    variant: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(12))  # model | template
    tries: Mapped[int] = mapped_column(default=0)
    guardrail: Mapped[dict[str, Any]] = mapped_column(
        default=dict
    )  # {"ok": bool, "problems": [...], "rejected": [...]}
    created_at: Mapped[datetime] = mapped_column()


class CampaignRecipient(IdMixin, Base):
    """One customer of a sent campaign: their group (a variant key or "holdout") and what happened after."""

    __tablename__ = "marketing_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "customer_id"),
        Index("ix_marketing_recipients_customer_id_sent_at", "customer_id", "sent_at"),
    )

    campaign_id: Mapped[int] = mapped_column(BigId, ForeignKey("marketing_campaigns.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"))
    group: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("marketing_messages.id", ondelete="SET NULL"))
    outbox_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("mail_outbox.id", ondelete="SET NULL"))
    message_source: Mapped[str | None] = mapped_column(String(12))
    sent_at: Mapped[datetime | None] = mapped_column()
    opened_at: Mapped[datetime | None] = mapped_column()
    clicked_at: Mapped[datetime | None] = mapped_column()
    converted_at: Mapped[datetime | None] = mapped_column()
    conversion_order_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("orders.id", ondelete="SET NULL"))
    conversion_value: Mapped[Decimal | None] = mapped_column(Money)
    unsubscribed_at: Mapped[datetime | None] = mapped_column()
