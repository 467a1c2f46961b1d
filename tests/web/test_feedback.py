"""Feedback pages: in a browser on a small analysed demo company, the pain-point page's numbers drill down to the
customers and messages behind them, and a topic can be renamed; with the test client, the page in Chinese, the
downloadable report, and what a sales rep may see."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.feedback import pipeline
from rapport.privacy.access import Role
from rapport.settings import Settings
from tests.factories import make_customer, make_user
from tests.feedback import kit
from tests.web.conftest import LiveServer, demo_database, log_in, serving


@pytest.fixture(scope="module")
def feedback_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A 60-customer demo company with analytics and a feedback run, served in a thread."""
    from rapport.analytics import service as analytics_service

    data_dir = tmp_path_factory.mktemp("feedback-demo")
    engine = demo_database(data_dir, 60)
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'rapport.db'}", log_level="WARNING")
    analytics_service.run_analytics(engine, settings)
    pipeline.analyse(engine, settings, gateway=None, embedder=kit.embedder(), min_cluster_size=5)
    engine.dispose()
    with serving(settings) as server:
        yield server


@pytest.fixture
def feedback_page(browser: Any, feedback_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=feedback_server.url, viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    yield tab
    context.close()


def test_pain_point_numbers_drill_down_to_customers_and_messages(
    feedback_page: Any, feedback_server: LiveServer
) -> None:
    page = feedback_page
    log_in(page, feedback_server, "admin")

    page.get_by_role("link", name="Feedback").first.click()
    page.wait_for_url("**/app/feedback")
    first_row = page.locator("#pain-points tbody tr[data-topic]").first
    affected = int(first_row.locator("a.drill-customers").inner_text().replace(",", ""))
    negative = int(first_row.locator("a.drill-negative").inner_text().replace(",", ""))
    assert affected >= 1
    assert negative >= 1
    assert first_row.locator("a.drill-revenue").inner_text().startswith("$")

    first_row.locator("a.drill-customers").click()
    page.wait_for_url("**/customers")
    assert page.locator("#customers tbody tr").count() == affected

    page.go_back()
    page.locator("#pain-points tbody tr[data-topic]").first.locator("a.drill-negative").click()
    page.wait_for_url("**sentiment=negative")
    rows = page.locator("#messages tbody tr")
    assert rows.count() == min(negative, 50)
    assert rows.first.locator(".badge").inner_text() == "negative"

    page.get_by_role("textbox", name="Name", exact=True).fill("Parcels that never came")
    page.get_by_role("button", name="Rename").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Parcels that never came").is_visible()


@pytest.fixture
def analysed(session: Session, connection: Connection, tmp_path: Path, database_url: str) -> None:
    owner = make_user(session, Role.sales)
    for i, texts in enumerate((kit.LATE, kit.LOGIN, kit.BROKEN, kit.PRAISE)):
        kit.add_messages(session, make_customer(session, owner_id=owner.id if i == 0 else None), texts)
    session.info["owner"] = owner
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    pipeline.analyse(connection, settings, gateway=None, embedder=kit.embedder(), min_cluster_size=4)


def test_page_in_chinese_and_the_report_downloads(
    client: TestClient, session: Session, login: Callable[[User], str], analysed: None
) -> None:
    login(make_user(session, Role.manager, language="zh"))

    page = client.get("/app/feedback")
    download = client.get("/app/feedback/report.html")

    assert page.status_code == 200
    assert "主要痛点" in page.text
    assert "受影响客户" in page.text
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="pain-points.html"'
    assert "<svg" in download.text
    assert "/app/feedback/topics/" in download.text


def test_a_sales_rep_sees_counts_but_only_their_own_customers_messages(
    client: TestClient, session: Session, login: Callable[[User], str], analysed: None
) -> None:
    login(session.info["owner"])
    topics = client.get("/app/feedback").text
    ids = sorted({int(i) for i in re.findall(r'href="/app/feedback/topics/(\d+)"', topics)})

    pages = [client.get(f"/app/feedback/topics/{i}").text for i in ids]

    assert any('id="hidden-note"' in p for p in pages)
    assert not any(kit.LOGIN[0] in p for p in pages)
    assert 'action="/app/feedback/topics/' not in "".join(pages)  # no rename or merge forms for sales
