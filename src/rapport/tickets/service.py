"""Ticket operations: open one with its first message, update status and assignment, list by reach."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from rapport.accounts.models import Team, User
from rapport.customers.models import Customer
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.privacy.access import Principal
from rapport.privacy.scopes import reachable_user_ids
from rapport.store.listing import Listing
from rapport.store.records import Records
from rapport.tickets.models import Ticket

CLOSED_STATUSES = frozenset({"solved", "closed"})


def ticket_scope(principal: Principal) -> ColumnElement[bool] | None:
    """Assigned to someone in reach, or about a customer owned by someone in reach."""
    users = reachable_user_ids(principal)
    if users is None:
        return None
    owned_customers = select(Customer.id).where(Customer.owner_id.in_(users))
    clauses = [Ticket.assignee_id.in_(users), Ticket.customer_id.in_(owned_customers)]
    if principal.team_ids and principal.reach == "team":
        clauses.append(Ticket.team_id.in_(principal.team_ids))
    return or_(*clauses)


tickets = Records(
    model=Ticket,
    entity="tickets",
    scope=ticket_scope,
    is_personal=True,
    references={"customer_id": (Customer, "customer"), "assignee_id": (User, "user"), "team_id": (Team, "team")},
    listing=Listing(
        id_column=Ticket.id,
        sortable={
            "id": Ticket.id,
            "created_at": Ticket.created_at,
            "updated_at": Ticket.updated_at,
        },
        filterable={
            "customer_id": Ticket.customer_id,
            "status": Ticket.status,
            "priority": Ticket.priority,
            "channel": Ticket.channel,
            "assignee_id": Ticket.assignee_id,
            "team_id": Ticket.team_id,
            "intent": Ticket.intent,
            "sentiment": Ticket.sentiment,
            "language": Ticket.language,
            "created_at": Ticket.created_at,
            "sla_due_at": Ticket.sla_due_at,
        },
        searchable=(Ticket.subject,),
    ),
)


def create(session: Session, principal: Principal, values: Mapping[str, Any]) -> Ticket:
    """Any agent may open a ticket for any existing customer (a caller on the phone is not theirs yet)."""
    values = dict(values)
    body = values.pop("body", None)
    ticket = tickets.create(session, principal, values)
    if body:
        session.add(
            Interaction(
                customer_id=ticket.customer_id,
                ticket_id=ticket.id,
                kind="email" if ticket.channel == "email" else "chat",
                direction="inbound",
                subject=ticket.subject,
                body=body,
                language=ticket.language,
                occurred_at=ticket.created_at,
            )
        )
        session.flush()
    return ticket


def update(session: Session, principal: Principal, ticket_id: int, values: Mapping[str, Any]) -> Ticket:
    values = dict(values)
    if values.get("status") in CLOSED_STATUSES:
        values["resolved_at"] = utcnow()
    elif values.get("status") is not None:
        values["resolved_at"] = None
    return tickets.update(session, principal, ticket_id, values)
