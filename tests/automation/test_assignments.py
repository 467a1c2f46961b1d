"""Assignment against the database: routing with reasons, overrides, availability, SLA escalation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.activities.models import Task
from rapport.automation import assignments
from rapport.automation import service as triage_service
from rapport.automation.schemas import AutomationSettings
from rapport.automation.service import AUTOMATION
from rapport.errors import Forbidden
from rapport.kit.clock import utcnow
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_ticket, principal_of


def test_route_gives_a_chinese_refund_to_the_chinese_refunds_agent(
    session: Session, team: dict[str, User], arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    ticket = arrive(make_customer(session, language="zh"), "退款", "申请退款好几天了，还没到账")
    triage_service.triage_ticket(session, AUTOMATION, ticket.id, settings=options)

    row = assignments.route(session, AUTOMATION, ticket.id, settings=options)

    session.refresh(ticket)
    assert row is not None
    assert ticket.assignee_id == team["chen"].id
    assert ticket.status == "open"
    assert row.kind == "auto"
    assert "speaks zh" in row.reason
    assert "has skill 'refunds'" in row.reason


def test_route_twice_assigns_once(
    session: Session, team: dict[str, User], arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    ticket = arrive(make_customer(session), "Where is my order", "Tracking has not moved")

    first = assignments.route(session, AUTOMATION, ticket.id, settings=options)
    second = assignments.route(session, AUTOMATION, ticket.id, settings=options)

    assert first is not None
    assert second is None
    assert len(assignments.history(session, AUTOMATION, ticket.id)) == 1


def test_route_balances_load(
    session: Session, team: dict[str, User], arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    customer = make_customer(session)
    for _ in range(3):
        make_ticket(session, customer, assignee_id=team["tom"].id, status="open")
    ticket = arrive(customer, "Error E-402", "The screen shows E-402 after the update")
    triage_service.triage_ticket(session, AUTOMATION, ticket.id, settings=options)

    assignments.route(session, AUTOMATION, ticket.id, settings=options)

    session.refresh(ticket)
    assert ticket.assignee_id == team["zhang"].id  # Tom has the skill too but holds 3 open tickets


def test_an_away_agent_gets_nothing(
    session: Session, team: dict[str, User], arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    assignments.set_availability(
        session,
        principal_of(team["chen"]),
        team["chen"].id,
        {"away_until": utcnow() + timedelta(hours=2)},
        settings=options,
    )
    ticket = arrive(make_customer(session, language="zh"), "退款", "申请退款，还没到账")
    triage_service.triage_ticket(session, AUTOMATION, ticket.id, settings=options)

    assignments.route(session, AUTOMATION, ticket.id, settings=options)

    session.refresh(ticket)
    assert ticket.assignee_id == team["zhang"].id


def test_agents_may_not_set_someone_elses_availability(
    session: Session, team: dict[str, User], options: AutomationSettings
) -> None:
    with pytest.raises(Forbidden):
        assignments.set_availability(
            session, principal_of(team["tom"]), team["chen"].id, {"is_available": False}, settings=options
        )


def test_a_manager_overrides_with_a_reason(
    session: Session, team: dict[str, User], arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    ticket = arrive(make_customer(session), "Refund", "refund please")
    assignments.route(session, AUTOMATION, ticket.id, settings=options)

    row = assignments.assign_to(
        session, principal_of(team["manager"]), ticket.id, team["tom"].id, reason="Tom knows this customer"
    )

    session.refresh(ticket)
    assert ticket.assignee_id == team["tom"].id
    assert row.kind == "override"
    assert row.reason == "Tom knows this customer"
    assert [a.kind for a in assignments.history(session, AUTOMATION, ticket.id)] == ["auto", "override"]


def test_agents_may_not_override(session: Session, team: dict[str, User], arrive: Callable[..., Ticket]) -> None:
    ticket = arrive(make_customer(session), "Refund", "refund please")

    with pytest.raises(Forbidden):
        assignments.assign_to(session, principal_of(team["tom"]), ticket.id, team["tom"].id, reason="mine now")


def test_escalate_raises_priority_moves_off_absent_agents_and_tells_a_manager(
    session: Session, team: dict[str, User], options: AutomationSettings
) -> None:
    customer = make_customer(session)
    ticket = make_ticket(
        session,
        customer,
        status="open",
        priority="normal",
        assignee_id=team["tom"].id,
        sla_due_at=utcnow() - timedelta(hours=1),
    )
    assignments.set_availability(session, AUTOMATION, team["tom"].id, {"is_available": False}, settings=options)

    rows = assignments.escalate_overdue(session, AUTOMATION, settings=options)
    again = assignments.escalate_overdue(session, AUTOMATION, settings=options)

    session.refresh(ticket)
    task = session.scalar(select(Task).where(Task.related_type == "ticket", Task.related_id == ticket.id))
    assert [r.ticket_id for r in rows] == [ticket.id]
    assert again == []
    assert ticket.priority == "high"
    assert ticket.assignee_id not in (None, team["tom"].id)
    assert "SLA breached" in rows[0].reason
    assert task is not None
    assert task.assignee_id == team["manager"].id


def test_old_breaches_are_not_escalated(session: Session, team: dict[str, User], options: AutomationSettings) -> None:
    make_ticket(session, make_customer(session), status="open", sla_due_at=utcnow() - timedelta(days=30))

    assert assignments.escalate_overdue(session, AUTOMATION, settings=options) == []
