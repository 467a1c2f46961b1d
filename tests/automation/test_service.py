"""Triage against the database: findings stored with explanations, applied to the ticket without overwriting people."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from rapport.automation import service as triage_service
from rapport.automation.schemas import AutomationSettings
from rapport.automation.service import AUTOMATION
from rapport.kit.clock import as_utc, utcnow
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_order, make_product


def test_triage_stores_findings_and_applies_them(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    customer = make_customer(session, tags=["vip"])
    ticket = arrive(customer, "Double charged", "You charged my card twice! Refund it immediately.")

    row = triage_service.triage_ticket(session, AUTOMATION, ticket.id, settings=options)

    session.refresh(ticket)
    assert row.intent == "billing_error"
    assert row.language == "en"
    assert ticket.intent == "billing_error"
    assert ticket.priority == row.priority == "urgent"
    assert ticket.sla_due_at == as_utc(ticket.created_at) + timedelta(hours=4 * 0.5)
    assert row.explanations["intent"]["words"][0]["word"] in {"charged", "double charged"}
    assert {"why": "VIP customer", "points": 2.0} in row.explanations["priority"]["reasons"]
    assert row.applied["priority"] == "urgent"


def test_retriage_keeps_a_priority_an_agent_changed(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    ticket = arrive(make_customer(session), "Where is my order?", "Tracking has not moved.")
    triage_service.triage_ticket(session, AUTOMATION, ticket.id, settings=options)
    ticket_service.update(session, AUTOMATION, ticket.id, {"priority": "low"})  # a person decides

    row = triage_service.triage_ticket(session, AUTOMATION, ticket.id, settings=options)

    session.refresh(ticket)
    assert ticket.priority == "low"
    assert "priority" not in row.applied
    assert row.applied["intent"] == "order_status"


def test_triage_counts_customer_spend_from_orders(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    customer = make_customer(session)
    product = make_product(session)
    for total in ("700.00", "400.00"):
        make_order(session, customer, product, total=total, status="delivered")
    make_order(session, customer, product, total="5000.00", status="cancelled")  # not spent
    ticket = arrive(customer, "Question", "Is the lamp dimmable?")

    facts = triage_service.customer_facts(session, ticket)

    assert facts.total_spent == 1100.0


def test_triage_finds_a_duplicate_open_ticket(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    customer = make_customer(session)
    first = arrive(
        customer, "Order 4411 not arrived", "My order #4411 has not arrived yet, tracking stuck.", status="open"
    )
    first.created_at = utcnow() - timedelta(days=1)
    second = arrive(customer, "Re: Order 4411 not arrived", "order 4411 has not arrived yet - tracking stuck")

    row = triage_service.triage_ticket(session, AUTOMATION, second.id, settings=options)

    assert row.duplicate_of_id == first.id
    assert (row.duplicate_score or 0) >= 85


def test_untriaged_lists_open_tickets_without_triage(
    session: Session, arrive: Callable[..., Ticket], options: AutomationSettings
) -> None:
    customer = make_customer(session)
    done = arrive(customer, "Refund", "refund please")
    waiting = arrive(customer, "Where is it", "where is my order")
    triage_service.triage_ticket(session, AUTOMATION, done.id, settings=options)

    ids = triage_service.untriaged(session, since=utcnow() - timedelta(hours=1))

    assert waiting.id in ids
    assert done.id not in ids


def test_preview_changes_nothing(session: Session, arrive: Callable[..., Ticket], options: AutomationSettings) -> None:
    ticket = arrive(make_customer(session), "Refund", "I want a refund")

    found = triage_service.preview(session, ticket.id, settings=options)

    session.refresh(ticket)
    assert found["intent"] == "refund_request"
    assert found["is_preview"] is True
    assert ticket.intent is None
