"""The assistant's pages: the widget script, cited articles, the demo page, live conversations for staff, the
knowledge import; and in headless Chromium the whole path from a question in the widget to a ticket in the inbox."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.assistant import service as conversation_service
from rapport.knowledge.models import KnowledgeArticle
from rapport.privacy.access import Role
from tests.assistant.kit import SETTINGS, add_articles, local_model, make_runtime
from tests.factories import make_customer, make_user

from .conftest import _free_port


def test_the_widget_script_is_served_to_any_site(client: TestClient) -> None:
    response = client.get("/widget.js")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/javascript")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "attachShadow" in response.text
    assert client.get("/static/widget/widget.css").status_code == 200


def test_cited_articles_are_public_and_unpublished_ones_are_not(client: TestClient, session: Session) -> None:
    session.add(KnowledgeArticle(slug="pets", title="Pets", body="## Dogs\nDogs are **welcome**.<script>x</script>"))
    session.add(KnowledgeArticle(slug="draft", title="Draft", body="secret", is_published=False))
    session.flush()

    page = client.get("/kb/pets")
    hidden = client.get("/kb/draft")

    assert page.status_code == 200
    assert "<strong>welcome</strong>" in page.text
    assert "<script>x" not in page.text
    assert hidden.status_code == 404


def test_the_demo_page_carries_the_widget_tag(client: TestClient) -> None:
    html = client.get("/widget/demo", params={"lang": "zh"}).text

    assert '<script src="/widget.js" data-language="zh"' in html


def test_support_sees_live_conversations_and_takes_one_over(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    agent = make_user(session, Role.support)
    csrf = login(agent)
    conversation, _ = conversation_service.start(session, customer_id=make_customer(session, full_name="Li Na").id)
    conversation_service.add_message(session, conversation, "customer", "Hello, is anyone there?")
    conversation.status = "waiting"
    session.flush()

    listing = client.get("/app/assistant").text
    taken = client.post(f"/app/assistant/{conversation.id}/takeover", data={"csrf_token": csrf}, follow_redirects=False)
    replied = client.post(
        f"/app/assistant/{conversation.id}/reply",
        data={"csrf_token": csrf, "text": "Yes, Sam here."},
        follow_redirects=True,
    )

    assert "Li Na" in listing
    assert "waiting for a person" in listing
    assert taken.status_code == 303
    assert "Yes, Sam here." in replied.text
    session.refresh(conversation)
    assert conversation.status == "agent"


def test_sales_reps_get_no_conversations_page(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.sales))

    assert client.get("/app/assistant").status_code == 403


def test_the_import_page_takes_any_supported_file(
    client: TestClient, session: Session, login: Callable[[User], str], tmp_path: Path
) -> None:
    csrf = login(make_user(session, Role.support))
    app: Any = client.app
    app.state.assistant = make_runtime(app.state.sessionmaker, tmp_path)

    html = client.post(
        "/app/assistant/import",
        data={"csrf_token": csrf, "language": "auto"},
        files=[("files", ("page.html", b"<h1>Pets</h1><h2>Dogs</h2><p>Dogs on a lead are welcome.</p>", "text/html"))],
    ).text

    assert "created" in html
    assert "1 article(s) indexed" in html


# ---- in a real browser -----------------------------------------------------------------------------------------------
ADMIN_EMAIL = "admin@shop.example"
ADMIN_PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def assistant_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Rapport on a fresh SQLite file with four help articles, an admin, and the small local model answering."""
    import uvicorn

    from rapport.accounts import service as account_service
    from rapport.accounts.models import User as UserModel
    from rapport.app import create_app
    from rapport.settings import Settings
    from rapport.store import migrate
    from rapport.store.engine import make_engine, make_sessionmaker, session_scope

    data_dir = tmp_path_factory.mktemp("assistant-web")
    url = f"sqlite:///{data_dir / 'rapport.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with session_scope(make_sessionmaker(engine)) as session:
        add_articles(session)
        session.add(
            UserModel(
                email=ADMIN_EMAIL,
                name="Ada Admin",
                role="admin",
                password_hash=account_service.hash_password(ADMIN_PASSWORD),
            )
        )
    app = create_app(Settings(data_dir=data_dir, database_url=url, log_level="WARNING"), bind=engine)
    settings = SETTINGS.model_copy(update={"answer_max_tokens": 60})
    runtime = make_runtime(app.state.sessionmaker, data_dir, provider=local_model(), settings=settings)
    runtime.index.ensure_fresh(runtime.sessions, force=True)
    app.state.assistant = runtime
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start in 20 s")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


@pytest.mark.browser
@pytest.mark.llm
def test_browser_question_streamed_answer_with_citations_then_a_person(browser: Any, assistant_server: str) -> None:
    context = browser.new_context(base_url=assistant_server, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/widget/demo")

    page.click("button.launcher")
    page.wait_for_selector("li.msg.assistant")  # the greeting
    page.fill("textarea", "Is there a discount for students?")
    with page.expect_response("**/api/assistant/widget/messages", timeout=180_000) as streamed:
        page.press("textarea", "Enter")
    answer = page.wait_for_selector("li.msg.assistant:not(.pending) .sources a", timeout=180_000)
    text = page.locator("li.msg.assistant").last.inner_text()

    assert streamed.value.headers["content-type"].startswith("text/event-stream")
    assert "10%" in text
    assert answer.get_attribute("href") == f"{assistant_server}/kb/discount-codes"

    page.click("button.human")
    page.fill("form.contact input[name=email]", "visitor@example.com")
    page.click("form.contact button")
    handed = page.wait_for_selector("li.msg.assistant >> text=/ticket #\\d+/")
    ticket_id = int(re.search(r"ticket #(\d+)", handed.inner_text()).group(1))  # type: ignore[union-attr]
    context.close()

    token = httpx.post(f"{assistant_server}/api/auth/tokens", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    inbox = httpx.get(
        f"{assistant_server}/api/tickets",
        params={"channel": "widget", "status": "new"},
        headers={"Authorization": f"Bearer {token.json()['token']}"},
    ).json()
    assert [t["id"] for t in inbox["items"]] == [ticket_id]
    assert inbox["items"][0]["subject"].startswith("Chat: discount request")
