"""Shapes of tasks for the API and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from rapport.kit.schema import Schema

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Related = Literal["customer", "ticket", "deal", "order", "company"]


class TaskCreate(Schema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    notes: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    due_at: datetime | None = None
    assignee_id: Id | None = Field(default=None, description="Defaults to the creator.")
    related_type: Related | None = None
    related_id: Id | None = None


class TaskUpdate(Schema):
    title: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None
    notes: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    due_at: datetime | None = None
    assignee_id: Id | None = None
    status: Literal["open", "done"] | None = None


class TaskRead(Schema):
    id: int
    title: str
    notes: str | None
    due_at: datetime | None
    status: str
    completed_at: datetime | None
    assignee_id: int | None
    created_by_id: int | None
    related_type: str | None
    related_id: int | None
    customer_id: int | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None
