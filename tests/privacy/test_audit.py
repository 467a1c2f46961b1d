"""The audit log's hash chain catches edits and deletions."""

from __future__ import annotations

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from rapport.privacy import audit
from rapport.privacy.access import system_principal
from rapport.privacy.models import AuditEvent


def _three_events(session: Session) -> list[AuditEvent]:
    who = system_principal()
    return [audit.record(session, who, action="read", entity="customers", entity_id=i) for i in (1, 2, 3)]


def test_untouched_chain_verifies(session: Session) -> None:
    _three_events(session)

    assert audit.verify(session) == []


def test_edited_event_is_found(session: Session) -> None:
    events = _three_events(session)
    session.execute(update(AuditEvent).where(AuditEvent.id == events[1].id).values(actor="someone else"))
    session.expire_all()

    problems = audit.verify(session)

    assert [(p.event_id, p.problem.split(" ")[0]) for p in problems] == [(events[1].id, "content")]


def test_deleted_event_is_found(session: Session) -> None:
    events = _three_events(session)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    session.expire_all()

    problems = audit.verify(session)

    assert [(p.event_id, p.problem.split(":")[0]) for p in problems] == [(events[2].id, "link broken")]
