"""Shapes of interactions for the API and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from rapport.kit.schema import Schema

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Kind = Literal["email", "chat", "call_note", "review", "note"]
Direction = Literal["inbound", "outbound", "internal"]


class InteractionCreate(Schema):
    customer_id: Id
    ticket_id: Id | None = None
    product_id: Id | None = None
    kind: Kind
    direction: Direction = "inbound"
    subject: Annotated[str, StringConstraints(max_length=300)] | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None
    rating: Annotated[int, Field(ge=1, le=5)] | None = None
    occurred_at: datetime | None = None


class InteractionUpdate(Schema):
    subject: Annotated[str, StringConstraints(max_length=300)] | None = None
    body: Annotated[str, StringConstraints(min_length=1, max_length=100_000)] | None = None
    sentiment: Literal["very_negative", "negative", "neutral", "positive"] | None = None
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")] | None = None


class InteractionRead(Schema):
    id: int
    customer_id: int
    ticket_id: int | None
    product_id: int | None
    kind: str
    direction: str
    subject: str | None
    body: str
    language: str | None
    rating: int | None
    sentiment: str | None
    author_id: int | None
    occurred_at: datetime
    created_at: datetime
