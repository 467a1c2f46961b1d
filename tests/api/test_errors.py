"""A sweep of every API route with bad input: each answer is a 4xx JSON error with a message, never a 5xx."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.privacy.access import Role
from tests.factories import make_customer, make_user, token_for

SQLISH = "1'; DROP TABLE customers; --"
BAD_IDS = ["999999999", str(2**70), "-1", "abc", "1 OR 1=1", SQLISH]
BAD_QUERIES: list[dict[str, str]] = [
    {"limit": "-1"},
    {"limit": "abc"},
    {"sort": "password_hash"},
    {"cursor": "not-a-cursor"},
    {"q": SQLISH},
    {"q": "%_\\"},
    {"nope": "1"},
    {"id": "abc"},
    {"created_at__gte": "yesterday"},
]


def _bodies() -> Iterator[tuple[str, bytes, dict[str, str]]]:
    json_type = {"content-type": "application/json"}
    yield "malformed JSON", b'{"full_name": "x",', json_type
    yield "a list instead of an object", b"[1, 2, 3]", json_type
    yield "a bare string", b'"hello"', json_type
    yield "wrong types", json.dumps({k: [1, {"a": 2}] for k in _COMMON_FIELDS}).encode(), json_type
    yield "SQL-looking strings", json.dumps(dict.fromkeys(_COMMON_FIELDS, SQLISH)).encode(), json_type
    yield "NUL characters", json.dumps(dict.fromkeys(_COMMON_FIELDS, "a\u0000b")).encode(), json_type
    yield "huge numbers", json.dumps(dict.fromkeys(_COMMON_FIELDS, 10**30)).encode(), json_type
    yield "oversized body", b'{"full_name": "' + b"x" * 3_000_000 + b'"}', json_type
    yield "form data instead of JSON", b"a=1&b=2", {"content-type": "application/x-www-form-urlencoded"}


_COMMON_FIELDS = [
    "full_name",
    "email",
    "phone",
    "name",
    "customer_id",
    "subject",
    "body",
    "title",
    "sku",
    "price",
    "amount",
    "lines",
    "stages",
    "slug",
    "password",
    "role",
    "kind",
    "status",
    "birth_date",
    "placed_at",
]


def _operations(client: TestClient) -> list[tuple[str, str]]:
    spec = client.app.openapi()  # type: ignore[attr-defined]
    return [(method.upper(), path) for path, item in spec["paths"].items() for method in item]


def _assert_client_error(response: Any, what: str) -> None:
    assert response.status_code < 500, f"{what} → {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert body["error"]["message"], what


@pytest.fixture
def admin_headers(session: Session) -> dict[str, str]:
    return token_for(session, make_user(session, Role.admin))


def test_every_route_answers_bad_ids_with_4xx(client: TestClient, admin_headers: dict[str, str]) -> None:
    checked = 0
    for method, path in _operations(client):
        if "{" not in path:
            continue
        for bad in BAD_IDS:
            url = path.replace("{", "").replace("}", "")
            url = "/".join(bad if part.endswith("_id") else part for part in url.split("/"))
            response = client.request(method, url, headers=admin_headers, json={})
            _assert_client_error(response, f"{method} {url}")
            assert response.status_code >= 400
            checked += 1
    assert checked > 50


def test_every_route_answers_bad_bodies_with_4xx(
    client: TestClient, session: Session, admin_headers: dict[str, str]
) -> None:
    customer = make_customer(session)
    checked = 0
    for method, path in _operations(client):
        if method not in {"POST", "PATCH", "PUT"}:
            continue
        url = path.replace("{customer_id}", str(customer.id))
        url = "/".join("1" if part.startswith("{") else part for part in url.split("/"))
        for what, raw, headers in _bodies():
            response = client.request(method, url, content=raw, headers={**admin_headers, **headers})
            _assert_client_error(response, f"{method} {url} with {what}")
            checked += 1
    assert checked > 100


def test_every_list_route_answers_bad_query_parameters_with_4xx(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    checked = 0
    for method, path in _operations(client):
        if method != "GET" or "{" in path:
            continue
        for params in BAD_QUERIES:
            response = client.get(path, params=params, headers=admin_headers)
            _assert_client_error(response, f"GET {path} {params}")
            checked += 1
    assert checked > 50


def test_every_route_requires_authentication(client: TestClient) -> None:
    public = {"/api/health", "/api/auth/tokens", "/api/auth/login", "/api/auth/logout"}
    for method, path in _operations(client):
        if path in public:
            continue
        url = "/".join("1" if part.startswith("{") else part for part in path.split("/"))
        response = client.request(method, url, json={})
        assert response.status_code in {401, 422}, f"{method} {url} → {response.status_code}"


def test_unknown_route_gets_json_404(client: TestClient) -> None:
    response = client.get("/api/no-such-thing")

    assert response.status_code == 404
    assert "no such endpoint" in response.json()["error"]["message"]


def test_oversized_body_without_content_length_gets_413(client: TestClient, admin_headers: dict[str, str]) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 100_000

    response = client.post(
        "/api/customers", content=chunks(), headers={**admin_headers, "content-type": "application/json"}
    )

    assert response.status_code == 413
