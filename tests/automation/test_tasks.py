"""Automation's background jobs as the queue runs them: here the ticket sweep, which drains a backlog in slices."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.automation.models import TicketTriage
from rapport.automation.tasks import sweep_new_tickets
from rapport.settings import Settings
from rapport.tickets.models import Ticket
from tests.factories import make_customer

pytestmark = pytest.mark.db


def test_the_sweep_stops_at_its_time_budget_and_the_next_run_goes_on(
    session: Session, connection: Connection, settings: Settings, arrive: Callable[..., Ticket]
) -> None:
    customer = make_customer(session)
    tickets = [arrive(customer, f"Refund {n}", "Where is my refund? I sent the parcel back.") for n in range(3)]
    session.commit()

    first = sweep_new_tickets(connection, settings, budget_s=0.0)
    second = sweep_new_tickets(connection, settings)

    assert (first["triaged"], first["remaining"]) == (1, 2)  # at least one ticket per run, then the budget holds
    assert (second["triaged"], second["remaining"]) == (2, 0)
    triaged = set(session.scalars(select(TicketTriage.ticket_id)))
    assert {t.id for t in tickets} <= triaged
