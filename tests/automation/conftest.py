"""Fixtures for automation: a support team with the demo's skills, and tickets that arrive with a first message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.automation.schemas import AutomationSettings
from rapport.customers.models import Customer
from rapport.interactions.models import Interaction
from rapport.kit.clock import utcnow
from rapport.mail.schemas import MailSettings
from rapport.privacy.access import Role
from rapport.tickets.models import Ticket
from tests.factories import make_team, make_user


@pytest.fixture
def options() -> AutomationSettings:
    return AutomationSettings(webhook_secrets={"erp": "s3cret"})


@pytest.fixture
def mail() -> MailSettings:
    return MailSettings(from_addr="help@example.com", message_id_domain="test.example")


@pytest.fixture
def team(session: Session) -> dict[str, User]:
    """Four agents with the demo's skills and a manager who shares their team."""
    agents = {
        "priya": make_user(session, Role.support, name="Priya", skills=["en", "billing", "refunds", "orders"]),
        "zhang": make_user(session, Role.support, name="Zhang", skills=["zh", "en", "orders", "technical"]),
        "tom": make_user(session, Role.support, name="Tom", skills=["en", "technical", "warranty"]),
        "chen": make_user(session, Role.support, name="Chen", skills=["zh", "refunds", "billing"]),
    }
    manager = make_user(session, Role.manager, name="Mei")
    make_team(session, manager, *agents.values())
    return {**agents, "manager": manager}


@pytest.fixture
def arrive(session: Session) -> Callable[..., Ticket]:
    """A new ticket with its first inbound message, as a door would create it."""

    def _arrive(customer: Customer, subject: str, body: str, **overrides: Any) -> Ticket:
        values: dict[str, Any] = {"customer_id": customer.id, "subject": subject, "status": "new", "channel": "email"}
        values.update(overrides)
        ticket = Ticket(**values)
        session.add(ticket)
        session.flush()
        session.add(
            Interaction(
                customer_id=customer.id,
                ticket_id=ticket.id,
                kind="email",
                direction="inbound",
                subject=subject,
                body=body,
                occurred_at=ticket.created_at or utcnow(),
            )
        )
        session.flush()
        return ticket

    return _arrive
