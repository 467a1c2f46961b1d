"""Mailbox import: mbox files, .eml files or folders of them become interactions and tickets, threaded.

A message joins an existing ticket when its In-Reply-To or References name a message we know, or when its subject
carries our ticket tag ("[#123]"), or, failing both, when the same customer has a ticket with the same subject
(without "Re:", "Fwd:", "回复：") from the last 30 days. Otherwise it opens a new ticket. A reply to a solved ticket
reopens it. Messages from staff addresses are recorded as outbound replies. Message-IDs make re-import a no-op.
"""

from __future__ import annotations

import email
import hashlib
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html import unescape
from pathlib import Path
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.customers import blind
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.errors import Invalid
from rapport.interactions import service as interaction_service
from rapport.kit.clock import as_utc, utcnow
from rapport.mail.models import MailMessage
from rapport.mail.schemas import ImportResult
from rapport.privacy.access import Action, Principal, require
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

SUBJECT_PREFIX: Final = re.compile(r"^\s*((re|fw|fwd|aw|sv|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
TICKET_TAG: Final = re.compile(r"\[#(\d{1,18})\]")
THREAD_WINDOW: Final = timedelta(days=30)
_QUOTE_HEADERS: Final = (
    re.compile(r"^On .{4,200} wrote:\s*$", re.MULTILINE),
    re.compile(r"^-{2,}\s*Original Message\s*-{2,}", re.MULTILINE | re.IGNORECASE),
    re.compile(r"^在.{2,100}写道[:：]\s*$", re.MULTILINE),
    re.compile(r"^From: .+$", re.MULTILINE),
)
_CJK: Final = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Parsed:
    message_id: str
    in_reply_to: str | None
    references: list[str]
    from_addr: str
    from_name: str
    to_addrs: list[str]
    subject: str
    body: str
    at: datetime


def import_path(session: Session, principal: Principal, path: Path) -> ImportResult:
    """Import an mbox file, an .eml file, or every .eml/.mbox file in a folder."""
    for entity in ("tickets", "interactions"):
        require(principal, entity, Action.create)
    if not path.exists():
        raise Invalid(f"{path} does not exist")
    result = ImportResult(source=str(path))
    for source, raw in _messages(path):
        result.messages += 1
        try:
            parsed = parse(raw)
        except (ValueError, TypeError) as exc:
            result.skipped.append({"source": source, "reason": f"unreadable: {exc}"})
            continue
        import_message(session, principal, parsed, source=source, result=result)
    return result


def parse(raw: bytes) -> Parsed:
    message = email.message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    name, address = parseaddr(str(message.get("From", "")))
    if "@" not in address:
        raise ValueError("no sender address")
    message_id = _clean_id(message.get("Message-ID")) or f"<{hashlib.sha256(raw).hexdigest()[:40]}@imported.rapport>"
    try:
        at = as_utc(parsedate_to_datetime(str(message["Date"]))) if message.get("Date") else utcnow()
    except (TypeError, ValueError):
        at = utcnow()
    references = [r for r in (_clean_id(x) for x in str(message.get("References", "")).split()) if r]
    return Parsed(
        message_id=message_id,
        in_reply_to=_clean_id(message.get("In-Reply-To")),
        references=references,
        from_addr=address.strip().lower(),
        from_name=name.strip(),
        to_addrs=[a.lower() for _, a in getaddresses([str(v) for v in message.get_all("To", [])]) if a],
        subject=" ".join(str(message.get("Subject", "")).split())[:300] or "(no subject)",
        body=strip_quoted(_body(message)),
        at=at,
    )


def import_message(
    session: Session, principal: Principal, parsed: Parsed, *, source: str, result: ImportResult
) -> None:
    if session.scalar(select(MailMessage.id).where(MailMessage.message_id == parsed.message_id)) is not None:
        result.duplicates += 1
        return
    staff = session.scalar(select(User).where(func.lower(User.email) == parsed.from_addr))
    if staff is not None:
        _import_staff_reply(session, principal, parsed, staff, source, result)
        return
    customer = _customer(session, principal, parsed, result)
    ticket = thread_of(session, parsed, customer.id)
    language = _language(parsed.subject + " " + parsed.body)
    if ticket is None:
        ticket = ticket_service.create(
            session,
            principal,
            {
                "customer_id": customer.id,
                "subject": _subject(parsed.subject),
                "body": parsed.body or parsed.subject,
                "channel": "email",
                "status": "new",
                "language": language,
            },
        )
        result.new_tickets.append(ticket.id)
        interaction_id = _first_interaction(session, ticket.id)
    else:
        interaction = interaction_service.create(
            session,
            principal,
            {
                "customer_id": customer.id,
                "ticket_id": ticket.id,
                "kind": "email",
                "direction": "inbound",
                "subject": parsed.subject,
                "body": parsed.body or parsed.subject,
                "language": language,
                "occurred_at": parsed.at,
            },
        )
        interaction_id = interaction.id
        result.threaded += 1
        if ticket.status in ("solved", "closed"):
            ticket_service.update(session, principal, ticket.id, {"status": "open"})
            result.reopened += 1
    _index(session, parsed, "inbound", customer.id, ticket.id, interaction_id, source)
    result.imported += 1


def thread_of(session: Session, parsed: Parsed, customer_id: int | None) -> Ticket | None:
    """The ticket this message continues: by Message-ID headers, by our [#id] tag, then by subject."""
    known = [parsed.in_reply_to, *reversed(parsed.references)]
    for message_id in (m for m in known if m):
        ticket_id = session.scalar(select(MailMessage.ticket_id).where(MailMessage.message_id == message_id))
        if ticket_id is not None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is not None and ticket.deleted_at is None:
                return ticket
    if customer_id is None:
        return None
    tag = TICKET_TAG.search(parsed.subject)
    if tag is not None:
        ticket = session.get(Ticket, int(tag.group(1)))
        if ticket is not None and ticket.customer_id == customer_id and ticket.deleted_at is None:
            return ticket
    if not SUBJECT_PREFIX.match(parsed.subject):
        return None
    subject = _subject(parsed.subject).casefold()
    candidates = session.scalars(
        select(Ticket)
        .where(
            Ticket.customer_id == customer_id,
            Ticket.deleted_at.is_(None),
            Ticket.created_at >= parsed.at - THREAD_WINDOW,
        )
        .order_by(Ticket.created_at.desc())
        .limit(50)
    ).all()
    return next((t for t in candidates if _subject(t.subject).casefold() == subject), None)


def strip_quoted(body: str) -> str:
    """The new text of a reply: quoted lines ("> …") and everything after "On … wrote:" go."""
    cut = len(body)
    for pattern in _QUOTE_HEADERS:
        match = pattern.search(body)
        if match and match.start() > 0:
            cut = min(cut, match.start())
    kept = [line for line in body[:cut].splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(kept).strip()


def _import_staff_reply(
    session: Session, principal: Principal, parsed: Parsed, staff: User, source: str, result: ImportResult
) -> None:
    customer = session.scalar(
        select(Customer)
        .where(Customer.email_bidx.in_([blind.email_index(a) for a in parsed.to_addrs]), Customer.deleted_at.is_(None))
        .limit(1)
    )
    ticket = thread_of(session, parsed, customer.id if customer else None)
    customer_id = ticket.customer_id if ticket is not None else customer.id if customer is not None else None
    if customer_id is None:
        result.skipped.append({"source": source, "reason": f"staff message to nobody we know ({parsed.message_id})"})
        return
    interaction = interaction_service.create(
        session,
        principal,
        {
            "customer_id": customer_id,
            "ticket_id": ticket.id if ticket else None,
            "kind": "email",
            "direction": "outbound",
            "subject": parsed.subject,
            "body": parsed.body or parsed.subject,
            "occurred_at": parsed.at,
        },
    )
    interaction.author_id = staff.id
    if ticket is not None and ticket.first_response_at is None:
        ticket.first_response_at = parsed.at
    _index(session, parsed, "outbound", customer_id, ticket.id if ticket else None, interaction.id, source)
    result.imported += 1
    result.threaded += 1 if ticket else 0


def _customer(session: Session, principal: Principal, parsed: Parsed, result: ImportResult) -> Customer:
    found = session.scalar(
        select(Customer)
        .where(blind.email_clause(parsed.from_addr), Customer.deleted_at.is_(None))
        .order_by(Customer.id)
        .limit(1)
    )
    if found is not None:
        return found
    result.new_customers += 1
    name = parsed.from_name or parsed.from_addr.split("@")[0]
    return customer_service.create(
        session,
        principal,
        {"full_name": name[:200], "email": parsed.from_addr, "source": "email", "lifecycle_stage": "lead"},
    )


def _index(
    session: Session,
    parsed: Parsed,
    direction: str,
    customer_id: int | None,
    ticket_id: int | None,
    interaction_id: int | None,
    source: str,
) -> None:
    session.add(
        MailMessage(
            message_id=parsed.message_id,
            in_reply_to=parsed.in_reply_to,
            references=parsed.references,
            direction=direction,
            subject=parsed.subject,
            from_addr=parsed.from_addr,
            customer_id=customer_id,
            ticket_id=ticket_id,
            interaction_id=interaction_id,
            source=source[:200],
            at=parsed.at,
        )
    )
    session.flush()


def _messages(path: Path) -> Iterator[tuple[str, bytes]]:
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in {".eml", ".mbox"}) if path.is_dir() else [path]
    for file in files:
        if file.suffix.lower() == ".eml":
            yield str(file), file.read_bytes()
            continue
        box = mailbox.mbox(file, create=False)
        try:
            for index, message in enumerate(box):
                yield f"{file}#{index}", message.as_bytes()
        finally:
            box.close()


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        text = re.sub(r"(?is)<(script|style).*?</\1>", " ", text)
        text = unescape(re.sub(r"(?s)<[^>]+>", " ", re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)))
        text = re.sub(r"[ \t]+", " ", text)
    return text.replace("\x00", "").strip()


def _first_interaction(session: Session, ticket_id: int) -> int | None:
    from rapport.interactions.models import Interaction

    return session.scalar(
        select(Interaction.id).where(Interaction.ticket_id == ticket_id).order_by(Interaction.id).limit(1)
    )


def _language(text: str) -> str:
    """zh when CJK characters are at least a fifth of the letters (the rule triage uses too)."""
    cjk, latin = len(_CJK.findall(text)), len(re.findall(r"[A-Za-z]", text))
    return "zh" if cjk and cjk / (cjk + latin) >= 0.2 else "en"


def _subject(subject: str) -> str:
    return TICKET_TAG.sub("", SUBJECT_PREFIX.sub("", subject)).strip()[:300] or "(no subject)"


def _clean_id(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    match = re.search(r"<[^<>\s]+>", text)
    return (match.group(0) if match else text)[:250] or None
