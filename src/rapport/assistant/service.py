"""Conversations of the chat widget: open one, find it by the widget's secret, identify the customer, keep the
messages; and the staff side: list live conversations, take one over, reply, hand back, close."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rapport.assistant.models import Conversation, ConversationMessage
from rapport.customers.models import Customer
from rapport.errors import Conflict, Forbidden, Invalid, NotFound
from rapport.interactions import service as interaction_service
from rapport.kit.clock import utcnow
from rapport.privacy import audit
from rapport.privacy.access import Action, Principal, can, require
from rapport.sales import service as sales_service
from rapport.sales.models import Order
from rapport.store.listing import Listing
from rapport.store.records import Records
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

TOKEN_PREFIX: Final = "cv_"
MAX_VERIFY_ATTEMPTS: Final = 5
LIVE_STATUSES: Final = ("bot", "waiting", "agent")

conversations = Records(
    model=Conversation,
    entity="conversations",
    is_personal=True,
    listing=Listing(
        id_column=Conversation.id,
        sortable={"id": Conversation.id, "last_message_at": Conversation.last_message_at},
        filterable={
            "status": Conversation.status,
            "customer_id": Conversation.customer_id,
            "language": Conversation.language,
            "agent_id": Conversation.agent_id,
            "ticket_id": Conversation.ticket_id,
        },
    ),
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# -- the widget's side ------------------------------------------------------------------------------------------------
def start(
    session: Session,
    *,
    language: str = "en",
    page_url: str | None = None,
    customer_id: int | None = None,
    identified_by: str | None = None,
) -> tuple[Conversation, str]:
    """A new conversation and the secret the widget keeps for it (only its hash is stored)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    conversation = Conversation(
        token_hash=_hash(token),
        language=language if language in ("en", "zh") else "en",
        page_url=(page_url or None) and page_url[:500],
        customer_id=customer_id,
        identified_by=identified_by if customer_id else None,
    )
    session.add(conversation)
    session.flush()
    return conversation, token


def by_token(session: Session, token: str, *, for_update: bool = False) -> Conversation:
    if not token.startswith(TOKEN_PREFIX):
        raise NotFound("conversation not found (start a new one)")
    stmt = select(Conversation).where(Conversation.token_hash == _hash(token))
    if for_update:
        stmt = stmt.with_for_update()
    conversation = session.scalar(stmt)
    if conversation is None:
        raise NotFound("conversation not found (start a new one)")
    return conversation


def add_message(
    session: Session, conversation: Conversation, role: str, body: str, **values: Any
) -> ConversationMessage:
    message = ConversationMessage(conversation_id=conversation.id, role=role, body=body, **values)
    session.add(message)
    conversation.last_message_at = utcnow()
    session.flush()
    return message


def messages(
    session: Session, conversation: Conversation, *, after_id: int = 0, limit: int = 200
) -> list[ConversationMessage]:
    stmt = (
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation.id, ConversationMessage.id > after_id)
        .order_by(ConversationMessage.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def recent_turns(
    session: Session, conversation: Conversation, *, before_id: int, turns: int
) -> list[ConversationMessage]:
    stmt = (
        select(ConversationMessage)
        .where(
            ConversationMessage.conversation_id == conversation.id,
            ConversationMessage.id < before_id,
            ConversationMessage.role.in_(("customer", "assistant", "agent")),
        )
        .order_by(ConversationMessage.id.desc())
        .limit(turns * 2)
    )
    return list(reversed(list(session.scalars(stmt))))


def identify(session: Session, conversation: Conversation, customer_id: int, how: str) -> Conversation:
    if conversation.customer_id not in (None, customer_id):
        raise Conflict("this conversation already belongs to another customer; start a new one")
    conversation.customer_id = customer_id
    conversation.identified_by = how
    session.flush()
    return conversation


def verify(session: Session, conversation: Conversation, *, email: str, order_number: str) -> int:
    """Identify the visitor by an email and one of that customer's order numbers; the customer's id when both match.

    Both must match one customer, and the answer to a mismatch never says which part was wrong. After
    MAX_VERIFY_ATTEMPTS failures the conversation can no longer verify (start a person handoff instead).
    """
    if conversation.verify_attempts >= MAX_VERIFY_ATTEMPTS:
        raise Forbidden("too many attempts to verify; ask for a person instead")
    email = email.strip().lower()
    number = order_number.strip().lstrip("#")
    if not email or "@" not in email or not number:
        raise Invalid("give the email address on your account and one of your order numbers")
    conversation.verify_attempts += 1
    principal = _system("widget")
    order = session.scalar(sales_service.orders.visible(principal).where(Order.number == number))
    customer = session.get(Customer, order.customer_id) if order is not None else None
    known = {e.lower() for e in (customer.emails or [])} | {(customer.email or "").lower()} if customer else set()
    if customer is None or customer.deleted_at is not None or email not in known:
        session.flush()
        raise Invalid("we could not match that email address and order number; check both and try again")
    identify(session, conversation, customer.id, "email_order")
    audit.record(
        session,
        principal,
        action="verify",
        entity="conversations",
        entity_id=conversation.id,
        detail={"customer_id": customer.id, "how": "email_order"},
    )
    return customer.id


# -- the staff side ---------------------------------------------------------------------------------------------------
def live(session: Session, principal: Principal, *, limit: int = 100) -> list[Conversation]:
    """Open conversations, the ones waiting for a person first, then the most recently active."""
    if not can(principal, "conversations", Action.read):
        audit.deny(session, principal, action="read", entity="conversations", entity_id=None)
        require(principal, "conversations", Action.read)
    waiting_first = func.coalesce(Conversation.status == "waiting", False)
    stmt = (
        select(Conversation)
        .where(Conversation.status.in_(LIVE_STATUSES))
        .order_by(waiting_first.desc(), Conversation.last_message_at.desc())
        .limit(limit)
    )
    found = list(session.scalars(stmt))
    if found:
        audit.record(
            session,
            principal,
            action="read",
            entity="conversations",
            detail={"count": len(found), "ids": [c.id for c in found][:200]},
        )
    return found


def get(session: Session, principal: Principal, conversation_id: int) -> Conversation:
    return conversations.get(session, principal, conversation_id)


def take_over(session: Session, principal: Principal, conversation_id: int) -> Conversation:
    """A person takes the conversation; its ticket, if nobody has it yet, becomes theirs too."""
    conversation = conversations.update(
        session, principal, conversation_id, {"status": "agent", "agent_id": principal.user_id}
    )
    add_message(session, conversation, "system", "agent_joined", author_id=principal.user_id)
    if conversation.ticket_id is not None and principal.user_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        if ticket is not None and ticket.assignee_id is None:
            ticket_service.update(
                session, _system("widget"), ticket.id, {"assignee_id": principal.user_id, "status": "open"}
            )
    return conversation


def hand_back(session: Session, principal: Principal, conversation_id: int) -> Conversation:
    conversation = conversations.update(session, principal, conversation_id, {"status": "bot", "agent_id": None})
    add_message(session, conversation, "system", "assistant_back", author_id=principal.user_id)
    return conversation


def close(session: Session, principal: Principal, conversation_id: int) -> Conversation:
    conversation = conversations.update(session, principal, conversation_id, {"status": "closed"})
    add_message(session, conversation, "system", "closed", author_id=principal.user_id)
    return conversation


def reply(session: Session, principal: Principal, conversation_id: int, body: str) -> ConversationMessage:
    """A staff member's message to the customer; replying takes the conversation over."""
    body = body.strip()
    if not body:
        raise Invalid("write a message first")
    conversation = conversations.get(session, principal, conversation_id, action=Action.update, audit_read=False)
    if conversation.status == "closed":
        raise Conflict("this conversation is closed")
    if conversation.status != "agent" or conversation.agent_id != principal.user_id:
        conversation = take_over(session, principal, conversation_id)
    message = add_message(session, conversation, "agent", body, author_id=principal.user_id)
    copy_to_ticket(session, conversation, body, direction="outbound", author_id=principal.user_id)
    return message


def copy_to_ticket(
    session: Session, conversation: Conversation, body: str, *, direction: str, author_id: int | None
) -> None:
    """Messages after a handoff also go on the ticket, so the inbox shows the whole exchange. Written by the
    assistant (the agent's own reach may not cover the customer), with the agent as the author."""
    if conversation.ticket_id is None or conversation.customer_id is None:
        return
    values: Mapping[str, Any] = {
        "customer_id": conversation.customer_id,
        "ticket_id": conversation.ticket_id,
        "kind": "chat",
        "direction": direction,
        "body": body,
        "language": conversation.language,
        "author_id": author_id,
        "occurred_at": utcnow(),
    }
    interaction_service.interactions.create(session, _system("widget"), values)


def _system(via: str) -> Principal:
    from rapport.assistant.tools import assistant_principal

    return assistant_principal(via)
