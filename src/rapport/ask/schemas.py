"""Ask Rapport in and out: the question, the answer (table, chart, summary, plan, SQL), conversations, saved answers."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rapport.ask.answers import column_title, is_chinese
from rapport.ask.models import AskSaved, AskTurn
from rapport.ask.plan import QueryPlan
from rapport.ask.service import MAX_QUESTION_CHARS, Answer
from rapport.kit.schema import Schema


class AskRequest(Schema):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    conversation_id: int | None = Field(default=None, ge=1, le=2**63 - 1)


class ColumnRead(BaseModel):
    name: str
    title: str
    kind: str
    is_metric: bool


class AnswerRead(BaseModel):
    question: str
    status: Literal["answered", "refused"]
    refusal: str | None
    conversation_id: int | None
    turn_id: int | None
    entity: str | None
    columns: list[ColumnRead]
    rows: list[list[Any]]
    truncated: bool
    chart: dict[str, Any] | None
    summary: str
    plan: QueryPlan | None
    sql: str | None
    notes: list[str]
    latency_ms: float

    @classmethod
    def of(cls, answer: Answer) -> AnswerRead:
        zh = is_chinese(answer.question)
        return cls(
            question=answer.question,
            status=answer.status,
            refusal=answer.refusal,
            conversation_id=answer.conversation_id,
            turn_id=answer.turn_id,
            entity=answer.entity,
            columns=[
                ColumnRead(name=c.name, title=column_title(c.name, zh), kind=c.kind, is_metric=c.is_metric)
                for c in answer.columns
            ],
            rows=answer.rows,
            truncated=answer.truncated,
            chart=answer.chart,
            summary=answer.summary if answer.status == "answered" else (answer.refusal or ""),
            plan=answer.plan,
            sql=answer.sql,
            notes=answer.notes,
            latency_ms=round(answer.latency_ms, 1),
        )


class TurnRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int
    question: str
    status: str
    plan: dict[str, Any] | None
    refusal: str | None
    sql: str | None
    summary: str | None
    row_count: int
    created_at: datetime

    @classmethod
    def of(cls, turn: AskTurn) -> TurnRead:
        return cls.model_validate(turn)


class ConversationRead(BaseModel):
    id: int
    title: str
    created_at: datetime
    turns: list[TurnRead]


class SaveRequest(Schema):
    turn_id: int = Field(ge=1, le=2**63 - 1)
    kind: Literal["report", "segment"] = "report"
    name: str = Field(min_length=1, max_length=120)


class SavedRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    name: str
    question: str
    plan: dict[str, Any]
    customer_ids: list[int]
    row_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, saved: AskSaved) -> SavedRead:
        return cls.model_validate(saved)
