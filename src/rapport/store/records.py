"""Generic record operations with access rules applied: what every domain service builds on.

Each domain's service.py makes one `Records` for its table, saying which fields may be listed and how far each
role reaches, then adds what is special to it. Access is decided here, in the service layer, so the API, web pages,
CLI, exports and AI tools all get the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import Session

from rapport.errors import Forbidden, NotFound
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, can, require
from rapport.store.base import Base
from rapport.store.listing import Listing, ListQuery, Page, paginate

M = TypeVar("M", bound=Base)

Scope = Callable[[Principal], ColumnElement[bool] | None]


def everyone(_principal: Principal) -> ColumnElement[bool] | None:
    return None


@dataclass
class Records(Generic[M]):
    model: type[M]
    entity: str
    listing: Listing
    scope: Scope = everyone
    # Reads of personal data are audited one event per request (a list records how many rows and which ids).
    is_personal: bool = False
    references: Mapping[str, tuple[type[Base], str]] = field(default_factory=dict)

    @property
    def soft_delete(self) -> bool:
        return hasattr(self.model, "deleted_at")

    def visible(self, principal: Principal, *, include_deleted: bool = False) -> Select[M]:
        stmt = select(self.model)
        clause = self.scope(principal)
        if clause is not None:
            stmt = stmt.where(clause)
        if self.soft_delete and not include_deleted:
            stmt = stmt.where(self.model.deleted_at.is_(None))  # type: ignore[attr-defined]
        return stmt

    def get(
        self,
        session: Session,
        principal: Principal,
        record_id: int,
        *,
        action: Action = Action.read,
        audit_read: bool = True,
    ) -> M:
        """The record, or NotFound; Forbidden (and audited) when it exists but is outside the principal's reach."""
        self._require(session, principal, action, record_id)
        record = session.get(self.model, record_id)
        if record is None or (self.soft_delete and record.deleted_at is not None and action != Action.update):  # type: ignore[attr-defined]
            raise NotFound(f"{self.entity} {record_id} not found")
        clause = self.scope(principal)
        if clause is not None:
            pk = self.model.id  # type: ignore[attr-defined]
            if session.scalar(select(pk).where(pk == record_id, clause)) is None:
                audit.deny(session, principal, action=str(action), entity=self.entity, entity_id=record_id)
                raise _forbidden_record(self.entity, record_id)
        if action == Action.read and self.is_personal and audit_read:
            audit.record(session, principal, action="read", entity=self.entity, entity_id=record_id)
        return record

    def list(self, session: Session, principal: Principal, query: ListQuery) -> Page[M]:
        self._require(session, principal, Action.read, None)
        page = paginate(session, self.visible(principal), self.listing, query)
        if self.is_personal and page.items:
            ids = [item.id for item in page.items]
            audit.record(
                session, principal, action="read", entity=self.entity, detail={"count": len(ids), "ids": ids[:200]}
            )
        return page

    def create(self, session: Session, principal: Principal, values: Mapping[str, Any]) -> M:
        self._require(session, principal, Action.create, None)
        self.check_references(session, principal, values)
        record = self.model(**values)
        session.add(record)
        session.flush()
        audit.record(session, principal, action="create", entity=self.entity, entity_id=record.id)  # type: ignore[attr-defined]
        return record

    def update(self, session: Session, principal: Principal, record_id: int, values: Mapping[str, Any]) -> M:
        record = self.get(session, principal, record_id, action=Action.update)
        if self.soft_delete and record.deleted_at is not None:  # type: ignore[attr-defined]
            raise NotFound(f"{self.entity} {record_id} not found (it is deleted; restore it first)")
        self.check_references(session, principal, values)
        changed = {}
        for name, value in values.items():
            if getattr(record, name) != value:
                changed[name] = value
                setattr(record, name, value)
        if changed:
            session.flush()
            audit.record(
                session,
                principal,
                action="update",
                entity=self.entity,
                entity_id=record_id,
                detail={"fields": sorted(changed)},
            )
        return record

    def delete(self, session: Session, principal: Principal, record_id: int) -> None:
        record = self.get(session, principal, record_id, action=Action.delete)
        if self.soft_delete:
            record.deleted_at = utcnow()  # type: ignore[attr-defined]
        else:
            session.delete(record)
        session.flush()
        audit.record(session, principal, action="delete", entity=self.entity, entity_id=record_id)

    def restore(self, session: Session, principal: Principal, record_id: int) -> M:
        record = self.get(session, principal, record_id, action=Action.update)
        if self.soft_delete and record.deleted_at is not None:  # type: ignore[attr-defined]
            record.deleted_at = None  # type: ignore[attr-defined]
            session.flush()
            audit.record(session, principal, action="restore", entity=self.entity, entity_id=record_id)
        return record

    def check_references(self, session: Session, principal: Principal, values: Mapping[str, Any]) -> None:
        """A foreign key must name a record that exists (a clear 404, not a database error)."""
        for name, (model, entity) in self.references.items():
            ref_id = values.get(name)
            if ref_id is not None and session.get(model, ref_id) is None:
                raise NotFound(f"{entity} {ref_id} not found (given as {name})")

    def _require(self, session: Session, principal: Principal, action: Action, record_id: int | None) -> None:
        if not can(principal, self.entity, action):
            audit.deny(session, principal, action=str(action), entity=self.entity, entity_id=record_id)
            require(principal, self.entity, action)


def _forbidden_record(entity: str, record_id: int) -> Exception:
    return Forbidden(f"you may not access {entity} {record_id}: it is outside your records (owner or team)")
