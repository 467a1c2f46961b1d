"""Login lockout (per account and per IP, audited) and API rate limits (429 with Retry-After)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from rapport.app import create_app
from rapport.kit.clock import utcnow
from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from rapport.privacy.settings import SecuritySettings
from rapport.settings import Settings
from tests.factories import PASSWORD, make_user, token_for

pytestmark = pytest.mark.db


def _client(settings: Settings, connection: Connection, **security: int) -> TestClient:
    app = create_app(settings.model_copy(update={"security": SecuritySettings(**security)}), bind=connection)
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def strict_client(settings: Settings, connection: Connection) -> Iterator[TestClient]:
    """Lockout after 3 failures per account, 5 per IP; no API rate limit (it would count the logins too)."""
    limits = {"login_max_failures": 3, "login_ip_max_failures": 5, "lockout_s": 600, "api_rate_limit": 0}
    with _client(settings, connection, **limits) as test_client:
        yield test_client


@pytest.fixture
def limited_client(settings: Settings, connection: Connection) -> Iterator[TestClient]:
    with _client(settings, connection, api_rate_limit=4) as test_client:
        yield test_client


def _token(client: TestClient, email: str, password: str) -> int:
    return client.post("/api/auth/tokens", json={"email": email, "password": password}).status_code


def test_account_locks_after_failures_even_for_the_right_password(strict_client: TestClient, session: Session) -> None:
    make_user(session, Role.sales, email="lee@example.com")

    assert [_token(strict_client, "lee@example.com", "wrong-password") for _ in range(3)] == [401, 401, 401]
    locked = strict_client.post("/api/auth/tokens", json={"email": "lee@example.com", "password": PASSWORD})

    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 600
    assert "too many failed logins" in locked.json()["error"]["message"]
    denied = session.scalars(select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.outcome == "denied"))
    assert [e.detail["reason"] for e in denied] == ["account locked"]
    assert _token(strict_client, "other@example.com", "wrong-password") == 401  # other accounts are not locked


def test_lock_ends_after_lockout_and_success_clears_the_count(strict_client: TestClient, session: Session) -> None:
    make_user(session, Role.sales, email="kim@example.com")
    for _ in range(3):
        _token(strict_client, "kim@example.com", "wrong-password")
    for event in session.scalars(select(AuditEvent).where(AuditEvent.outcome == "failed")):
        event.at = utcnow() - timedelta(seconds=601)  # the failures are now older than the lockout
    session.flush()

    assert _token(strict_client, "kim@example.com", PASSWORD) == 201
    assert _token(strict_client, "kim@example.com", "wrong-password") == 401  # counting starts again at zero


def test_an_ip_that_tries_many_accounts_is_locked(strict_client: TestClient, session: Session) -> None:
    make_user(session, Role.sales, email="real@example.com")
    codes = [_token(strict_client, f"guess{i}@example.com", "wrong-password") for i in range(5)]

    assert codes == [401] * 5
    assert _token(strict_client, "real@example.com", PASSWORD) == 429


def test_api_requests_over_the_limit_get_429_with_retry_after(limited_client: TestClient, session: Session) -> None:
    strict_client = limited_client
    headers = token_for(session, make_user(session, Role.admin))
    other = token_for(session, make_user(session, Role.admin))

    codes = [strict_client.get("/api/customers", headers=headers).status_code for _ in range(5)]

    assert codes == [200, 200, 200, 200, 429]
    limited = strict_client.get("/api/customers", headers=headers)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["error"]["code"] == "rate_limited"
    assert strict_client.get("/api/customers", headers=other).status_code == 200  # per token
    assert strict_client.get("/app/login").status_code == 200  # pages are not API calls
