"""Mailbox import: new mail opens tickets, replies join them (headers, our [#id] tag, then subject), solved
tickets reopen, staff replies are outbound, and importing twice changes nothing."""

from __future__ import annotations

import mailbox
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.interactions.models import Interaction
from rapport.mail import inbound
from rapport.privacy.access import system_principal
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_user


def eml(
    tmp_path: Path,
    name: str,
    *,
    frm: str,
    subject: str,
    body: str,
    message_id: str,
    to: str = "help@shop.example",
    in_reply_to: str | None = None,
    references: str | None = None,
) -> Path:
    headers = [
        f"From: {frm}",
        f"To: {to}",
        f"Subject: {subject}",
        f"Message-ID: {message_id}",
        "Date: Wed, 25 Nov 2026 10:00:00 +0000",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    if references:
        headers.append(f"References: {references}")
    path = tmp_path / name
    path.write_bytes(("\r\n".join(headers) + "\r\n\r\n" + body).encode())
    return path


def test_new_mail_opens_a_ticket_for_a_new_customer(session: Session, tmp_path: Path) -> None:
    path = eml(
        tmp_path,
        "a.eml",
        frm="Ada Lovelace <ada@example.com>",
        subject="Kettle leaks",
        body="It leaks.",
        message_id="<a1@example.com>",
    )

    result = inbound.import_path(session, system_principal(), path)

    ticket = session.get(Ticket, result.new_tickets[0])
    assert (result.imported, result.new_customers) == (1, 1)
    assert ticket is not None
    assert ticket.subject == "Kettle leaks"
    assert ticket.channel == "email"
    assert ticket.status == "new"


def test_a_reply_joins_its_ticket_by_in_reply_to_and_reopens_it(session: Session, tmp_path: Path) -> None:
    first = inbound.import_path(
        session,
        system_principal(),
        eml(tmp_path, "1.eml", frm="ada@example.com", subject="Kettle", body="It leaks.", message_id="<a1@x>"),
    )
    ticket = session.get(Ticket, first.new_tickets[0])
    assert ticket is not None
    ticket.status = "solved"
    session.flush()
    body = "Still leaks.\n\nOn Tue, Ada wrote:\n> It leaks."
    reply = eml(
        tmp_path, "2.eml", frm="ada@example.com", subject="Other", body=body, message_id="<a2@x>", in_reply_to="<a1@x>"
    )

    result = inbound.import_path(session, system_principal(), reply)

    session.refresh(ticket)
    bodies = session.scalars(
        select(Interaction.body).where(Interaction.ticket_id == ticket.id).order_by(Interaction.id)
    ).all()
    assert (result.new_tickets, result.threaded, result.reopened) == ([], 1, 1)
    assert ticket.status == "open"
    assert bodies == ["It leaks.", "Still leaks."]  # the quoted text is gone


def test_a_reply_with_our_ticket_tag_or_subject_joins_its_ticket(session: Session, tmp_path: Path) -> None:
    customer = make_customer(session, email="bo@example.com")
    ticket = Ticket(customer_id=customer.id, subject="Wrong size", status="open")
    session.add(ticket)
    session.flush()

    tagged = inbound.import_path(
        session,
        system_principal(),
        eml(
            tmp_path,
            "t.eml",
            frm="bo@example.com",
            subject=f"Re: Your request [#{ticket.id}]",
            body="ok",
            message_id="<b1@x>",
        ),
    )
    by_subject = inbound.import_path(
        session,
        system_principal(),
        eml(tmp_path, "s.eml", frm="bo@example.com", subject="回复：Wrong size", body="好的", message_id="<b2@x>"),
    )

    assert (tagged.threaded, by_subject.threaded) == (1, 1)
    assert session.scalar(select(func.count(Interaction.id)).where(Interaction.ticket_id == ticket.id)) == 2


def test_a_fresh_subject_without_re_opens_a_new_ticket(session: Session, tmp_path: Path) -> None:
    customer = make_customer(session, email="cy@example.com")
    session.add(Ticket(customer_id=customer.id, subject="Question", status="open"))
    session.flush()

    result = inbound.import_path(
        session,
        system_principal(),
        eml(tmp_path, "q.eml", frm="cy@example.com", subject="Question", body="another one", message_id="<c1@x>"),
    )

    assert len(result.new_tickets) == 1


def test_importing_an_mbox_twice_imports_once(session: Session, tmp_path: Path) -> None:
    box = mailbox.mbox(tmp_path / "inbox.mbox")
    for index in range(3):
        box.add(
            eml(
                tmp_path,
                f"{index}.eml",
                frm=f"p{index}@example.com",
                subject=f"Hello {index}",
                body="hi",
                message_id=f"<m{index}@x>",
            ).read_bytes()
        )
    box.close()

    first = inbound.import_path(session, system_principal(), tmp_path / "inbox.mbox")
    second = inbound.import_path(session, system_principal(), tmp_path / "inbox.mbox")

    assert (first.messages, first.imported, len(first.new_tickets)) == (3, 3, 3)
    assert (second.imported, second.duplicates) == (0, 3)


def test_a_staff_reply_is_an_outbound_message_on_the_ticket(session: Session, tmp_path: Path) -> None:
    agent = make_user(session, "support", email="tom@shop.example")
    first = inbound.import_path(
        session,
        system_principal(),
        eml(tmp_path, "1.eml", frm="ada@example.com", subject="Kettle", body="It leaks.", message_id="<k1@x>"),
    )
    body = "I'll send a new one tomorrow."
    reply = eml(
        tmp_path,
        "2.eml",
        frm="tom@shop.example",
        to="ada@example.com",
        subject="Re: Kettle",
        body=body,
        message_id="<k2@x>",
        in_reply_to="<k1@x>",
    )

    inbound.import_path(session, system_principal(), reply)

    outgoing = session.scalar(select(Interaction).where(Interaction.direction == "outbound"))
    ticket = session.get(Ticket, first.new_tickets[0])
    assert outgoing is not None
    assert outgoing.author_id == agent.id
    assert outgoing.ticket_id == first.new_tickets[0]
    assert ticket is not None
    assert ticket.first_response_at is not None


def test_strip_quoted_keeps_only_the_new_text() -> None:
    body = "Thanks, that worked.\n\n在 2026年11月25日 张三 写道：\n> 请重启"

    assert inbound.strip_quoted(body) == "Thanks, that worked."
