"""The classifier API end to end: train in the background, read the report, promote, predict with explanations,
roll back, correct labels, score a ticket; and who may do what."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.ai.classifier import registry
from rapport.interactions.models import Interaction
from rapport.privacy.access import Role
from rapport.settings import Settings
from tests.ai.classifier.conftest import EXAMPLES, add_version, train_tiny
from tests.factories import make_customer, make_ticket, make_user, token_for

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def trained_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(tmp_path_factory)


def test_train_then_read_the_report_then_promote_and_predict(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    body = {
        "task": "intent",
        "examples": [{"text": e.text, "label": e.label} for e in EXAMPLES],
        "encoder": "minilm",
        "epochs": 1,
        "max_length": 32,
        "batch_size": 8,
        "baseline": False,
    }

    started = client.post("/api/models/train", json=body, headers=headers)
    # TestClient runs the background task before it returns, so the run has finished here.
    run = client.get(f"/api/models/runs/{started.json()['id']}", headers=headers).json()
    version = client.get("/api/models/ticket-intent/versions/1", headers=headers)
    image = client.get("/api/models/ticket-intent/versions/1/confusion.png", headers=headers)
    promoted = client.post("/api/models/ticket-intent/promote", json={"version": 1}, headers=headers)
    predicted = client.post(
        "/api/models/ticket-intent/predict", json={"texts": ["please refund me", "包裹还没到"]}, headers=headers
    )

    assert started.status_code == 202, started.text
    assert (run["status"], run["progress"], run["version"]) == ("succeeded", 1.0, "ticket-intent@1"), run
    assert run["source"]["kind"] == "examples"
    assert version.status_code == 200
    report = version.json()["metrics"]
    assert {"accuracy", "macro_f1", "per_class", "confusion", "ece", "runtimes", "calibration"} <= set(report)
    assert version.json()["entity"] is None  # trained from examples, so triage does not feed it tickets
    assert image.headers["content-type"] == "image/png"
    assert promoted.json()["version"] == "ticket-intent@1"
    assert predicted.status_code == 200, predicted.text
    first = predicted.json()["predictions"][0]
    assert first["decided_by"] in {"model", "none"}
    assert len(first["top"]) == 3
    assert predicted.json()["model"] == "ticket-intent@1"


def _staged(session: Session, settings: Settings, trained_folder: Path, versions: int) -> None:
    for _ in range(versions):
        add_version(session, settings.data_dir, trained_folder)


def test_rollback_returns_to_the_previous_version(
    client: TestClient, session: Session, settings: Settings, trained_folder: Path
) -> None:
    _staged(session, settings, trained_folder, 2)
    headers = token_for(session, make_user(session, Role.manager))
    client.post("/api/models/ticket-intent/promote", json={"version": 1}, headers=headers)
    client.post("/api/models/ticket-intent/promote", json={"version": 2}, headers=headers)

    rolled = client.post("/api/models/ticket-intent/rollback", headers=headers)
    predicted = client.post(
        "/api/models/ticket-intent/predict", json={"texts": ["refund"], "explain": False}, headers=headers
    )
    listed = client.get("/api/models/versions?name=ticket-intent", headers=headers).json()

    assert rolled.json()["version"] == "ticket-intent@1"
    assert predicted.json()["model"] == "ticket-intent@1"
    assert [(v["ref"], v["is_promoted"]) for v in listed] == [("ticket-intent@2", False), ("ticket-intent@1", True)]


def test_configure_threshold_and_llm_fallback(
    client: TestClient, session: Session, settings: Settings, trained_folder: Path
) -> None:
    _staged(session, settings, trained_folder, 1)
    headers = token_for(session, make_user(session, Role.admin))
    client.post("/api/models/ticket-intent/promote", json={"version": 1}, headers=headers)

    changed = client.patch(
        "/api/models/ticket-intent/deployment", json={"threshold": 0.99, "use_llm_fallback": True}, headers=headers
    )
    predicted = client.post(
        "/api/models/ticket-intent/predict",
        json={"texts": ["hmm"], "use_llm_fallback": False, "explain": False},
        headers=headers,
    )

    assert (changed.json()["threshold"], changed.json()["use_llm_fallback"]) == (0.99, True)
    assert predicted.json()["threshold"] == 0.99


def test_an_agent_corrects_a_label_and_scores_a_ticket(
    client: TestClient, session: Session, settings: Settings, trained_folder: Path
) -> None:
    _staged(session, settings, trained_folder, 1)
    registry.promote(session, registry.get(session, "ticket-intent@1"), user_id=None)
    agent = make_user(session, Role.support)
    customer = make_customer(session)
    ticket = make_ticket(session, customer, subject="Refund", assignee_id=agent.id)
    session.add(
        Interaction(
            customer_id=customer.id,
            ticket_id=ticket.id,
            kind="email",
            direction="inbound",
            body="money back please",
            occurred_at=ticket.created_at,
        )
    )
    session.flush()
    headers = token_for(session, agent)

    scored = client.post(f"/api/models/tickets/{ticket.id}/score", headers=headers)
    corrected = client.post(
        "/api/models/labels",
        headers=headers,
        json={"entity": "tickets", "entity_id": ticket.id, "task": "intent", "label": "refund_request"},
    )
    history = client.get(f"/api/models/labels?entity=tickets&entity_id={ticket.id}", headers=headers).json()
    shown = client.get(f"/api/tickets/{ticket.id}", headers=headers).json()

    assert scored.status_code == 200, scored.text
    assert scored.json()[0]["model"] == "ticket-intent@1"
    assert corrected.status_code == 201, corrected.text
    assert [(h["source"], h["user_id"]) for h in history] == [("model", None), ("agent", agent.id)]
    assert shown["intent"] == "refund_request"


@pytest.mark.parametrize(
    ("role", "method", "path", "expected"),
    [
        (Role.support, "post", "/api/models/train", 403),
        (Role.analyst, "post", "/api/models/ticket-intent/promote", 403),
        (Role.analyst, "get", "/api/models/versions", 200),
        (Role.sales, "get", "/api/models", 200),
    ],
)
def test_who_may_do_what(
    client: TestClient, session: Session, role: Role, method: str, path: str, expected: int
) -> None:
    headers = token_for(session, make_user(session, role))
    payload = {"task": "intent"} if path.endswith("train") else {"version": 1}

    response = client.request(method.upper(), path, headers=headers, json=payload if method == "post" else None)

    assert response.status_code == expected, response.text


def test_predicting_with_no_promoted_version_is_a_404(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))

    response = client.post("/api/models/ticket-intent/predict", json={"texts": ["x"]}, headers=headers)

    assert response.status_code == 404
    assert "promote" in response.json()["error"]["message"]


def test_explanations_are_refused_for_big_batches(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))

    response = client.post("/api/models/ticket-intent/predict", json={"texts": ["x"] * 65}, headers=headers)

    assert response.status_code == 422
    assert "explain=false" in response.text
