"""Shapes of tickets for the API and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from rapport.kit.schema import Schema

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Status = Literal["new", "open", "pending", "solved", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]
Channel = Literal["email", "chat", "phone", "web", "widget"]
Sentiment = Literal["very_negative", "negative", "neutral", "positive"]
Subject = Annotated[str, StringConstraints(min_length=1, max_length=300)]


class TicketCreate(Schema):
    customer_id: Id
    subject: Subject
    body: Annotated[str, StringConstraints(max_length=100_000)] | None = Field(
        default=None, description="The customer's first message, stored as an inbound interaction on the ticket."
    )
    status: Status = "new"
    priority: Priority = "normal"
    channel: Channel = "email"
    assignee_id: Id | None = None
    team_id: Id | None = None
    sla_due_at: datetime | None = None
    intent: Annotated[str, StringConstraints(max_length=60)] | None = None
    sentiment: Sentiment | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None


class TicketUpdate(Schema):
    subject: Subject | None = None
    status: Status | None = None
    priority: Priority | None = None
    assignee_id: Id | None = None
    team_id: Id | None = None
    sla_due_at: datetime | None = None
    intent: Annotated[str, StringConstraints(max_length=60)] | None = None
    sentiment: Sentiment | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None


class TicketRead(Schema):
    id: int
    customer_id: int
    subject: str
    status: str
    priority: str
    channel: str
    assignee_id: int | None
    team_id: int | None
    sla_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    intent: str | None
    sentiment: str | None
    language: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
