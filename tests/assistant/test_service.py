"""Conversations: the widget's secret, identifying a customer, and the staff side with its permissions."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rapport.assistant import service
from rapport.errors import Forbidden, Invalid, NotFound
from rapport.privacy.access import Role
from tests.factories import make_customer, make_order, make_user, principal_of


def test_a_conversation_is_found_by_its_secret_only(session: Session) -> None:
    conversation, token = service.start(session, language="zh", page_url="https://shop.example/help")

    assert token.startswith("cv_")
    assert conversation.token_hash != token
    assert service.by_token(session, token).id == conversation.id
    with pytest.raises(NotFound):
        service.by_token(session, token[:-1] + ("a" if token[-1] != "a" else "b"))


def test_email_and_order_number_identify_the_customer(session: Session) -> None:
    customer = make_customer(session, email="li.na@example.com", emails=["li.na@example.com", "old@example.com"])
    make_order(session, customer, number="10023")
    conversation, _ = service.start(session)

    customer_id = service.verify(session, conversation, email="OLD@example.com ", order_number="#10023")

    assert customer_id == customer.id
    assert conversation.is_verified
    assert conversation.identified_by == "email_order"


def test_a_wrong_pair_is_refused_without_saying_which_part(session: Session) -> None:
    customer = make_customer(session, email="li.na@example.com")
    make_order(session, customer, number="10023")
    other = make_customer(session, email="other@example.com")
    conversation, _ = service.start(session)

    with pytest.raises(Invalid, match="could not match that email address and order number"):
        service.verify(session, conversation, email=other.email or "", order_number="10023")
    assert conversation.customer_id is None
    assert conversation.verify_attempts == 1


def test_verification_stops_after_five_attempts(session: Session) -> None:
    conversation, _ = service.start(session)
    for _ in range(5):
        with pytest.raises(Invalid):
            service.verify(session, conversation, email="x@example.com", order_number="1")

    with pytest.raises(Forbidden):
        service.verify(session, conversation, email="x@example.com", order_number="1")


def test_support_takes_over_replies_and_closes(session: Session) -> None:
    agent = principal_of(make_user(session, Role.support))
    conversation, _ = service.start(session)

    service.take_over(session, agent, conversation.id)
    message = service.reply(session, agent, conversation.id, "Hi, I'm Sam from the team.")
    service.close(session, agent, conversation.id)

    assert (conversation.status, conversation.agent_id) == ("closed", agent.user_id)
    assert [m.role for m in service.messages(session, conversation)] == ["system", "agent", "system"]
    assert message.author_id == agent.user_id
    assert service.live(session, agent) == []


def test_sales_may_not_read_conversations(session: Session) -> None:
    rep = principal_of(make_user(session, Role.sales))
    conversation, _ = service.start(session)

    with pytest.raises(Forbidden):
        service.live(session, rep)
    with pytest.raises(Forbidden):
        service.get(session, rep, conversation.id)


def test_live_lists_waiting_conversations_first(session: Session) -> None:
    manager = principal_of(make_user(session, Role.manager))
    first, _ = service.start(session)
    waiting, _ = service.start(session)
    waiting.status = "waiting"
    later, _ = service.start(session)
    session.flush()

    assert [c.id for c in service.live(session, manager)][:1] == [waiting.id]
    assert {c.id for c in service.live(session, manager)} >= {first.id, later.id}
