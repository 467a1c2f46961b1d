"""Shapes of the assistant's API: widget requests, conversations for staff, knowledge-base import and search."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints

from rapport.kit.schema import Schema

Language = Annotated[str, StringConstraints(pattern=r"^(en|zh)$")]


class WidgetStart(Schema):
    language: Literal["en", "zh", "auto"] = Field(
        description="The greeting's language; auto: the customer's, else the browser's. The widget always sends it."
    )
    page_url: Annotated[str, StringConstraints(max_length=500)] | None = None
    customer_token: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="A signed widget token from the site's server (identifies a logged-in customer)."
    )


class WidgetStarted(Schema):
    token: str = Field(description="The conversation's secret: send it as X-Conversation-Token.")
    conversation_id: int
    language: str
    status: str
    is_identified: bool
    greeting: str


class WidgetMessage(Schema):
    text: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class WidgetVerify(Schema):
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)]
    order_number: Annotated[str, StringConstraints(min_length=1, max_length=40)]


class WidgetHandoff(Schema):
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None


class MessageRead(Schema):
    id: int
    role: str
    body: str
    citations: list[dict[str, Any]]
    confidence: float | None
    is_abstained: bool
    author_id: int | None
    created_at: datetime


class ConversationRead(Schema):
    id: int
    status: str
    channel: str
    language: str
    customer_id: int | None
    identified_by: str | None
    ticket_id: int | None
    agent_id: int | None
    intent: str | None
    failed_answers: int
    page_url: str | None
    created_at: datetime
    last_message_at: datetime


class ConversationDetail(ConversationRead):
    messages: list[MessageRead]


class AgentReply(Schema):
    text: Annotated[str, StringConstraints(min_length=1, max_length=10_000)]


class AskRequest(Schema):
    question: Annotated[str, StringConstraints(min_length=1, max_length=4000)]
    language: Language | None = None


class WidgetTokenRequest(Schema):
    customer_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    ttl_s: Annotated[int, Field(ge=1, le=7 * 24 * 3600)] = 3600


class ImportOutcomeRead(Schema):
    filename: str
    outcome: Literal["created", "updated", "unchanged", "failed"]
    message: str
    article_id: int | None
    version: int | None


class SyncReportRead(Schema):
    articles_indexed: int
    articles_removed: int
    passages_written: int
    passages_embedded: int
    passages_reused: int
    seconds: float


class ImportResult(Schema):
    files: list[ImportOutcomeRead]
    index: SyncReportRead


class SearchHit(Schema):
    chunk_id: int
    article_id: int
    slug: str
    title: str
    heading: str
    text: str
    language: str
    score: float
    bm25: float
    similarity: float | None
