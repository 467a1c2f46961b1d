"""Marketing over HTTP: segments and campaigns end to end, and the public pixel, redirect and unsubscribe."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from rapport.marketing import links
from rapport.marketing.models import CampaignRecipient
from rapport.privacy.access import Role
from rapport.privacy.models import AuditEvent
from rapport.settings import LLMSettings, Settings
from tests.factories import make_customer, make_product, make_user, token_for


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """No model: sentences are read by rules and copy comes from templates (tests/marketing covers the model)."""
    return Settings(data_dir=tmp_path, database_url=database_url, llm=LLMSettings(provider="none"))


def _headers(session: Session, role: Role = Role.marketing) -> dict[str, str]:
    return token_for(session, make_user(session, role))


def _campaign(client: TestClient, headers: dict[str, str], session: Session) -> dict[str, Any]:
    for _ in range(12):
        make_customer(session, consent_email=True, source="demo", city="上海市")
    make_product(session, sku="ALP-1", name="Alpine Down Jacket", price=Decimal("79.00"))
    segment = client.post(
        "/api/marketing/segments",
        json={"name": "Shanghai", "rules": {"conditions": [{"field": "city", "op": "eq", "value": "Shanghai"}]}},
        headers=headers,
    )
    assert segment.status_code == 201, segment.text
    assert segment.json()["member_count"] == 12
    created = client.post(
        "/api/marketing/campaigns",
        json={
            "name": "Winter",
            "segment_id": segment.json()["id"],
            "brief": {"offer": "20% off the Alpine Down Jacket", "product": "ALP-1", "discount_pct": 20},
            "holdout_share": 0.25,
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def test_a_campaign_runs_through_the_api(client: TestClient, session: Session) -> None:
    headers = _headers(session)
    campaign = _campaign(client, headers, session)
    base = f"/api/marketing/campaigns/{campaign['id']}"

    copy = client.post(f"{base}/messages", params={"use_model": "false"}, headers=headers)
    preview = client.get(f"{base}/preview", params={"sample": 2}, headers=headers)
    sent = client.post(f"{base}/send", headers=headers)
    results = client.get(f"{base}/results", headers=headers)

    assert copy.status_code == 200
    assert len(copy.json()) == 4
    assert preview.json()["eligible"] == 12
    assert len(preview.json()["samples"]) == 2
    assert sent.status_code == 200
    assert sent.json()["status"] == "sent"
    groups = {g["group"]: g for g in results.json()["groups"]}
    assert sum(g["recipients"] for g in groups.values()) == 12
    assert "holdout" in groups
    assert "Newcombe" in results.json()["method"]


def test_sentence_becomes_a_draft_not_a_segment(client: TestClient, session: Session) -> None:
    headers = _headers(session)
    make_customer(session, city="上海市")

    draft = client.post(
        "/api/marketing/segments/from-sentence", json={"sentence": "customers in Shanghai"}, headers=headers
    )
    listed = client.get("/api/marketing/segments", headers=headers)

    assert draft.status_code == 200, draft.text
    assert draft.json()["rules"]["conditions"] == [{"field": "city", "op": "eq", "value": "Shanghai"}]
    assert draft.json()["member_count"] == 1
    assert listed.json() == []


def test_public_links_track_redirect_and_unsubscribe(client: TestClient, session: Session, settings: Settings) -> None:
    headers = _headers(session)
    campaign = _campaign(client, headers, session)
    client.post(f"/api/marketing/campaigns/{campaign['id']}/send", headers=headers)
    recipient = session.scalars(
        select(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign["id"], CampaignRecipient.group != "holdout"
        )
    ).first()
    assert recipient is not None
    secret = links.secret_from(settings.marketing.link_secret, settings.data_dir)

    pixel = client.get(f"/api/t/o/{links.sign(secret, 'open', recipient.id)}.gif")
    click = client.get(f"/api/t/c/{links.sign(secret, 'click', recipient.id)}", follow_redirects=False)
    gone = client.get(f"/api/unsubscribe/{links.sign(secret, 'unsubscribe', recipient.id)}")
    forged = client.get(f"/api/t/c/{recipient.id}.0.forged", follow_redirects=False)

    assert (pixel.status_code, pixel.headers["content-type"]) == (200, "image/gif")
    assert (click.status_code, click.headers["location"]) == (302, "https://shop.example.com/")
    assert gone.status_code == 200
    assert "unsubscribed" in gone.text
    assert forged.status_code == 422
    assert forged.json()["error"]["message"] == "this link is not valid"
    session.refresh(recipient)
    assert recipient.opened_at
    assert recipient.clicked_at
    assert recipient.unsubscribed_at


def test_simulation_is_for_demo_data_and_roles_are_enforced(client: TestClient, session: Session) -> None:
    headers = _headers(session)
    campaign = _campaign(client, headers, session)
    base = f"/api/marketing/campaigns/{campaign['id']}"
    client.post(f"{base}/send", headers=headers)
    sales = _headers(session, Role.sales)

    simulated = client.post(f"{base}/simulate", json={"effects": {"A": 0.5, "B": 0.5}, "seed": 2}, headers=headers)
    refused = client.post("/api/marketing/segments", json={"name": "x", "rules": {}}, headers=sales)
    readable = client.get(f"{base}/results", headers=sales)

    assert simulated.status_code == 200
    assert simulated.json()["is_simulated"] is True
    assert refused.status_code == 403
    assert readable.status_code == 200


def test_refreshing_a_segment_needs_update_rights_and_a_refusal_is_audited(
    client: TestClient, session: Session
) -> None:
    """A refresh stores the member count: a write, refused to the read-only roles (analyst, sales)."""
    admin = _headers(session, Role.admin)
    analyst = make_user(session, Role.analyst)
    make_customer(session, city="上海市")
    created = client.post(
        "/api/marketing/segments",
        json={"name": "Shanghai", "rules": {"conditions": [{"field": "city", "op": "eq", "value": "Shanghai"}]}},
        headers=admin,
    ).json()
    make_customer(session, city="上海市")
    url = f"/api/marketing/segments/{created['id']}/refresh"

    refused = client.post(url, headers=token_for(session, analyst))
    readable = client.get(f"/api/marketing/segments/{created['id']}", headers=token_for(session, analyst))
    refreshed = client.post(url, headers=admin)

    assert refused.status_code == 403
    assert refused.json()["error"]["message"]
    assert readable.json()["member_count"] == 1  # the refused refresh stored nothing
    assert refreshed.status_code == 200
    assert refreshed.json()["member_count"] == 2
    denied = session.scalars(
        select(AuditEvent).where(AuditEvent.actor_id == analyst.id, AuditEvent.outcome == "denied")
    ).all()
    assert [(e.entity, e.entity_id, e.detail) for e in denied] == [
        ("segments", str(created["id"]), {"attempted": "update"})
    ]


def test_bad_rules_and_briefs_are_4xx(client: TestClient, session: Session) -> None:
    headers = _headers(session)

    bad_op = client.post(
        "/api/marketing/segments/preview",
        json={"conditions": [{"field": "city", "op": "gt", "value": 3}]},
        headers=headers,
    )
    bad_field = client.post(
        "/api/marketing/segments/preview", json={"conditions": [{"field": "password", "op": "eq"}]}, headers=headers
    )
    bad_url = client.post(
        "/api/marketing/campaigns",
        json={"name": "x", "segment_id": 1, "brief": {"offer": "x", "url": "javascript:alert(1)"}},
        headers=headers,
    )

    assert (bad_op.status_code, bad_field.status_code, bad_url.status_code) == (422, 422, 422)
