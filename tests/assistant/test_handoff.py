"""Handoff: a ticket in the queue with the conversation, intent, summary and next step."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.assistant import service
from rapport.assistant.handoff import contact_customer, hand_off
from rapport.customers.models import Customer
from rapport.errors import Invalid
from rapport.interactions.models import Interaction
from tests.factories import make_customer


def test_hand_off_queues_a_ticket_with_the_conversation(session: Session) -> None:
    customer = make_customer(session)
    conversation, _ = service.start(session, customer_id=customer.id, identified_by="widget_token")
    service.add_message(session, conversation, "customer", "My parcel is two weeks late and still hasn't arrived")
    service.add_message(session, conversation, "assistant", "I'm sorry, I don't know.", is_abstained=True)
    service.add_message(session, conversation, "customer", "This is unacceptable, worst service ever!!")

    ticket = hand_off(session, conversation, reason="negative")

    assert (ticket.status, ticket.channel, ticket.customer_id) == ("new", "widget", customer.id)
    assert ticket.intent == "late_delivery"
    assert ticket.sentiment == "very_negative"
    assert ticket.priority == "high"
    assert (conversation.status, conversation.ticket_id) == ("waiting", ticket.id)
    body = session.scalar(select(Interaction.body).where(Interaction.ticket_id == ticket.id))
    assert body is not None
    assert "Handed over because the customer is very unhappy." in body
    assert "Suggested next step\nCheck the carrier tracking" in body
    assert "Customer: This is unacceptable" in body


def test_hand_off_twice_keeps_one_ticket(session: Session) -> None:
    conversation, _ = service.start(session, customer_id=make_customer(session).id, identified_by="widget_token")
    service.add_message(session, conversation, "customer", "human please")

    assert (
        hand_off(session, conversation, reason="requested").id == hand_off(session, conversation, reason="requested").id
    )


def test_an_unknown_visitor_needs_an_email_first(session: Session) -> None:
    conversation, _ = service.start(session)

    with pytest.raises(Invalid, match="email"):
        hand_off(session, conversation, reason="requested")


def test_contact_finds_the_customer_by_email_or_adds_a_lead(session: Session) -> None:
    known = make_customer(session, email="known@example.com")

    found = contact_customer(session, email=" Known@Example.com", name=None, language="en")
    added = contact_customer(session, email="new@example.com", name="Wang Fang", language="zh")

    assert found == known.id
    lead = session.get(Customer, added)
    assert lead is not None
    assert (lead.full_name, lead.lifecycle_stage, lead.source, lead.language) == ("Wang Fang", "lead", "widget", "zh")
