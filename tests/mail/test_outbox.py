"""The outbox: queued in the caller's transaction, sent as an .eml file (no SMTP configured) or over SMTP, recorded
as an outbound interaction, sent once."""

from __future__ import annotations

import email
import socket
from email import policy
from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.errors import Forbidden, Invalid
from rapport.interactions.models import Interaction
from rapport.mail import outbox
from rapport.mail.models import MailMessage, OutboxMessage
from rapport.mail.schemas import MailSettings
from rapport.privacy.access import system_principal
from tests.factories import make_customer, make_ticket, make_user, principal_of

MAIL = MailSettings(from_addr="help@example.com", message_id_domain="test.example")


def test_queue_refuses_bad_recipients(session: Session) -> None:
    with pytest.raises(Invalid):
        outbox.queue(session, system_principal(), to=["not an address"], subject="x", body_text="y", settings=MAIL)


def test_send_writes_an_eml_file_threaded_to_the_ticket(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    customer = make_customer(session)
    ticket = make_ticket(session, customer)
    message = outbox.queue(
        session,
        system_principal(),
        to=[customer.email or ""],
        subject="Re: Where is my order?",
        body_text="It ships today.",
        settings=MAIL,
        customer_id=customer.id,
        ticket_id=ticket.id,
        in_reply_to="<q1@customer.example>",
    )

    status = outbox.send(connection, MAIL, tmp_path, message.id)
    again = outbox.send(connection, MAIL, tmp_path, message.id)

    session.refresh(message)
    written = email.message_from_bytes(Path(message.path or "").read_bytes(), policy=policy.default)
    interaction = session.scalar(select(Interaction).where(Interaction.ticket_id == ticket.id))
    assert (status, again) == ("sent", "sent")
    assert message.transport == "file"
    assert written["In-Reply-To"] == "<q1@customer.example>"
    assert written["References"] == "<q1@customer.example>"
    assert written.get_content().strip() == "It ships today."
    assert interaction is not None
    assert interaction.direction == "outbound"
    assert (
        session.scalar(select(MailMessage.ticket_id).where(MailMessage.message_id == message.message_id)) == ticket.id
    )


def test_an_unreachable_smtp_server_counts_an_attempt_and_raises(
    session: Session, connection: Connection, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = MAIL.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_timeout_s": 2, "max_attempts": 2})
    message = outbox.queue(
        session, system_principal(), to=["a@example.com"], subject="Hi", body_text="x", settings=smtp
    )

    with pytest.raises(outbox.SendFailed):
        outbox.send(connection, smtp, tmp_path, message.id)

    session.refresh(message)
    assert message.status == "queued"
    assert message.attempts == 1
    assert "ConnectionRefusedError" in (message.last_error or "")


def test_only_managers_read_the_outbox(session: Session) -> None:
    with pytest.raises(Forbidden):
        outbox.list_messages(session, principal_of(make_user(session, "support")))


def test_attachments_are_sent(session: Session, connection: Connection, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 test")
    message = outbox.queue(
        session,
        system_principal(),
        to=["x@example.com"],
        subject="Report",
        body_text="-",
        settings=MAIL,
        attachments=[str(pdf)],
    )

    outbox.send(connection, MAIL, tmp_path, message.id)

    session.refresh(message)
    written = email.message_from_bytes(Path(message.path or "").read_bytes(), policy=policy.default)
    attachment = next(written.iter_attachments())
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content() == b"%PDF-1.4 test"
    assert session.scalar(select(OutboxMessage.status)) == "sent"
