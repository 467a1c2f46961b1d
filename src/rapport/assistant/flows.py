"""One turn of a widget conversation, across domains: read the message, decide what to do in code, answer.

What happens to a message is decided by rules before any model sees it: a request for a person or a very negative
message hands the conversation to the queue; a question about the customer's own orders or tickets is answered from
their records (only for a verified customer; others are asked to verify); everything else is answered from the
knowledge base. The model only writes the wording of knowledge-base answers.

Transactions: the flow takes a sessionmaker, not a session, because an answer streams for seconds and no
transaction may stay open across a model call (SQLite has one writer). The customer's message is stored and
committed first, the answer is generated with no transaction open, and then stored in a second short transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from rapport.ai.embeddings import embedder_for
from rapport.ai.gateway import Gateway
from rapport.assistant import guard
from rapport.assistant import service as conversation_service
from rapport.assistant.answering import Answer, Answerer, Record, Turn, retrieve, text_for
from rapport.assistant.handoff import contact_customer, hand_off
from rapport.assistant.index import KnowledgeIndex, build_index
from rapport.assistant.language import asks_for_human, detect_language, records_question
from rapport.assistant.models import Conversation
from rapport.assistant.settings import AssistantSettings
from rapport.assistant.tools import CustomerTools, tools_for
from rapport.automation.sentiment import LexiconSentiment
from rapport.errors import Invalid, RapportError
from rapport.settings import Settings
from rapport.store.engine import session_scope

log = logging.getLogger(__name__)


@dataclass
class AssistantRuntime:
    """What a door hands the flows: sessions, the process's knowledge index, the answerer and the settings."""

    sessions: sessionmaker[Session]
    index: KnowledgeIndex
    answerer: Answerer
    settings: AssistantSettings


@dataclass(frozen=True)
class Event:
    """One server-sent event: `delta` (text to append), `answer` (the final message) or `status`."""

    name: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Plan:
    language: str
    history: list[Turn]
    trigger: str | None = None
    needs_verification: bool = False
    records: list[Record] | None = None
    missing_orders: list[str] = field(default_factory=list)
    queued_status: str | None = None
    previous_question: str | None = None


def reply(runtime: AssistantRuntime, token: str, text: str) -> Iterator[Event]:
    """Answer one customer message; the last event is always `answer`."""
    text = text.strip()
    if not text:
        raise Invalid("write a message first")
    if len(text) > runtime.settings.max_message_chars:
        raise Invalid(f"a message may be at most {runtime.settings.max_message_chars} characters")
    plan = _read(runtime, token, text)
    if plan.queued_status is not None:
        yield Event("answer", {"text": "", "status": plan.queued_status, "queued": True, "citations": []})
        return
    if plan.trigger is not None:
        yield from _handoff_turn(runtime, token, plan.language, plan.trigger)
        return
    answer: Answer | None = None
    if plan.needs_verification:
        answer = Answer(text=text_for(plan.language, "verify"), needs_verification=True, confidence=1.0)
    elif plan.records is not None:
        answer = runtime.answerer.from_records(plan.language, plan.records, plan.missing_orders)
    if answer is not None:
        for line in answer.text.split("\n"):
            yield Event("delta", {"text": line + "\n"})
    else:
        runtime.index.ensure_fresh(runtime.sessions)
        query = text
        if plan.previous_question and len(text) < 25:
            query = f"{plan.previous_question} {text}"  # a short follow-up ("and for China?") leans on the last one
        retrieved = retrieve(runtime.index, query, language=plan.language, k=runtime.settings.passages)
        for item in runtime.answerer.stream(text, language=plan.language, retrieved=retrieved, history=plan.history):
            if isinstance(item, Answer):
                answer = item
            else:
                yield Event("delta", {"text": item})
    assert answer is not None
    yield _store_answer(runtime, token, answer)


def request_handoff(
    runtime: AssistantRuntime,
    token: str,
    *,
    reason: str = "requested",
    email: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """The widget's "talk to a person" button (and the contact form): a ticket, or a request for an email first."""
    with session_scope(runtime.sessions) as session:
        conversation = conversation_service.by_token(session, token, for_update=True)
        if conversation.customer_id is None:
            if not email:
                return {"needs_contact": True, "status": conversation.status}
            customer_id = contact_customer(session, email=email, name=name, language=conversation.language)
            conversation_service.identify(session, conversation, customer_id, "contact_form")
        ticket = hand_off(session, conversation, reason=reason)
        text = text_for(conversation.language, "handoff", ticket=ticket.id)
        message = conversation_service.add_message(session, conversation, "assistant", text)
        return {
            "ticket_id": ticket.id,
            "status": conversation.status,
            "message": {"id": message.id, "role": "assistant", "text": text},
        }


# -- steps -------------------------------------------------------------------------------------------------------------
def _read(runtime: AssistantRuntime, token: str, text: str) -> _Plan:
    with session_scope(runtime.sessions) as session:
        conversation = conversation_service.by_token(session, token, for_update=True)
        if conversation.status == "closed":
            conversation.status = "bot"  # a customer writing again reopens the conversation
        language = detect_language(text, conversation.language)
        conversation.language = language
        message = conversation_service.add_message(session, conversation, "customer", text)
        if guard.looks_like_injection(text):
            log.warning(
                "assistant: conversation %s message %s looks like a prompt injection", conversation.id, message.id
            )
        if conversation.status in ("waiting", "agent"):
            conversation_service.copy_to_ticket(session, conversation, text, direction="inbound", author_id=None)
            return _Plan(language, [], queued_status=conversation.status)
        turns = conversation_service.recent_turns(
            session, conversation, before_id=message.id, turns=runtime.settings.history_turns
        )
        while turns and turns[0].role != "customer":
            turns.pop(0)  # the greeting is not part of the conversation the model should continue
        history = [Turn(t.role, t.body) for t in turns]
        previous = next((t.body for t in reversed(turns) if t.role == "customer"), None)
        plan = _Plan(language, history, previous_question=previous)
        if asks_for_human(text):
            plan.trigger = "requested"
        elif LexiconSentiment().score(text, language).label == "very_negative":
            plan.trigger = "negative"
        else:
            _plan_records(session, conversation, text, plan)
        return plan


def _plan_records(session: Session, conversation: Conversation, text: str, plan: _Plan) -> None:
    asked = records_question(text)
    if not asked.any:
        return
    if not conversation.is_verified or conversation.customer_id is None:
        plan.needs_verification = True
        return
    tools = tools_for(session, conversation.customer_id)
    plan.records, plan.missing_orders = _fetch(tools, asked.order_numbers, asked.wants_tickets, plan.language)


def _fetch(
    tools: CustomerTools, numbers: tuple[str, ...], wants_tickets: bool, language: str
) -> tuple[list[Record], list[str]]:
    records: list[Record] = []
    missing: list[str] = []
    for number in numbers[:3]:
        order = tools.find_order(number)
        if order is None:
            missing.append(number)
        else:
            records.append(Record(f"Order {order.number}", order.describe(language)))
    if wants_tickets:
        records += [Record(f"Ticket #{t.id}", t.describe(language)) for t in tools.tickets(5)]
    if not numbers and not wants_tickets:
        records += [Record(f"Order {o.number}", o.describe(language)) for o in tools.recent_orders(3)]
    return records, missing


def _handoff_turn(runtime: AssistantRuntime, token: str, language: str, reason: str) -> Iterator[Event]:
    outcome = request_handoff(runtime, token, reason=reason)
    if outcome.get("needs_contact"):
        text = text_for(language, "contact")
        with session_scope(runtime.sessions) as session:
            conversation = conversation_service.by_token(session, token)
            message = conversation_service.add_message(session, conversation, "assistant", text)
        yield Event("delta", {"text": text})
        yield Event(
            "answer",
            {"message_id": message.id, "text": text, "citations": [], "needs_contact": True, "status": "bot"},
        )
        return
    message = outcome["message"]
    yield Event("delta", {"text": message["text"]})
    yield Event(
        "answer",
        {
            "message_id": message["id"],
            "text": message["text"],
            "citations": [],
            "handoff": {"ticket_id": outcome["ticket_id"]},
            "status": outcome["status"],
        },
    )


def _store_answer(runtime: AssistantRuntime, token: str, answer: Answer) -> Event:
    with session_scope(runtime.sessions) as session:
        conversation = conversation_service.by_token(session, token, for_update=True)
        message = conversation_service.add_message(
            session,
            conversation,
            "assistant",
            answer.text,
            citations=[c.as_dict() for c in answer.citations],
            confidence=round(answer.confidence, 4),
            is_abstained=answer.is_abstained,
        )
        conversation.failed_answers = conversation.failed_answers + 1 if answer.is_abstained else 0
        data: dict[str, Any] = {
            "message_id": message.id,
            "text": answer.text,
            "citations": [c.as_dict() for c in answer.citations],
            "abstained": answer.is_abstained,
            "generated": answer.is_generated,
            "confidence": round(answer.confidence, 3),
            "offers_handoff": answer.offers_handoff,
            "needs_verification": answer.needs_verification,
            "status": conversation.status,
        }
        if conversation.failed_answers >= runtime.settings.failures_before_handoff:
            if conversation.customer_id is None:
                data["needs_contact"] = True
            else:
                ticket = hand_off(session, conversation, reason="failed")
                text = text_for(conversation.language, "handoff", ticket=ticket.id)
                conversation_service.add_message(session, conversation, "assistant", text)
                data["handoff"] = {"ticket_id": ticket.id, "text": text}
                data["status"] = conversation.status
        return Event("answer", data)


def ask(runtime: AssistantRuntime, question: str, *, language: str | None = None) -> Answer:
    """A knowledge-base answer outside any conversation (staff trying the assistant, `rapport kb ask`)."""
    question = question.strip()
    if not question:
        raise Invalid("ask a question")
    language = language or detect_language(question)
    runtime.index.ensure_fresh(runtime.sessions)
    retrieved = retrieve(runtime.index, question, language=language, k=runtime.settings.passages)
    answer: Answer | None = None
    for item in runtime.answerer.stream(question, language=language, retrieved=retrieved):
        if isinstance(item, Answer):
            answer = item
    assert answer is not None
    return answer


def build_runtime(settings: Settings, sessions: sessionmaker[Session], gateway: Gateway | None) -> AssistantRuntime:
    """The assistant for one process: the configured embedder (keywords only if it cannot load) and the gateway."""
    config = settings.assistant
    try:
        embedder = None if config.embedder == "none" else embedder_for(config.embedder, settings)
        index = build_index(config, settings.data_dir, embedder=embedder)
    except RapportError as error:
        log.warning("assistant: no dense retrieval (%s); searching by keywords only", error)
        index = KnowledgeIndex(None, config)
    return AssistantRuntime(sessions, index, Answerer(gateway, config), config)
