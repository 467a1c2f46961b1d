"""The automation API: rules, triage and assignment, availability, jobs, reports, the outbox and mail import."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.jobs.models import JobRun
from rapport.jobs.queue import Queue
from rapport.jobs.runtime import JobRuntime
from rapport.jobs.settings import QueueSettings
from rapport.reports.models import Report
from rapport.settings import Settings
from rapport.tickets.models import Ticket
from tests.factories import make_customer, make_ticket, make_user, token_for

RULE = {
    "name": "VIP refunds",
    "trigger": {"event": "ticket.created"},
    "conditions": [{"field": "ticket.intent", "op": "eq", "value": "refund_request"}],
    "actions": [{"type": "create_task", "title": "Call {{ customer.full_name }}"}],
}


def test_managers_write_rules_and_support_reads_them(client: TestClient, session: Session) -> None:
    manager, agent = (
        token_for(session, make_user(session, "manager")),
        token_for(session, make_user(session, "support")),
    )

    created = client.post("/api/rules", json=RULE, headers=manager)
    refused = client.post("/api/rules", json={**RULE, "name": "other"}, headers=agent)
    listed = client.get("/api/rules", headers=agent)

    assert created.status_code == 201, created.text
    assert created.json()["trigger"] == "ticket.created"
    assert refused.status_code == 403
    assert [r["name"] for r in listed.json()] == ["VIP refunds"]


def test_an_invalid_rule_is_a_422_with_the_reason(client: TestClient, session: Session) -> None:
    manager = token_for(session, make_user(session, "manager"))

    response = client.post(
        "/api/rules", json={**RULE, "trigger": {"event": "date", "entity": "deals", "field": "nope"}}, headers=manager
    )

    assert response.status_code == 422
    assert "a date trigger needs entity and field" in response.text


def test_import_update_dry_run_and_delete(client: TestClient, session: Session) -> None:
    manager = token_for(session, make_user(session, "manager"))
    customer = make_customer(session, full_name="Ada Lovelace")
    ticket = make_ticket(session, customer, subject="Refund please", intent="refund_request")

    text = "- name: VIP refunds\n  trigger: {event: ticket.created}\n  actions: [{type: create_task, title: x}]"
    imported = client.post("/api/rules/import", json={"text": text}, headers=manager)
    rule_id = imported.json()[0]["id"]
    updated = client.patch(f"/api/rules/{rule_id}", json={"definition": RULE}, headers=manager)
    dry = client.post(f"/api/rules/{rule_id}/dry-run?days=7", headers=manager)
    deleted = client.delete(f"/api/rules/{rule_id}", headers=manager)

    assert updated.json()["version"] == 2
    assert dry.json()["matched"] == 1
    assert dry.json()["samples"][0]["entity_id"] == ticket.id
    assert dry.json()["samples"][0]["actions"][0]["description"] == "task for owner: Call Ada Lovelace (due in 24 h)"
    assert deleted.status_code == 204


def test_triage_then_read_it_with_explanations(client: TestClient, session: Session) -> None:
    agent = make_user(session, "support", skills=["en", "refunds"])
    customer = make_customer(session)
    body = {"customer_id": customer.id, "subject": "Refund", "body": "Please refund my order, it broke."}
    ticket = client.post("/api/tickets", json=body, headers=token_for(session, make_user(session, "admin"))).json()
    headers = token_for(session, make_user(session, "admin"))

    ran = client.post(f"/api/tickets/{ticket['id']}/triage", headers=headers)
    read = client.get(f"/api/tickets/{ticket['id']}/triage", headers=headers)
    history = client.get(f"/api/tickets/{ticket['id']}/assignments", headers=headers)

    assert ran.status_code == 200, ran.text
    assert read.json()["intent"] == "refund_request"
    assert read.json()["explanations"]["intent"]["words"][0]["word"] == "refund"
    assert history.json()[0]["user_id"] == agent.id
    assert history.json()[0]["kind"] == "auto"


def test_only_managers_override_assignments(client: TestClient, session: Session) -> None:
    tom, priya = make_user(session, "support", name="Tom"), make_user(session, "support", name="Priya")
    ticket = make_ticket(session, make_customer(session), assignee_id=tom.id)

    by_agent = client.post(
        f"/api/tickets/{ticket.id}/assign",
        json={"user_id": priya.id, "reason": "swap"},
        headers=token_for(session, tom),
    )
    override = {"user_id": priya.id, "reason": "Priya speaks Spanish"}
    admin = token_for(session, make_user(session, "admin"))
    by_admin = client.post(f"/api/tickets/{ticket.id}/assign", json=override, headers=admin)

    assert by_agent.status_code == 403
    assert by_admin.status_code == 200
    assert by_admin.json()["reason"] == "Priya speaks Spanish"


def test_agents_set_their_own_availability(client: TestClient, session: Session) -> None:
    tom = make_user(session, "support", skills=["en"])

    response = client.put(
        f"/api/agents/{tom.id}/availability",
        json={"is_available": False, "note": "on leave"},
        headers=token_for(session, tom),
    )
    listed = client.get("/api/agents/availability", headers=token_for(session, tom))

    assert response.status_code == 200, response.text
    assert response.json()["is_available"] is False
    assert [a["is_available"] for a in listed.json() if a["user_id"] == tom.id] == [False]


def test_jobs_are_queued_after_the_request_commits_and_listed(
    client: TestClient, session: Session, settings: Settings
) -> None:
    admin = token_for(session, make_user(session, "admin"))

    queued = client.post("/api/jobs/tickets.escalate", json={}, headers=admin)
    listing = client.get("/api/jobs", headers=admin)
    unknown = client.post("/api/jobs/nothing.here", json={}, headers=admin)
    analyst = client.post(
        "/api/jobs/tickets.escalate", json={}, headers=token_for(session, make_user(session, "analyst"))
    )

    assert queued.status_code == 202
    assert [j["id"] for j in listing.json()["pending"]] == [queued.json()["task_id"]]
    assert listing.json()["backend"] == "sqlite"
    assert {"job": "reports.weekly", "when": "0 7 * * 1"}.items() <= listing.json()["periodic"][-1].items()
    assert unknown.status_code == 404
    assert analyst.status_code == 403


def test_a_report_is_built_in_the_background_and_downloadable(
    client: TestClient, session: Session, connection: Connection, settings: Settings
) -> None:
    client.app.state.rapport_queue = Queue(
        QueueSettings(backend="immediate"), runtime=JobRuntime(settings, bind=connection)
    )  # type: ignore[attr-defined]
    manager = token_for(session, make_user(session, "manager"))

    queued = client.post("/api/reports", json={"as_of": "2026-11-24T00:00:00Z"}, headers=manager)
    reports = client.get("/api/reports", headers=manager).json()
    pdf = client.get(f"/api/reports/{reports[0]['id']}/pdf", headers=manager)

    run = session.scalar(select(JobRun).where(JobRun.task_id == queued.json()["task_id"]))
    assert queued.status_code == 202
    assert run is not None
    assert run.status == "succeeded"
    assert reports[0]["status"] == "ready"
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert session.scalar(select(Report.status)) == "ready"


def test_mail_import_opens_tickets_and_queues_their_triage(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    admin = token_for(session, make_user(session, "admin"))
    raw = b"From: ada@example.com\r\nSubject: Broken kettle\r\nMessage-ID: <k@x>\r\n\r\nIt leaks."

    response = client.post("/api/mail/import", files={"file": ("inbox.eml", raw, "message/rfc822")}, headers=admin)
    jobs = client.get("/api/jobs", headers=admin).json()

    assert response.status_code == 200, response.text
    ticket_id = response.json()["new_tickets"][0]
    assert session.get(Ticket, ticket_id) is not None
    assert [(j["name"], j["args"]) for j in jobs["pending"]] == [("tickets.triage", {"ticket_id": ticket_id})]


def test_the_outbox_is_for_managers(client: TestClient, session: Session) -> None:
    response = client.get("/api/mail/outbox", headers=token_for(session, make_user(session, "support")))

    assert response.status_code == 403
