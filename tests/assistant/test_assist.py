"""Agent assist: a draft for a ticket from the knowledge base and the customer's records, within the agent's reach."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from rapport.assistant.answering import Answerer
from rapport.assistant.assist import draft_reply
from rapport.assistant.flows import AssistantRuntime
from rapport.errors import Forbidden
from rapport.privacy.access import Role
from rapport.tickets import service as ticket_service
from tests.factories import make_customer, make_order, make_user, principal_of

from .kit import ScriptedProvider, gateway_with


def _ticket(session: Session, agent_id: int, body: str) -> int:
    customer = make_customer(session, full_name="Li Na", first_name="Li")
    make_order(session, customer, number="10023", status="delivered")
    ticket = ticket_service.create(
        session,
        principal_of(make_user(session, Role.admin)),
        {
            "customer_id": customer.id,
            "subject": "Refund for order 10023",
            "body": body,
            "assignee_id": agent_id,
            "language": "en",
        },
    )
    return ticket.id


def test_without_a_model_the_draft_quotes_passages_and_records(runtime: AssistantRuntime, session: Session) -> None:
    agent = make_user(session, Role.support)
    ticket_id = _ticket(session, agent.id, "I sent the mug back. When does the refund reach my card?")

    draft = draft_reply(runtime, principal_of(agent), ticket_id)

    assert draft.text.startswith("Hi Li,")
    assert "Order 10023: delivered" in draft.text
    assert draft.citations[0].url == "/kb/refunds"
    assert draft.is_generated is False


def test_a_generated_draft_keeps_its_sources_and_loses_invented_numbers(
    runtime: AssistantRuntime, session: Session, tmp_path: Path
) -> None:
    agent = make_user(session, Role.support)
    ticket_id = _ticket(session, agent.id, "When does the refund for my mug reach my card?")
    model = ScriptedProvider(
        "Hi Li,\nYour refund reaches your card within 5-7 business days [1]. We added 15% off your next order.\nBest"
    )
    assisted = replace(runtime, answerer=Answerer(gateway_with(model, tmp_path), runtime.settings))

    draft = draft_reply(assisted, principal_of(agent), ticket_id)

    assert draft.is_generated
    assert "5-7 business days [1]" in draft.text
    assert "15%" not in draft.text
    assert draft.citations[0].title.startswith("Refunds")
    assert [r.label for r in draft.records] == ["Order 10023"]


def test_an_agent_cannot_draft_for_a_ticket_outside_their_reach(runtime: AssistantRuntime, session: Session) -> None:
    owner, other = make_user(session, Role.support), make_user(session, Role.support)
    ticket_id = _ticket(session, owner.id, "Where is my refund?")

    with pytest.raises(Forbidden):
        draft_reply(runtime, principal_of(other), ticket_id)
