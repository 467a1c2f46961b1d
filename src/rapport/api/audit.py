"""The audit log: list events and verify the hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from rapport.api.deps import CurrentPrincipal, DbSession, ListParams, PageOut
from rapport.privacy import audit
from rapport.privacy.access import Action, require
from rapport.privacy.models import AuditEvent
from rapport.store.listing import Listing, paginate

router = APIRouter(tags=["audit"])

LISTING = Listing(
    id_column=AuditEvent.id,
    sortable={"id": AuditEvent.id},
    filterable={
        "actor_id": AuditEvent.actor_id,
        "action": AuditEvent.action,
        "entity": AuditEvent.entity,
        "entity_id": AuditEvent.entity_id,
        "outcome": AuditEvent.outcome,
        "via": AuditEvent.via,
        "at": AuditEvent.at,
    },
    searchable=(AuditEvent.actor,),
)


class AuditEventRead(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor: str
    role: str
    action: str
    entity: str
    entity_id: str | None
    outcome: str
    via: str
    ip: str | None
    request_id: str | None
    detail: dict[str, Any]
    hash: str

    model_config = {"from_attributes": True}


class ChainReport(BaseModel):
    is_intact: bool
    problems: list[dict[str, Any]]


@router.get("/audit", response_model=PageOut[AuditEventRead])
def list_events(db: DbSession, principal: CurrentPrincipal, query: ListParams) -> PageOut[AuditEventRead]:
    """Newest first by default (`sort=-id`). Filters: actor_id, action, entity, entity_id, outcome, via, at."""
    require(principal, "audit", Action.read)
    if query.sort == "id" and not query.cursor:
        query = type(query)(limit=query.limit, cursor=None, sort="-id", q=query.q, filters=query.filters)
    page = paginate(db, select(AuditEvent), LISTING, query)
    items = [AuditEventRead.model_validate(e) for e in page.items]
    return PageOut(items=items, next_cursor=page.next_cursor, limit=page.limit)


@router.get("/audit/verify")
def verify_chain(db: DbSession, principal: CurrentPrincipal) -> ChainReport:
    require(principal, "audit", Action.read)
    problems = audit.verify(db)
    return ChainReport(
        is_intact=not problems, problems=[{"event_id": p.event_id, "problem": p.problem} for p in problems]
    )
