"""The web's shared parts: sessions and redirects, CSRF on every unsafe request, errors as pages, language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.privacy.access import Role
from rapport.web.kit import safe_next, session_csrf_token
from tests.factories import make_customer, make_user


def test_page_without_session_redirects_to_login_with_next(client: TestClient) -> None:
    response = client.get("/app/customers?country=CN", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/app/login?next=%2Fapp%2Fcustomers%3Fcountry%3DCN"


def test_htmx_request_without_session_gets_hx_redirect(client: TestClient) -> None:
    response = client.get("/app/customers", headers={"HX-Request": "true"}, follow_redirects=False)

    assert response.status_code == 204
    assert response.headers["hx-redirect"].startswith("/app/login")


def test_post_without_csrf_token_is_refused(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    admin = make_user(session, Role.admin)
    login(admin)

    response = client.post("/app/views", data={"page": "customers", "name": "Mine"})

    assert response.status_code == 403
    assert "expired or came from another site" in response.text
    assert response.headers["content-type"].startswith("text/html")


def test_post_with_another_sessions_csrf_token_is_refused(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    admin = make_user(session, Role.admin)
    login(admin)

    response = client.post(
        "/app/views", data={"page": "customers", "name": "Mine", "csrf_token": session_csrf_token("rps_other")}
    )

    assert response.status_code == 403


def test_csrf_token_in_header_is_accepted(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    admin = make_user(session, Role.admin)
    csrf = login(admin)

    response = client.post(
        "/app/views",
        data={"page": "customers", "name": "Chinese", "language": "zh"},
        headers={"X-CSRF-Token": csrf},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/app/customers?language=zh"


def test_pages_render_the_csrf_token_of_the_session(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    admin = make_user(session, Role.admin)
    csrf = login(admin)

    html = client.get("/app").text

    assert f'name="csrf_token" value="{csrf}"' in html
    assert f'"X-CSRF-Token": "{csrf}"' in html


def test_service_errors_render_as_html_pages(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))

    response = client.get("/app/customers/999999")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "customers 999999 not found" in response.text


def test_htmx_errors_are_swapped_into_the_flash_area(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin))

    response = client.get(
        "/app/customers", params={"sort": "full_name", "country": "X" * 400}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 422
    assert response.headers["hx-retarget"] == "#flash"
    assert 'class="flash error"' in response.text


def test_unknown_page_is_an_html_404(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    login(make_user(session, Role.admin))

    response = client.get("/app/no-such-page")

    assert response.status_code == 404
    assert "there is no page at /app/no-such-page" in response.text


def test_record_out_of_reach_is_403_page(client: TestClient, session: Session, login: Callable[[User], str]) -> None:
    rep, other = make_user(session, Role.sales), make_user(session, Role.sales)
    theirs = make_customer(session, owner_id=other.id)
    login(rep)

    response = client.get(f"/app/customers/{theirs.id}")

    assert response.status_code == 403
    assert "outside your records" in response.text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/app/customers?x=1", "/app/customers?x=1"),
        ("//evil.example.com", "/app"),
        ("https://evil.example.com", "/app"),
        ("/\\evil.example.com", "/app"),
        (None, "/app"),
    ],
)
def test_safe_next_keeps_redirects_on_this_site(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_language_switch_sets_cookie_and_changes_the_interface(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.admin, language="en"))

    switched = client.get("/app/language", params={"lang": "zh", "next": "/app"}, follow_redirects=False)
    home = client.get("/app")

    assert switched.headers["location"] == "/app"
    assert client.cookies.get("rapport_lang") == "zh"
    assert '<html lang="zh-CN">' in home.text
    assert "欢迎" in home.text


def test_interface_follows_the_users_language_without_a_cookie(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.support, language="zh"))

    home = client.get("/app")

    assert "工单收件箱" in home.text


def test_security_headers_and_cookie_flags_on_login(client: TestClient) -> None:
    response = client.get("/app/login")

    assert response.headers["x-frame-options"] == "DENY"
    assert "httponly" in response.headers["set-cookie"].lower()
    assert "samesite=lax" in response.headers["set-cookie"].lower()
