"""Shapes of labels in and out, and of a ticket's scores."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from rapport.ai.classifier.schemas import LabelText, PredictionRead, Task
from rapport.kit.schema import Schema

Entity = Literal["tickets", "interactions"]


class LabelCreate(Schema):
    entity: Entity
    entity_id: int = Field(ge=1, le=2**63 - 1)
    task: Task
    label: LabelText


class LabelRead(Schema):
    id: int
    entity: str
    entity_id: int
    task: str
    label: str
    source: str
    user_id: int | None
    model_version_id: int | None
    confidence: float | None
    is_applied: bool
    detail: dict[str, Any]
    created_at: datetime


class TicketScore(Schema):
    """What score_ticket did with one promoted ticket model."""

    model: str
    task: str
    prediction: PredictionRead
    applied: bool = Field(description="Whether the label was written into the ticket's own column.")
