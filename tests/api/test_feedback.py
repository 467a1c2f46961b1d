"""Feedback API: topics, detail with messages, trends, the pain-point report, rename, merge, runs; errors are 4xx."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from rapport.feedback import pipeline
from rapport.privacy.access import Role
from rapport.settings import Settings
from tests.factories import make_customer, make_user, token_for
from tests.feedback import kit

pytestmark = pytest.mark.db


@pytest.fixture
def analysed(session: Session, connection: Connection, tmp_path: Path, database_url: str) -> None:
    for texts in (kit.LATE, kit.LOGIN, kit.BROKEN, kit.PRAISE):
        kit.add_messages(session, make_customer(session), texts)
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    pipeline.analyse(connection, settings, gateway=None, embedder=kit.embedder(), min_cluster_size=4)


def test_topics_detail_trends_and_report(client: TestClient, session: Session, analysed: None) -> None:
    headers = token_for(session, make_user(session, Role.analyst))

    topics = client.get("/api/feedback/topics", headers=headers)
    assert topics.status_code == 200
    first = topics.json()[0]
    detail = client.get(f"/api/feedback/topics/{first['id']}?limit=5", headers=headers)
    trends = client.get(f"/api/feedback/trends?topic_id={first['id']}&weeks=4", headers=headers)
    report = client.get("/api/feedback/report", headers=headers)

    assert len(topics.json()) >= 3
    assert detail.status_code == 200
    assert detail.json()["messages"]["total"] == first["size"]
    assert len(detail.json()["messages"]["items"]) == min(5, first["size"])
    assert trends.status_code == 200
    assert trends.json()[0]["weeks"][-1]["volume"] >= 1
    assert report.status_code == 200
    assert report.json()["messages"] == 32
    assert report.json()["pain_points"]
    assert report.json()["note"].startswith("No analytics run yet")


def test_rename_and_merge(client: TestClient, session: Session, analysed: None) -> None:
    headers = token_for(session, make_user(session, Role.manager))
    a, b = (t["id"] for t in client.get("/api/feedback/topics", headers=headers).json()[:2])

    renamed = client.post(f"/api/feedback/topics/{a}/rename", json={"name": "Parcels late"}, headers=headers)
    merged = client.post(f"/api/feedback/topics/{a}/merge", json={"drop_ids": [b]}, headers=headers)
    again = client.post(f"/api/feedback/topics/{a}/merge", json={"drop_ids": [b]}, headers=headers)

    assert renamed.status_code == 200
    assert renamed.json()["named_by"] == "user"
    assert merged.status_code == 200
    assert merged.json()["name"] == "Parcels late"
    assert again.status_code == 422
    assert "already merged" in again.json()["error"]["message"]
    merged_list = client.get("/api/feedback/topics?status=merged", headers=headers).json()
    assert [t["id"] for t in merged_list] == [b]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/api/feedback/topics/999999", None, 404),
        ("get", "/api/feedback/topics/1?sentiment=angry", None, 422),
        ("post", "/api/feedback/topics/999999/rename", {"name": "x y"}, 404),
        ("post", "/api/feedback/topics/1/merge", {"drop_ids": []}, 422),
        ("get", "/api/feedback/trends?topic_id=0", None, 422),
    ],
)
def test_bad_requests_are_4xx_with_a_message(
    client: TestClient, session: Session, method: str, path: str, body: object, status: int
) -> None:
    headers = token_for(session, make_user(session, Role.admin))

    response = getattr(client, method)(path, headers=headers, **({"json": body} if body is not None else {}))

    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_sales_may_read_but_not_rename_or_run(client: TestClient, session: Session, analysed: None) -> None:
    headers = token_for(session, make_user(session, Role.sales))
    topic = client.get("/api/feedback/topics", headers=headers).json()[0]

    renamed = client.post(f"/api/feedback/topics/{topic['id']}/rename", json={"name": "Mine"}, headers=headers)
    run = client.post("/api/feedback/runs", json={"full": True}, headers=headers)

    assert renamed.status_code == 403
    assert run.status_code == 403
