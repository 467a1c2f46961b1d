"""Label operations: which label of a record is training data, corrections, imports, and who may make them."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.errors import Forbidden, Invalid
from rapport.interactions.models import Interaction
from rapport.labels import service as labels
from rapport.labels.models import Label
from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_ticket, make_user, principal_of


def _ticket(session: Session, subject: str, body: str, **values: object) -> Ticket:
    customer = make_customer(session)
    ticket = make_ticket(session, customer, subject=subject, **values)
    session.add(
        Interaction(
            customer_id=customer.id,
            ticket_id=ticket.id,
            kind="email",
            direction="inbound",
            body=body,
            occurred_at=ticket.created_at,
        )
    )
    session.flush()
    return ticket


def test_text_is_the_subject_and_first_inbound_message(session: Session) -> None:
    ticket = _ticket(session, "Refund", "Please  refund\norder 12")
    session.add(
        Interaction(
            customer_id=ticket.customer_id,
            ticket_id=ticket.id,
            kind="email",
            direction="inbound",
            body="second message",
            occurred_at=ticket.created_at,
        )
    )
    session.flush()

    assert labels.texts(session, "tickets", [ticket.id]) == {ticket.id: "Refund Please refund order 12"}


def test_examples_come_from_columns_and_corrections_win(session: Session) -> None:
    plain = _ticket(session, "Where is it", "parcel late", intent="late_delivery")
    corrected = _ticket(session, "Money", "refund please", intent="complaint")
    unlabelled = _ticket(session, "Hello", "hi")
    session.add(Label(entity="tickets", entity_id=corrected.id, task="intent", label="refund_request", source="agent"))
    session.flush()

    found = {e.ref: e.label for e in labels.training_examples(session, entity="tickets", task="intent")}

    assert found[f"tickets:{plain.id}"] == "late_delivery"
    assert found[f"tickets:{corrected.id}"] == "refund_request"
    assert f"tickets:{unlabelled.id}" not in found


def test_a_column_the_model_wrote_is_not_training_data_until_a_person_changes_it(session: Session) -> None:
    guessed = _ticket(session, "Where", "parcel?", intent="order_status")
    edited = _ticket(session, "Where", "refund?", intent="refund_request")
    for ticket in (guessed, edited):
        session.add(
            Label(
                entity="tickets",
                entity_id=ticket.id,
                task="intent",
                label="order_status",
                source="model",
                is_applied=True,
            )
        )
    session.flush()

    refs = {e.ref for e in labels.training_examples(session, entity="tickets", task="intent")}

    assert f"tickets:{guessed.id}" not in refs
    assert f"tickets:{edited.id}" in refs  # someone changed the column after the model wrote it


def test_a_support_agent_corrects_a_ticket_they_hold(session: Session) -> None:
    agent = make_user(session, Role.support)
    ticket = _ticket(session, "Where", "my parcel", intent="refund_request", assignee_id=agent.id)

    row = labels.correct(
        session, principal_of(agent), entity="tickets", entity_id=ticket.id, task="intent", label="late_delivery"
    )

    session.refresh(ticket)
    assert ticket.intent == "late_delivery"
    assert (row.source, row.user_id, row.is_applied) == ("agent", agent.id, True)
    assert session.scalar(select(AuditEvent).where(AuditEvent.entity == "tickets", AuditEvent.action == "update"))


def test_an_analyst_may_not_correct_labels(session: Session) -> None:
    ticket = _ticket(session, "Where", "my parcel")

    with pytest.raises(Forbidden):
        labels.correct(
            session,
            principal_of(make_user(session, Role.analyst)),
            entity="tickets",
            entity_id=ticket.id,
            task="intent",
            label="x",
        )


def test_import_labels_records_each_row_as_an_import(session: Session) -> None:
    first, second = _ticket(session, "A", "a"), _ticket(session, "B", "b")
    admin = principal_of(make_user(session, Role.admin))

    count = labels.import_labels(
        session,
        admin,
        [
            {"entity": "tickets", "entity_id": first.id, "task": "urgency", "label": "high"},
            {"entity": "tickets", "entity_id": str(second.id), "task": "urgency", "label": "low"},
        ],
    )

    found = {e.ref: e.label for e in labels.training_examples(session, entity="tickets", task="urgency")}
    assert count == 2
    assert found == {f"tickets:{first.id}": "high", f"tickets:{second.id}": "low"}
    with pytest.raises(Invalid, match="row 1"):
        labels.import_labels(session, admin, [{"entity": "tickets", "task": "urgency"}])
