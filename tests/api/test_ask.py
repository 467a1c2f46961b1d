"""Ask Rapport over HTTP: an answer with table, chart, summary, plan and SQL; follow-ups; refusals; saving."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.ask.kit import PlanProvider, World, build_world, gateway_with
from tests.factories import token_for

BY_CITY = {"entity": "orders", "metrics": ["revenue"], "dimensions": ["customer.city"]}
PLANS = {
    "by city": BY_CITY,
    "and ": {**BY_CITY, "filters": [{"field": "customer.city", "op": "=", "value": "London"}]},
    "emails": {"entity": "customers", "dimensions": ["customer.name", "customer.email"]},
    "weather": {"answerable": False, "reason": "the CRM has no weather data"},
}


def _setup(client: TestClient, session: Session, tmp_path: Path) -> World:
    client.app.state.gateway = gateway_with(PlanProvider(PLANS), tmp_path)  # type: ignore[attr-defined]
    return build_world(session)


def test_ask_answers_with_table_chart_summary_and_sql(client: TestClient, session: Session, tmp_path: Path) -> None:
    world = _setup(client, session, tmp_path)
    headers = token_for(session, world.analyst)

    response = client.post("/api/ask", json={"question": "Revenue by city"}, headers=headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "answered"
    assert [c["name"] for c in body["columns"]] == ["customer.city", "revenue"]
    assert body["rows"] == [["上海市", 13050.0], ["London", 1700.0]]
    assert body["chart"]["type"] == "bar"
    assert body["summary"] == "2 rows; highest is 上海市 with revenue $13,050.00."
    assert body["plan"]["dimensions"] == ["customer.city"]
    assert body["sql"].startswith("SELECT customers.city AS customer_city")


def test_a_follow_up_in_the_conversation(client: TestClient, session: Session, tmp_path: Path) -> None:
    world = _setup(client, session, tmp_path)
    headers = token_for(session, world.rep_a)
    first = client.post("/api/ask", json={"question": "Revenue by city"}, headers=headers).json()

    second = client.post(
        "/api/ask", json={"question": "and London?", "conversation_id": first["conversation_id"]}, headers=headers
    ).json()
    thread = client.get(f"/api/ask/conversations/{first['conversation_id']}", headers=headers)

    assert second["rows"] == [["London", 300.0]]  # rep A's own customers only
    assert thread.status_code == 200
    assert [t["question"] for t in thread.json()["turns"]] == ["Revenue by city", "and London?"]


def test_refusals_are_answers_with_a_reason(client: TestClient, session: Session, tmp_path: Path) -> None:
    world = _setup(client, session, tmp_path)
    headers = token_for(session, world.analyst)

    masked = client.post("/api/ask", json={"question": "customer emails"}, headers=headers).json()
    weather = client.post("/api/ask", json={"question": "weather tomorrow"}, headers=headers).json()

    assert masked["status"] == "refused"
    assert "customer.email" in masked["refusal"]
    assert weather["status"] == "refused"
    assert weather["summary"] == "the CRM has no weather data"


def test_save_and_open_a_report(client: TestClient, session: Session, tmp_path: Path) -> None:
    world = _setup(client, session, tmp_path)
    headers = token_for(session, world.analyst)
    answer = client.post("/api/ask", json={"question": "Revenue by city"}, headers=headers).json()

    saved = client.post("/api/ask/saved", json={"turn_id": answer["turn_id"], "name": "By city"}, headers=headers)
    listed = client.get("/api/ask/saved", headers=headers)
    opened = client.get(f"/api/ask/saved/{saved.json()['id']}", headers=headers)

    assert saved.status_code == 201, saved.text
    assert saved.json()["kind"] == "report"
    assert [s["name"] for s in listed.json()] == ["By city"]
    assert opened.json()["rows"] == answer["rows"]


def test_bad_input_is_a_client_error(client: TestClient, session: Session, tmp_path: Path) -> None:
    world = _setup(client, session, tmp_path)
    headers = token_for(session, world.analyst)

    assert client.post("/api/ask", json={"question": ""}, headers=headers).status_code == 422
    assert client.post("/api/ask", json={"question": "x", "conversation_id": 99}, headers=headers).status_code == 404
    assert client.get("/api/ask/conversations/99", headers=headers).status_code == 404
    assert client.post("/api/ask/saved", json={"turn_id": 99, "name": "x"}, headers=headers).status_code == 404
    assert client.post("/api/ask", json={"question": "revenue by city"}).status_code == 401
