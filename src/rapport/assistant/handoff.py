"""Handing a conversation to a person: a ticket in the queue with the transcript, the detected intent, a summary and
a suggested next step, so the agent starts where the assistant stopped.

Triggers (decided in code, see flows.py): the customer asks for a person ("human", "人工"), the message is very
negative, or the assistant failed to answer `failures_before_handoff` times in a row. A visitor who is not
identified leaves an email address first; the ticket goes to the customer with that address, or to a new lead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from rapport.assistant import service as conversation_service
from rapport.assistant.models import Conversation, ConversationMessage
from rapport.assistant.tools import assistant_principal
from rapport.automation.intents import KeywordIntentClassifier
from rapport.automation.sentiment import LexiconSentiment
from rapport.customers import blind
from rapport.customers import service as customer_service
from rapport.customers.models import Customer
from rapport.errors import Invalid
from rapport.tickets import service as ticket_service
from rapport.tickets.models import Ticket

NEXT_STEPS: Final = {
    "order_status": "Check the order's shipment and carrier tracking, then reply with where it is and when it arrives.",
    "late_delivery": "Check the carrier tracking; if the parcel is overdue, open a trace or offer a reshipment.",
    "refund_request": "Check the order and return status, then confirm the refund amount and when it reaches them.",
    "damaged_item": "Ask for photos of the damage and the packaging, then offer a replacement or a refund.",
    "wrong_item": "Confirm what was ordered against what arrived and arrange the missing or correct item.",
    "return_label": "Send a prepaid return label and explain how to drop the parcel off.",
    "cancellation": "Check whether the order has shipped; cancel it if not, otherwise explain how to return it.",
    "address_change": "Check whether the order has shipped; update the address or contact the carrier.",
    "account_access": "Verify the customer's identity, then help them reset their password or unlock the account.",
    "billing_error": "Check the payments on the order for duplicates and refund any extra charge.",
    "warranty_claim": "Check the purchase date against the warranty and arrange a repair or replacement.",
    "technical_problem": "Walk through the troubleshooting steps for the error; if they fail, arrange a repair.",
    "discount_request": "Check which promotions apply to the customer and explain the options.",
    "product_question": "Answer the product question from the catalogue and suggest a fitting product.",
    "privacy_request": "Handle the data request under the privacy procedure (export, erasure or unsubscribe).",
    "complaint": "Apologise, find out what went wrong, and offer a concrete remedy.",
}
DEFAULT_NEXT_STEP: Final = "Read the conversation and reply to the customer; the assistant could not resolve it."
REASONS: Final = {
    "requested": "the customer asked for a person",
    "negative": "the customer is very unhappy",
    "failed": "the assistant could not answer several times",
    "low_confidence": "the assistant was not confident of an answer",
}


@dataclass(frozen=True)
class HandoffNote:
    intent: str | None
    sentiment: str
    summary: str
    next_step: str
    subject: str


def read_conversation(turns: list[ConversationMessage], language: str, reason: str) -> HandoffNote:
    """Intent, sentiment and a summary from the customer's own words (rules: no model call inside the transaction)."""
    asked = [t.body for t in turns if t.role == "customer"]
    said = "\n".join(asked)
    intent = _intent(asked, language)
    sentiment = LexiconSentiment().score(said, language).label
    first = asked[0] if asked else ""
    last = asked[-1] if asked else ""
    unanswered = [t for t in turns if t.role == "assistant" and t.is_abstained]
    summary_lines = [
        f"Handed over because {REASONS.get(reason, reason)}.",
        f"First question: {_short(first)}",
    ]
    if last and last != first:
        summary_lines.append(f"Last message: {_short(last)}")
    summary_lines.append(f"{len(asked)} customer message(s); the assistant could not answer {len(unanswered)} of them.")
    subject_core = (intent or "question").replace("_", " ")
    return HandoffNote(
        intent=intent,
        sentiment=sentiment,
        summary="\n".join(summary_lines),
        next_step=NEXT_STEPS.get(intent or "", DEFAULT_NEXT_STEP),
        subject=f"Chat: {subject_core} - {_short(first, 120)}"[:300],
    )


def _intent(asked: list[str], language: str) -> str | None:
    """What the customer came for: the first message that names a need (anger at the end is not the intent)."""
    classifier = KeywordIntentClassifier()
    for text in asked:
        label = classifier.classify("", text, language).label
        if label not in (None, "complaint", "praise"):
            return label
    return classifier.classify("", "\n".join(asked), language).label


def transcript(turns: list[ConversationMessage]) -> str:
    names = {"customer": "Customer", "assistant": "Assistant", "agent": "Agent"}
    return "\n".join(f"[{t.created_at:%H:%M}] {names[t.role]}: {t.body}" for t in turns if t.role in names)


def contact_customer(session: Session, *, email: str, name: str | None, language: str) -> int:
    """The customer with this email, or a new lead: an anonymous visitor's way into the queue."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise Invalid("give an email address so our team can reply")
    principal = assistant_principal("widget")
    found = session.scalar(
        customer_service.customers.visible(principal).where(blind.email_clause(email)).order_by(Customer.id)
    )
    if found is not None:
        return found.id
    created = customer_service.create(
        session,
        principal,
        {
            "full_name": (name or "").strip()[:200] or email.split("@")[0],
            "email": email,
            "language": language,
            "source": "widget",
            "lifecycle_stage": "lead",
        },
    )
    return created.id


def hand_off(session: Session, conversation: Conversation, *, reason: str) -> Ticket:
    """Open the ticket and put the conversation in the queue; the conversation must know its customer."""
    if conversation.customer_id is None:
        raise Invalid("leave an email address so our team can reach you")
    if conversation.ticket_id is not None and conversation.status in ("waiting", "agent"):
        existing = session.get(Ticket, conversation.ticket_id)
        if existing is not None:
            return existing
    turns = conversation_service.messages(session, conversation)
    note = read_conversation(turns, conversation.language, reason)
    body = (
        f"Summary\n{note.summary}\n\nSuggested next step\n{note.next_step}\n\n"
        f"Conversation (chat widget #{conversation.id})\n{transcript(turns)}"
    )
    ticket = ticket_service.create(
        session,
        assistant_principal("widget"),
        {
            "customer_id": conversation.customer_id,
            "subject": note.subject,
            "body": body[:100_000],
            "status": "new",
            "channel": "widget",
            "priority": "high" if note.sentiment == "very_negative" else "normal",
            "intent": note.intent,
            "sentiment": note.sentiment,
            "language": conversation.language,
        },
    )
    conversation.ticket_id = ticket.id
    conversation.status = "waiting"
    conversation.intent = note.intent
    conversation_service.add_message(session, conversation, "system", f"handoff:{reason}:{ticket.id}")
    return ticket


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
