"""One conversation turn end to end: what the code decides (answer, records, verify, handoff) and what is stored."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.assistant import flows
from rapport.assistant import service as conversation_service
from rapport.assistant.answering import Answerer
from rapport.assistant.flows import AssistantRuntime, Event
from rapport.assistant.models import Conversation
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_order

from .kit import ScriptedProvider, gateway_with


def _with_model(runtime: AssistantRuntime, reply: str, tmp_path: Path) -> AssistantRuntime:
    answerer = Answerer(gateway_with(ScriptedProvider(reply), tmp_path), runtime.settings)
    return replace(runtime, answerer=answerer)


def _start(runtime: AssistantRuntime, **values: object) -> str:
    with runtime.sessions() as session:
        _, token = conversation_service.start(session, **values)  # type: ignore[arg-type]
        session.commit()
    return token


def _turn(runtime: AssistantRuntime, token: str, text: str) -> tuple[str, Event]:
    events = list(flows.reply(runtime, token, text))
    deltas = "".join(e.data["text"] for e in events if e.name == "delta")
    assert events[-1].name == "answer"
    return deltas, events[-1]


def test_a_knowledge_question_is_answered_from_passages_with_citations(
    runtime: AssistantRuntime, session: Session, tmp_path: Path
) -> None:
    model = _with_model(
        runtime, "Refunds go to the original payment method. Cards take 5-7 business days [1].", tmp_path
    )
    token = _start(model)

    streamed, answer = _turn(model, token, "How long does a refund take to reach my card?")

    assert answer.data["generated"] is True
    assert answer.data["abstained"] is False
    assert "5-7 business days [1]" in answer.data["text"]
    assert streamed.strip() == answer.data["text"]
    assert answer.data["citations"][0]["url"] == "/kb/refunds"
    stored = conversation_service.messages(session, conversation_service.by_token(session, token))
    assert [m.role for m in stored] == ["customer", "assistant"]
    assert stored[1].citations[0]["title"].startswith("Refunds")


def test_a_sentence_with_an_invented_price_never_reaches_the_customer(
    runtime: AssistantRuntime, tmp_path: Path
) -> None:
    model = _with_model(
        runtime,
        "Cards take 5-7 business days [1]. We also refund a $25 goodwill credit on every return [1].",
        tmp_path,
    )

    streamed, answer = _turn(model, _start(model), "How long does a refund take to reach my card?")

    assert "25" not in streamed
    assert "$25" not in answer.data["text"]
    assert "5-7 business days" in answer.data["text"]


def test_an_answer_with_nothing_supported_becomes_i_dont_know(runtime: AssistantRuntime, tmp_path: Path) -> None:
    model = _with_model(runtime, "We pay every refund in Bitcoin to your crypto wallet.", tmp_path)

    _, answer = _turn(model, _start(model), "How long does a refund take to reach my card?")

    assert answer.data["abstained"] is True
    assert answer.data["offers_handoff"] is True


def test_an_unrelated_question_is_not_answered(runtime: AssistantRuntime, tmp_path: Path) -> None:
    model = _with_model(runtime, "The capital of France is Paris [1].", tmp_path)

    _, answer = _turn(model, _start(model), "What is the capital of France?")

    assert answer.data["abstained"] is True
    assert "don't know" in answer.data["text"]


def test_without_a_model_the_passages_answer(runtime: AssistantRuntime) -> None:
    _, answer = _turn(runtime, _start(runtime), "What does error E-402 mean?")

    assert answer.data["generated"] is False
    assert "Pairing failed" in answer.data["text"]
    assert answer.data["citations"][0]["url"] == "/kb/device-error-codes"


def test_a_verified_customer_gets_their_order_from_records(runtime: AssistantRuntime, session: Session) -> None:
    alice, bob = make_customer(session), make_customer(session)
    make_order(session, alice, number="10023", status="shipped", tracking_number="TRK0000010023")
    make_order(session, bob, number="20046", status="shipped", tracking_number="TRK0000020046")
    token = _start(runtime, customer_id=alice.id, identified_by="widget_token")

    _, mine = _turn(runtime, token, "Where is my order 10023?")
    _, theirs = _turn(runtime, token, "and where is order 20046?")

    assert "Order 10023: shipped" in mine.data["text"]
    assert "TRK0000010023" in mine.data["text"]
    assert mine.data["citations"][0]["kind"] == "record"
    assert "couldn't find order 20046" in theirs.data["text"]
    assert "TRK0000020046" not in theirs.data["text"]


def test_an_anonymous_visitor_asking_about_an_order_is_asked_to_verify(
    runtime: AssistantRuntime, session: Session
) -> None:
    make_order(session, make_customer(session), number="10023", tracking_number="TRK0000010023")

    _, answer = _turn(runtime, _start(runtime), "where is my order 10023")

    assert answer.data["needs_verification"] is True
    assert "TRK" not in answer.data["text"]


def test_an_email_from_the_contact_form_does_not_unlock_records(runtime: AssistantRuntime, session: Session) -> None:
    victim = make_customer(session, email="victim@example.com")
    make_order(session, victim, number="10023", tracking_number="TRK0000010023")
    token = _start(runtime)
    flows.request_handoff(runtime, token, email="victim@example.com")
    with runtime.sessions() as s:
        conversation = conversation_service.by_token(s, token)
        conversation.status = "bot"  # an agent handed it back
        s.commit()

    _, answer = _turn(runtime, token, "where is my order 10023")

    assert answer.data["needs_verification"] is True
    assert "TRK0000010023" not in answer.data["text"]


def test_asking_for_a_person_opens_a_ticket_in_the_queue(runtime: AssistantRuntime, session: Session) -> None:
    customer = make_customer(session)
    token = _start(runtime, customer_id=customer.id, identified_by="widget_token")
    _turn(runtime, token, "How long does a refund take?")

    _, answer = _turn(runtime, token, "我要转人工")

    ticket = session.get(Ticket, answer.data["handoff"]["ticket_id"])
    assert ticket is not None
    assert (ticket.status, ticket.channel, ticket.customer_id, ticket.language) == ("new", "widget", customer.id, "zh")
    assert answer.data["status"] == "waiting"
    assert "工单" in answer.data["text"]


def test_an_anonymous_visitor_leaves_an_email_and_gets_a_ticket(runtime: AssistantRuntime, session: Session) -> None:
    token = _start(runtime)

    _, asked = _turn(runtime, token, "I want to talk to a human")
    outcome = flows.request_handoff(runtime, token, email="new.person@example.com", name="New Person")

    assert asked.data["needs_contact"] is True
    ticket = session.get(Ticket, outcome["ticket_id"])
    assert ticket is not None
    assert ticket.channel == "widget"


def test_repeated_failures_hand_off_by_themselves(runtime: AssistantRuntime, session: Session) -> None:
    token = _start(runtime, customer_id=make_customer(session).id, identified_by="widget_token")

    _, first = _turn(runtime, token, "What is the capital of France?")
    _, second = _turn(runtime, token, "Who won the football world cup in 1998?")

    assert first.data["abstained"]
    assert "handoff" not in first.data
    assert second.data["handoff"]["ticket_id"] > 0


def test_messages_after_a_handoff_wait_for_a_person(runtime: AssistantRuntime, session: Session) -> None:
    token = _start(runtime, customer_id=make_customer(session).id, identified_by="widget_token")
    _turn(runtime, token, "human please")

    _, queued = _turn(runtime, token, "Hello? Anyone there?")

    assert queued.data["queued"] is True
    conversation = session.scalar(select(Conversation))
    assert conversation is not None
    assert [m.role for m in conversation_service.messages(session, conversation)][-1] == "customer"
