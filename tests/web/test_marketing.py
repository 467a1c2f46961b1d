"""Marketing pages: a sentence becomes rules shown for confirmation; the campaign page shows copy, preview samples
and, once sent, each variant's uplift over the holdout with its confidence interval and a chart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from rapport.accounts.models import User
from rapport.marketing.models import Segment
from rapport.privacy.access import Role
from rapport.settings import LLMSettings, Settings
from tests.factories import make_customer, make_user
from tests.web.conftest import LiveServer, log_in


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, llm=LLMSettings(provider="none"))


def test_sentence_is_shown_as_rules_then_saved_on_confirmation(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    csrf = login(make_user(session, Role.marketing))
    make_customer(session, city="上海市", consent_email=True)

    draft = client.post("/app/marketing/segments/draft", data={"sentence": "customers in Shanghai", "csrf_token": csrf})

    assert draft.status_code == 200
    assert "city is Shanghai" in draft.text
    assert 'id="draft-count">1<' in draft.text
    assert session.query(Segment).count() == 0

    rules = '{"match": "all", "conditions": [{"field": "city", "op": "eq", "value": "Shanghai"}]}'
    saved = client.post(
        "/app/marketing/segments",
        data={"name": "Shanghai", "rules": rules, "sentence": "customers in Shanghai", "csrf_token": csrf},
        follow_redirects=False,
    )

    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "Shanghai" in page.text
    assert "New campaign" in page.text


def test_marketing_is_in_the_navigation_for_marketers_only(
    client: TestClient, session: Session, login: Callable[[User], str]
) -> None:
    login(make_user(session, Role.marketing))
    assert 'href="/app/marketing"' in client.get("/app").text

    login(make_user(session, Role.support))
    assert 'href="/app/marketing"' not in client.get("/app").text
    assert client.get("/app/marketing").status_code == 403


@pytest.mark.browser
def test_browser_campaign_page_shows_uplift_with_its_interval(page: Any, live_server: LiveServer) -> None:
    log_in(page, live_server, "maria.garcia")  # marketing
    api = page.request
    segment = api.post(
        "/api/marketing/segments",
        data={"name": "Browser test", "rules": {"conditions": [{"field": "orders", "op": "gte", "value": 0}]}},
    ).json()
    campaign = api.post(
        "/api/marketing/campaigns",
        data={
            "name": "Browser campaign",
            "segment_id": segment["id"],
            "brief": {"offer": "15% off your next order", "discount_pct": 15},
            "holdout_share": 0.2,
        },
    ).json()
    base = f"/api/marketing/campaigns/{campaign['id']}"
    assert api.post(f"{base}/messages?use_model=false").ok
    assert api.post(f"{base}/send").ok
    assert api.post(f"{base}/simulate", data={"effects": {"A": 0.3, "B": 0.5}, "seed": 1}).ok

    page.goto(f"/app/marketing/campaigns/{campaign['id']}")

    table = page.locator("#results-table")
    assert table.is_visible()
    row = table.locator("tr[data-group='B']")
    assert row.locator("td.uplift").inner_text().endswith("pp")
    assert " … " in row.locator("td.ci").inner_text()
    assert page.locator("#simulated-note").is_visible()
    assert page.locator("svg.chart circle").count() == 2
    assert page.get_by_role("heading", name="Copy per variant and language").is_visible()
