"""The assistant's HTTP doors: the widget's public endpoints (SSE, CORS, verify, handoff, polling), staff
conversations, knowledge-base import and search, and agent-assist drafts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.assistant.flows import AssistantRuntime
from rapport.privacy.access import Role
from tests.assistant.kit import add_articles, make_runtime
from tests.factories import make_customer, make_order, make_user, token_for


@pytest.fixture
def assistant(client: TestClient, session: Session, tmp_path: Path) -> AssistantRuntime:
    """The app's assistant, with the test embedder and no model (answers quote the passages)."""
    add_articles(session)
    app: Any = client.app
    runtime = make_runtime(app.state.sessionmaker, tmp_path)
    runtime.index.ensure_fresh(runtime.sessions, force=True)
    app.state.assistant = runtime
    return runtime


def _start(client: TestClient, **body: Any) -> str:
    response = client.post("/api/assistant/widget/conversations", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


def _events(client: TestClient, token: str, text: str) -> list[tuple[str, dict[str, Any]]]:
    response = client.post(
        "/api/assistant/widget/messages", json={"text": text}, headers={"X-Conversation-Token": token}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_a_widget_question_streams_deltas_then_the_cited_answer(
    client: TestClient, assistant: AssistantRuntime
) -> None:
    token = _start(client, language="en")

    events = _events(client, token, "What does error E-402 mean?")

    names = [name for name, _ in events]
    assert names[-1] == "answer"
    assert set(names[:-1]) == {"delta"}
    answer = events[-1][1]
    assert "Pairing failed" in answer["text"]
    assert answer["citations"][0]["url"] == "/kb/device-error-codes"
    assert "".join(data["text"] for name, data in events if name == "delta").strip() == answer["text"]


def test_widget_endpoints_answer_cross_origin_requests(client: TestClient, assistant: AssistantRuntime) -> None:
    preflight = client.options(
        "/api/assistant/widget/messages",
        headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"},
    )
    error = client.post(
        "/api/assistant/widget/messages",
        json={"text": "hi"},
        headers={"Origin": "https://shop.example", "X-Conversation-Token": "cv_x"},
    )

    assert preflight.status_code == 204
    assert "X-Conversation-Token" in preflight.headers["access-control-allow-headers"]
    assert error.status_code == 404
    assert error.headers["access-control-allow-origin"] == "*"
    assert error.json()["error"]["message"] == "conversation not found (start a new one)"


def test_a_signed_widget_token_identifies_the_customer(
    client: TestClient, session: Session, assistant: AssistantRuntime
) -> None:
    admin_headers = token_for(session, make_user(session, Role.admin))
    customer = make_customer(session, language="zh")
    make_order(session, customer, number="10023", status="shipped", tracking_number="TRK0000010023")
    signed = client.post(
        "/api/assistant/widget-tokens", json={"customer_id": customer.id}, headers=admin_headers
    ).json()

    started = client.post(
        "/api/assistant/widget/conversations", json={"language": "auto", "customer_token": signed["token"]}
    ).json()
    answer = _events(client, started["token"], "我的订单10023到哪了？")[-1][1]
    forged = client.post(
        "/api/assistant/widget/conversations", json={"language": "auto", "customer_token": signed["token"][:-2] + "xx"}
    )

    assert started["is_identified"] is True
    assert started["language"] == "zh"
    assert "运单号 TRK0000010023" in answer["text"]
    assert forged.status_code == 422


def test_verify_then_ask_about_an_order(client: TestClient, session: Session, assistant: AssistantRuntime) -> None:
    customer = make_customer(session, email="li.na@example.com")
    make_order(session, customer, number="10023", status="delivered")
    token = _start(client, language="en")
    headers = {"X-Conversation-Token": token}

    wrong = client.post(
        "/api/assistant/widget/verify", json={"email": "x@example.com", "order_number": "10023"}, headers=headers
    )
    right = client.post(
        "/api/assistant/widget/verify", json={"email": "li.na@example.com", "order_number": "10023"}, headers=headers
    )
    answer = _events(client, token, "where is my order 10023")[-1][1]

    assert wrong.status_code == 422
    assert right.json() == {"is_identified": True}
    assert "Order 10023: delivered" in answer["text"]


def test_handoff_then_an_agent_reply_reaches_the_widget(
    client: TestClient, session: Session, assistant: AssistantRuntime
) -> None:
    agent_headers = token_for(session, make_user(session, Role.support))
    token = _start(client, language="en")
    headers = {"X-Conversation-Token": token}
    _events(client, token, "My parcel never arrived")

    asked = client.post("/api/assistant/widget/handoff", json={}, headers=headers).json()
    queued = client.post(
        "/api/assistant/widget/handoff", json={"email": "sam@example.com", "name": "Sam"}, headers=headers
    ).json()
    live = client.get("/api/assistant/conversations", headers=agent_headers).json()
    conversation_id = live[0]["id"]
    reply = client.post(
        f"/api/assistant/conversations/{conversation_id}/reply",
        json={"text": "Hi Sam, checking now."},
        headers=agent_headers,
    )
    polled = client.get(
        "/api/assistant/widget/messages", params={"after": queued["message"]["id"]}, headers=headers
    ).json()
    tickets = client.get(
        "/api/tickets", params={"channel": "widget"}, headers=token_for(session, make_user(session, Role.admin))
    ).json()

    assert asked == {"needs_contact": True, "status": "bot"}
    assert queued["status"] == "waiting"
    assert live[0]["status"] == "waiting"
    assert reply.status_code == 201
    assert polled["status"] == "agent"
    assert [m["role"] for m in polled["messages"]] == ["system", "agent"]
    assert polled["messages"][1]["text"] == "Hi Sam, checking now."
    assert [t["id"] for t in tickets["items"]] == [queued["ticket_id"]]


def test_sales_cannot_see_conversations(client: TestClient, session: Session, assistant: AssistantRuntime) -> None:
    response = client.get("/api/assistant/conversations", headers=token_for(session, make_user(session, Role.sales)))

    assert response.status_code == 403


def test_import_files_then_search_them(client: TestClient, session: Session, assistant: AssistantRuntime) -> None:
    headers = token_for(session, make_user(session, Role.support))
    files = [
        (
            "files",
            (
                "pets.csv",
                b'question,answer\nCan I bring my dog to the store?,"Yes, dogs on a lead are welcome."\n',
                "text/csv",
            ),
        ),
        ("files", ("bad.docx", b"x", "application/octet-stream")),
    ]

    imported = client.post("/api/assistant/kb/import", files=files, headers=headers)
    hits = client.get("/api/assistant/kb/search", params={"q": "are pets allowed in your shop"}, headers=headers).json()

    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert [(f["filename"], f["outcome"]) for f in body["files"]] == [("pets.csv", "created"), ("bad.docx", "failed")]
    assert body["index"]["articles_indexed"] == 1
    assert hits[0]["slug"] == "pets"
    assert hits[0]["heading"] == "Pets › Can I bring my dog to the store?"


def test_analysts_may_not_import(client: TestClient, session: Session, assistant: AssistantRuntime) -> None:
    headers = token_for(session, make_user(session, Role.analyst))

    response = client.post(
        "/api/assistant/kb/import", files=[("files", ("a.md", b"# A\n\ntext", "text/markdown"))], headers=headers
    )

    assert response.status_code == 403


def test_draft_for_a_ticket(client: TestClient, session: Session, assistant: AssistantRuntime) -> None:
    admin_headers = token_for(session, make_user(session, Role.admin))
    customer = make_customer(session, full_name="Li Na")
    ticket = client.post(
        "/api/tickets",
        json={
            "customer_id": customer.id,
            "subject": "Error E-517 while charging",
            "body": "What should I do?",
            "language": "en",
        },
        headers=admin_headers,
    ).json()

    draft = client.post(f"/api/tickets/{ticket['id']}/draft", headers=admin_headers)

    assert draft.status_code == 200, draft.text
    assert "E-517" in draft.json()["text"] or "Unplug" in draft.json()["text"]
    assert draft.json()["citations"][0]["url"] == "/kb/device-error-codes"
