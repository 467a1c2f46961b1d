"""The audit log table: append-only, each event chained to the previous by its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, String
from sqlalchemy.orm import Mapped, mapped_column

from rapport.store.base import Base, BigId, IdMixin


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_events"

    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(BigId, index=True)  # no FK: events outlive users
    actor: Mapped[str] = mapped_column(String(254))  # e.g. "alice@demo.rapport (sales)" or "system:cli"
    role: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))  # read | create | update | delete | login | export | denied …
    entity: Mapped[str] = mapped_column(String(40), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(10), default="ok")  # ok | denied | failed
    via: Mapped[str] = mapped_column(String(10))  # api | web | cli | job
    ip: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class PrivacyBudget(IdMixin, Base):
    """The epsilon a dataset may still spend on differentially private answers (rapport.privacy.dp)."""

    __tablename__ = "privacy_budgets"

    dataset: Mapped[str] = mapped_column(String(60), unique=True)
    epsilon_total: Mapped[float] = mapped_column(Float)
    epsilon_spent: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column()


class PrivacyQuery(IdMixin, Base):
    """One charged differentially private query: who asked what, at which epsilon (the ledger behind the budget)."""

    __tablename__ = "privacy_queries"

    dataset: Mapped[str] = mapped_column(String(60), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(254))
    query: Mapped[dict[str, Any]] = mapped_column(default=dict)
    epsilon: Mapped[float] = mapped_column(Float)
