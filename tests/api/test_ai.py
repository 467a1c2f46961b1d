"""The AI runtime's HTTP face: status without loading a model, and the call log for admins only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.ai.models import ModelCall
from rapport.kit.clock import utcnow
from rapport.privacy.access import Role
from tests.factories import make_user, token_for


def test_status_says_whether_a_model_can_answer(client: TestClient, session: Session) -> None:
    client.app.state.settings.llm.provider = "none"  # type: ignore[attr-defined]

    body = client.get("/api/ai/status", headers=token_for(session, make_user(session, Role.sales))).json()

    assert (body["provider"], body["is_available"]) == ("none", False)


def test_call_log_lists_calls_for_admins_and_refuses_sales(client: TestClient, session: Session) -> None:
    session.add(ModelCall(at=utcnow(), feature="assistant", provider="local", model="qwen", latency_ms=12.5))
    session.flush()

    admin = client.get(
        "/api/ai/calls", params={"feature": "assistant"}, headers=token_for(session, make_user(session, Role.admin))
    )
    sales = client.get("/api/ai/calls", headers=token_for(session, make_user(session, Role.sales)))

    assert [c["latency_ms"] for c in admin.json()["items"]] == [12.5]
    assert sales.status_code == 403
