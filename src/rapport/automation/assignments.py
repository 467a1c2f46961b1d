"""Assignment operations: route a ticket to an agent (skills, load, availability, VIP, round-robin), let a manager
override, keep agents' availability, and escalate SLA breaches. Every change is an Assignment row saying why."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.activities import service as task_service
from rapport.automation.models import AgentAvailability, Assignment, FollowUp, TicketTriage
from rapport.automation.routing import Agent, Decision, TicketNeeds, choose_agent
from rapport.automation.schemas import AutomationSettings, AvailabilityRead
from rapport.automation.service import OPEN_STATUSES
from rapport.customers.models import Customer
from rapport.errors import Forbidden, Invalid, NotFound
from rapport.kit.clock import as_utc, utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, Role, require
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

MANAGERS: Final = frozenset({Role.admin, Role.manager})
ESCALATE: Final = {"low": "normal", "normal": "high", "high": "urgent", "urgent": "urgent"}
# Pending tickets wait on the customer: their first-response clock is paused.
SLA_STATUSES: Final = ("new", "open")


def agents(session: Session, settings: AutomationSettings, *, now: datetime | None = None) -> list[Agent]:
    """Everyone who takes tickets, with their skills, open load, availability and last assignment."""
    now = now or utcnow()
    users = session.scalars(
        select(User).where(User.role.in_(settings.agent_roles), User.is_active.is_(True)).order_by(User.id)
    ).all()
    ids = [u.id for u in users]
    load = dict(
        session.execute(
            select(Ticket.assignee_id, func.count(Ticket.id))
            .where(Ticket.assignee_id.in_(ids), Ticket.status.in_(OPEN_STATUSES), Ticket.deleted_at.is_(None))
            .group_by(Ticket.assignee_id)
        ).all()
    )
    last = dict(
        session.execute(
            select(Assignment.user_id, func.max(Assignment.at))
            .where(Assignment.user_id.in_(ids), Assignment.kind.in_(("auto", "rule")))
            .group_by(Assignment.user_id)
        ).all()
    )
    availability = {
        a.user_id: a for a in session.scalars(select(AgentAvailability).where(AgentAvailability.user_id.in_(ids)))
    }
    return [
        Agent(
            user_id=u.id,
            name=u.name,
            skills=frozenset(str(s).lower() for s in (u.skills or [])),
            open_tickets=int(load.get(u.id, 0)),
            max_open=_cap(availability.get(u.id), settings),
            is_available=_is_available(availability.get(u.id), now),
            last_assigned_at=as_utc(last[u.id]) if last.get(u.id) else None,
        )
        for u in users
    ]


def route(
    session: Session,
    principal: Principal,
    ticket_id: int,
    *,
    settings: AutomationSettings,
    kind: str = "auto",
    skill: str | None = None,
    exclude: frozenset[int] = frozenset(),
) -> Assignment | None:
    """Assign an unassigned open ticket to the best agent; None when it is assigned already, closed, spam, or
    nobody can take it (so running it twice assigns once)."""
    ticket = ticket_service.tickets.get(session, principal, ticket_id, action=Action.update, audit_read=False)
    if (ticket.assignee_id is not None and not exclude) or ticket.status not in OPEN_STATUSES:
        return None
    triage = session.get(TicketTriage, ticket.id)
    if triage is not None and triage.is_spam:
        return None
    customer = session.get(Customer, ticket.customer_id)
    tags = {str(t).lower() for t in (customer.tags if customer else []) or []}
    needs = TicketNeeds(
        intent=ticket.intent or (triage.intent if triage else None),
        language=ticket.language or (triage.language if triage else None),
        is_vip=settings.vip_tag in tags,
    )
    pool = [a for a in agents(session, settings) if a.user_id not in exclude]
    if skill:
        pool = [a for a in pool if skill in a.skills] or pool
    decision = choose_agent(needs, pool)
    if decision.user_id is None:
        return None
    return _assign(session, principal, ticket, decision, kind)


def assign_to(
    session: Session, principal: Principal, ticket_id: int, user_id: int, *, reason: str, kind: str = "override"
) -> Assignment:
    """A person's (or a rule's) choice of assignee. Overrides by people are for managers and admins."""
    if kind == "override" and principal.role not in MANAGERS:
        audit.deny(session, principal, action="assign", entity="tickets", entity_id=ticket_id)
        raise Forbidden("only managers and admins may override an assignment")
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound(f"user {user_id} not found or inactive")
    ticket = ticket_service.tickets.get(session, principal, ticket_id, action=Action.update, audit_read=False)
    decision = Decision(user.id, reason, {"by": principal.label})
    return _assign(session, principal, ticket, decision, kind)


def history(session: Session, principal: Principal, ticket_id: int) -> list[Assignment]:
    ticket_service.tickets.get(session, principal, ticket_id, audit_read=False)
    stmt = select(Assignment).where(Assignment.ticket_id == ticket_id).order_by(Assignment.at, Assignment.id)
    return list(session.scalars(stmt))


def set_availability(
    session: Session, principal: Principal, user_id: int, values: Mapping[str, Any], *, settings: AutomationSettings
) -> AvailabilityRead:
    """Agents set their own availability; managers and admins anyone's."""
    if principal.user_id != user_id and principal.role not in MANAGERS:
        raise Forbidden("you may only change your own availability")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    row = session.get(AgentAvailability, user_id) or AgentAvailability(user_id=user_id)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by_id = utcnow(), principal.user_id
    session.add(row)
    session.flush()
    audit.record(
        session, principal, action="update", entity="users", entity_id=user_id, detail={"availability": sorted(values)}
    )
    found = [a for a in availability(session, principal, settings=settings) if a.user_id == user_id]
    if not found:
        raise Invalid(f"user {user_id} does not take tickets (not an active user of an agent role)")
    return found[0]


def availability(session: Session, principal: Principal, *, settings: AutomationSettings) -> list[AvailabilityRead]:
    require(principal, "tickets", Action.read)
    now = utcnow()
    rows = {a.user_id: a for a in session.scalars(select(AgentAvailability))}
    return [
        AvailabilityRead(
            user_id=a.user_id,
            name=a.name,
            skills=sorted(a.skills),
            is_available=a.is_available,
            away_until=rows[a.user_id].away_until if a.user_id in rows else None,
            max_open=a.max_open,
            open_tickets=a.open_tickets,
            note=rows[a.user_id].note if a.user_id in rows else "",
        )
        for a in agents(session, settings, now=now)
    ]


def escalate_overdue(
    session: Session, principal: Principal, *, settings: AutomationSettings, now: datetime | None = None
) -> list[Assignment]:
    """Tickets past their first-response SLA: raise the priority one step, move the ticket if its agent is away,
    and give a manager a task. Once per breach; breaches older than `escalate_within_h` are left to reports."""
    now = now or utcnow()
    horizon = now - timedelta(hours=settings.escalate_within_h)
    overdue = session.scalars(
        select(Ticket)
        .where(
            Ticket.status.in_(SLA_STATUSES),
            Ticket.deleted_at.is_(None),
            Ticket.first_response_at.is_(None),
            Ticket.sla_due_at < now,
            Ticket.sla_due_at >= horizon,
        )
        .order_by(Ticket.sla_due_at)
    ).all()
    done = []
    for ticket in overdue:
        key = f"sla:{ticket.id}:{as_utc(ticket.sla_due_at).isoformat()}" if ticket.sla_due_at else ""
        if session.scalar(select(FollowUp.id).where(FollowUp.key == key)) is not None:
            continue
        done.append(_escalate(session, principal, ticket, key, settings, now))
    return done


def _escalate(
    session: Session, principal: Principal, ticket: Ticket, key: str, settings: AutomationSettings, now: datetime
) -> Assignment:
    due = as_utc(ticket.sla_due_at) if ticket.sla_due_at else now
    late_h = (now - due).total_seconds() / 3600
    raised = ESCALATE.get(ticket.priority, "high")
    reason = f"SLA breached {late_h:.1f} h ago (due {due:%Y-%m-%d %H:%M} UTC); priority {ticket.priority} → {raised}"
    previous = ticket.assignee_id
    if raised != ticket.priority:
        ticket_service.update(session, principal, ticket.id, {"priority": raised})
    pool = {a.user_id: a for a in agents(session, settings, now=now)}
    current = pool.get(previous) if previous is not None else None
    if current is None or not current.is_available:
        moved = route(
            session, principal, ticket.id, settings=settings, kind="escalation", exclude=frozenset({previous or -1})
        )
        if moved is not None:
            reason += f"; moved from an unavailable agent: {moved.reason}"
    manager = _manager_for(session, previous)
    task = task_service.create(
        session,
        principal,
        {
            "title": f"SLA breached: ticket #{ticket.id} ({ticket.subject[:120]})",
            "notes": reason,
            "due_at": now + timedelta(hours=1),
            "assignee_id": manager,
            "related_type": "ticket",
            "related_id": ticket.id,
        },
    )
    session.add(
        FollowUp(
            kind="sla",
            key=key,
            task_id=task.id,
            customer_id=ticket.customer_id,
            details={"reason": reason},
            created_at=now,
        )
    )
    row = Assignment(
        ticket_id=ticket.id,
        user_id=ticket.assignee_id,
        previous_user_id=previous,
        kind="escalation",
        reason=reason,
        details={"sla_due_at": due.isoformat(), "late_h": round(late_h, 2), "task_id": task.id, "manager_id": manager},
        by_user_id=principal.user_id,
        at=now,
    )
    session.add(row)
    session.flush()
    return row


def _assign(session: Session, principal: Principal, ticket: Ticket, decision: Decision, kind: str) -> Assignment:
    if decision.user_id is None:
        raise Invalid("no agent to assign")
    previous = ticket.assignee_id
    values: dict[str, Any] = {"assignee_id": decision.user_id}
    if ticket.status == "new":
        values["status"] = "open"
    ticket_service.update(session, principal, ticket.id, values)
    row = Assignment(
        ticket_id=ticket.id,
        user_id=decision.user_id,
        previous_user_id=previous,
        kind=kind,
        reason=decision.reason,
        details=dict(decision.details),
        by_user_id=principal.user_id,
        at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _manager_for(session: Session, agent_id: int | None) -> int | None:
    """A manager in one of the agent's teams, else any active manager, else nobody (the task stays unassigned)."""
    managers = session.scalars(
        select(User).where(User.role == Role.manager.value, User.is_active.is_(True)).order_by(User.id)
    ).all()
    if agent_id is not None:
        agent = session.get(User, agent_id)
        teams = {t.id for t in agent.teams} if agent else set()
        for manager in managers:
            if teams & {t.id for t in manager.teams}:
                return manager.id
    return managers[0].id if managers else None


def _cap(row: AgentAvailability | None, settings: AutomationSettings) -> int:
    return row.max_open if row is not None and row.max_open is not None else settings.max_open_per_agent


def _is_available(row: AgentAvailability | None, now: datetime) -> bool:
    if row is None:
        return True
    if row.away_until is not None and as_utc(row.away_until) > now:
        return False
    return row.is_available
