"""Logins, tokens and sessions through the API."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from tests.factories import PASSWORD, make_user, token_for


def test_token_from_password_lists_customers(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.admin, email="ada@example.com")

    issued = client.post("/api/auth/tokens", json={"email": "ADA@example.com", "password": PASSWORD})

    assert issued.status_code == 201
    token = issued.json()["token"]
    assert token.startswith("rpt_")
    listed = client.get("/api/customers", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert issued.json()["user"]["id"] == user.id


def test_wrong_password_gets_401_and_is_audited(client: TestClient, session: Session) -> None:
    make_user(session, Role.admin, email="ada@example.com")

    response = client.post("/api/auth/tokens", json={"email": "ada@example.com", "password": "wrong-password"})

    assert response.status_code == 401
    assert response.json()["error"]["message"] == "wrong email or password"
    failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "login")).all()
    assert [(e.actor, e.outcome) for e in failed] == [("ada@example.com", "failed")]


def test_session_cookie_login_and_logout(client: TestClient, session: Session) -> None:
    make_user(session, Role.support, email="sam@example.com")

    login = client.post("/api/auth/login", json={"email": "sam@example.com", "password": PASSWORD})
    assert login.status_code == 200
    assert client.get("/api/auth/me").json()["email"] == "sam@example.com"

    assert client.post("/api/auth/logout").status_code == 204
    client.cookies.clear()
    assert client.get("/api/auth/me", headers={"Authorization": f"Bearer {login.json()['token']}"}).status_code == 401


def test_disabled_user_token_stops_working(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.sales)
    headers = token_for(session, user)
    user.is_active = False
    session.flush()

    assert client.get("/api/customers", headers=headers).status_code == 401


def test_admin_creates_user_with_password_policy(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.admin))
    base = {"email": "new@example.com", "name": "New", "role": "support"}

    weak = client.post("/api/users", json={**base, "password": "short"}, headers=headers)
    strong = client.post("/api/users", json={**base, "password": "a-long-enough-pass"}, headers=headers)

    assert weak.status_code == 422
    assert "at least 10" in weak.json()["error"]["message"]
    assert strong.status_code == 201
    assert strong.json()["role"] == "support"


def test_sales_user_cannot_create_users(client: TestClient, session: Session) -> None:
    headers = token_for(session, make_user(session, Role.sales))

    response = client.post(
        "/api/users",
        json={"email": "x@example.com", "name": "X", "role": "admin", "password": "a-long-enough-pass"},
        headers=headers,
    )

    assert response.status_code == 403
