"""Triage operations: triage a ticket (store the findings and apply them to the ticket), read a triage, find
tickets that still need one.

Triage applies a value to the ticket only where the ticket has none, or still holds what an earlier triage put
there: a priority an agent changed by hand is never overwritten by a re-triage.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.automation.models import TicketTriage
from rapport.automation.schemas import AutomationSettings
from rapport.automation.triage import Candidate, CustomerFacts, Triage, TriageResult, sla_due
from rapport.customers.models import Customer
from rapport.errors import NotFound
from rapport.interactions.models import Interaction
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy.access import Action, Principal, Role
from rapport.sales.models import Order
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

# Rules and jobs act as this principal; its label lets the rule engine ignore its own updates (no rule loops).
AUTOMATION: Final = Principal(role=Role.admin, label="system:automation", via="job")
OPEN_STATUSES: Final = ("new", "open", "pending")
COUNTED_ORDER_STATUSES: Final = ("paid", "shipped", "delivered")
DUPLICATE_WINDOW: Final = timedelta(days=30)
PREVIEW_FIELDS: Final = (
    "ticket_id", "intent", "intent_confidence", "priority", "priority_score", "sentiment", "sentiment_score",
    "language", "is_spam", "spam_score", "duplicate_of_id", "duplicate_score", "sla_due_at", "explanations",
)  # fmt: skip


def triage_ticket(
    session: Session,
    principal: Principal,
    ticket_id: int,
    *,
    settings: AutomationSettings,
    triage: Triage | None = None,
) -> TicketTriage:
    """Triage one ticket and apply the findings; running it again gives the same row (idempotent)."""
    ticket = ticket_service.tickets.get(session, principal, ticket_id, action=Action.update, audit_read=False)
    triage = triage or Triage(settings=settings)
    subject, body = ticket.subject, first_message(session, ticket.id)
    result = triage.run(subject, body, customer_facts(session, ticket), duplicate_candidates(session, ticket))
    row = session.get(TicketTriage, ticket.id)
    is_new = row is None
    previous = {} if row is None else dict(row.applied)
    if row is None:
        row = TicketTriage(ticket_id=ticket.id)
        session.add(row)
    _fill(row, result, as_utc(ticket.created_at))
    row.applied = _apply(session, principal, ticket, row, previous, is_new)
    session.flush()
    return row


def preview(
    session: Session, ticket_id: int, *, settings: AutomationSettings, triage: Triage | None = None
) -> dict[str, Any]:
    """What triage would find, stored nowhere and applied to nothing (dry runs over tickets older than triage)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return {}
    triage = triage or Triage(settings=settings)
    result = triage.run(
        ticket.subject,
        first_message(session, ticket.id),
        customer_facts(session, ticket),
        duplicate_candidates(session, ticket),
    )
    row = TicketTriage(ticket_id=ticket.id)
    _fill(row, result, as_utc(ticket.created_at))
    return {c: getattr(row, c) for c in PREVIEW_FIELDS} | {"is_preview": True}


def get(session: Session, principal: Principal, ticket_id: int) -> TicketTriage:
    ticket_service.tickets.get(session, principal, ticket_id)
    row = session.get(TicketTriage, ticket_id)
    if row is None:
        raise NotFound(f"ticket {ticket_id} has not been triaged yet")
    return row


def untriaged(session: Session, *, since: datetime, limit: int = 200) -> list[int]:
    """Open tickets created since `since` that have no triage yet: what the sweep job picks up, whichever door
    created them."""
    stmt = (
        select(Ticket.id)
        .outerjoin(TicketTriage, TicketTriage.ticket_id == Ticket.id)
        .where(
            TicketTriage.ticket_id.is_(None),
            Ticket.deleted_at.is_(None),
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.created_at >= since,
        )
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def first_message(session: Session, ticket_id: int) -> str:
    body = session.scalar(
        select(Interaction.body)
        .where(Interaction.ticket_id == ticket_id, Interaction.direction == "inbound")
        .order_by(Interaction.occurred_at, Interaction.id)
        .limit(1)
    )
    return body or ""


def customer_facts(session: Session, ticket: Ticket) -> CustomerFacts:
    customer = session.get(Customer, ticket.customer_id)
    spent = session.scalar(
        select(func.coalesce(func.sum(Order.total), 0)).where(
            Order.customer_id == ticket.customer_id, Order.status.in_(COUNTED_ORDER_STATUSES)
        )
    )
    others = session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.customer_id == ticket.customer_id,
            Ticket.id != ticket.id,
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.deleted_at.is_(None),
        )
    )
    tags = tuple(str(t).lower() for t in (customer.tags if customer else []) or [])
    return CustomerFacts(total_spent=float(spent or 0), tags=tags, other_open_tickets=int(others or 0))


def duplicate_candidates(session: Session, ticket: Ticket, limit: int = 20) -> list[Candidate]:
    """Open tickets of the same customer from the 30 days before this one, newest first."""
    created = as_utc(ticket.created_at)
    rows = session.execute(
        select(Ticket.id, Ticket.subject)
        .where(
            Ticket.customer_id == ticket.customer_id,
            Ticket.id != ticket.id,
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.deleted_at.is_(None),
            Ticket.created_at <= created,
            Ticket.created_at >= created - DUPLICATE_WINDOW,
        )
        .order_by(Ticket.created_at.desc())
        .limit(limit)
    ).all()
    return [Candidate(tid, f"{subject}\n{first_message(session, tid)}".strip()) for tid, subject in rows]


def _fill(row: TicketTriage, result: TriageResult, created_at: datetime) -> None:
    row.intent = result.intent.label
    row.intent_confidence = round(result.intent.confidence, 4)
    row.priority = str(result.priority.value)
    row.priority_score = result.priority.score
    row.sentiment = result.sentiment.label
    row.sentiment_score = round(result.sentiment.score, 4)
    row.language = str(result.language.value)
    row.is_spam = bool(result.spam.value)
    row.spam_score = result.spam.score
    row.duplicate_of_id = result.duplicate.value
    row.duplicate_score = result.duplicate.score or None
    row.sla_due_at = sla_due(created_at, result.sla_hours)
    row.explanations = result.explanations()
    row.models = dict(result.models)
    row.triaged_at = utcnow()


def _apply(
    session: Session,
    principal: Principal,
    ticket: Ticket,
    row: TicketTriage,
    previous: dict[str, Any],
    is_new: bool,
) -> dict[str, Any]:
    proposed: dict[str, Any] = {
        "intent": row.intent,
        "sentiment": row.sentiment,
        "language": row.language,
        "priority": row.priority,
        "sla_due_at": row.sla_due_at,
    }
    changes: dict[str, Any] = {}
    applied: dict[str, Any] = {}
    for name, value in proposed.items():
        if value is None:
            continue
        current = getattr(ticket, name)
        ours = name in previous and _same(current, previous[name])
        # A new ticket's priority is the default "normal" unless someone chose otherwise; triage may set it once.
        first_priority = is_new and name == "priority" and current == "normal"
        if current is None or ours or first_priority:
            applied[name] = _plain(value)
            if not _same(current, _plain(value)):
                changes[name] = value
        elif name in previous:
            applied.pop(name, None)
    if changes:
        ticket_service.update(session, principal, ticket.id, changes)
    return applied


def _plain(value: Any) -> Any:
    return as_utc(value).isoformat() if isinstance(value, datetime) else value


def _same(current: Any, stored: Any) -> bool:
    if isinstance(current, datetime):
        return bool(_plain(current) == stored)
    return bool(current == stored)
