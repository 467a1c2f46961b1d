"""Ticket pages: the inbox and its filters, assignment, triage fields, and replying with the reply editor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.interactions.models import Interaction
from rapport.privacy.access import Role
from rapport.tickets.schemas import Status
from rapport.web.replies import template_reply
from rapport.web.tickets import STATUSES
from tests.factories import make_customer, make_ticket, make_user
from tests.web.conftest import LiveServer, log_in


def test_unsolved_is_new_open_and_pending(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.admin))
    customer = make_customer(session)
    for status in Status.__args__:  # type: ignore[attr-defined]
        make_ticket(session, customer, subject=f"Status is {status}", status=status)

    html = client.get("/app/tickets").text

    shown = {s for s in Status.__args__ if f"Status is {s}</a>" in html}  # type: ignore[attr-defined]
    assert shown == {"new", "open", "pending"}
    assert sorted(STATUSES)[1:4] == ["new", "open", "pending"]  # the range filter relies on this order


def test_filters_by_intent_and_assignee(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    agent = make_user(session, Role.admin)
    login(agent)
    customer = make_customer(session)
    make_ticket(session, customer, subject="Mine late", intent="late_delivery", assignee_id=agent.id)
    make_ticket(session, customer, subject="Unassigned late", intent="late_delivery")
    make_ticket(session, customer, subject="Mine refund", intent="refund_request", assignee_id=agent.id)

    mine = client.get("/app/tickets", params={"intent": "late_delivery", "assignee": "me"}).text
    nobody = client.get("/app/tickets", params={"assignee": "none"}).text

    assert "Mine late" in mine
    assert "Unassigned late" not in mine
    assert "Mine refund" not in mine
    assert "Unassigned late" in nobody
    assert "Mine late" not in nobody


def test_support_agent_sees_only_their_tickets(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    agent, other = make_user(session, Role.support), make_user(session, Role.support)
    customer = make_customer(session)
    make_ticket(session, customer, subject="For agent", assignee_id=agent.id)
    make_ticket(session, customer, subject="For other", assignee_id=other.id)
    login(agent)

    html = client.get("/app/tickets").text

    assert "For agent" in html
    assert "For other" not in html


def test_assign_to_me_from_the_inbox_swaps_the_row(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    manager = make_user(session, Role.admin, name="Mina Manager")
    csrf = login(manager)
    ticket = make_ticket(session, make_customer(session), status="new")

    row = client.post(f"/app/tickets/{ticket.id}/take", data={"csrf_token": csrf}, headers={"HX-Request": "true"})

    assert row.status_code == 200
    assert row.text.strip().startswith(f'<tr id="ticket-{ticket.id}">')
    assert "Mina Manager" in row.text
    session.refresh(ticket)
    assert ticket.assignee_id == manager.id


def test_detail_shows_conversation_triage_and_a_template_reply(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin, name="Avery"))
    customer = make_customer(session, full_name="Jane Doe", first_name="Jane")
    ticket = make_ticket(session, customer, intent="damaged_item", sentiment="negative", language="en")
    session.add(
        Interaction(
            customer_id=customer.id,
            ticket_id=ticket.id,
            kind="email",
            direction="inbound",
            body="The vase arrived broken.",
            occurred_at=ticket.created_at,
        )
    )
    session.flush()

    html = client.get(f"/app/tickets/{ticket.id}").text

    assert "The vase arrived broken." in html
    assert '<option value="damaged_item" selected>Damaged item</option>' in html
    assert '<option value="negative" selected>Negative</option>' in html
    assert "Hello Jane,\n\nI am sorry the item arrived damaged." in html
    assert 'data-slot="triage_explanation"' in html


def test_template_reply_is_in_the_tickets_language() -> None:
    reply = template_reply("refund_request", "zh", name="王芳", agent="张敏")

    assert reply.startswith("王芳，您好：")
    assert "退款" in reply
    assert reply.endswith("张敏")


def test_sending_a_reply_stores_it_and_moves_the_ticket_on(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    agent = make_user(session, Role.support)
    customer = make_customer(session)
    ticket = make_ticket(session, customer, status="new", channel="email", assignee_id=agent.id)
    csrf = login(agent)

    response = client.post(
        f"/app/tickets/{ticket.id}/reply",
        data={"csrf_token": csrf, "body": "  We are sending a new one today.  ", "then_status": "solved"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"/app/tickets/{ticket.id}?sent=1#conversation"
    sent = session.scalars(select(Interaction).where(Interaction.ticket_id == ticket.id)).all()
    assert [(m.direction, m.kind, m.body, m.author_id) for m in sent] == [
        ("outbound", "email", "We are sending a new one today.", agent.id)
    ]
    session.refresh(ticket)
    assert ticket.status == "solved"
    assert ticket.first_response_at is not None
    assert ticket.resolved_at is not None


def test_first_reply_assigns_an_unassigned_ticket_to_the_sender(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    admin = make_user(session, Role.admin)
    ticket = make_ticket(session, make_customer(session), status="new")
    csrf = login(admin)

    client.post(f"/app/tickets/{ticket.id}/reply", data={"csrf_token": csrf, "body": "On it."})

    session.refresh(ticket)
    assert (ticket.assignee_id, ticket.status) == (admin.id, "pending")


def test_empty_reply_is_refused(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    csrf = login(make_user(session, Role.admin))
    ticket = make_ticket(session, make_customer(session))

    response = client.post(f"/app/tickets/{ticket.id}/reply", data={"csrf_token": csrf, "body": "   "})

    assert response.status_code == 422
    assert "the reply is empty" in response.text


def test_correcting_triage_and_status_updates_the_ticket(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.admin))
    ticket = make_ticket(session, make_customer(session), intent="order_status", sentiment="neutral")

    side = client.post(
        f"/app/tickets/{ticket.id}",
        data={"csrf_token": csrf, "intent": "refund_request", "sentiment": ""},
        headers={"HX-Request": "true"},
    )
    client.post(f"/app/tickets/{ticket.id}", data={"csrf_token": csrf, "status": "closed", "priority": "high"})

    assert side.status_code == 200
    assert "Saved." in side.text
    session.refresh(ticket)
    assert (ticket.intent, ticket.sentiment, ticket.status, ticket.priority) == (
        "refund_request",
        None,
        "closed",
        "high",
    )


def test_analyst_reads_tickets_but_gets_no_editor(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.analyst))
    ticket = make_ticket(session, make_customer(session))

    html = client.get(f"/app/tickets/{ticket.id}").text

    assert ticket.subject in html
    assert 'name="body"' not in html
    assert "Save triage" not in html


@pytest.mark.browser
def test_browser_work_a_ticket_with_its_reply(page: Any, live_server: LiveServer) -> None:
    log_in(page, live_server, "admin")
    page.goto("/app/tickets?status=new")
    page.locator("table.inbox tbody tr td a").first.click()
    page.wait_for_url("**/app/tickets/*")
    editor = page.get_by_role("textbox", name="Reply")
    assert "Best regards" in editor.input_value()

    editor.fill(editor.input_value().replace("Best regards", "Thanks for your patience.\n\nBest regards"))
    page.get_by_label("Then set status to").select_option("solved")
    page.get_by_role("button", name="Send reply").click()

    page.wait_for_url("**sent=1*")
    assert page.get_by_text("Reply sent.").is_visible()
    assert page.locator("li.msg.outbound").last.inner_text().count("Thanks for your patience.") == 1
    assert page.get_by_label("Status", exact=True).input_value() == "solved"

    page.get_by_label("Status", exact=True).select_option("closed")
    page.get_by_role("button", name="Save").first.click()
    page.get_by_text("Saved.").wait_for()
    assert page.get_by_label("Status", exact=True).input_value() == "closed"


def test_draft_button_fills_the_reply_with_a_grounded_draft_and_its_sources(
    client: TestClient, session: Session, login: Callable[[User], str], tmp_path: Any
) -> None:
    from tests.assistant.kit import add_articles, make_runtime

    add_articles(session)
    app: Any = client.app
    runtime = make_runtime(app.state.sessionmaker, tmp_path)  # the test embedder and no model: passages quoted
    runtime.index.ensure_fresh(runtime.sessions, force=True)
    app.state.assistant = runtime
    csrf = login(make_user(session, Role.admin))
    customer = make_customer(session, full_name="Li Na")
    ticket = make_ticket(session, customer, subject="Error E-517 while charging", language="en")

    html = client.get(f"/app/tickets/{ticket.id}").text
    drafted = client.post(f"/app/tickets/{ticket.id}/draft", data={"csrf_token": csrf})

    assert 'data-testid="draft-ai"' in html
    assert drafted.status_code == 200, drafted.text
    assert 'data-testid="draft-sources"' in drafted.text
    assert 'href="/kb/device-error-codes"' in drafted.text


def test_detail_shows_the_words_behind_the_triage_intent(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    from rapport.automation.models import TicketTriage
    from rapport.kit.clock import utcnow

    login(make_user(session, Role.admin))
    ticket = make_ticket(session, make_customer(session), intent="refund_request", language="en")
    words = [{"word": "refund", "label": "refund_request", "weight": 1.2, "where": "text"}]
    explanation = {"label": "refund_request", "confidence": 0.91, "model": "ticket-intent@2", "words": words}
    session.add(
        TicketTriage(
            ticket_id=ticket.id,
            intent="refund_request",
            priority="normal",
            sentiment="neutral",
            language="en",
            explanations={"intent": explanation},
            triaged_at=utcnow(),
        )
    )
    session.flush()

    html = client.get(f"/app/tickets/{ticket.id}").text

    assert 'data-testid="intent-explanation"' in html
    assert ">refund</mark>" in html
    assert "ticket-intent@2" in html
