"""The outbox: queue an email in the caller's transaction, send it later (SMTP when configured, else an .eml file
under data_dir/mail/outbox), and record what was sent as an outbound interaction threaded to its ticket.

Sending never holds a transaction: one short transaction reads the message, the SMTP conversation runs with none
open, another records the outcome. A worker that dies between sending and recording sends again on retry
(at-least-once delivery, as with any mail queue); the Message-ID stays the same, so receivers can drop the copy.
"""

from __future__ import annotations

import os
import smtplib
import tempfile
from collections.abc import Sequence
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path
from typing import Final

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from rapport.errors import Forbidden, Invalid, NotFound
from rapport.interactions import service as interaction_service
from rapport.kit.clock import utcnow
from rapport.mail.models import MailMessage, OutboxMessage
from rapport.mail.schemas import MailSettings
from rapport.privacy.access import Action, Principal, Role, require, system_principal
from rapport.store.engine import make_sessionmaker, session_scope

MAILER: Final = system_principal("mail")


class SendFailed(Exception):
    """The transport refused or failed; the job retries with backoff until `max_attempts`."""


def queue(
    session: Session,
    principal: Principal,
    *,
    to: Sequence[str],
    subject: str,
    body_text: str,
    settings: MailSettings,
    body_html: str | None = None,
    customer_id: int | None = None,
    ticket_id: int | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[str] = (),
    source: str = "",
) -> OutboxMessage:
    """An email waiting to be sent, in the caller's transaction: if that rolls back, nothing is sent."""
    require(principal, "interactions", Action.create)
    addresses = [a.strip() for a in to if a and a.strip()]
    if not addresses or any("@" not in a or any(c in a for c in " \r\n<>") for a in addresses):
        raise Invalid(f"not a valid recipient list: {list(to)!r}")
    if any(c in subject for c in "\r\n"):
        raise Invalid("an email subject must be one line")
    message = OutboxMessage(
        message_id=make_msgid(domain=settings.message_id_domain),
        from_addr=settings.from_addr,
        to_addrs=addresses,
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        in_reply_to=in_reply_to,
        references=list(references),
        attachments=list(attachments),
        customer_id=customer_id,
        ticket_id=ticket_id,
        source=source[:60] or principal.label[:60],
        status="queued",
    )
    session.add(message)
    session.flush()
    return message


def list_messages(
    session: Session, principal: Principal, *, status: str | None = None, limit: int = 50
) -> list[OutboxMessage]:
    require(principal, "interactions", Action.read)
    if principal.role not in (Role.admin, Role.manager):
        raise Forbidden("only managers and admins may read the outbox (it holds every customer's address)")
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return list(session.scalars(stmt))


def waiting(session: Session, *, idle_min: float = 10, limit: int = 100) -> list[int]:
    """Messages still queued and untouched for `idle_min` minutes, oldest first: their send job was lost (a crash
    between commit and enqueue) or gave up while SMTP was down. The periodic flush starts them again."""
    stmt = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "queued", OutboxMessage.updated_at < utcnow() - timedelta(minutes=idle_min))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def send(bind: Engine | Connection, settings: MailSettings, data_dir: Path, outbox_id: int) -> str:
    """Send one queued message; returns its status. Sending a sent message again does nothing (idempotent)."""
    factory = make_sessionmaker(bind)
    with session_scope(factory) as session:
        row = session.get(OutboxMessage, outbox_id)
        if row is None:
            raise NotFound(f"outbox message {outbox_id} not found")
        if row.status != "queued":
            return row.status
        email = build(row, settings)
    transport = "smtp" if settings.smtp_host else "file"
    try:
        path = _deliver(email, settings, data_dir, outbox_id)
    except (OSError, smtplib.SMTPException) as exc:
        with session_scope(factory) as session:
            row = session.get(OutboxMessage, outbox_id)
            assert row is not None
            row.attempts += 1
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= settings.max_attempts:
                row.status = "failed"
                return row.status
        raise SendFailed(f"sending outbox message {outbox_id} failed: {exc}") from exc
    with session_scope(factory) as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        _record_sent(session, row, transport, path)
        return row.status


def build(row: OutboxMessage, settings: MailSettings) -> EmailMessage:
    email = EmailMessage()
    email["Message-ID"] = row.message_id
    email["From"] = formataddr((settings.from_name, row.from_addr))
    email["To"] = ", ".join(row.to_addrs)
    email["Subject"] = row.subject
    email["Date"] = formatdate(localtime=False, usegmt=True)
    if row.in_reply_to:
        email["In-Reply-To"] = row.in_reply_to
    refs = [*row.references, *([row.in_reply_to] if row.in_reply_to and row.in_reply_to not in row.references else [])]
    if refs:
        email["References"] = " ".join(refs)
    email.set_content(row.body_text)
    if row.body_html:
        email.add_alternative(row.body_html, subtype="html")
    for name in row.attachments:
        path = Path(name)
        maintype, subtype = _mime(path)
        email.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return email


def _deliver(email: EmailMessage, settings: MailSettings, data_dir: Path, outbox_id: int) -> str | None:
    if not settings.smtp_host:
        folder = data_dir / "mail" / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{outbox_id:08d}.eml"
        # Write then rename: a reader never sees half a message, and a retry overwrites the same file.
        with tempfile.NamedTemporaryFile("wb", dir=folder, delete=False, suffix=".part") as handle:
            handle.write(bytes(email))
        os.replace(handle.name, target)
        return str(target)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(email)
    return None


def _record_sent(session: Session, row: OutboxMessage, transport: str, path: str | None) -> None:
    now = utcnow()
    row.status, row.transport, row.path, row.sent_at = "sent", transport, path, now
    row.attempts += 1
    interaction_id = None
    if row.customer_id is not None:
        interaction = interaction_service.create(
            session,
            MAILER,
            {
                "customer_id": row.customer_id,
                "ticket_id": row.ticket_id,
                "kind": "email",
                "direction": "outbound",
                "subject": row.subject,
                "body": row.body_text,
                "occurred_at": now,
            },
        )
        interaction_id = interaction.id
    if session.scalar(select(MailMessage.id).where(MailMessage.message_id == row.message_id)) is None:
        session.add(
            MailMessage(
                message_id=row.message_id,
                in_reply_to=row.in_reply_to,
                references=list(row.references),
                direction="outbound",
                subject=row.subject,
                from_addr=row.from_addr,
                customer_id=row.customer_id,
                ticket_id=row.ticket_id,
                interaction_id=interaction_id,
                source=f"outbox:{row.id}",
                at=now,
            )
        )
    session.flush()


def _mime(path: Path) -> tuple[str, str]:
    return {
        ".pdf": ("application", "pdf"),
        ".html": ("text", "html"),
        ".png": ("image", "png"),
        ".csv": ("text", "csv"),
    }.get(path.suffix.lower(), ("application", "octet-stream"))
