"""The Ask page: question box, table, chart, summary, the SQL it ran, follow-ups and saving; in a real browser with
the small local model."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from tests.ask.kit import PlanProvider, World, build_world, gateway_with
from tests.assistant.kit import DATA_DIR
from tests.web.conftest import LiveServer, demo_database, log_in, serving

BY_CITY = {"entity": "orders", "metrics": ["revenue"], "dimensions": ["customer.city"]}
PLANS = {
    "by city": BY_CITY,
    "and ": {**BY_CITY, "filters": [{"field": "customer.city", "op": "=", "value": "London"}]},
    "emails": {"entity": "customers", "dimensions": ["customer.name", "customer.email"]},
}


@pytest.fixture
def world(client: TestClient, session: Session, tmp_path: Path) -> World:
    client.app.state.gateway = gateway_with(PlanProvider(PLANS), tmp_path)  # type: ignore[attr-defined]
    return build_world(session)


def test_the_page_answers_with_table_chart_summary_and_sql(
    client: TestClient, world: World, login: Callable[[User], str]
) -> None:
    csrf = login(world.analyst)

    page = client.get("/app/ask")
    answered = client.post("/app/ask", data={"question": "Revenue by city", "csrf_token": csrf})

    assert page.status_code == 200
    assert 'href="/app/ask"' in page.text
    assert answered.status_code == 200, answered.text
    assert "上海市" in answered.text
    assert "13050.0" in answered.text
    assert '<svg class="chart"' in answered.text
    assert "2 rows; highest is 上海市" in answered.text
    assert "SELECT customers.city AS customer_city" in answered.text
    assert 'name="conversation_id"' in answered.text  # the box now asks follow-ups


def test_a_follow_up_then_save_as_report(client: TestClient, world: World, login: Callable[[User], str]) -> None:
    csrf = login(world.analyst)
    first = client.post("/app/ask", data={"question": "Revenue by city", "csrf_token": csrf})
    conversation_id = re.search(r'name="conversation_id" value="(\d+)"', first.text).group(1)  # type: ignore[union-attr]

    second = client.post(
        "/app/ask", data={"question": "and London?", "conversation_id": conversation_id, "csrf_token": csrf}
    )
    turn_id = re.search(r'name="turn_id" value="(\d+)"', second.text).group(1)  # type: ignore[union-attr]
    saved = client.post(
        "/app/ask/save",
        data={"turn_id": turn_id, "kind": "report", "name": "London revenue", "csrf_token": csrf},
        follow_redirects=True,
    )

    assert "Revenue by city" in second.text  # earlier in this conversation
    assert saved.status_code == 200
    assert "London revenue" in saved.text
    assert "1700.0" in saved.text


def test_a_refusal_is_shown_with_its_reason(client: TestClient, world: World, login: Callable[[User], str]) -> None:
    csrf = login(world.analyst)
    page = client.post("/app/ask", data={"question": "customer emails", "csrf_token": csrf})
    assert 'data-status="refused"' in page.text
    assert "customer.email" in page.text


# ---- in a browser, with the real small model ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Rapport with the 0.5B local model on a small demo company (the shared live server has no model)."""
    from rapport.settings import LLMSettings, Settings

    folder = tmp_path_factory.mktemp("ask-web")
    demo_database(folder, 60).dispose()
    llm = LLMSettings(provider="local", local_model="qwen2.5-coder-0.5b-instruct-q4_k_m", cache=False, timeout_s=900)
    url = f"sqlite:///{folder / 'rapport.db'}"
    settings = Settings(data_dir=DATA_DIR.resolve(), database_url=url, log_level="WARNING", llm=llm)
    with serving(settings) as server:
        yield server


@pytest.fixture
def model_page(browser: Any, model_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=model_server.url, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(240_000)  # the first question processes the system prompt, maybe on busy cores
    tab = context.new_page()
    yield tab
    context.close()


def test_ask_in_the_browser_shows_the_table_and_the_sql(model_page: Any, model_server: LiveServer) -> None:
    log_in(model_page, model_server, "admin")
    model_page.get_by_role("link", name="Ask").click()
    model_page.get_by_role("textbox", name="Question").fill("How many customers do we have?")
    model_page.get_by_role("button", name="Ask").click(no_wait_after=True)

    model_page.locator("#answer").wait_for()
    assert model_page.locator("#answer").get_attribute("data-status") == "answered"
    assert model_page.locator("#answer-table tbody td").first.inner_text() == "60"
    assert model_page.locator("#answer-sql").inner_text().startswith("SELECT count(customers.id)")
    assert model_page.get_by_role("textbox", name="Follow-up question").is_visible()
