"""The audit log: record who did what to which record, and prove the log was not edited (hash chain)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from rapport.kit.clock import utcnow
from rapport.privacy.access import Principal
from rapport.privacy.models import AuditEvent
from rapport.store.engine import has_written

GENESIS = "0" * 64
_PENDING = "rapport.audit.deferred"
_AFTER_COMMIT = "rapport.audit.after_commit"
# Any constant works: it names the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x52415050


def record(
    session: Session,
    principal: Principal,
    *,
    action: str,
    entity: str,
    entity_id: int | str | None = None,
    outcome: str = "ok",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (so a rolled-back write leaves no event).

    A read on SQLite by a transaction that has not written is recorded right after that transaction commits (before
    the door answers), in a transaction of its own that starts with a write. Appending it inside would upgrade the
    caller's read snapshot to a write, which SQLite refuses at once when another request committed meanwhile: under
    concurrent load that turned plain reads into "database is busy" errors. A read whose transaction rolls back (the
    request failed, so nothing was returned) leaves no event.
    """
    if action == "read" and _reads_alone(session):
        fields = {"action": action, "entity": entity, "entity_id": entity_id, "outcome": outcome, "detail": detail}
        session.info.setdefault(_AFTER_COMMIT, []).append((principal, fields))
        return AuditEvent(action=action, entity=entity, entity_id=None if entity_id is None else str(entity_id))
    if session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both chain onto the same predecessor; held until commit.
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})
    prev_hash = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)) or GENESIS
    event = AuditEvent(
        at=utcnow(),
        actor_id=principal.user_id,
        actor=principal.label,
        role=str(principal.role),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        outcome=outcome,
        via=principal.via,
        ip=principal.ip,
        request_id=principal.request_id,
        detail=detail or {},
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = _event_hash(event)
    session.add(event)
    session.flush()
    return event


def _reads_alone(session: Session) -> bool:
    bind = session.get_bind()
    return isinstance(bind, Engine) and bind.dialect.name == "sqlite" and not has_written(session.connection())


@sa_event.listens_for(Session, "after_commit")
def _write_after_commit(session: Session) -> None:
    pending: list[tuple[Principal, dict[str, Any]]] = session.info.pop(_AFTER_COMMIT, [])
    if not pending:
        return
    engine = session.get_bind()
    for attempt in range(3):
        try:
            with Session(engine, expire_on_commit=False) as alone:
                # A write first takes SQLite's write lock (waiting out the busy timeout); reads after it are current.
                alone.execute(text("DELETE FROM audit_events WHERE 0 = 1"))
                for principal, fields in pending:
                    record(alone, principal, **fields)
                alone.commit()
                return
        except OperationalError as exc:
            if attempt == 2 or "locked" not in str(exc.orig).lower():
                raise


@sa_event.listens_for(Session, "after_rollback")
def _forget_reads(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def deny(session: Session, principal: Principal, *, action: str, entity: str, entity_id: int | str | None) -> None:
    """Remember a refused attempt; the refusal rolls the transaction back, so the door writes it afterwards."""
    defer(
        session,
        principal,
        action="denied",
        entity=entity,
        entity_id=entity_id,
        outcome="denied",
        detail={"attempted": action},
    )


def defer(session: Session, principal: Principal, **event: Any) -> None:
    """An event that must survive the rollback of the current transaction (refusals, failed logins)."""
    pending: list[tuple[Principal, dict[str, Any]]] = session.info.setdefault(_PENDING, [])
    pending.append((principal, event))


def write_deferred(session: Session) -> None:
    """Called by doors after a rollback: store the deferred events of the failed transaction, then commit."""
    pending: list[tuple[Principal, dict[str, Any]]] = session.info.pop(_PENDING, [])
    for principal, event in pending:
        record(session, principal, **event)
    if pending:
        session.commit()


@dataclass(frozen=True)
class ChainProblem:
    event_id: int
    problem: str


def verify(session: Session, *, batch: int = 5000) -> list[ChainProblem]:
    """Walk the whole chain; an edited event breaks its own hash, a deleted one breaks its successor's link."""
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    for event in _in_order(session, batch):
        if event.prev_hash != expected_prev:
            problems.append(ChainProblem(event.id, "link broken: an event before this one was deleted or edited"))
        if _event_hash(event) != event.hash:
            problems.append(ChainProblem(event.id, "content changed after it was written"))
        expected_prev = event.hash
    return problems


def _in_order(session: Session, batch: int) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_id = rows[-1].id
        session.expunge_all()


def _event_hash(event: AuditEvent) -> str:
    payload = {
        "at": event.at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor": event.actor,
        "role": event.role,
        "action": event.action,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "outcome": event.outcome,
        "via": event.via,
        "ip": event.ip,
        "request_id": event.request_id,
        "detail": event.detail,
    }
    body = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((event.prev_hash + body).encode()).hexdigest()
