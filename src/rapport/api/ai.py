"""The AI runtime's state over HTTP: which provider answers each feature, and the log of model calls."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import select

from rapport.ai.gateway import Gateway
from rapport.ai.models import ModelCall
from rapport.api.deps import CurrentPrincipal, DbSession, ListParams, PageOut
from rapport.privacy.access import Action, require
from rapport.store.listing import Listing, paginate

router = APIRouter(tags=["ai"])

LISTING = Listing(
    id_column=ModelCall.id,
    sortable={"id": ModelCall.id, "latency_ms": ModelCall.latency_ms},
    filterable={"feature": ModelCall.feature, "provider": ModelCall.provider, "is_cache_hit": ModelCall.is_cache_hit},
)


class AIStatus(BaseModel):
    provider: str
    local_model: str
    is_available: bool
    feature_providers: dict[str, str]


class ModelCallRead(BaseModel):
    id: int
    at: datetime
    feature: str
    provider: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: float
    first_token_ms: float | None
    is_cache_hit: bool
    is_redacted: bool
    is_streamed: bool
    error: str | None

    model_config = {"from_attributes": True}


@router.get("/ai/status")
def ai_status(request: Request, principal: CurrentPrincipal) -> AIStatus:
    """Whether a language model can answer now (without loading it). Features fall back when it cannot."""
    gateway: Gateway = request.app.state.gateway
    llm = gateway.settings.llm
    return AIStatus(
        provider=llm.provider,
        local_model=llm.local_model,
        is_available=gateway.is_available("default"),
        feature_providers=llm.feature_providers,
    )


@router.get("/ai/calls", response_model=PageOut[ModelCallRead])
def list_calls(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[ModelCallRead]:
    """Every model call: feature, provider, tokens, latency, cache hit, error (newest first with sort=-id)."""
    require(principal, "audit", Action.read)  # the call log is operational data for admins and managers
    page = paginate(db, select(ModelCall), LISTING, query)
    return PageOut(
        items=[ModelCallRead.model_validate(c) for c in page.items], next_cursor=page.next_cursor, limit=page.limit
    )
