"""Tables for triage results, agent availability, assignment history, workflow rules and what they did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin, TimestampMixin


class TicketTriage(TimestampMixin, Base):
    """What triage found about one ticket, each finding with its explanation (`explanations`, JSON by finding).

    The tickets table keeps the working values (intent, priority, …); this row keeps why, and which fields triage
    applied (`applied`), so a re-triage never overwrites a value a person has changed since.
    """

    __tablename__ = "ticket_triage"

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True)
    intent: Mapped[str | None] = mapped_column(String(60))
    intent_confidence: Mapped[float | None] = mapped_column(Float)
    priority: Mapped[str] = mapped_column(String(8))
    priority_score: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment: Mapped[str] = mapped_column(String(16))
    sentiment_score: Mapped[float] = mapped_column(Float, default=0.0)
    language: Mapped[str] = mapped_column(String(8))
    is_spam: Mapped[bool] = mapped_column(default=False, index=True)
    spam_score: Mapped[float] = mapped_column(Float, default=0.0)
    duplicate_of_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="SET NULL"))
    duplicate_score: Mapped[float | None] = mapped_column(Float)
    sla_due_at: Mapped[datetime | None] = mapped_column()
    explanations: Mapped[dict[str, Any]] = mapped_column(default=dict)
    models: Mapped[dict[str, Any]] = mapped_column(default=dict)
    applied: Mapped[dict[str, Any]] = mapped_column(default=dict)
    triaged_at: Mapped[datetime] = mapped_column()


class AgentAvailability(Base):
    """Whether an agent takes new tickets now, and how many open ones at most. No row: available, default cap."""

    __tablename__ = "agent_availability"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    is_available: Mapped[bool] = mapped_column(default=True)
    away_until: Mapped[datetime | None] = mapped_column()
    max_open: Mapped[int | None] = mapped_column()
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column()
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))


class Assignment(IdMixin, Base):
    """Every change of a ticket's assignee, and every escalation, with why. `kind`: auto | rule | override |
    escalation."""

    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_ticket_id_at", "ticket_id", "at"),)

    ticket_id: Mapped[int] = mapped_column(BigId, ForeignKey("tickets.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    previous_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12), index=True)
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(index=True)


class WorkflowRule(IdMixin, TimestampMixin, Base):
    """A rule as data: `definition` is a validated RuleDefinition (trigger, conditions, actions)."""

    __tablename__ = "workflow_rules"

    name: Mapped[str] = mapped_column(String(120), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    trigger: Mapped[str] = mapped_column(String(30), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=100)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))


class RuleRun(IdMixin, Base):
    """A rule that matched one event and what its actions did; (rule, event) is unique, so no event fires twice."""

    __tablename__ = "rule_runs"
    __table_args__ = (UniqueConstraint("rule_id", "event_key"),)

    rule_id: Mapped[int] = mapped_column(BigId, ForeignKey("workflow_rules.id", ondelete="CASCADE"), index=True)
    rule_version: Mapped[int] = mapped_column(default=1)
    event_key: Mapped[str] = mapped_column(String(200))
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(BigId)
    outcome: Mapped[str] = mapped_column(String(10))  # done | partial | failed
    actions: Mapped[list[Any]] = mapped_column(default=list)
    at: Mapped[datetime] = mapped_column(index=True)


class WebhookDelivery(IdMixin, Base):
    """One signed POST a rule asked for; retried with backoff until delivered or out of attempts."""

    __tablename__ = "webhook_deliveries"

    rule_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("workflow_rules.id", ondelete="SET NULL"))
    event_key: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))
    secret_name: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(default=0)
    last_status_code: Mapped[int | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()


class AutomationCursor(Base):
    """How far an event source has been read (the last id seen), so polling never sees an event twice."""

    __tablename__ = "automation_cursors"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column()


class FollowUp(IdMixin, Base):
    """A follow-up task created from an event; `key` (kind and what it is about) makes creating it idempotent."""

    __tablename__ = "followups"

    kind: Mapped[str] = mapped_column(String(20), index=True)  # deal_idle | churn_risk | promise | sla
    key: Mapped[str] = mapped_column(String(200), unique=True)
    task_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("tasks.id", ondelete="SET NULL"))
    customer_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column()
