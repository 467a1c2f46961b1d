"""A ticket arrives: triage, routing and the ticket.created rules, in that order."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.automation import flows, workflows
from rapport.automation.schemas import AutomationSettings
from rapport.automation.service import AUTOMATION
from rapport.mail.schemas import MailSettings
from rapport.tickets.models import Ticket
from tests.factories import make_customer


def test_on_ticket_arrived_triages_routes_then_runs_the_rules(
    session: Session,
    team: dict[str, User],
    arrive: Callable[..., Ticket],
    options: AutomationSettings,
    mail: MailSettings,
) -> None:
    workflows.install(session, AUTOMATION, workflows.demo_ruleset())
    customer = make_customer(session, email="ada@example.com", full_name="Ada Lovelace", first_name="Ada")
    ticket = arrive(customer, "Refund for my kettle", "Hi, I'd like a refund for the kettle, it leaks.")

    arrival = flows.on_ticket_arrived(session, AUTOMATION, ticket.id, settings=options, mail=mail)
    again = flows.on_ticket_arrived(session, AUTOMATION, ticket.id, settings=options, mail=mail)

    session.refresh(ticket)
    assert arrival.intent == "refund_request"
    assert arrival.assigned_to == team["priya"].id == ticket.assignee_id
    assert arrival.rules_fired == 1  # the acknowledgement email
    assert [name for name, _ in arrival.then] == ["mail.send"]
    assert again.rules_fired == 0
    assert again.assigned_to is None


def test_spam_is_closed_by_the_demo_rule_and_never_assigned(
    session: Session,
    team: dict[str, User],
    arrive: Callable[..., Ticket],
    options: AutomationSettings,
    mail: MailSettings,
) -> None:
    workflows.install(session, AUTOMATION, workflows.demo_ruleset())
    ticket = arrive(
        make_customer(session),
        "WINNER!!!",
        "Click here for free money http://a.example http://b.example http://c.example",
    )

    arrival = flows.on_ticket_arrived(session, AUTOMATION, ticket.id, settings=options, mail=mail)

    session.refresh(ticket)
    assert arrival.is_spam is True
    assert ticket.assignee_id is None
    assert ticket.status == "closed"
