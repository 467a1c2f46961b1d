"""Log in and out through the form, and the settings pages for users and roles."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from tests.factories import PASSWORD, make_user


def _login_form(client: TestClient, email: str, password: str, next_url: str = "/app") -> object:
    client.get("/app/login")
    token = client.cookies.get("rapport_csrf")
    return client.post(
        "/app/login",
        data={"email": email, "password": password, "next": next_url, "csrf_token": token},
        follow_redirects=False,
    )


def test_login_form_sets_session_cookie_and_goes_to_next(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.support)

    response = _login_form(client, user.email, PASSWORD, next_url="/app/tickets")

    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["location"] == "/app/tickets"  # type: ignore[attr-defined]
    cookie = response.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "rapport_session=rps_" in cookie
    assert "HttpOnly" in cookie


def test_login_form_refuses_a_foreign_next_url(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.support)

    response = _login_form(client, user.email, PASSWORD, next_url="https://evil.example.com/")

    assert response.headers["location"] == "/app"  # type: ignore[attr-defined]


def test_wrong_password_shows_the_form_again_and_is_audited(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.support)

    response = _login_form(client, user.email, "not-the-password")

    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "Wrong email or password." in response.text  # type: ignore[attr-defined]
    failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "login", AuditEvent.outcome == "failed"))
    assert [e.actor for e in failed] == [user.email]


def test_login_without_the_forms_csrf_token_is_refused(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.support)

    response = client.post("/app/login", data={"email": user.email, "password": PASSWORD})

    assert response.status_code == 403


def test_logout_revokes_the_session(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    csrf = login(make_user(session, Role.support))

    client.post("/app/logout", data={"csrf_token": csrf}, follow_redirects=False)
    after = client.get("/app", follow_redirects=False)

    assert after.status_code == 303
    assert after.headers["location"].startswith("/app/login")


def test_admin_adds_a_user_from_settings(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    csrf = login(make_user(session, Role.admin))

    response = client.post(
        "/app/settings/users",
        data={
            "csrf_token": csrf,
            "email": "New.Agent@Example.com",
            "name": "New Agent",
            "role": "support",
            "password": "a-long-enough-pass",
            "language": "zh",
        },
        follow_redirects=False,
    )

    assert response.status_code == 303
    created = session.scalar(select(User).where(User.email == "new.agent@example.com"))
    assert created is not None
    assert (created.role, created.language, created.is_active) == ("support", "zh", True)
    assert "New Agent" in client.get("/app/settings").text


def test_adding_a_user_with_a_short_password_says_why(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.admin))

    response = client.post(
        "/app/settings/users",
        data={"csrf_token": csrf, "email": "x@example.com", "name": "X", "role": "sales", "password": "short"},
    )

    assert response.status_code == 422
    assert "at least 10 characters" in response.text


def test_admin_disables_a_user_and_their_session_stops_working(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    agent = make_user(session, Role.support)
    csrf = login(make_user(session, Role.admin))

    row = client.post(
        f"/app/settings/users/{agent.id}/active",
        data={"csrf_token": csrf, "is_active": "false"},
        headers={"HX-Request": "true"},
    )

    assert row.status_code == 200
    assert "Disabled" in row.text
    session.refresh(agent)
    assert agent.is_active is False
    login(agent)
    assert client.get("/app", follow_redirects=False).status_code == 303


def test_admin_cannot_disable_themselves(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    admin = make_user(session, Role.admin)
    csrf = login(admin)

    response = client.post(f"/app/settings/users/{admin.id}/active", data={"csrf_token": csrf, "is_active": "false"})

    assert response.status_code == 403


def test_manager_sees_users_but_cannot_add(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    csrf = login(make_user(session, Role.manager))

    page = client.get("/app/settings")
    added = client.post(
        "/app/settings/users",
        data={
            "csrf_token": csrf,
            "email": "y@example.com",
            "name": "Y",
            "role": "sales",
            "password": "long-password-1",
        },
    )

    assert page.status_code == 200
    assert "Add a user" not in page.text
    assert added.status_code == 403


def test_sales_rep_has_no_settings_page_or_link(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.sales))

    home = client.get("/app").text

    assert 'href="/app/settings"' not in home
    assert 'href="/app/customers"' in home
    assert client.get("/app/settings").status_code == 403


def test_the_login_form_locks_an_account_after_repeated_failures(client: TestClient, session: Session) -> None:
    user = make_user(session, Role.support)
    # The default policy: 5 failures per account within 15 minutes lock it for 15 minutes.
    codes = [_login_form(client, user.email, "not-the-password").status_code for _ in range(5)]  # type: ignore[attr-defined]

    locked = _login_form(client, user.email, PASSWORD)

    assert codes == [401] * 5
    assert locked.status_code == 429  # type: ignore[attr-defined]
    assert "too many failed logins" in locked.text  # type: ignore[attr-defined]
    assert "rapport_session" not in locked.headers.get("set-cookie", "")  # type: ignore[attr-defined]
